//! The subword models, a folder per algorithm.

pub mod bpe;
pub mod bpe_spm;
pub mod file_ids;
pub mod rng;
pub mod spm_char;
pub mod spm_vocab;
pub mod spm_word;
pub mod unigram;
pub mod wordpiece;
