//! HF's `Lowercase` normalizer: Rust's `char::to_lowercase`, each char of a
//! multi-char lowercase (`İ` → `i̇`) aligned with the char it came from.

use crate::error::Result;
use crate::pipeline::{Builder, Normalized, Normalizer, SpannedChars};

/// Lowercases every char.
#[derive(Debug, Clone, Copy)]
pub struct Lowercase;

impl Normalizer for Lowercase {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        let s = text.as_str();
        if s.is_ascii() {
            if s.bytes().any(|b| b.is_ascii_uppercase()) {
                text.rewrite_ascii(|b| Some(b.to_ascii_lowercase()));
            }
            return Ok(());
        }
        text.rewrite(|chars: SpannedChars<'_>, out: &mut Builder| {
            for (c, span) in chars {
                c.to_lowercase().for_each(|l| out.push(l, span));
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_with_alignment() {
        let mut n = Normalized::new("AbC", true);
        Lowercase.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), "abc");
        let mut n = Normalized::new("xİY", true);
        Lowercase.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), "xi\u{307}y");
        assert_eq!(n.original_range(1..4), Some(1..3));
        assert_eq!(n.original_range(4..5), Some(3..4));
    }
}
