//! tokenizer.json normalizers.

use serde_json::Value;

use super::{bad, field, kind, object, optional, sequence_of};
use crate::error::{Error, Result};
use crate::normalize::bert::{BertCompat, BertNormalizer};
use crate::normalize::byte_level::ByteLevelNormalizer;
use crate::normalize::lowercase::Lowercase;
use crate::normalize::nmt::Nmt;
use crate::normalize::precompiled::Precompiled;
use crate::normalize::prepend::Prepend;
use crate::normalize::replace::{Pattern, Replace};
use crate::normalize::sequence::Sequence;
use crate::normalize::strip::{Strip, StripAccents};
use crate::normalize::unicode_forms::UnicodeForm;
use crate::pipeline::Normalizer;

pub(super) fn build_normalizer(v: &Value) -> Result<Box<dyn Normalizer>> {
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
        "Replace" => replace(v),
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
        "ByteLevel" => byte_level(v),
        other => Err(Error::Unsupported(format!("normalizer type {other:?}"))),
    }
}

/// ByteLevel (no fields).
fn byte_level(v: &Value) -> Result<Box<dyn Normalizer>> {
    object(v, "normalizer ByteLevel", &[])?;
    Ok(Box::new(ByteLevelNormalizer))
}

/// The pattern and content of a Replace normalizer or decoder (`what`).
pub(super) fn replace_fields(v: &Value, what: &str) -> Result<(Pattern, String)> {
    let m = object(v, what, &["pattern", "content"])?;
    let pattern = match m.get("pattern") {
        Some(Value::Object(p)) => match (p.get("String"), p.get("Regex")) {
            (Some(Value::String(lit)), None) => Pattern::literal(lit)?,
            (None, Some(Value::String(re))) => Pattern::regex(re)?,
            _ => return Err(bad("Replace pattern must be {\"String\"} or {\"Regex\"}")),
        },
        _ => return Err(bad(format!("{what} has no pattern"))),
    };
    Ok((pattern, field::<&str>(m, "content")?.to_owned()))
}

/// Replace: a literal or an Oniguruma regex.
fn replace(v: &Value) -> Result<Box<dyn Normalizer>> {
    let (pattern, content) = replace_fields(v, "normalizer Replace")?;
    Ok(Box::new(Replace { pattern, content }))
}
