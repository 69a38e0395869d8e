//! tokenizer.json models: WordPiece, BPE (over characters or bytes),
//! Unigram, WordLevel.

use rustc_hash::FxHashMap;
use serde_json::{Map, Value};

use super::{bad, field, field_or, kind, object, optional};
use crate::error::{Error, Result};
use crate::formats::gpt2::{byte_level_bpe, vocab_from_json, MergeSource};
use crate::models::bpe::chars::{CharBpe, CharBpeOptions};
use crate::models::file_ids::{compact, FileIds, IdMap};
use crate::models::unigram::hf_model::HfUnigram;
use crate::models::wordlevel::WordLevel;
use crate::models::wordpiece::WordPiece;
use crate::pipeline::Model;

/// The model's type; a model without one (HF's legacy form) is the first of
/// BPE (merges), WordPiece (a vocabulary map), Unigram (a vocabulary list)
/// that its fields fit, the order in which HF tries them.
pub fn model_kind(v: &Value) -> Result<&str> {
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

pub(super) fn build_model(v: &Value, byte_level: bool) -> Result<Box<dyn Model>> {
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
        "WordLevel" => word_level(v),
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
pub fn parse_merges(v: &Value) -> Result<Vec<(String, String, usize)>> {
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

/// WordLevel: HF requires both fields.
fn word_level(v: &Value) -> Result<Box<dyn Model>> {
    let m = object(v, "model WordLevel", &["vocab", "unk_token"])?;
    let (vocab, file_ids) = parse_vocab(m)?;
    let model = WordLevel::new(vocab, field(m, "unk_token")?);
    Ok(FileIds::wrap(Box::new(model), file_ids))
}
