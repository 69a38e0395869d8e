//! Byte-pair encoding (Sennrich et al. 2016, "Neural Machine Translation of
//! Rare Words with Subword Units"; byte-level as in GPT-2).
//!
//! One model serves tiktoken rank files, GPT-2 `vocab.json` + `merges.txt` and
//! HF `tokenizer.json` BPE: symbols are ids, a merge table maps two adjacent
//! ids to a rank and the merged id, and the merge loop repeatedly applies the
//! lowest-ranked adjacent merge, leftmost first ([`merge`]).

pub mod byte_alphabet;
pub mod char_seeds;
pub mod chars;
mod corpus_symbols;
pub mod dropout;
pub mod merge;
pub mod model;
pub mod rank_splits;
pub mod spelled;
pub mod table;
pub mod trainer;
pub mod vocab;
pub mod waves;

pub use model::BpeModel;
pub use vocab::Vocab;
