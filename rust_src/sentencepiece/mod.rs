//! sentencepiece models end to end: the processor (normalize, segment, turn
//! model output into pieces), sampling, n-best, entropy and decoding.

pub mod decode;
mod lattice_ops;
pub mod pipeline;
pub mod processor;
pub mod seed;

pub use processor::{Sampling, SentencePiece, SpmModel, SpmPiece};
