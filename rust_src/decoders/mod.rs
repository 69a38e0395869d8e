//! Decoders: token strings back to text.

pub mod metaspace;
pub mod wordpiece;
