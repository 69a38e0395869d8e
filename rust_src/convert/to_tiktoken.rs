//! A byte-level BPE tokenizer.json as `.tiktoken` ranks, with the split
//! pattern and special tokens a `tiktoken.Encoding` needs beside them (the
//! rank file holds neither).
//!
//! A tiktoken encoding is a regex split, then BPE where a token's id is its
//! rank and its merge priority: adjacent parts merge when their
//! concatenation is a token, lowest rank first, and a piece that is a token
//! is taken whole. A tokenizer.json is written as ranks only when it is that
//! and nothing more; anything else is refused with the reason:
//! - no normalizer; a ByteLevel pre-tokenizer with its GPT-2 regex and no
//!   prefix space, or a regex Split (isolated) then ByteLevel without regex;
//!   no post-processor but ByteLevel (which adds no tokens); a ByteLevel
//!   decoder or none;
//! - a BPE model without dropout, continuing-subword prefix or end-of-word
//!   suffix, every token spelled in the byte alphabet, all 256 bytes tokens;
//! - merges in the order of the ids they make (tiktoken merges by the
//!   rank of the result), every token that two tokens make made by a merge,
//!   and each token's bytes split by the merges as tiktoken's ranks split
//!   them (checked by encoding every token with both);
//! - added tokens that tiktoken's special tokens can stand for: matched
//!   whole (no lstrip, rstrip or single_word), outside the ranks.

use rustc_hash::{FxHashMap, FxHashSet};
use serde_json::Value;

use super::regex_dialect::hf_to_tiktoken;
use crate::error::{Error, Result};
use crate::formats::gpt2::vocab_from_json;
use crate::formats::hf_json::{model_kind, parse_merges, parse_tokenizer_json};
use crate::models::bpe::byte_alphabet::{char_to_byte, spell};
use crate::models::bpe::merge::with_scratch;
use crate::models::bpe::BpeModel;
use crate::pretokenize::pattern::PatternSplitter;

/// HF's ByteLevel split regex (GPT-2's), `use_regex: true`.
pub const BYTE_LEVEL_PATTERN: &str =
    r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

/// A tiktoken encoding: what `tiktoken.Encoding` is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct TiktokenParts {
    /// Token bytes and rank, in rank order.
    pub ranks: Vec<(Vec<u8>, u32)>,
    /// The split regex (`pat_str`).
    pub pattern: String,
    /// Special tokens: text and id, in id order.
    pub special_tokens: Vec<(String, u32)>,
}

/// The reason a tokenizer.json is not a tiktoken encoding.
fn refuse(reason: impl std::fmt::Display) -> Error {
    Error::Unsupported(format!(
        "this tokenizer.json cannot be written as .tiktoken: {reason}"
    ))
}

/// The `type` of a component, `None` when it is absent (null).
fn type_of(v: &Value) -> Option<&str> {
    match v {
        Value::Null => None,
        _ => Some(v.get("type").and_then(Value::as_str).unwrap_or("?")),
    }
}

/// The tiktoken encoding of a tokenizer.json (its parsed JSON), or the
/// reason there is none.
pub fn tiktoken_of_json(file: &Value) -> Result<TiktokenParts> {
    // Read by tokkit's loader first: a malformed file gets its usual error.
    parse_tokenizer_json(file)?;
    if let Some(kind) = type_of(&file["normalizer"]) {
        return Err(refuse(format!(
            "it has a normalizer ({kind}); tiktoken encodes the text as it is"
        )));
    }
    let pattern = split_pattern(&file["pre_tokenizer"])?;
    if let Err(e) = fancy_regex::Regex::new(&pattern) {
        return Err(refuse(format!(
            "its split regex {pattern:?} is not one tiktoken's engine (fancy-regex) reads: {e}"
        )));
    }
    match type_of(&file["post_processor"]) {
        None | Some("ByteLevel") => {}
        Some(kind) => {
            return Err(refuse(format!(
                "its post-processor ({kind}) may add tokens, which tiktoken never does"
            )))
        }
    }
    match type_of(&file["decoder"]) {
        None | Some("ByteLevel") => {}
        Some(kind) => {
            return Err(refuse(format!(
                "its decoder ({kind}) is not ByteLevel; tiktoken decodes to the tokens' bytes"
            )))
        }
    }
    let model = &file["model"];
    check_model_options(model)?;
    let vocab = byte_vocab(model)?;
    let special_tokens = special_tokens(&file["added_tokens"], &vocab)?;
    let special_ids: FxHashSet<u32> = special_tokens.iter().map(|&(_, id)| id).collect();
    let ranks: Vec<(Vec<u8>, u32)> = (vocab.into_iter())
        .filter(|(_, id)| !special_ids.contains(id))
        .collect();
    let merges = parse_merges(model.get("merges").unwrap_or(&Value::Null))?;
    let ignore_merges = model["ignore_merges"].as_bool().unwrap_or(false);
    check_merges(&ranks, &merges, ignore_merges, &pattern)?;
    Ok(TiktokenParts {
        ranks,
        pattern,
        special_tokens,
    })
}

