//! The Unigram model: vocabulary trie, Viterbi encoding, the lattice for
//! sampling and entropy, and n-best search.

pub mod hf_model;
pub mod lattice;
pub mod model;
pub mod nbest;
pub mod trie;
