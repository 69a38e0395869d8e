//! The subword models, a folder per algorithm.

pub mod wordpiece;
