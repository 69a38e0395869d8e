//! File formats: parse and write only, no tokenization logic.

pub mod vocab_txt;
