//! Mistral's tekken tokenizer files (`tekken.json`), read as `mistral_common`'s
//! `Tekkenizer.from_file` reads them: byte-level BPE ranks under a tiktoken
//! pattern, with the special tokens numbered first and every ordinary rank
//! moved up past them.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::formats::py_base64::b64decode;

/// What a tekken file defines, in tiktoken's terms.
pub struct Tekken {
    /// The file name without `.json`, the name `Tekkenizer` gives itself.
    pub name: String,
    /// The split pattern (tiktoken's `pat_str`).
    pub pattern: String,
    /// Ordinary tokens with their ids: file rank + the number of special tokens.
    pub ranks: Vec<(Vec<u8>, u32)>,
    /// Special tokens with their ids, `0..n` in order.
    pub specials: Vec<(String, u32)>,
}

/// `mistral_common`'s tokenizer versions, oldest first.
const VERSIONS: [&str; 7] = ["v1", "v2", "v3", "v7", "v11", "v13", "v15"];

/// The special tokens `Tekkenizer` assumes for a file of version v7 or older
/// that lists none (`Tekkenizer.DEPRECATED_SPECIAL_TOKENS`).
const DEPRECATED_SPECIALS: [&str; 20] = [
    "<unk>",
    "<s>",
    "</s>",
    "[INST]",
    "[/INST]",
    "[AVAILABLE_TOOLS]",
    "[/AVAILABLE_TOOLS]",
    "[TOOL_RESULTS]",
    "[/TOOL_RESULTS]",
    "[TOOL_CALLS]",
    "[IMG]",
    "<pad>",
    "[IMG_BREAK]",
    "[IMG_END]",
    "[PREFIX]",
    "[MIDDLE]",
    "[SUFFIX]",
    "[SYSTEM_PROMPT]",
    "[/SYSTEM_PROMPT]",
    "[TOOL_CONTENT]",
];

/// Reads a tekken file. Whatever `Tekkenizer` refuses (an assertion, a
/// missing key, an unknown version) is a [`Error::VocabFormat`]; the image and
/// audio sections do not change text ids and are not read.
pub fn read_tekken(path: &Path) -> Result<Tekken> {
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let root: Value = serde_json::from_slice(&data)
        .map_err(|e| Error::vocab(path, e.line(), format!("not valid JSON: {e}")))?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().replace(".json", ""));
    parse_tekken(&root, name).map_err(|message| Error::vocab(path, 0, message))
}

fn parse_tekken(root: &Value, name: String) -> std::result::Result<Tekken, String> {
    let config = root
        .get("config")
        .and_then(Value::as_object)
        .ok_or("no \"config\" object")?;
    let version = config.get("version").and_then(Value::as_str);
    let version = version
        .and_then(|v| VERSIONS.iter().position(|&known| known == v))
        .ok_or_else(|| {
            format!(
                "config.version {} is not one of {VERSIONS:?}",
                config.get("version").unwrap_or(&Value::Null)
            )
        })?;
    let pattern = config
        .get("pattern")
        .and_then(Value::as_str)
        .ok_or("config.pattern is not a string")?;
    let vocab_size = count(config, "default_vocab_size")?;
    let num_special = count(config, "default_num_special_tokens")?;
    let vocab = root
        .get("vocab")
        .and_then(Value::as_array)
        .ok_or("no \"vocab\" list")?;
    let specials = special_tokens(root.get("special_tokens"), version, num_special)?;
    if vocab_size > vocab.len() + num_special {
        return Err(format!(
            "default_vocab_size {vocab_size} is more than the {} vocab entries and \
             {num_special} special tokens",
            vocab.len()
        ));
    }
    let inner = vocab_size.checked_sub(num_special).ok_or_else(|| {
        format!(
            "default_vocab_size {vocab_size} is less than default_num_special_tokens {num_special}"
        )
    })?;
    let ranks = ordinary_ranks(&vocab[..inner], num_special)?;
    Ok(Tekken {
        name,
        pattern: pattern.to_owned(),
        ranks,
        specials,
    })
}

