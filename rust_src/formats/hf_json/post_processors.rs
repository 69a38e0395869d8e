//! tokenizer.json post-processors beyond the template family:
//! RobertaProcessing and Sequence.

use serde_json::{Map, Value};

use super::{bad, build_post_processor, field, object, sequence_of};
use crate::error::Result;
use crate::tokenizer::post_process::PostProcessor;
use crate::tokenizer::roberta_post::RobertaPost;
use crate::tokenizer::sequence_post::PostProcessorSequence;

/// A `[token, id]` field (BertProcessing's and RobertaProcessing's `cls`, `sep`).
pub(super) fn token_and_id(m: &Map<String, Value>, key: &str, what: &str) -> Result<(String, u32)> {
    let pair = m.get(key).and_then(Value::as_array).map(Vec::as_slice);
    match pair {
        Some([Value::String(token), id]) => {
            let id = id
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| bad(format!("{what}.{key} id {id} is not a valid id")))?;
            Ok((token.clone(), id))
        }
        _ => Err(bad(format!("{what}.{key} must be [token, id]"))),
    }
}

/// RobertaProcessing: HF requires all four fields.
pub(super) fn roberta(v: &Value) -> Result<Box<dyn PostProcessor>> {
    let what = "post_processor RobertaProcessing";
    let m = object(v, what, &["sep", "cls", "trim_offsets", "add_prefix_space"])?;
    Ok(Box::new(RobertaPost {
        cls: token_and_id(m, "cls", what)?,
        sep: token_and_id(m, "sep", what)?,
        trim_offsets: field(m, "trim_offsets")?,
        add_prefix_space: field(m, "add_prefix_space")?,
    }))
}

/// Sequence: its `processors`, run in turn.
pub(super) fn sequence(v: &Value) -> Result<Box<dyn PostProcessor>> {
    let steps = sequence_of(v, "post_processor", "processors", build_post_processor)?;
    Ok(Box::new(PostProcessorSequence(steps)))
}
