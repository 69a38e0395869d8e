//! Decoding ids back to text.

use super::Tokenizer;
use crate::error::Result;

impl Tokenizer {
    /// Text of `ids`, as HF's `decode`: added tokens by their name, unknown
    /// ids dropped, special tokens skipped on request, then the decoder.
    /// HF skips a token whose *name* is a special token's content: a
    /// normalized special token, named by its normalized form, is kept.
    /// Fails only where a decoder's regex gives up (catastrophic
    /// backtracking), where HF panics.
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        let tokens: Vec<&str> = ids
            .iter()
            .filter_map(|&id| self.id_to_token(id))
            .filter(|token| !(skip_special_tokens && self.added.is_special(token)))
            .collect();
        match &self.decoder {
            Some(d) => d.decode(&tokens),
            None => Ok(tokens.join(" ")),
        }
    }
}