/// A config field that must be a count.
fn count(config: &Map<String, Value>, key: &str) -> std::result::Result<usize, String> {
    config
        .get(key)
        .and_then(Value::as_u64)
        .and_then(|n| usize::try_from(n).ok())
        .filter(|&n| n < u32::MAX as usize)
        .ok_or_else(|| format!("config.{key} is not a non-negative integer"))
}

/// The special tokens with their ids: those listed (or, in a file of version
/// v7 or older that lists none, the deprecated twenty), then `<SPECIAL_i>`
/// fillers up to `num_special`.
fn special_tokens(
    listed: Option<&Value>,
    version: usize,
    num_special: usize,
) -> std::result::Result<Vec<(String, u32)>, String> {
    let v7 = VERSIONS.iter().position(|&v| v == "v7").unwrap_or(0);
    let mut names: Vec<String> = match listed {
        None | Some(Value::Null) if version > v7 => {
            return Err(format!(
                "no special_tokens, which version {} files must list",
                VERSIONS[version]
            ))
        }
        None | Some(Value::Null) => DEPRECATED_SPECIALS.iter().map(|s| s.to_string()).collect(),
        Some(Value::Array(list)) => list
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let text = t.get("token_str").and_then(Value::as_str);
                let rank = t.get("rank").and_then(Value::as_u64);
                match (text, rank) {
                    // Tekkenizer looks a special token up by its rank but
                    // decodes id i as the i-th listed: they must agree.
                    (Some(text), Some(rank)) if rank == i as u64 => Ok(text.to_owned()),
                    _ => Err(format!(
                        "special_tokens[{i}] is not {{\"rank\": {i}, \"token_str\": ...}}"
                    )),
                }
            })
            .collect::<std::result::Result<_, _>>()?,
        Some(_) => return Err("special_tokens is not a list".into()),
    };
    if names.len() > num_special {
        return Err(format!(
            "{} special tokens listed, more than default_num_special_tokens {num_special}",
            names.len()
        ));
    }
    names.extend((names.len()..num_special).map(|i| format!("<SPECIAL_{i}>")));
    let mut seen = std::collections::HashSet::new();
    if let Some(repeat) = names.iter().find(|n| !seen.insert(n.as_str())) {
        return Err(format!("special token {repeat:?} is listed twice"));
    }
    Ok(names.into_iter().zip(0..).collect())
}

/// The first entries of `vocab`, as `_reload_mergeable_ranks` checks them:
/// exactly the three keys, ranks `0..n` in order, the first 256 the single
/// bytes, no token twice; each id moved up by `shift`.
fn ordinary_ranks(
    vocab: &[Value],
    shift: usize,
) -> std::result::Result<Vec<(Vec<u8>, u32)>, String> {
    let mut seen = std::collections::HashSet::with_capacity(vocab.len());
    let mut ranks = Vec::with_capacity(vocab.len());
    for (i, entry) in vocab.iter().enumerate() {
        let bad = |what: &str| format!("vocab[{i}]: {what}");
        let map = entry.as_object().ok_or_else(|| bad("not an object"))?;
        let keys_ok = map.len() == 3
            && ["rank", "token_bytes", "token_str"]
                .iter()
                .all(|k| map.contains_key(*k));
        if !keys_ok {
            return Err(bad("keys are not exactly rank, token_bytes, token_str"));
        }
        if map.get("rank").and_then(Value::as_u64) != Some(i as u64) {
            return Err(bad(&format!("rank is not {i}")));
        }
        let encoded = map
            .get("token_bytes")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("token_bytes is not a string"))?;
        let bytes = b64decode(encoded.as_bytes()).map_err(bad)?;
        if i < 256 && bytes != [i as u8] {
            return Err(bad(
                "the first 256 tokens must be the bytes 0..256 in order",
            ));
        }
        if !seen.insert(bytes.clone()) {
            return Err(bad("token_bytes listed twice"));
        }
        let id = u32::try_from(i + shift).map_err(|_| bad("too many tokens for 32-bit ids"))?;
        ranks.push((bytes, id));
    }
    Ok(ranks)
}
