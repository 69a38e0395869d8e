//! Writing tokenizer.json files for trained vocabularies, in the layout HF
//! `tokenizers` saves: HF loads them as they are, and tokkit reads them back
//! through the same reader as users' files ([`super::hf_json`]).

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::tokenizer::{Padding, PaddingLength, Side, Truncation, TruncationStrategy};
use crate::train::split::WordSplit;

/// The special tokens as tokenizer.json `added_tokens` (matched in the raw
/// text, never normalized); `id_of` gives each one's id.
fn added_tokens(
    special_tokens: &[String],
    id_of: impl Fn(&str) -> Result<u32>,
) -> Result<Vec<Value>> {
    let mut seen = Vec::new();
    special_tokens
        .iter()
        .filter(|t| {
            let new = !seen.contains(t);
            seen.push(*t);
            new
        })
        .map(|t| {
            Ok(json!({
                "id": id_of(t)?, "content": t, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": false, "special": true
            }))
        })
        .collect()
}

/// The id of `token` in `tokens` (in id order); `missing` says what is wrong
/// when it is not there.
fn id_in(tokens: &[String], token: &str, missing: &str) -> Result<u32> {
    tokens
        .iter()
        .position(|t| t == token)
        .map(|i| i as u32)
        .ok_or_else(|| Error::InvalidArgument(format!("{token:?} {missing}")))
}

/// `tokens` (in id order) as a tokenizer.json `vocab` object.
fn vocab_object(tokens: &[String]) -> Map<String, Value> {
    tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), Value::from(i as u32)))
        .collect()
}

/// The tokenizer.json of a trained BPE vocabulary (`tokens` in id order,
/// `merges` as token strings in order), split as `split` says, with the
/// special tokens as added tokens.
pub fn bpe_tokenizer_json(
    tokens: &[String],
    merges: &[(&str, &str)],
    special_tokens: &[String],
    split: &WordSplit,
    continuing_subword_prefix: Option<&str>,
    end_of_word_suffix: Option<&str>,
) -> Result<Value> {
    let id_of = |token: &str| id_in(tokens, token, "is not in the vocabulary");
    let decoder = match (split.decoder(), end_of_word_suffix) {
        (Value::Null, Some(suffix)) => json!({"type": "BPEDecoder", "suffix": suffix}),
        (decoder, _) => decoder,
    };
    let merges: Vec<Value> = merges.iter().map(|(a, b)| json!([a, b])).collect();
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens(special_tokens, id_of)?,
        "normalizer": split.normalizer,
        "pre_tokenizer": split.pre_tokenizer,
        "post_processor": null,
        "decoder": decoder,
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": continuing_subword_prefix,
            "end_of_word_suffix": end_of_word_suffix,
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
            "vocab": vocab_object(tokens), "merges": merges
        },
    }))
}

/// The tokenizer.json of a BERT WordPiece vocabulary (`tokens` in id order):
/// BertNormalizer, BertPreTokenizer, `[CLS] $A [SEP]` template, WordPiece
/// decoder, with the special tokens as added tokens. HF loads it as it is.
pub fn wordpiece_tokenizer_json(
    tokens: &[String],
    special_tokens: &[String],
    unk_token: &str,
    lowercase: bool,
) -> Result<Value> {
    let id_of = |token: &str| id_in(tokens, token, "must be one of the special tokens");
    let vocab = vocab_object(tokens);
    let added = added_tokens(special_tokens, id_of)?;
    id_of(unk_token)?;
    let template = |seq: &str, with_pair: bool| {
        let mut pieces = vec![
            json!({"SpecialToken": {"id": "[CLS]", "type_id": 0}}),
            json!({"Sequence": {"id": seq, "type_id": 0}}),
            json!({"SpecialToken": {"id": "[SEP]", "type_id": 0}}),
        ];
        if with_pair {
            pieces.push(json!({"Sequence": {"id": "B", "type_id": 1}}));
            pieces.push(json!({"SpecialToken": {"id": "[SEP]", "type_id": 1}}));
        }
        Value::Array(pieces)
    };
    let post_processor = match (id_of("[CLS]"), id_of("[SEP]")) {
        (Ok(cls), Ok(sep)) => json!({
            "type": "TemplateProcessing",
            "single": template("A", false),
            "pair": template("A", true),
            "special_tokens": {
                "[CLS]": {"id": "[CLS]", "ids": [cls], "tokens": ["[CLS]"]},
                "[SEP]": {"id": "[SEP]", "ids": [sep], "tokens": ["[SEP]"]},
            },
        }),
        _ => Value::Null,
    };
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added,
        "normalizer": {
            "type": "BertNormalizer", "clean_text": true, "handle_chinese_chars": true,
            "strip_accents": null, "lowercase": lowercase
        },
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": post_processor,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": true},
        "model": {
            "type": "WordPiece", "unk_token": unk_token, "continuing_subword_prefix": "##",
            "max_input_chars_per_word": 100, "vocab": vocab
        },
    }))
}

/// tokenizer.json's name for a side.
fn side_json(side: Side) -> &'static str {
    match side {
        Side::Right => "Right",
        Side::Left => "Left",
    }
}

/// Truncation as tokenizer.json's `truncation` field (HF's
/// `TruncationParams`), `null` when off.
pub fn truncation_json(truncation: Option<&Truncation>) -> Value {
    let Some(t) = truncation else {
        return Value::Null;
    };
    let strategy = match t.strategy {
        TruncationStrategy::LongestFirst => "LongestFirst",
        TruncationStrategy::OnlyFirst => "OnlyFirst",
        TruncationStrategy::OnlySecond => "OnlySecond",
    };
    json!({
        "direction": side_json(t.side), "max_length": t.max_length,
        "strategy": strategy, "stride": t.stride
    })
}

/// Padding as tokenizer.json's `padding` field (HF's `PaddingParams`),
/// `null` when off.
pub fn padding_json(padding: Option<&Padding>) -> Value {
    let Some(p) = padding else {
        return Value::Null;
    };
    let strategy = match p.length {
        PaddingLength::BatchLongest => json!("BatchLongest"),
        PaddingLength::Fixed(n) => json!({ "Fixed": n }),
    };
    json!({
        "strategy": strategy, "direction": side_json(p.side),
        "pad_to_multiple_of": p.pad_to_multiple_of, "pad_id": p.pad_id,
        "pad_type_id": p.pad_type_id, "pad_token": p.pad_token
    })
}
