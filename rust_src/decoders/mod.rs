//! Decoders: token strings back to text.

pub mod byte_level;
pub mod metaspace;
pub mod wordpiece;
