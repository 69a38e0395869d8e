//! Pre-tokenizers: split normalized text into the pieces a model encodes.

pub mod bert;
pub mod metaspace;
