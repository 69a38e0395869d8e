//! Readers and writers for vocabulary and model file formats.

pub mod spm_model;
