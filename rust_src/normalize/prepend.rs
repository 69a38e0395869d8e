//! HF's `Prepend` normalizer: a string put before non-empty text, aligned
//! with the first char, as HF's `NormalizedString::prepend` does.

use super::check_normalized_size;
use crate::error::Result;
use crate::pipeline::{Builder, Normalized, Normalizer, SpannedChars};

/// Prepends `prefix` to non-empty text.
#[derive(Debug, Clone)]
pub struct Prepend {
    /// The text put first.
    pub prefix: String,
}

impl Normalizer for Prepend {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        if text.as_str().is_empty() {
            return Ok(());
        }
        let bytes = text.as_str().len().saturating_add(self.prefix.len());
        check_normalized_size(text, bytes, "Prepend")?;
        text.rewrite(|mut chars: SpannedChars<'_>, out: &mut Builder| {
            let Some((first, span)) = chars.next() else {
                return;
            };
            self.prefix.chars().for_each(|c| out.push(c, span));
            // HF re-inserts the first char after the prefix; with an empty
            // prefix nothing was read before it, so it aligns with nothing.
            out.push(first, if self.prefix.is_empty() { (0, 0) } else { span });
            chars.for_each(|(c, span)| out.push(c, span));
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prepends_aligned_with_the_first_char() {
        let p = Prepend {
            prefix: "\u{2581}".into(),
        };
        let mut n = Normalized::new("ab", true);
        p.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), "\u{2581}ab");
        assert_eq!(n.original_range(0..3), Some(0..1));
        let mut n = Normalized::new("", true);
        p.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), "");
    }
}