/// The regex a pre-tokenizer splits with, when it is byte-level as
/// tiktoken's split is.
fn split_pattern(pre: &Value) -> Result<String> {
    let flag = |v: &Value, key: &str, default: bool| v[key].as_bool().unwrap_or(default);
    let no_prefix = |v: &Value| {
        if flag(v, "add_prefix_space", true) {
            Err(refuse(
                "its ByteLevel pre-tokenizer adds a space before the text, which tiktoken never does",
            ))
        } else {
            Ok(())
        }
    };
    match type_of(pre) {
        Some("ByteLevel") if flag(pre, "use_regex", true) => {
            no_prefix(pre)?;
            return Ok(BYTE_LEVEL_PATTERN.to_owned());
        }
        Some("Sequence") => {
            if let Some([split, byte_level]) = pre["pretokenizers"].as_array().map(Vec::as_slice) {
                let is_split = type_of(split) == Some("Split")
                    && split["behavior"].as_str() == Some("Isolated")
                    && !flag(split, "invert", false);
                let regex = split["pattern"]["Regex"].as_str();
                if let (true, Some(regex), Some("ByteLevel")) =
                    (is_split, regex, type_of(byte_level))
                {
                    if flag(byte_level, "use_regex", true) {
                        return Err(refuse(
                            "its ByteLevel pre-tokenizer splits again after the Split; \
                             tiktoken splits once",
                        ));
                    }
                    no_prefix(byte_level)?;
                    return Ok(hf_to_tiktoken(regex));
                }
            }
        }
        _ => {}
    }
    Err(refuse(format!(
        "its pre-tokenizer ({}) is not ByteLevel with its regex, nor a regex Split \
         (isolated) followed by ByteLevel; tiktoken splits with one regex, then BPE on the bytes",
        type_of(pre).unwrap_or("none")
    )))
}

/// Refuses the BPE options tiktoken has no counterpart for.
fn check_model_options(model: &Value) -> Result<()> {
    let kind = model_kind(model)?;
    if kind != "BPE" {
        return Err(refuse(format!(
            "its model is {kind}; tiktoken is byte-level BPE"
        )));
    }
    if model["dropout"].as_f64().is_some_and(|p| p > 0.0) {
        return Err(refuse("its BPE has dropout; tiktoken always merges"));
    }
    for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
        if model[key].as_str().is_some_and(|s| !s.is_empty()) {
            return Err(refuse(format!(
                "its BPE has a {key} ({}); tiktoken's tokens are bytes only",
                model[key]
            )));
        }
    }
    Ok(())
}

/// The vocabulary as token bytes and id, in id order; every token must be
/// spelled in the byte alphabet, and every byte must be a token.
fn byte_vocab(model: &Value) -> Result<Vec<(Vec<u8>, u32)>> {
    let names = vocab_from_json(&model["vocab"]).map_err(refuse)?;
    let mut vocab = Vec::with_capacity(names.len());
    for (name, id) in names {
        let bytes: Option<Vec<u8>> = name.chars().map(char_to_byte).collect();
        let Some(bytes) = bytes else {
            return Err(refuse(format!(
                "the token {name:?} (id {id}) is not spelled in the byte-level alphabet"
            )));
        };
        vocab.push((bytes, id));
    }
    vocab.sort_unstable_by_key(|&(_, id)| id);
    if let Some(w) = vocab.windows(2).find(|w| w[0].1 == w[1].1) {
        return Err(refuse(format!(
            "the tokens {:?} and {:?} share the id {}; a rank names one token",
            spell(&w[0].0),
            spell(&w[1].0),
            w[0].1
        )));
    }
    let bytes: FxHashSet<&[u8]> = vocab.iter().map(|(b, _)| b.as_slice()).collect();
    if let Some(byte) = (0..=255u8).find(|b| !bytes.contains(&[*b][..])) {
        return Err(refuse(format!(
            "the byte 0x{byte:02x} is not a token; tiktoken needs every byte to be one"
        )));
    }
    Ok(vocab)
}

