//! tokenizer.json normalizers added for issue 18: ByteLevel.

use serde_json::Value;

use super::object;
use crate::error::Result;
use crate::normalize::byte_level::ByteLevelNormalizer;
use crate::pipeline::Normalizer;

/// ByteLevel (no fields).
pub(super) fn byte_level(v: &Value) -> Result<Box<dyn Normalizer>> {
    object(v, "normalizer ByteLevel", &[])?;
    Ok(Box::new(ByteLevelNormalizer))
}
