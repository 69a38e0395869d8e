//! Hugging Face `tokenizer.json`: read into a [`Tokenizer`].
//!
//! Every component is matched by its `type`; a type or a field we do not know
//! is refused with [`Error::Unsupported`] naming it, because guessing would
//! give different ids without a word. Fields that cannot change the output
//! are listed as ignorable.

mod decoders;
mod models;
mod normalizers;
mod post_processors;
mod pre_tokenizers;

use std::path::Path;

use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

use crate::decoders::bpe_suffix::BpeSuffixDecoder;
use crate::decoders::byte_fallback::ByteFallbackDecoder;
use crate::decoders::byte_level::ByteLevelDecoder;
use crate::decoders::fuse::FuseDecoder;
use crate::decoders::metaspace::MetaspaceDecoder;
use crate::decoders::sequence::DecoderSequence;
use crate::decoders::strip::StripDecoder;
use crate::decoders::wordpiece::WordPieceDecoder;
use crate::error::{Error, Result};
use crate::formats::gpt2::{byte_level_bpe, vocab_from_json, MergeSource};
use crate::models::bpe::chars::{CharBpe, CharBpeOptions};
use crate::models::file_ids::{compact, FileIds, IdMap};
use crate::models::unigram::hf_model::HfUnigram;
use crate::models::wordpiece::WordPiece;
use crate::normalize::bert::{BertCompat, BertNormalizer};
use crate::normalize::hf_unicode::is_split_punctuation;
use crate::normalize::lowercase::Lowercase;
use crate::normalize::nmt::Nmt;
use crate::normalize::precompiled::Precompiled;
use crate::normalize::prepend::Prepend;
use crate::normalize::sequence::Sequence;
use crate::normalize::strip::{Strip, StripAccents};
use crate::normalize::unicode_forms::UnicodeForm;
use crate::pipeline::{Decoder, Model, Normalizer, PreTokenizer, TextSteps};
use crate::pretokenize::bert::BertPreTokenizer;
use crate::pretokenize::byte_level::{ByteLevel, PrefixSpace};
use crate::pretokenize::metaspace::{MetaspaceRewrite, MetaspaceSplit, PrependScheme};
use crate::pretokenize::split::{PreTokenizerSequence, Split, SplitBehavior};
use crate::tokenizer::added_vocab::AddedToken;
use crate::tokenizer::byte_level_post::ByteLevelPost;
use crate::tokenizer::post_process::{Piece, PostProcessor, Template};
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

