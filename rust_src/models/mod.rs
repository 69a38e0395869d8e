//! Segmentation models: text pieces to token ids.

pub mod bpe_spm;
pub mod rng;
pub mod spm_vocab;
pub mod unigram;
