//! A `.tiktoken` encoding (ranks, split pattern, special tokens) as a
//! tokenizer.json, laid out as transformers' `TikTokenConverter` writes it:
//! the ranks as a byte-level BPE vocabulary, the merges recovered from them,
//! `ignore_merges` (tiktoken takes a piece that is a token whole), a Split of
//! the pattern (in HF's regex dialect, see [`super::regex_dialect`]) then
//! ByteLevel without its own regex, and the special tokens as special added
//! tokens.
//!
//! tiktoken merges the adjacent pair whose concatenation has the lowest
//! rank; HF BPE the pair listed first. With every split of a token into two
//! tokens listed at its rank, the two agree except where two different
//! splits of one token overlap in a word (`aa a aa`: tiktoken joins the
//! leftmost, HF the split listed first). No such case appears on the shared
//! corpora with cl100k_base, o200k_base or r50k_base (tests/test_convert.py).

use rustc_hash::FxHashMap;
use serde_json::{json, Map, Value};

use super::regex_dialect::tiktoken_to_hf;
use crate::error::{Error, Result};
use crate::hf_regex::HfRegex;
use crate::models::bpe::byte_alphabet::spell;

/// The tokenizer.json of the encoding with `ranks` (token bytes and rank,
/// as tiktoken's loader reads them), split `pattern` and `special_tokens`.
/// Refused: a byte with no rank (tiktoken cannot encode it, HF would drop
/// it) and a special token whose id is a rank.
pub fn tiktoken_json(
    ranks: &[(Vec<u8>, u32)],
    pattern: &str,
    special_tokens: &[(String, u32)],
) -> Result<Value> {
    let rank_of: FxHashMap<&[u8], u32> = (ranks.iter())
        .map(|(bytes, rank)| (bytes.as_slice(), *rank))
        .collect();
    if let Some(byte) = (0..=255u8).find(|b| !rank_of.contains_key(&[*b][..])) {
        return Err(Error::Unsupported(format!(
            "byte 0x{byte:02x} has no rank: tiktoken cannot encode a text holding it, and \
             HF's BPE would leave it out, so no tokenizer.json gives tiktoken's ids"
        )));
    }
    let by_rank: FxHashMap<u32, &[u8]> = ranks.iter().map(|(b, r)| (*r, b.as_slice())).collect();
    for (text, id) in special_tokens {
        if let Some(bytes) = by_rank.get(id) {
            return Err(Error::Unsupported(format!(
                "the special token {text:?} has id {id}, the rank of the token {:?}: a \
                 tokenizer.json gives each id one token",
                String::from_utf8_lossy(bytes)
            )));
        }
    }
    // HF compiles the Split regex with Oniguruma: one it cannot read is
    // refused here rather than in the user's HF.
    let hf_pattern = tiktoken_to_hf(pattern);
    HfRegex::new(&hf_pattern, "the split pattern, as HF's")?;
    let vocab: Map<String, Value> = (ranks.iter())
        .map(|(bytes, rank)| (spell(bytes), Value::from(*rank)))
        .collect();
    let merges: Vec<Value> = (merges_of(ranks, &rank_of).into_iter())
        .map(|(left, right)| json!([spell(left), spell(right)]))
        .collect();
    let added: Vec<Value> = (special_tokens.iter())
        .map(|(content, id)| {
            json!({
                "id": id, "content": content, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true
            })
        })
        .collect();
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": null,
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {
                    "type": "Split", "pattern": {"Regex": hf_pattern},
                    "behavior": "Isolated", "invert": false
                },
                {
                    "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true,
                    "use_regex": false
                }
            ]
        },
        "post_processor": {
            "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false,
            "use_regex": true
        },
        "decoder": {
            "type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true,
            "use_regex": true
        },
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": null, "end_of_word_suffix": null,
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": true,
            "vocab": vocab, "merges": merges
        },
    }))
}

/// The ranks of a token, of its left half and of its right half.
type RankKey = (u32, u32, u32);
/// A token split into two tokens.
type Halves<'a> = (&'a [u8], &'a [u8]);

/// Every split of a token into two tokens, by the rank of the token, then
/// the ranks of the left and right halves (`TikTokenConverter`'s order).
fn merges_of<'a>(ranks: &'a [(Vec<u8>, u32)], rank_of: &FxHashMap<&[u8], u32>) -> Vec<Halves<'a>> {
    let mut merges: Vec<(RankKey, Halves<'a>)> = Vec::new();
    for (bytes, rank) in ranks {
        for k in 1..bytes.len() {
            let (left, right) = bytes.split_at(k);
            if let (Some(&l), Some(&r)) = (rank_of.get(left), rank_of.get(right)) {
                merges.push(((*rank, l, r), (left, right)));
            }
        }
    }
    merges.sort_unstable_by_key(|&(key, _)| key);
    merges.into_iter().map(|(_, halves)| halves).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn byte_ranks() -> Vec<(Vec<u8>, u32)> {
        (0..=255u8).map(|b| (vec![b], u32::from(b))).collect()
    }

    #[test]
    fn merges_list_every_split_at_the_token_rank() {
        let mut ranks = byte_ranks();
        ranks.push((b"aa".to_vec(), 256));
        ranks.push((b"aaa".to_vec(), 257));
        let json = tiktoken_json(&ranks, r"\S+|\s+", &[("<|eot|>".into(), 300)]).unwrap();
        assert_eq!(
            json["model"]["merges"],
            json!([["a", "a"], ["a", "aa"], ["aa", "a"]])
        );
        assert_eq!(json["model"]["vocab"]["Ġ"], 32);
        assert_eq!(json["added_tokens"][0]["id"], 300);
        crate::formats::hf_json::parse_tokenizer_json(&json).unwrap();
    }

    #[test]
    fn a_missing_byte_or_a_special_on_a_rank_is_refused() {
        let ranks = byte_ranks()[1..].to_vec();
        let error = tiktoken_json(&ranks, r"\S+", &[]).unwrap_err();
        assert!(error.to_string().contains("0x00"), "{error}");
        let error = tiktoken_json(&byte_ranks(), r"\S+", &[("<|x|>".into(), 97)]).unwrap_err();
        assert!(error.to_string().contains("\"a\""), "{error}");
        let error = tiktoken_json(&byte_ranks(), r"(\S+", &[]).unwrap_err();
        assert!(error.to_string().contains("Oniguruma"), "{error}");
    }
}