/// The object `v`, checked to hold only `known` keys (plus "type").
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
    let pre_tokenizer = root.get("pre_tokenizer").filter(|v| !v.is_null());
    // The ByteLevel pre-tokenizer is what maps bytes to GPT-2's alphabet in
    // HF; with it BPE runs on the byte-level model, without it on characters.
    let byte_level = pre_tokenizer.is_some_and(has_byte_level);
    let model = build_model(model_value, byte_level)?;
    let added = match root.get("added_tokens") {
        None => Vec::new(),
        Some(v) => hf_added_ids(parse_added_tokens(v)?, model.as_ref())?,
    };
    let mut tokenizer = Tokenizer::new(model);
    let normalizer = root.get("normalizer").filter(|v| !v.is_null());
    let steps = text_steps(
        normalizer,
        pre_tokenizer,
        added.iter().any(|t| t.normalized),
    )?;
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
    tokenizer = tokenizer.with_added_tokens(added)?;
    if let Some(v) = root.get("normalizer").filter(|v| !v.is_null()) {
        tokenizer = tokenizer.normalize_added_tokens(build_normalizer(v)?.as_ref())?;
    }
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
/// normalizer. `normalized_added` says whether the file has normalized added
/// tokens, which a ByteLevel prefix space cannot go with here.
pub fn text_steps(
    normalizer: Option<&Value>,
    pre_tokenizer: Option<&Value>,
    normalized_added: bool,
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
            normalizers.push(Box::new(MetaspaceRewrite {
                replacement,
                prepend,
            }));
            if cut {
                split = Some(Box::new(MetaspaceSplit { replacement }) as Box<dyn PreTokenizer>);
            }
        }
        Some(v) => {
            if byte_level_prefix_space(v)? {
                // HF adds the space to each piece left after added tokens are
                // cut out; tokkit's normalizer runs before the normalized ones are.
                if normalized_added {
                    return Err(Error::Unsupported(
                        "ByteLevel add_prefix_space together with normalized added tokens".into(),
                    ));
                }
                normalizers.push(Box::new(PrefixSpace));
            }
            split = Some(build_pre_tokenizer(v)?);
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

/// The added tokens with the ids HF gives them, which are not the file's:
/// HF reads the list in order, skips empty tokens, and numbers each token by
/// the vocabulary's id of its content, or else by the next id from the
/// vocabulary's number of entries on. A repeated content keeps its first id
/// and takes the later flags, but stays special once it was.
fn hf_added_ids(tokens: Vec<AddedToken>, model: &dyn Model) -> Result<Vec<AddedToken>> {
    let mut out: Vec<AddedToken> = Vec::with_capacity(tokens.len());
    let mut position: FxHashMap<String, usize> = FxHashMap::default();
    let mut next = model.vocab_size();
    for mut token in tokens.into_iter().filter(|t| !t.content.is_empty()) {
        if let Some(&at) = position.get(&token.content) {
            token.id = out[at].id;
            token.special |= out[at].special;
            out[at] = token;
            continue;
        }
        position.insert(token.content.clone(), out.len());
        token.id = match model.token_to_id(&token.content) {
            Some(id) => id,
            None => {
                let id =
                    u32::try_from(next).map_err(|_| bad("too many added tokens for 32-bit ids"))?;
                next += 1;
                id
            }
        };
        out.push(token);
    }
    Ok(out)
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

/// The model's type; a model without one (HF's legacy form) is the first of
/// BPE (merges), WordPiece (a vocabulary map), Unigram (a vocabulary list)
/// that its fields fit, the order in which HF tries them.
fn model_kind(v: &Value) -> Result<&str> {
    if v.get("type").is_some() {
        return kind(v, "model");
    }
    Ok(match v.get("vocab") {
        _ if v.get("merges").is_some() => "BPE",
        Some(Value::Object(_)) => "WordPiece",
        Some(Value::Array(_)) => "Unigram",
        _ => return Err(bad("model has no \"type\" and no vocab")),
    })
}

fn build_model(v: &Value, byte_level: bool) -> Result<Box<dyn Model>> {
    match model_kind(v)? {
        "WordPiece" => {
            let m = object(
                v,
                "model WordPiece",
                &[
                    "unk_token",
                    "continuing_subword_prefix",
                    "max_input_chars_per_word",
                    "vocab",
                ],
            )?;
            let (vocab, file_ids) = parse_vocab(m)?;
            let model = WordPiece::new(
                vocab,
                field::<&str>(m, "unk_token")?,
                field::<&str>(m, "continuing_subword_prefix")?,
                field(m, "max_input_chars_per_word")?,
            )?;
            Ok(FileIds::wrap(Box::new(model), file_ids))
        }
        "BPE" => build_bpe(v, byte_level),
        "Unigram" => {
            let m = object(v, "model Unigram", &["unk_id", "vocab", "byte_fallback"])?;
            let list = m
                .get("vocab")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("Unigram model has no vocab list"))?;
            let pieces = list
                .iter()
                .map(|e| match e.as_array().map(Vec::as_slice) {
                    Some([Value::String(p), score]) => score
                        .as_f64()
                        .map(|s| (p.clone(), s))
                        .ok_or_else(|| bad(format!("score of {p:?} is not a number"))),
                    _ => Err(bad("a Unigram vocab entry is not [piece, score]")),
                })
                .collect::<Result<Vec<_>>>()?;
            let unk_id = optional(m, "unk_id")?;
            let byte_fallback = field_or(m, "byte_fallback", false)?;
            Ok(Box::new(HfUnigram::new(pieces, unk_id, byte_fallback)?))
        }
        "WordLevel" => models::word_level(v),
        other => Err(Error::Unsupported(format!("model type {other:?}"))),
    }
}

/// An HF BPE model: byte-level behind a ByteLevel pre-tokenizer, over
/// characters otherwise.
fn build_bpe(v: &Value, byte_level: bool) -> Result<Box<dyn Model>> {
    let m = object(
        v,
        "model BPE",
        &[
            "dropout",
            "unk_token",
            "continuing_subword_prefix",
            "end_of_word_suffix",
            "fuse_unk",
            "byte_fallback",
            "ignore_merges",
            "vocab",
            "merges",
        ],
    )?;
    let dropout = match m.get("dropout") {
        None | Some(Value::Null) => None,
        Some(d) => match d.as_f64() {
            Some(p) if (0.0..=1.0).contains(&p) => Some(p as f32),
            _ => return Err(bad(format!("BPE dropout {d} is not between 0 and 1"))),
        },
    };
    let merges = parse_merges(m.get("merges").unwrap_or(&Value::Null))?;
    // Every field of HF's BPE but the vocabulary and merges is an `Option`.
    let ignore_merges = optional(m, "ignore_merges")?.unwrap_or(false);
    let string = |key: &str| optional::<&str>(m, key).map(|s| s.map(str::to_owned));
    let options = CharBpeOptions {
        unk_token: string("unk_token")?,
        fuse_unk: optional(m, "fuse_unk")?.unwrap_or(false),
        byte_fallback: optional(m, "byte_fallback")?.unwrap_or(false),
        continuing_subword_prefix: string("continuing_subword_prefix")?,
        end_of_word_suffix: string("end_of_word_suffix")?,
        ignore_merges,
        dropout,
    };
    if !byte_level {
        let (vocab, file_ids) = parse_vocab(m)?;
        let model = CharBpe::new(vocab, &merges, options)?;
        return Ok(FileIds::wrap(Box::new(model), file_ids));
    }
    byte_level_bpe(model_vocab(m)?, &merges, options, MergeSource::Json)
}

/// `model.merges`: `"a b"` strings (older files) or `["a", "b"]` pairs, with
/// their 1-based position for messages.
fn parse_merges(v: &Value) -> Result<Vec<(String, String, usize)>> {
    let list = v
        .as_array()
        .ok_or_else(|| bad("model.merges is not a list"))?;
    list.iter()
        .enumerate()
        .map(|(i, m)| {
            let pair = match m {
                Value::String(s) => {
                    let mut parts = s.split(' ');
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some(a), Some(b), None) => Some((a.to_owned(), b.to_owned())),
                        _ => None,
                    }
                }
                Value::Array(a) => match a.as_slice() {
                    [Value::String(x), Value::String(y)] => Some((x.clone(), y.clone())),
                    _ => None,
                },
                _ => None,
            };
            let (a, b) =
                pair.ok_or_else(|| bad(format!("model.merges[{i}] is not a pair of tokens: {m}")))?;
            Ok((a, b, i + 1))
        })
        .collect()
}

