//! A loaded tokenizer.json written back as HF's `Tokenizer.to_str` writes
//! it: the components of the file in HF's own form (the defaults it fills
//! in, the legacy fields it rewrites), with the added tokens, truncation and
//! padding the tokenizer has now. Components are taken from the file rather
//! than written from the built tokenizer, which does not keep everything HF
//! writes (a Unigram score as the file spelled it, say); the file was
//! checked when it was loaded, so its fields are known to be well formed.

use serde_json::{json, Map, Value};

use super::hf_json_write::{padding_json, truncation_json};
use crate::error::{Error, Result};
use crate::tokenizer::{EncodeOptions, Tokenizer};

/// The tokenizer.json HF would write for `tokenizer`, loaded from `file`,
/// with `options` as its truncation and padding.
pub fn tokenizer_json(file: &Value, tokenizer: &Tokenizer, options: &EncodeOptions) -> Value {
    let component = |key: &str, canonical: fn(&Value) -> Value| {
        file.get(key)
            .filter(|v| !v.is_null())
            .map_or(Value::Null, canonical)
    };
    let added: Vec<Value> = tokenizer
        .added_tokens()
        .tokens()
        .map(|t| {
            json!({
                "id": t.id, "content": t.content, "single_word": t.single_word,
                "lstrip": t.lstrip, "rstrip": t.rstrip, "normalized": t.normalized,
                "special": t.special
            })
        })
        .collect();
    json!({
        "version": "1.0",
        "truncation": truncation_json(options.truncation.as_ref()),
        "padding": padding_json(options.padding.as_ref()),
        "added_tokens": added,
        "normalizer": component("normalizer", component_json),
        "pre_tokenizer": component("pre_tokenizer", component_json),
        "post_processor": component("post_processor", component_json),
        "decoder": component("decoder", component_json),
        "model": component("model", model_json),
    })
}

/// The text of `value`: compact, or indented as HF's `pretty` is.
pub fn to_text(value: &Value, pretty: bool) -> Result<String> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    };
    text.map_err(|e| Error::InvalidArgument(format!("tokenizer.json: {e}")))
}

/// `fields` of `v` in order, each as the file has it or else its default.
fn with_defaults(v: &Map<String, Value>, fields: &[(&str, Value)]) -> Value {
    let mut out = Map::new();
    for (key, default) in fields {
        let value = v.get(*key).cloned().unwrap_or_else(|| default.clone());
        out.insert((*key).to_owned(), value);
    }
    Value::Object(out)
}

/// A model as HF writes it: every field, defaults filled in, BPE merges as
/// pairs.
fn model_json(v: &Value) -> Value {
    let Some(m) = v.as_object() else {
        return v.clone();
    };
    let kind = m.get("type").and_then(Value::as_str).unwrap_or_default();
    let fields: Vec<(&str, Value)> = match kind {
        "BPE" => vec![
            ("type", json!("BPE")),
            ("dropout", Value::Null),
            ("unk_token", Value::Null),
            ("continuing_subword_prefix", Value::Null),
            ("end_of_word_suffix", Value::Null),
            ("fuse_unk", json!(false)),
            ("byte_fallback", json!(false)),
            ("ignore_merges", json!(false)),
            ("vocab", json!({})),
            ("merges", json!([])),
        ],
        "WordPiece" => vec![
            ("type", json!("WordPiece")),
            ("unk_token", json!("[UNK]")),
            ("continuing_subword_prefix", json!("##")),
            ("max_input_chars_per_word", json!(100)),
            ("vocab", json!({})),
        ],
        "WordLevel" => vec![
            ("type", json!("WordLevel")),
            ("vocab", json!({})),
            ("unk_token", json!("<unk>")),
        ],
        "Unigram" => vec![
            ("type", json!("Unigram")),
            ("unk_id", Value::Null),
            ("vocab", json!([])),
            ("byte_fallback", json!(false)),
        ],
        _ => return v.clone(),
    };
    let mut out = with_defaults(m, &fields);
    if kind == "BPE" {
        out["dropout"] = dropout(m.get("dropout"));
        out["merges"] = merge_pairs(m.get("merges"));
    }
    out
}

