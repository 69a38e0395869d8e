//! tokenizer.json model readers kept out of hf_json.rs: WordLevel.

use serde_json::Value;

use super::{bad, field, object, parse_vocab};
use crate::error::Result;
use crate::models::wordlevel::WordLevel;
use crate::pipeline::Model;

/// WordLevel: HF requires both fields.
pub(super) fn word_level(v: &Value) -> Result<Box<dyn Model>> {
    let m = object(v, "model WordLevel", &["vocab", "unk_token"])?;
    let vocab = parse_vocab(
        m.get("vocab")
            .ok_or_else(|| bad("missing field \"vocab\""))?,
    )?;
    Ok(Box::new(WordLevel::new(vocab, field(m, "unk_token")?)))
}
