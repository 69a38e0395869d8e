//! The subword models, a folder per algorithm.

pub mod bpe;
pub mod bpe_spm;
pub mod char_joins;
pub mod file_ids;
pub mod packed_key;
pub mod rng;
pub mod segment_cache;
pub mod spm_char;
pub mod spm_trainers;
pub mod spm_vocab;
pub mod spm_word;
pub mod unigram;
pub mod wordlevel;
pub mod wordpiece;

use rustc_hash::FxHashMap;

/// Each id's token of a `{token: id}` vocabulary (`None` for ids no token
/// has), for `id_to_token`.
pub fn names_by_id(vocab: &FxHashMap<String, u32>) -> Vec<Option<String>> {
    let size = vocab.values().max().map_or(0, |&m| m as usize + 1);
    let mut names = vec![None; size];
    for (token, &id) in vocab {
        if let Some(slot) = names.get_mut(id as usize) {
            *slot = Some(token.clone());
        }
    }
    names
}
