//! HF's ByteLevel normalizer: the text spelled in GPT-2's byte alphabet, each
//! byte's character aligned with the character it came from.

use crate::error::Result;
use crate::models::bpe::byte_alphabet::table;
use crate::pipeline::{Builder, Normalized, Normalizer, SpannedChars};

/// Spells the text's bytes in the byte alphabet.
#[derive(Debug, Clone, Copy)]
pub struct ByteLevelNormalizer;

impl Normalizer for ByteLevelNormalizer {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        let alphabet = table();
        text.rewrite(|chars: SpannedChars<'_>, out: &mut Builder| {
            let mut utf8 = [0; 4];
            for (c, span) in chars {
                for &b in c.encode_utf8(&mut utf8).as_bytes() {
                    out.push(alphabet[b as usize], span);
                }
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spells_bytes_aligned_with_their_character() {
        let mut n = Normalized::new("a é", true);
        ByteLevelNormalizer.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), "aĠÃ©");
        assert_eq!(n.original_range(3..5), Some(2..4));
    }
}
