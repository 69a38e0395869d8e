//! Normalizers: text clean-up before splitting, with alignment kept.

pub mod bert;
pub mod byte_level;
pub mod charsmap_blob;
pub mod hf_unicode;
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
// Generated (tools/gen_pyunicode_tables.py); rustfmt would only reflow its tables.
#[rustfmt::skip]
mod pyunicode_tables;