/// The added tokens as tiktoken special tokens (text, id), in id order.
/// One that is in the vocabulary must have its vocabulary id, and is then
/// taken out of the ranks.
fn special_tokens(added: &Value, vocab: &[(Vec<u8>, u32)]) -> Result<Vec<(String, u32)>> {
    let by_id: FxHashMap<u32, &[u8]> = vocab.iter().map(|(b, id)| (*id, b.as_slice())).collect();
    let by_bytes: FxHashMap<&[u8], u32> = vocab.iter().map(|(b, id)| (b.as_slice(), *id)).collect();
    let mut specials = Vec::new();
    for token in added.as_array().map(Vec::as_slice).unwrap_or_default() {
        let content = token["content"].as_str().unwrap_or_default();
        let id = token["id"]
            .as_u64()
            .and_then(|id| u32::try_from(id).ok())
            .unwrap_or(u32::MAX);
        for flag in ["lstrip", "rstrip", "single_word"] {
            if token[flag].as_bool() == Some(true) {
                return Err(refuse(format!(
                    "the added token {content:?} has {flag}; tiktoken's special tokens are \
                     matched as they are"
                )));
            }
        }
        // HF's vocabulary names tokens by spelled bytes: an added token is
        // the vocabulary's when its content spells the same bytes.
        let spelled: Option<Vec<u8>> = content.chars().map(char_to_byte).collect();
        let in_vocab = spelled.as_deref().and_then(|b| by_bytes.get(b)).copied();
        match (in_vocab, by_id.get(&id)) {
            (Some(vocab_id), _) if vocab_id != id => {
                return Err(refuse(format!(
                    "the added token {content:?} has id {id} but is the vocabulary's token \
                     {vocab_id}; tiktoken gives a token one id"
                )))
            }
            (None, Some(bytes)) => {
                return Err(refuse(format!(
                    "the added token {content:?} has id {id}, the id of the token {:?}",
                    spell(bytes)
                )))
            }
            _ => specials.push((content.to_owned(), id)),
        }
    }
    specials.sort_unstable_by_key(|&(_, id)| id);
    Ok(specials)
}

/// Checks that HF's merges are tiktoken's ranks: ordered by the id they
/// make, making every token two tokens make, and, for every token that
/// `pattern` leaves whole, merging its bytes back into it (tiktoken takes
/// such a piece whole; HF merges it unless `ignore_merges`).
fn check_merges(
    ranks: &[(Vec<u8>, u32)],
    merges: &[(String, String, usize)],
    ignore_merges: bool,
    pattern: &str,
) -> Result<()> {
    let id_of: FxHashMap<Vec<u8>, u32> = ranks.iter().map(|(b, id)| (b.clone(), *id)).collect();
    let bytes_of = |name: &str, line: usize| -> Result<(Vec<u8>, u32)> {
        let bytes: Vec<u8> = name.chars().filter_map(char_to_byte).collect();
        let id = id_of.get(&bytes).copied().ok_or_else(|| {
            refuse(format!(
                "merge {line} uses or makes {name:?}, which is not one of the ranks \
                 (a special token?)"
            ))
        })?;
        Ok((bytes, id))
    };
    let mut triples = Vec::with_capacity(merges.len());
    let mut made = FxHashSet::default();
    let mut last: Option<(u32, usize)> = None;
    for (left, right, line) in merges {
        let (_, l) = bytes_of(left, *line)?;
        let (_, r) = bytes_of(right, *line)?;
        let (_, id) = bytes_of(&format!("{left}{right}"), *line)?;
        if let Some((previous, at)) = last.filter(|&(previous, _)| previous > id) {
            return Err(refuse(format!(
                "merge {line} ({left:?} + {right:?}) makes id {id} after merge {at} made id \
                 {previous}; tiktoken merges by the rank of the result, lowest first"
            )));
        }
        last = Some((id, *line));
        made.insert(id);
        triples.push((l, r, id));
    }
    for (bytes, id) in ranks {
        if made.contains(id) {
            continue;
        }
        let split = (1..bytes.len())
            .find(|&k| id_of.contains_key(&bytes[..k]) && id_of.contains_key(&bytes[k..]));
        if let Some(k) = split {
            return Err(refuse(format!(
                "no merge makes the token {:?} (id {id}), but tiktoken makes it from {:?} + {:?}",
                spell(bytes),
                spell(&bytes[..k]),
                spell(&bytes[k..])
            )));
        }
    }
    if ignore_merges {
        return Ok(());
    }
    let hf = BpeModel::from_merges(ranks.to_vec(), &triples, false)?;
    let splitter = PatternSplitter::new(pattern)?;
    with_scratch(|scratch| {
        let mut ids = Vec::new();
        for (bytes, id) in ranks {
            // A token the pattern splits when alone is taken to be no whole
            // piece anywhere (GPT-2's `<|endoftext|>` is `<|`, `endoftext`,
            // `|>`): the lookaheads and `$` of GPT-2's, cl100k's and o200k's
            // patterns lengthen a match at the end of a text, never shorten it.
            if !whole_piece(&splitter, bytes)? {
                continue;
            }
            ids.clear();
            hf.encode_piece(bytes, scratch, &mut ids)?;
            if ids != [*id] {
                return Err(refuse(format!(
                    "the merges split the token {:?} (id {id}) into ids {ids:?}, where \
                     tiktoken takes it whole",
                    spell(bytes)
                )));
            }
        }
        Ok(())
    })
}

