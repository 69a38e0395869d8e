//! Normalizers: text clean-up before splitting, with alignment kept.

pub mod bert;
pub mod byte_level;
pub mod charsmap_blob;
pub mod hf_unicode;
pub mod lone_clusters;
pub mod lowercase;
pub mod nmt;
pub mod precompiled;
pub mod prepend;
pub mod pyunicode;
pub mod replace;
pub mod rules;
pub mod sequence;
pub mod spm;
pub mod strip;
pub mod transform;
pub mod unicode_forms;
use crate::error::{Error, Result};
use crate::pipeline::Normalized;

/// An [`Error::Encoding`] when the normalizer `what` would make `text`
/// `bytes` long, past [`Normalized::longest_allowed`].
pub fn check_normalized_size(text: &Normalized, bytes: usize, what: &str) -> Result<()> {
    let limit = text.longest_allowed();
    if bytes > limit {
        return Err(Error::Encoding(format!(
            "the {what} normalizer would make a text of {bytes} bytes, more than the \
             {limit} tokkit allows for this input: the tokenizer's normalizers multiply \
             the text"
        )));
    }
    Ok(())
}

// Generated (tools/gen_pyunicode_tables.py); rustfmt would only reflow its tables.
#[rustfmt::skip]
mod pyunicode_tables;
