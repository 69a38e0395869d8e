//! What every trainer shares: streaming, parallel word counting over corpus
//! files, the starting alphabet, the progress bar, and the lazily invalidated
//! max-heap that merge learners pick their next merge from.

pub(crate) mod alphabet;
pub(crate) mod chunks;
pub mod corpus;
pub mod corpus_file;
pub(crate) mod heap;
pub(crate) mod pairs;
pub(crate) mod progress;
pub(crate) mod queue;
pub mod recipes;
pub mod run;
pub mod split;
pub mod spm;
pub(crate) mod symbols;
pub mod word_counts;
pub mod word_map;

pub use corpus::{count_texts, count_words, CorpusOptions, Splitter};
pub use word_counts::WordCounts;
pub use word_map::{Word, WordMap};