/// Whether the pre-tokenizer is ByteLevel or a Sequence holding one.
fn has_byte_level(v: &Value) -> bool {
    match v.get("type").and_then(Value::as_str) {
        Some("ByteLevel") => true,
        Some("Sequence") => v
            .get("pretokenizers")
            .and_then(Value::as_array)
            .is_some_and(|l| l.iter().any(has_byte_level)),
        _ => false,
    }
}

/// Whether a ByteLevel pre-tokenizer adds a prefix space. tokkit does that
/// once per text, before splitting, which is what HF does only when ByteLevel
/// comes first; anywhere else it is refused.
fn byte_level_prefix_space(v: &Value) -> Result<bool> {
    let adds = |b: &Value| {
        byte_level_options(b, "pre_tokenizer ByteLevel").map(|options| options.add_prefix_space)
    };
    match v.get("type").and_then(Value::as_str) {
        Some("ByteLevel") => adds(v),
        Some("Sequence") => {
            let list = v
                .get("pretokenizers")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (i, p) in list.iter().enumerate() {
                if p.get("type").and_then(Value::as_str) == Some("ByteLevel") && adds(p)? {
                    if i == 0 {
                        return Ok(true);
                    }
                    return Err(Error::Unsupported(
                        "ByteLevel with add_prefix_space after another pre-tokenizer".into(),
                    ));
                }
            }
            Ok(false)
        }
        _ => Ok(false),
    }
}

