//! Decoders: token strings back to text.

pub mod wordpiece;
