//! HF's `BPEDecoder`: the end-of-word suffix ("</w>") becomes a space, or
//! nothing in the last token.

use crate::error::Result;
use crate::pipeline::Decoder;

/// HF's `decoders.BPEDecoder`.
#[derive(Debug, Clone)]
pub struct BpeSuffixDecoder {
    /// The end-of-word suffix of the model.
    pub suffix: String,
}

impl Decoder for BpeSuffixDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        let last = tokens.len().saturating_sub(1);
        Ok(tokens
            .iter()
            .enumerate()
            .map(|(i, t)| t.replace(&self.suffix, if i == last { "" } else { " " }))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values: HF tokenizers 0.23.3 decoders.BPEDecoder(suffix).decode.
    #[test]
    fn suffix_is_a_space_except_at_the_end() {
        let d = BpeSuffixDecoder {
            suffix: "</w>".into(),
        };
        assert_eq!(d.decode(&["ab</w>", "c", "d</w>"]).unwrap(), "ab cd");
        assert_eq!(d.decode(&["a</w>b</w>"]).unwrap(), "ab");
        assert_eq!(d.decode(&[]).unwrap(), "");
        let d = BpeSuffixDecoder { suffix: "".into() };
        assert_eq!(d.decode(&["ab", "c"]).unwrap(), " a b c");
    }
}
