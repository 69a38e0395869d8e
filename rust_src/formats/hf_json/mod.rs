//! Hugging Face `tokenizer.json`: read into a [`Tokenizer`].
//!
//! Every component is matched by its `type`; a type or a field we do not know
//! is refused with [`Error::Unsupported`] naming it, because guessing would
//! give different ids without a word. Fields that cannot change the output
//! are listed as ignorable.
//!
//! This file holds the top level, the field readers every component uses,
//! the added tokens, truncation and padding; each component family has its
//! own file.

mod decoders;
mod models;
mod normalizers;
mod post_processors;
mod pre_tokenizers;

use std::path::Path;

use serde_json::{Map, Value};

use self::decoders::build_decoder;
use self::models::build_model;
pub use self::models::{model_kind, parse_merges};
use self::normalizers::build_normalizer;
use self::post_processors::build_post_processor;
use self::pre_tokenizers::{
    build_pre_tokenizer, byte_level_prefix_space, has_byte_level, metaspace_last,
    metaspace_options, spelled_steps, spelling_splitters,
};
use crate::error::{Error, Result};
use crate::normalize::byte_level::ByteLevelNormalizer;
use crate::normalize::sequence::Sequence;
use crate::pipeline::{Normalizer, PreTokenizer, TextSteps};
use crate::pretokenize::byte_level::PrefixSpace;
use crate::pretokenize::metaspace::{MetaspaceRewrite, MetaspaceSplit};
use crate::tokenizer::added_vocab::AddedToken;
use crate::tokenizer::part_rewrite::PartRewrite;
use crate::tokenizer::{Padding, PaddingLength, Side, Tokenizer, Truncation, TruncationStrategy};

/// Reads a tokenizer.json file.
pub fn read_tokenizer_json(path: &Path) -> Result<Tokenizer> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    tokenizer_json_from_bytes(&bytes, path)
}

/// Builds a tokenizer from the text of a tokenizer.json; `path` names it in
/// errors.
pub fn tokenizer_json_from_bytes(bytes: &[u8], path: &Path) -> Result<Tokenizer> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::vocab(path, e.line(), format!("not valid JSON: {e}")))?;
    parse_tokenizer_json(&value).map_err(|e| match e {
        Error::VocabFormat { line, message, .. } => Error::vocab(path, line, message),
        Error::Unsupported(message) => Error::Unsupported(format!("{}: {message}", path.display())),
        other => other,
    })
}

/// A malformed-file error (the path is filled in by the caller).
fn bad(message: impl Into<String>) -> Error {
    Error::vocab(Path::new("tokenizer.json"), 0, message)
}

/// The components a `Sequence` lists under `key` (a normalizer's
/// "normalizers", say), each built by `build`.
fn sequence_of<T>(
    v: &Value,
    what: &str,
    key: &str,
    build: impl Fn(&Value) -> Result<T>,
) -> Result<Vec<T>> {
    object(v, &format!("{what} Sequence"), &[key])?
        .get(key)
        .and_then(Value::as_array)
        .ok_or_else(|| bad(format!("{what} Sequence has no {key} list")))?
        .iter()
        .map(build)
        .collect()
}

/// The object `v`, checked to hold only `known` keys (plus "type").
fn object<'a>(v: &'a Value, what: &str, known: &[&str]) -> Result<&'a Map<String, Value>> {
    let map = v
        .as_object()
        .ok_or_else(|| bad(format!("{what} is not an object")))?;
    if let Some(unknown) = map
        .keys()
        .find(|k| k.as_str() != "type" && !known.contains(&k.as_str()))
    {
        return Err(Error::Unsupported(format!(
            "{what} has a field tokkit does not know: {unknown:?} (written by a newer tokenizers?)"
        )));
    }
    Ok(map)
}

fn kind<'a>(v: &'a Value, what: &str) -> Result<&'a str> {
    v.get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("{what} has no \"type\"")))
}

/// A field's JSON value read as a Rust value.
trait FieldValue<'a>: Sized {
    /// What the value must be, for messages.
    const EXPECTED: &'static str;
    fn read(v: &'a Value) -> Option<Self>;
}

