//! HF's `Strip` (leading and trailing whitespace, as Rust's
//! `char::is_whitespace`) and `StripAccents` (combining marks, as
//! `unicode-normalization-alignments` classes them) normalizers. Both only
//! drop chars, so every char kept keeps its own span.

use unicode_normalization_alignments::char::is_combining_mark;

use crate::error::Result;
use crate::pipeline::{Builder, Normalized, Normalizer, SpannedChars};

/// Removes whitespace at the start (`left`) and at the end (`right`).
#[derive(Debug, Clone, Copy)]
pub struct Strip {
    /// Strip the start.
    pub left: bool,
    /// Strip the end.
    pub right: bool,
}

impl Normalizer for Strip {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        let s = text.as_str();
        let start = if self.left {
            s.len() - s.trim_start().len()
        } else {
            0
        };
        let end = if self.right {
            s.trim_end().len()
        } else {
            s.len()
        };
        if start == 0 && end == s.len() {
            return Ok(());
        }
        text.rewrite(|chars: SpannedChars<'_>, out: &mut Builder| {
            let mut at = 0;
            for (c, span) in chars {
                if at >= start && at < end {
                    out.push(c, span);
                }
                at += c.len_utf8();
            }
        });
        Ok(())
    }
}

/// Removes combining marks.
#[derive(Debug, Clone, Copy)]
pub struct StripAccents;

impl Normalizer for StripAccents {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        // Combining marks are never ASCII.
        if text.as_str().is_ascii() {
            return Ok(());
        }
        text.rewrite(|chars: SpannedChars<'_>, out: &mut Builder| {
            for (c, span) in chars {
                if !is_combining_mark(c) {
                    out.push(c, span);
                }
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(n: &dyn Normalizer, text: &str) -> Normalized {
        let mut t = Normalized::new(text, true);
        n.normalize(&mut t).unwrap();
        t
    }

    #[test]
    fn strips() {
        let both = Strip {
            left: true,
            right: true,
        };
        let n = run(&both, " \u{3000}ab \n");
        assert_eq!(n.as_str(), "ab");
        assert_eq!(n.original_range(0..2), Some(4..6));
        assert_eq!(run(&both, "   ").as_str(), "");
        let right = Strip {
            left: false,
            right: true,
        };
        assert_eq!(run(&right, " a ").as_str(), " a");
        // HF's own test: e + three macrons + o.
        let n = run(&StripAccents, "e\u{304}\u{304}\u{304}o");
        assert_eq!(n.as_str(), "eo");
        assert_eq!(n.original_range(1..2), Some(7..8));
    }
}
