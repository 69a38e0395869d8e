//! What every trainer shares: streaming, parallel word counting over corpus
//! files, the starting alphabet, the progress bar, and the lazily invalidated
//! max-heap that merge learners pick their next merge from.

pub(crate) mod alphabet;
pub mod corpus;
pub(crate) mod heap;
pub(crate) mod progress;

pub use corpus::{count_words, CorpusOptions, Splitter, WordCounts};
