//! Tokenization models, one folder per algorithm: encoding and training.

pub mod wordpiece;
