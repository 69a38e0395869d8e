//! File formats: parsing and writing only, no tokenization logic.

pub mod atomic;