/// The model's `{"token": id}` vocabulary.
fn model_vocab(m: &Map<String, Value>) -> Result<Vec<(String, u32)>> {
    vocab_from_json(m.get("vocab").ok_or_else(|| bad("model has no vocab"))?).map_err(bad)
}

/// The model's vocabulary numbered `0..n` for the model's tables, with the
/// map back to the file's ids when they are not `0..n`.
fn parse_vocab(m: &Map<String, Value>) -> Result<(FxHashMap<String, u32>, Option<IdMap>)> {
    let mut vocab = model_vocab(m)?;
    let file_ids = compact(&mut vocab);
    Ok((vocab.into_iter().collect(), file_ids))
}

fn build_normalizer(v: &Value) -> Result<Box<dyn Normalizer>> {
    match kind(v, "normalizer")? {
        "BertNormalizer" => {
            let m = object(
                v,
                "normalizer BertNormalizer",
                &[
                    "clean_text",
                    "handle_chinese_chars",
                    "strip_accents",
                    "lowercase",
                ],
            )?;
            let lowercase = field(m, "lowercase")?;
            Ok(Box::new(BertNormalizer {
                compat: BertCompat::Hf,
                clean_text: field(m, "clean_text")?,
                handle_chinese_chars: field(m, "handle_chinese_chars")?,
                // null means "as lowercase", as in HF
                strip_accents: optional(m, "strip_accents")?.unwrap_or(lowercase),
                lowercase,
            }))
        }
        "Sequence" => {
            let inner = sequence_of(v, "normalizer", "normalizers", build_normalizer)?;
            Ok(Box::new(Sequence(inner)))
        }
        "Precompiled" => {
            let m = object(v, "normalizer Precompiled", &["precompiled_charsmap"])?;
            let blob = field::<&str>(m, "precompiled_charsmap")?;
            if blob.is_empty() {
                // HF treats an empty map as "no normalization".
                return Ok(Box::new(Sequence(Vec::new())));
            }
            Ok(Box::new(Precompiled::from_base64(blob)?))
        }
        "Replace" => normalizers::replace(v),
        "NFC" | "NFD" | "NFKC" | "NFKD" | "Lowercase" | "StripAccents" | "Nmt" => {
            let name = kind(v, "normalizer")?;
            object(v, &format!("normalizer {name}"), &[])?;
            Ok(match name {
                "NFC" => Box::new(UnicodeForm::Nfc),
                "NFD" => Box::new(UnicodeForm::Nfd),
                "NFKC" => Box::new(UnicodeForm::Nfkc),
                "NFKD" => Box::new(UnicodeForm::Nfkd),
                "Lowercase" => Box::new(Lowercase),
                "StripAccents" => Box::new(StripAccents),
                _ => Box::new(Nmt),
            })
        }
        "Strip" => {
            let m = object(v, "normalizer Strip", &["strip_left", "strip_right"])?;
            Ok(Box::new(Strip {
                left: field(m, "strip_left")?,
                right: field(m, "strip_right")?,
            }))
        }
        "Prepend" => {
            let m = object(v, "normalizer Prepend", &["prepend"])?;
            Ok(Box::new(Prepend {
                prefix: field::<&str>(m, "prepend")?.to_owned(),
            }))
        }
        "ByteLevel" => normalizers::byte_level(v),
        other => Err(Error::Unsupported(format!("normalizer type {other:?}"))),
    }
}

