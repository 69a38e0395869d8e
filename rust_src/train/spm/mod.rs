//! sentencepiece-style training (google/sentencepiece `trainer_interface.cc`):
//! the options, the meta pieces, which substrings may be pieces, and the
//! normalized sentences with their required characters that every
//! sentencepiece learner (Unigram, BPE, CHAR, WORD) starts from.

pub mod meta;
pub mod options;
pub mod order;
pub mod pieces;
pub mod selection;
pub mod sentences;

pub use meta::MetaPieces;
pub use options::SpmOptions;
pub use sentences::SpmSentences;
