//! tokenizer.json model readers kept out of hf_json.rs: WordLevel.

use serde_json::Value;

use super::{field, object, parse_vocab};
use crate::error::Result;
use crate::models::file_ids::FileIds;
use crate::models::wordlevel::WordLevel;
use crate::pipeline::Model;

/// WordLevel: HF requires both fields.
pub(super) fn word_level(v: &Value) -> Result<Box<dyn Model>> {
    let m = object(v, "model WordLevel", &["vocab", "unk_token"])?;
    let (vocab, file_ids) = parse_vocab(m)?;
    let model = WordLevel::new(vocab, field(m, "unk_token")?);
    Ok(FileIds::wrap(Box::new(model), file_ids))
}