fn build_pre_tokenizer(v: &Value) -> Result<Box<dyn PreTokenizer>> {
    match kind(v, "pre_tokenizer")? {
        "BertPreTokenizer" => {
            object(v, "pre_tokenizer BertPreTokenizer", &[])?;
            Ok(Box::new(BertPreTokenizer {
                compat: BertCompat::Hf,
            }))
        }
        "ByteLevel" => {
            let options = byte_level_options(v, "pre_tokenizer ByteLevel")?;
            Ok(Box::new(ByteLevel::new(options.use_regex)?))
        }
        "Split" => {
            let m = object(v, "pre_tokenizer Split", &["pattern", "behavior", "invert"])?;
            let behavior = split_behavior(field(m, "behavior")?, "Split")?;
            let invert = field(m, "invert")?;
            let pattern = m
                .get("pattern")
                .ok_or_else(|| bad("Split has no pattern"))?;
            if let Some(s) = pattern.get("String").and_then(Value::as_str) {
                Ok(Box::new(Split::literal(s, behavior, invert)?))
            } else if let Some(r) = pattern.get("Regex").and_then(Value::as_str) {
                Ok(Box::new(Split::regex(r, behavior, invert)?))
            } else {
                Err(bad(
                    "Split pattern must be {\"String\": ..} or {\"Regex\": ..}",
                ))
            }
        }
        "Digits" => {
            let m = object(v, "pre_tokenizer Digits", &["individual_digits"])?;
            let behavior = if field(m, "individual_digits")? {
                SplitBehavior::Isolated
            } else {
                SplitBehavior::Contiguous
            };
            Ok(Box::new(Split::chars(char::is_numeric, behavior)))
        }
        "Punctuation" => {
            let m = object(v, "pre_tokenizer Punctuation", &["behavior"])?;
            let behavior = split_behavior(field_or(m, "behavior", "Isolated")?, "Punctuation")?;
            Ok(Box::new(Split::chars(is_split_punctuation, behavior)))
        }
        "Whitespace" => {
            object(v, "pre_tokenizer Whitespace", &[])?;
            // HF's own definition: keep runs of word characters and runs of
            // other non-space characters, drop the rest (on Rust's regex, as
            // HF runs it).
            let words = Split::rust_regex(r"\w+|[^\w\s]+", SplitBehavior::Removed, true)?;
            Ok(Box::new(words))
        }
        "WhitespaceSplit" => {
            object(v, "pre_tokenizer WhitespaceSplit", &[])?;
            let spaces = Split::chars(char::is_whitespace, SplitBehavior::Removed);
            Ok(Box::new(spaces))
        }
        "CharDelimiterSplit" => {
            let m = object(v, "pre_tokenizer CharDelimiterSplit", &["delimiter"])?;
            let delimiter = field::<&str>(m, "delimiter")?;
            if delimiter.chars().count() != 1 {
                return Err(bad("CharDelimiterSplit delimiter must be one character"));
            }
            let split = Split::literal(delimiter, SplitBehavior::Removed, false)?;
            Ok(Box::new(split))
        }
        "Sequence" => {
            let inner = sequence_of(v, "pre_tokenizer", "pretokenizers", build_pre_tokenizer)?;
            let steps = flat_kinds(v);
            if let Some(i) = steps.iter().position(|&k| k == "ByteLevel") {
                if let Some(next) = steps.get(i + 1) {
                    // HF's ByteLevel rewrites the text into its byte alphabet,
                    // so what follows splits bytes, inside characters too
                    // (Falcon's Digits cuts at the bytes that look like `½`).
                    return Err(Error::Unsupported(format!(
                        "pre_tokenizer {next:?} after ByteLevel in a Sequence (HF runs it on \
                         ByteLevel's byte alphabet, where it can cut characters apart)"
                    )));
                }
            }
            Ok(Box::new(PreTokenizerSequence(inner)))
        }
        "FixedLength" => pre_tokenizers::fixed_length(v),
        other => Err(Error::Unsupported(format!("pre_tokenizer type {other:?}"))),
    }
}

/// The types of the pre-tokenizers a Sequence runs, nested Sequences opened.
fn flat_kinds(v: &Value) -> Vec<&str> {
    match v.get("type").and_then(Value::as_str) {
        Some("Sequence") => v
            .get("pretokenizers")
            .and_then(Value::as_array)
            .map_or_else(Vec::new, |steps| {
                steps.iter().flat_map(flat_kinds).collect()
            }),
        Some(kind) => vec![kind],
        None => Vec::new(),
    }
}