/// BPE's dropout as HF writes it: it keeps an `f32`, written in the
/// shortest form that reads back as that `f32`.
fn dropout(v: Option<&Value>) -> Value {
    match v.and_then(Value::as_f64) {
        Some(p) => {
            let shortest = format!("{}", p as f32);
            shortest.parse::<f64>().map_or(Value::Null, Value::from)
        }
        None => Value::Null,
    }
}

/// BPE merges as `[left, right]` pairs: HF reads the old `"left right"`
/// strings (skipping `#version` lines) and writes pairs.
fn merge_pairs(v: Option<&Value>) -> Value {
    let Some(list) = v.and_then(Value::as_array) else {
        return json!([]);
    };
    let pairs = list.iter().filter_map(|merge| match merge.as_str() {
        Some(line) if line.starts_with("#version") => None,
        Some(line) => Some(match line.split_once(' ') {
            Some((a, b)) => json!([a, b]),
            None => json!([line]),
        }),
        None => Some(merge.clone()),
    });
    Value::Array(pairs.collect())
}

/// A normalizer, pre-tokenizer, post-processor or decoder as HF writes it:
/// Sequences item by item, defaults filled in, Metaspace's legacy
/// `add_prefix_space` turned into its `prepend_scheme`.
fn component_json(v: &Value) -> Value {
    let Some(m) = v.as_object() else {
        return v.clone();
    };
    let kind = m.get("type").and_then(Value::as_str).unwrap_or_default();
    let mut out = m.clone();
    let mut default = |key: &str, value: Value| {
        out.entry(key.to_owned()).or_insert(value);
    };
    match kind {
        "ByteLevel" => default("use_regex", json!(true)),
        "FixedLength" => default("length", json!(5)),
        "Punctuation" => default("behavior", json!("Isolated")),
        "BertNormalizer" => default("strip_accents", Value::Null),
        "Metaspace" => return metaspace_json(m),
        _ => {}
    }
    for key in ["normalizers", "pretokenizers", "processors", "decoders"] {
        if let Some(Value::Array(items)) = out.get(key) {
            let items = items.iter().map(component_json).collect();
            out.insert(key.to_owned(), Value::Array(items));
        }
    }
    Value::Object(out)
}

/// Metaspace as HF writes it: `prepend_scheme` ("never" where the legacy
/// `add_prefix_space` is false) and `split`, without `add_prefix_space`
/// and `str_rep`.
fn metaspace_json(m: &Map<String, Value>) -> Value {
    let mut scheme = m.get("prepend_scheme").cloned().unwrap_or(json!("always"));
    if m.get("add_prefix_space") == Some(&json!(false)) {
        scheme = json!("never");
    }
    let split = match m.get("split") {
        None | Some(Value::Null) => json!(true),
        Some(v) => v.clone(),
    };
    json!({
        "type": "Metaspace",
        "replacement": m.get("replacement").cloned().unwrap_or(Value::Null),
        "prepend_scheme": scheme,
        "split": split,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_fields_take_hf_form() {
        let bpe = json!({"type": "BPE", "vocab": {"a": 0}, "merges": ["#version: 0.2", "a b"]});
        let out = model_json(&bpe);
        assert_eq!(out["merges"], json!([["a", "b"]]));
        assert_eq!(out["ignore_merges"], json!(false));
        assert_eq!(out["dropout"], Value::Null);
        let meta = json!({"type": "Metaspace", "replacement": "▁", "add_prefix_space": false});
        assert_eq!(
            component_json(&meta),
            json!({"type": "Metaspace", "replacement": "▁", "prepend_scheme": "never", "split": true})
        );
        assert_eq!(dropout(Some(&json!(0.1))), json!(0.1));
    }
}
