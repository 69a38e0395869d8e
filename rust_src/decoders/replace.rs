//! HF's `Replace` decoder with a string pattern: every occurrence in every
//! token replaced, left to right without overlap.

use crate::pipeline::Decoder;

/// HF's `decoders.Replace` (string patterns only).
#[derive(Debug, Clone)]
pub struct ReplaceDecoder {
    /// The literal text to find.
    pub pattern: String,
    /// What it becomes.
    pub content: String,
}

impl Decoder for ReplaceDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Vec<String> {
        tokens
            .iter()
            .map(|t| t.replace(&self.pattern, &self.content))
            .collect()
    }
}
