//! tokkit: tokenizers with exact parity to the reference tools.
//!
//! Every algorithm runs the same pipeline (see [`pipeline`]): a normalizer, a
//! pre-tokenizer, a model (WordPiece, BPE, byte-level BPE, Unigram), a
//! post-processor and a decoder. File formats are read and written in
//! [`formats`]; the Python bindings live in `py` and nowhere else.

pub mod arrow_text;
pub mod char_index;
pub mod convert;
pub mod decoders;
pub mod error;
pub mod flat_ids;
pub mod formats;
pub mod hf_regex;
pub mod lines;
pub mod models;
pub mod normalize;
pub mod pipeline;
pub mod pretokenize;
pub mod sentencepiece;
pub mod threads;
pub mod tiktoken;
pub mod tokenizer;
pub mod train;

#[cfg(feature = "python")]
mod py;

pub use error::{Error, Result};