impl<'a> FieldValue<'a> for bool {
    const EXPECTED: &'static str = "true or false";
    fn read(v: &'a Value) -> Option<Self> {
        v.as_bool()
    }
}

impl<'a> FieldValue<'a> for &'a str {
    const EXPECTED: &'static str = "a string";
    fn read(v: &'a Value) -> Option<Self> {
        v.as_str()
    }
}

impl<'a> FieldValue<'a> for usize {
    const EXPECTED: &'static str = "a non-negative integer";
    fn read(v: &'a Value) -> Option<Self> {
        v.as_u64().and_then(|n| usize::try_from(n).ok())
    }
}

impl<'a> FieldValue<'a> for u32 {
    const EXPECTED: &'static str = "an integer from 0 to 2^32-1";
    fn read(v: &'a Value) -> Option<Self> {
        v.as_u64().and_then(|n| u32::try_from(n).ok())
    }
}

// HF reads each field one of three ways, and tokkit reads it the same way: a
// file HF refuses is damaged, and filling in a default would give ids no
// reference can check. Most fields are required; `#[serde(default)]` ones
// may be missing but not null; `Option` ones may be either.

fn value_of<'a, T: FieldValue<'a>>(v: &'a Value, key: &str) -> Result<T> {
    T::read(v).ok_or_else(|| bad(format!("{key} must be {}, not {v}", T::EXPECTED)))
}

/// A field HF requires.
fn field<'a, T: FieldValue<'a>>(map: &'a Map<String, Value>, key: &str) -> Result<T> {
    let v = map
        .get(key)
        .ok_or_else(|| bad(format!("missing field {key:?}")))?;
    value_of(v, key)
}

/// A field HF reads as `default` when it is missing (but not when null).
fn field_or<'a, T: FieldValue<'a>>(
    map: &'a Map<String, Value>,
    key: &str,
    default: T,
) -> Result<T> {
    map.get(key).map_or(Ok(default), |v| value_of(v, key))
}

/// A field HF reads as an `Option`: missing or null is `None`.
fn optional<'a, T: FieldValue<'a>>(map: &'a Map<String, Value>, key: &str) -> Result<Option<T>> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => value_of(v, key).map(Some),
    }
}

/// Builds the tokenizer from the parsed JSON.
pub fn parse_tokenizer_json(root: &Value) -> Result<Tokenizer> {
    let root = object(
        root,
        "tokenizer.json",
        &[
            "version",
            "truncation",
            "padding",
            "added_tokens",
            "normalizer",
            "pre_tokenizer",
            "model",
            "post_processor",
            "decoder",
        ],
    )?;
    if let Some(version) = root.get("version") {
        value_of::<&str>(version, "version")?;
    }
    let model_value = root.get("model").ok_or_else(|| bad("no \"model\""))?;
    let mut pre_tokenizer = root.get("pre_tokenizer").filter(|v| !v.is_null());
    // Metaspace after other steps rewrites each piece they cut: the
    // tokenizer runs it, the pre-tokenizer is the steps before it.
    let metaspace = pre_tokenizer.map(metaspace_last).transpose()?.flatten();
    let steps_before;
    if let Some((_, before)) = &metaspace {
        steps_before = before;
        pre_tokenizer = Some(steps_before);
    }
    // The ByteLevel pre-tokenizer is what maps bytes to GPT-2's alphabet in
    // HF; with it BPE runs on the byte-level model, without it on characters.
    // When steps split the spelling after it, the normalizers spell the text
    // (see `text_steps`) and BPE runs on the characters of the spelling.
    let spelled = match pre_tokenizer {
        Some(v) => spelling_splitters(v)?.is_some(),
        None => false,
    };
    let byte_level = pre_tokenizer.is_some_and(has_byte_level) && !spelled;
    let model = build_model(model_value, byte_level)?;
    let added = match root.get("added_tokens") {
        None => Vec::new(),
        Some(v) => parse_added_tokens(v)?,
    };
    let mut tokenizer = Tokenizer::new(model);
    let normalizer = root.get("normalizer").filter(|v| !v.is_null());
    let normalized_added = added.iter().any(|t| t.normalized);
    let rewrite = match pre_tokenizer {
        Some(v) => part_rewrite(v, normalized_added)?,
        None => None,
    };
    tokenizer.relayout_on_normalized_added = match pre_tokenizer {
        Some(v) => part_rewrite(v, true)? != part_rewrite(v, false)?,
        None => false,
    };
    let steps = text_steps(normalizer, pre_tokenizer, rewrite.is_some())?;
    tokenizer = tokenizer.with_part_rewrite(rewrite);
    tokenizer = tokenizer.with_metaspace_last(metaspace.map(|(m, _)| m));
    if let Some(n) = steps.normalizer {
        tokenizer = tokenizer.with_normalizer(n);
    }
    if let Some(p) = steps.pre_tokenizer {
        tokenizer = tokenizer.with_pre_tokenizer(p);
    }
    if let Some(v) = root.get("post_processor").filter(|v| !v.is_null()) {
        tokenizer = tokenizer.with_post_processor(build_post_processor(v)?);
    }
    if let Some(v) = root.get("decoder").filter(|v| !v.is_null()) {
        tokenizer = tokenizer.with_decoder(build_decoder(v)?);
    }
    if let Some(v) = normalizer {
        tokenizer = tokenizer.with_added_normalizer(build_normalizer(v)?);
    }
    // HF gives the tokens its own ids, not the file's: it adds them in
    // order as `add_tokens` does.
    tokenizer.add_tokens(added)?;
    tokenizer.defaults.truncation = match root.get("truncation") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_truncation(v)?),
    };
    tokenizer.defaults.padding = match root.get("padding") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_padding(v)?),
    };
    Ok(tokenizer)
}

