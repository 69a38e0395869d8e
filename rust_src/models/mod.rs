//! Models: turn one pre-tokenized piece into token ids.

pub mod bpe;
