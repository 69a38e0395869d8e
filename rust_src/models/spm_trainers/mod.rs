//! sentencepiece's BPE, CHAR and WORD learners (google/sentencepiece
//! `bpe_model_trainer.cc`, `char_model_trainer.cc`, `word_model_trainer.cc`):
//! each takes the sentences `LoadSentences` left
//! ([`crate::train::spm::sentences`]) and returns the learned pieces in id
//! order with their scores, as spm_train's `final_pieces_`. The meta pieces
//! are placed around them by [`crate::train::spm::MetaPieces::assemble`].

pub mod bpe;
pub mod character;
pub mod word;

use crate::error::{Error, Result};
use crate::train::spm::meta::MetaPieces;
use crate::train::spm::options::SpmOptions;

/// The ids left for learned pieces once `reserved` are taken, as an error
/// when there are none left to take from.
fn room(options: &SpmOptions, meta: &MetaPieces, reserved: usize) -> Result<usize> {
    (options.vocab_size as usize)
        .checked_sub(meta.len() + reserved)
        .ok_or_else(|| {
            Error::Training(format!(
                "vocab_size {} is smaller than the {} meta pieces and {reserved} required \
                 characters it must hold",
                options.vocab_size,
                meta.len()
            ))
        })
}

/// sentencepiece's `std::log(static_cast<float>(n))`: the count rounded to
/// `f32` and its `f32` logarithm (glibc's `logf`, which Rust's `f32::ln`
/// calls on Linux).
fn log_count(n: u64) -> f32 {
    (n as f32).ln()
}