/// The `behavior` of a `Split` or `Punctuation` pre-tokenizer.
fn split_behavior(behavior: &str, what: &str) -> Result<SplitBehavior> {
    Ok(match behavior {
        "Removed" => SplitBehavior::Removed,
        "Isolated" => SplitBehavior::Isolated,
        "MergedWithPrevious" => SplitBehavior::MergedWithPrevious,
        "MergedWithNext" => SplitBehavior::MergedWithNext,
        "Contiguous" => SplitBehavior::Contiguous,
        other => return Err(Error::Unsupported(format!("{what} behavior {other:?}"))),
    })
}

/// `(replacement, prepend scheme, split)` of a Metaspace pre-tokenizer or
/// decoder, old (`add_prefix_space`) or new (`prepend_scheme`) format.
fn metaspace_options(v: &Value, what: &str) -> Result<(char, PrependScheme, bool)> {
    let m = object(
        v,
        what,
        &[
            "replacement",
            "add_prefix_space",
            "prepend_scheme",
            "split",
            "str_rep",
        ],
    )?;
    let mut chars = field::<&str>(m, "replacement")?.chars();
    let replacement = match (chars.next(), chars.next()) {
        (Some(c), None) => c,
        _ => return Err(bad(format!("{what} replacement must be one character"))),
    };
    let scheme = m
        .get("prepend_scheme")
        .map(|v| value_of::<&str>(v, "prepend_scheme"));
    let prepend = match scheme.transpose()? {
        Some("always") => PrependScheme::Always,
        Some("first") => PrependScheme::First,
        Some("never") => PrependScheme::Never,
        Some(other) => {
            return Err(Error::Unsupported(format!(
                "{what} prepend_scheme {other:?}"
            )))
        }
        None if optional(m, "add_prefix_space")?.unwrap_or(true) => PrependScheme::Always,
        None => PrependScheme::Never,
    };
    Ok((replacement, prepend, optional(m, "split")?.unwrap_or(true)))
}

/// The fields of HF's ByteLevel, one struct in its three roles.
struct ByteLevelOptions {
    add_prefix_space: bool,
    trim_offsets: bool,
    use_regex: bool,
}

fn byte_level_options(v: &Value, what: &str) -> Result<ByteLevelOptions> {
    let m = object(v, what, &["add_prefix_space", "trim_offsets", "use_regex"])?;
    Ok(ByteLevelOptions {
        add_prefix_space: field(m, "add_prefix_space")?,
        trim_offsets: field(m, "trim_offsets")?,
        use_regex: field_or(m, "use_regex", true)?,
    })
}

fn build_decoder(v: &Value) -> Result<Box<dyn Decoder>> {
    match kind(v, "decoder")? {
        "WordPiece" => {
            let m = object(v, "decoder WordPiece", &["prefix", "cleanup"])?;
            Ok(Box::new(WordPieceDecoder {
                prefix: field::<&str>(m, "prefix")?.to_owned(),
                cleanup: field(m, "cleanup")?,
            }))
        }
        "ByteLevel" => {
            byte_level_options(v, "decoder ByteLevel")?;
            Ok(Box::new(ByteLevelDecoder))
        }
        "Metaspace" => {
            let (replacement, prepend, _) = metaspace_options(v, "decoder Metaspace")?;
            Ok(Box::new(MetaspaceDecoder {
                replacement,
                prepend,
            }))
        }
        "Replace" => decoders::replace(v),
        "ByteFallback" => {
            object(v, "decoder ByteFallback", &[])?;
            Ok(Box::new(ByteFallbackDecoder))
        }
        "Fuse" => {
            object(v, "decoder Fuse", &[])?;
            Ok(Box::new(FuseDecoder))
        }
        "Strip" => {
            let m = object(v, "decoder Strip", &["content", "start", "stop"])?;
            let mut chars = field::<&str>(m, "content")?.chars();
            let content = match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return Err(bad("decoder Strip content must be one character")),
            };
            Ok(Box::new(StripDecoder {
                content,
                start: field(m, "start")?,
                stop: field(m, "stop")?,
            }))
        }
        "BPEDecoder" => {
            let m = object(v, "decoder BPEDecoder", &["suffix"])?;
            Ok(Box::new(BpeSuffixDecoder {
                suffix: field::<&str>(m, "suffix")?.to_owned(),
            }))
        }
        "Sequence" => {
            let inner = sequence_of(v, "decoder", "decoders", build_decoder)?;
            Ok(Box::new(DecoderSequence(inner)))
        }
        "CTC" => decoders::ctc(v),
        other => Err(Error::Unsupported(format!("decoder type {other:?}"))),
    }
}

