//! Decoders: token strings back to text.

pub mod bpe_suffix;
pub mod byte_fallback;
pub mod byte_level;
pub mod ctc;
pub mod fuse;
pub mod metaspace;
pub mod replace;
pub mod sequence;
pub mod strip;
pub mod wordpiece;
