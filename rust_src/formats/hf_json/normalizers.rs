//! tokenizer.json normalizer readers kept out of hf_json.rs: ByteLevel, and
//! Replace (which HF's Replace decoder is too).

use serde_json::Value;

use super::{bad, field, object};
use crate::error::Result;
use crate::normalize::byte_level::ByteLevelNormalizer;
use crate::normalize::replace::{Pattern, Replace};
use crate::pipeline::Normalizer;

/// ByteLevel (no fields).
pub(super) fn byte_level(v: &Value) -> Result<Box<dyn Normalizer>> {
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
pub(super) fn replace(v: &Value) -> Result<Box<dyn Normalizer>> {
    let (pattern, content) = replace_fields(v, "normalizer Replace")?;
    Ok(Box::new(Replace { pattern, content }))
}
