//! Normalizers: text rewriting before segmentation.

pub mod spm;