/// Whether `pattern` leaves the text of `bytes` as one piece.
fn whole_piece(splitter: &PatternSplitter, bytes: &[u8]) -> Result<bool> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(false);
    };
    let (mut pieces, mut whole) = (0, false);
    splitter.for_each(text, |start, end| {
        pieces += 1;
        whole = start == 0 && end == text.len();
    })?;
    Ok(pieces == 1 && whole)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn byte_level_json(merges: Value, extra: &[(&str, u32)]) -> Value {
        let mut vocab = serde_json::Map::new();
        for b in 0..=255u8 {
            vocab.insert(spell(&[b]), Value::from(u32::from(b)));
        }
        for (name, id) in extra {
            vocab.insert((*name).to_owned(), Value::from(*id));
        }
        json!({
            "version": "1.0", "truncation": null, "padding": null, "added_tokens": [
                {"id": 300, "content": "<|eot|>", "single_word": false, "lstrip": false,
                 "rstrip": false, "normalized": false, "special": true}
            ],
            "normalizer": null,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false,
                              "trim_offsets": true, "use_regex": true},
            "post_processor": null,
            "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true,
                        "use_regex": true},
            "model": {"type": "BPE", "vocab": vocab, "merges": merges}
        })
    }

    #[test]
    fn ranks_pattern_and_specials_come_out() {
        let file = byte_level_json(
            json!([["a", "b"], ["ab", "c"]]),
            &[("ab", 256), ("abc", 257)],
        );
        let parts = tiktoken_of_json(&file).unwrap();
        assert_eq!(parts.ranks.len(), 258);
        assert_eq!(parts.ranks[257], (b"abc".to_vec(), 257));
        assert_eq!(parts.pattern, BYTE_LEVEL_PATTERN);
        assert_eq!(parts.special_tokens, [("<|eot|>".to_owned(), 300)]);
    }

    #[test]
    fn merges_out_of_rank_order_are_refused() {
        let file = byte_level_json(json!([["a", "b"], ["b", "c"]]), &[("ab", 257), ("bc", 256)]);
        let error = tiktoken_of_json(&file).unwrap_err().to_string();
        assert!(error.contains("rank of the result"), "{error}");
    }

    #[test]
    fn a_token_no_merge_makes_is_refused() {
        let file = byte_level_json(json!([["a", "b"]]), &[("ab", 256), ("bc", 257)]);
        let error = tiktoken_of_json(&file).unwrap_err().to_string();
        assert!(error.contains("no merge makes the token \"bc\""), "{error}");
    }

    #[test]
    fn a_token_the_merges_do_not_rebuild_is_refused_unless_merges_are_ignored() {
        let merges = json!([["a", "b"], ["b", "c"], ["a", "bc"]]);
        let mut file = byte_level_json(merges, &[("ab", 256), ("bc", 257), ("abc", 258)]);
        let error = tiktoken_of_json(&file).unwrap_err().to_string();
        assert!(error.contains("where tiktoken takes it whole"), "{error}");
        file["model"]["ignore_merges"] = json!(true);
        assert_eq!(tiktoken_of_json(&file).unwrap().ranks.len(), 259);
    }

    #[test]
    fn a_normalizer_or_a_prefix_space_is_refused() {
        let mut file = byte_level_json(json!([]), &[]);
        file["pre_tokenizer"]["add_prefix_space"] = json!(true);
        let error = tiktoken_of_json(&file).unwrap_err().to_string();
        assert!(error.contains("adds a space"), "{error}");
        let mut file = byte_level_json(json!([]), &[]);
        file["normalizer"] = json!({"type": "NFC"});
        let error = tiktoken_of_json(&file).unwrap_err().to_string();
        assert!(error.contains("normalizer (NFC)"), "{error}");
    }
}
