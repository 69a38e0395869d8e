//! HF's `Fuse` decoder: the tokens joined into one.

use crate::error::Result;
use crate::pipeline::Decoder;

/// HF's `decoders.Fuse`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FuseDecoder;

impl Decoder for FuseDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        Ok(vec![tokens.concat()])
    }
}
