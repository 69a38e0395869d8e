//! Normalizers: the text transformations that run before pre-tokenization.

pub mod pyunicode;
// Generated (tools/gen_pyunicode_tables.py); rustfmt would only reflow its tables.
#[rustfmt::skip]
mod pyunicode_tables;
