//! HF's ByteLevel decoder: token names in GPT-2's byte alphabet back to
//! bytes, then UTF-8 with U+FFFD for invalid sequences.

use crate::error::Result;
use crate::models::bpe::byte_alphabet::char_to_byte;
use crate::pipeline::Decoder;

/// Joins tokens and maps the byte alphabet back to bytes.
pub struct ByteLevelDecoder;

impl Decoder for ByteLevelDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        let mut bytes = Vec::new();
        for token in tokens {
            let mapped: Option<Vec<u8>> = token.chars().map(char_to_byte).collect();
            match mapped {
                Some(b) => bytes.extend_from_slice(&b),
                // A token outside the alphabet (an added token, say) is kept
                // as its own UTF-8, as HF does.
                None => bytes.extend_from_slice(token.as_bytes()),
            }
        }
        Ok(vec![String::from_utf8_lossy(&bytes).into_owned()])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_alphabet_and_keeps_others() {
        let d = ByteLevelDecoder;
        assert_eq!(
            d.decode(&["Hello", "Ġworld", "<|x|>"]).unwrap(),
            "Hello world<|x|>"
        );
        assert_eq!(d.decode(&["ðŁĺ"]).unwrap(), "\u{fffd}");
        assert_eq!(d.decode(&["ðŁĺ", "Ģ"]).unwrap(), "😀");
        assert_eq!(d.decode(&["Ã©"]).unwrap(), "é");
        assert_eq!(d.decode(&["é"]).unwrap(), "\u{fffd}");
    }
}
