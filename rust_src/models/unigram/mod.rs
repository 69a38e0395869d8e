//! The Unigram model: vocabulary trie, Viterbi encoding, the lattice for
//! sampling and entropy, n-best search, and training (seed and EM).

pub mod hf_model;
pub mod lattice;
pub mod model;
pub mod nbest;
pub mod seed;
pub mod trainer;
pub mod trie;