fn build_post_processor(v: &Value) -> Result<Box<dyn PostProcessor>> {
    match kind(v, "post_processor")? {
        "TemplateProcessing" => {
            let m = object(
                v,
                "post_processor TemplateProcessing",
                &["single", "pair", "special_tokens"],
            )?;
            let specials = m
                .get("special_tokens")
                .and_then(Value::as_object)
                .ok_or_else(|| bad("TemplateProcessing has no special_tokens"))?;
            let template = |key: &str| -> Result<Vec<Piece>> {
                let list = m
                    .get(key)
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad(format!("TemplateProcessing.{key} is not a list")))?;
                list.iter().map(|p| parse_piece(p, specials)).collect()
            };
            Ok(Box::new(Template {
                single: template("single")?,
                pair: template("pair")?,
                type_ids_without_special_tokens: true,
            }))
        }
        "BertProcessing" => {
            let m = object(v, "post_processor BertProcessing", &["sep", "cls"])?;
            let special = |key: &str, type_id: u32| -> Result<Piece> {
                let (token, id) = post_processors::token_and_id(m, key, "BertProcessing")?;
                Ok(Piece::Special {
                    ids: vec![id],
                    tokens: vec![token],
                    type_id,
                })
            };
            let seq = |which, type_id| Piece::Sequence { which, type_id };
            Ok(Box::new(Template {
                single: vec![special("cls", 0)?, seq(0, 0), special("sep", 0)?],
                pair: vec![
                    special("cls", 0)?,
                    seq(0, 0),
                    special("sep", 0)?,
                    seq(1, 1),
                    special("sep", 1)?,
                ],
                type_ids_without_special_tokens: false,
            }))
        }
        "ByteLevel" => {
            let options = byte_level_options(v, "post_processor ByteLevel")?;
            Ok(Box::new(ByteLevelPost {
                trim_offsets: options.trim_offsets,
                add_prefix_space: options.add_prefix_space,
            }))
        }
        "RobertaProcessing" => post_processors::roberta(v),
        "Sequence" => post_processors::sequence(v),
        other => Err(Error::Unsupported(format!("post_processor type {other:?}"))),
    }
}

fn parse_piece(v: &Value, specials: &Map<String, Value>) -> Result<Piece> {
    if let Some(s) = v.get("Sequence") {
        let m = object(s, "template Sequence", &["id", "type_id"])?;
        let which = match field::<&str>(m, "id")? {
            "A" => 0,
            "B" => 1,
            other => return Err(bad(format!("template sequence id {other:?}"))),
        };
        return Ok(Piece::Sequence {
            which,
            type_id: field(m, "type_id")?,
        });
    }
    if let Some(s) = v.get("SpecialToken") {
        let m = object(s, "template SpecialToken", &["id", "type_id"])?;
        let name = field::<&str>(m, "id")?;
        let special = specials.get(name).ok_or_else(|| {
            bad(format!(
                "template uses {name:?}, missing from special_tokens"
            ))
        })?;
        let sm = object(special, "special token", &["id", "ids", "tokens"])?;
        field::<&str>(sm, "id")?;
        let list = |key: &str| {
            sm.get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| bad(format!("special token {name:?} has no {key} list")))
        };
        let ids = list("ids")?
            .iter()
            .map(|i| value_of(i, "a special token id"))
            .collect::<Result<Vec<u32>>>()?;
        let tokens = list("tokens")?
            .iter()
            .map(|t| value_of::<&str>(t, "a special token string").map(str::to_owned))
            .collect::<Result<Vec<String>>>()?;
        if ids.len() != tokens.len() {
            return Err(bad(format!(
                "special token {name:?}: ids and tokens differ in length"
            )));
        }
        return Ok(Piece::Special {
            ids,
            tokens,
            type_id: field(m, "type_id")?,
        });
    }
    Err(bad("a template piece is neither Sequence nor SpecialToken"))
}
