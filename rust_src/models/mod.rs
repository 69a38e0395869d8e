//! The subword models, a folder per algorithm.

pub mod bpe;
pub mod wordpiece;