/// The normalizer and pre-tokenizer of a tokenizer.json as tokkit runs
/// them: what HF's pre-tokenizer does to the text besides cutting it
/// (Metaspace's rewrite, ByteLevel's prefix space) runs as the last
/// normalizer, unless `by_part`: then it is left to the tokenizer, which
/// applies it to each part of the text between added tokens
/// ([`part_rewrite`]).
pub fn text_steps(
    normalizer: Option<&Value>,
    pre_tokenizer: Option<&Value>,
    by_part: bool,
) -> Result<TextSteps> {
    let mut normalizers: Vec<Box<dyn Normalizer>> = Vec::new();
    if let Some(v) = normalizer {
        normalizers.push(build_normalizer(v)?);
    }
    let mut split = None;
    match pre_tokenizer {
        // Metaspace rewrites the text as well as cutting it: the rewrite runs
        // as the last normalizer, the cut as the pre-tokenizer.
        Some(v) if kind(v, "pre_tokenizer")? == "Metaspace" => {
            let (replacement, prepend, cut) = metaspace_options(v, "pre_tokenizer Metaspace")?;
            if !by_part {
                normalizers.push(Box::new(MetaspaceRewrite {
                    replacement,
                    prepend,
                }));
            }
            if cut {
                split = Some(Box::new(MetaspaceSplit { replacement }) as Box<dyn PreTokenizer>);
            }
        }
        Some(v) => {
            if byte_level_prefix_space(v)? && !by_part {
                normalizers.push(Box::new(PrefixSpace));
            }
            split = Some(match spelling_splitters(v)? {
                // Steps after ByteLevel split its byte-alphabet spelling,
                // which the last normalizer (or the tokenizer) makes.
                Some(at) => {
                    if !by_part {
                        normalizers.push(Box::new(ByteLevelNormalizer));
                    }
                    spelled_steps(v, at)?
                }
                None => build_pre_tokenizer(v)?,
            });
        }
        None => {}
    }
    let normalizer = if normalizers.len() > 1 {
        Some(Box::new(Sequence(normalizers)) as Box<dyn Normalizer>)
    } else {
        normalizers.pop()
    };
    Ok(TextSteps {
        normalizer,
        pre_tokenizer: split,
    })
}

