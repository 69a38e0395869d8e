//! WordPiece: the BERT subword model and its trainer.

pub mod model;
pub mod trainer;
pub mod trie;
pub mod whole;

pub use model::WordPiece;
