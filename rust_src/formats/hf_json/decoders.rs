//! tokenizer.json decoder readers kept out of hf_json.rs: CTC, and Replace
//! (a literal or a regex).

use serde_json::Value;

use super::normalizers::replace_fields;
use super::{field, object};
use crate::decoders::ctc::CtcDecoder;
use crate::decoders::replace::ReplaceDecoder;
use crate::error::Result;
use crate::pipeline::Decoder;

/// CTC: HF requires all three fields.
pub(super) fn ctc(v: &Value) -> Result<Box<dyn Decoder>> {
    let m = object(
        v,
        "decoder CTC",
        &["pad_token", "word_delimiter_token", "cleanup"],
    )?;
    Ok(Box::new(CtcDecoder {
        pad_token: field::<&str>(m, "pad_token")?.to_owned(),
        word_delimiter_token: field::<&str>(m, "word_delimiter_token")?.to_owned(),
        cleanup: field(m, "cleanup")?,
    }))
}

/// Replace: a literal or an Oniguruma regex, read as the normalizer's.
pub(super) fn replace(v: &Value) -> Result<Box<dyn Decoder>> {
    let (pattern, content) = replace_fields(v, "decoder Replace")?;
    Ok(Box::new(ReplaceDecoder { pattern, content }))
}
