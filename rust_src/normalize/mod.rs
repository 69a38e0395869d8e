//! Normalizers: text clean-up before splitting, with alignment kept.

pub mod bert;
pub mod pyunicode;
mod pyunicode_tables;