/// What the tokenizer must do to each part of the text between added
/// tokens for HF's pre-tokenizer `v`: HF rewrites each part after cutting
/// out the added tokens, normalized ones included, where a normalizer would
/// reach only the whole text. ByteLevel's spelling (for steps after it) is
/// always done so; ByteLevel's prefix space and Metaspace's rewrite only
/// beside normalized added tokens, where it differs.
fn part_rewrite(v: &Value, normalized_added: bool) -> Result<Option<PartRewrite>> {
    if kind(v, "pre_tokenizer")? == "Metaspace" {
        let (replacement, prepend, _) = metaspace_options(v, "pre_tokenizer Metaspace")?;
        return Ok(normalized_added.then_some(PartRewrite::Metaspace {
            replacement,
            prepend,
        }));
    }
    let spell = spelling_splitters(v)?.is_some();
    let prefix_space = byte_level_prefix_space(v)?;
    Ok(
        (spell || prefix_space && normalized_added).then_some(PartRewrite::ByteLevel {
            prefix_space,
            spell,
        }),
    )
}

fn parse_added_tokens(v: &Value) -> Result<Vec<AddedToken>> {
    let list = v
        .as_array()
        .ok_or_else(|| bad("added_tokens is not a list"))?;
    list.iter()
        .map(|t| {
            let m = object(
                t,
                "an added token",
                &[
                    "id",
                    "content",
                    "single_word",
                    "lstrip",
                    "rstrip",
                    "normalized",
                    "special",
                ],
            )?;
            Ok(AddedToken {
                id: field(m, "id")?,
                content: field::<&str>(m, "content")?.to_owned(),
                single_word: field(m, "single_word")?,
                lstrip: field(m, "lstrip")?,
                rstrip: field(m, "rstrip")?,
                normalized: field(m, "normalized")?,
                special: field(m, "special")?,
            })
        })
        .collect()
}

fn parse_side(direction: &str) -> Result<Side> {
    match direction {
        "Right" => Ok(Side::Right),
        "Left" => Ok(Side::Left),
        other => Err(bad(format!(
            "direction must be Right or Left, not {other:?}"
        ))),
    }
}

/// Reads tokenizer.json's `truncation` field (not `null`).
pub fn parse_truncation(v: &Value) -> Result<Truncation> {
    let m = object(
        v,
        "truncation",
        &["max_length", "stride", "strategy", "direction"],
    )?;
    let strategy = match field::<&str>(m, "strategy")? {
        "LongestFirst" => TruncationStrategy::LongestFirst,
        "OnlyFirst" => TruncationStrategy::OnlyFirst,
        "OnlySecond" => TruncationStrategy::OnlySecond,
        other => return Err(Error::Unsupported(format!("truncation strategy {other:?}"))),
    };
    Ok(Truncation {
        max_length: field(m, "max_length")?,
        stride: field(m, "stride")?,
        strategy,
        side: parse_side(field_or(m, "direction", "Right")?)?,
    })
}

/// Reads tokenizer.json's `padding` field (not `null`).
pub fn parse_padding(v: &Value) -> Result<Padding> {
    let m = object(
        v,
        "padding",
        &[
            "strategy",
            "direction",
            "pad_to_multiple_of",
            "pad_id",
            "pad_type_id",
            "pad_token",
        ],
    )?;
    let length = match m.get("strategy") {
        Some(Value::String(s)) if s == "BatchLongest" => PaddingLength::BatchLongest,
        Some(Value::Object(o)) if o.contains_key("Fixed") => {
            PaddingLength::Fixed(field(o, "Fixed")?)
        }
        None => return Err(bad("missing field \"strategy\"")),
        Some(other) => return Err(Error::Unsupported(format!("padding strategy {other}"))),
    };
    let multiple: Option<usize> = optional(m, "pad_to_multiple_of")?;
    let padding = Padding {
        length,
        pad_to_multiple_of: multiple.filter(|&n| n > 0),
        pad_id: field(m, "pad_id")?,
        pad_type_id: field(m, "pad_type_id")?,
        pad_token: field::<&str>(m, "pad_token")?.to_owned(),
        side: parse_side(field(m, "direction")?)?,
    };
    padding
        .check()
        .map_err(|e| bad(format!("\"padding\": {e}")))?;
    Ok(padding)
}
