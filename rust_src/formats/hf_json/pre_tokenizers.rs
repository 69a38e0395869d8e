//! tokenizer.json pre-tokenizer readers kept out of hf_json.rs: FixedLength.

use serde_json::Value;

use super::{bad, field_or, object};
use crate::error::Result;
use crate::pipeline::PreTokenizer;
use crate::pretokenize::fixed_length::FixedLength;

/// FixedLength: `length` defaults to 5, as in HF; 0 is refused (HF panics
/// on the first text).
pub(super) fn fixed_length(v: &Value) -> Result<Box<dyn PreTokenizer>> {
    let m = object(v, "pre_tokenizer FixedLength", &["length"])?;
    let length = field_or(m, "length", 5)?;
    if length == 0 {
        return Err(bad("pre_tokenizer FixedLength length must be at least 1"));
    }
    Ok(Box::new(FixedLength { length }))
}
