//! HF's CTC decoder (wav2vec2-style output): repeated tokens collapsed,
//! the pad token removed, the word delimiter made a space.

use super::wordpiece::cleanup;
use crate::error::Result;
use crate::pipeline::Decoder;

/// HF's `decoders.CTC`.
#[derive(Debug, Clone)]
pub struct CtcDecoder {
    /// The blank token CTC emits between characters.
    pub pad_token: String,
    /// The token standing for a space between words.
    pub word_delimiter_token: String,
    /// WordPiece's cleanup, and the delimiter replaced (HF replaces it only
    /// then).
    pub cleanup: bool,
}

impl Decoder for CtcDecoder {
    fn decode_chain(&self, mut tokens: Vec<String>) -> Result<Vec<String>> {
        tokens.dedup();
        Ok(tokens
            .into_iter()
            .filter_map(|token| {
                let mut text = token.replace(&self.pad_token, "");
                if self.cleanup {
                    text = cleanup(&text).replace(&self.word_delimiter_token, " ");
                }
                (!text.is_empty()).then_some(text)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_repeats_and_drops_blanks() {
        let d = CtcDecoder {
            pad_token: "<pad>".into(),
            word_delimiter_token: "|".into(),
            cleanup: true,
        };
        let tokens = "<pad> <pad> h e e l l <pad> l o o o | | w";
        let tokens: Vec<&str> = tokens.split(' ').collect();
        assert_eq!(d.decode(&tokens).unwrap(), "hello w");
    }
}
