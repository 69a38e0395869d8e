//! HF's ByteLevel pre-tokenizer: GPT-2's split pattern (when `use_regex`),
//! with the bytes left as they are: the byte-level BPE model works on raw
//! bytes, so the byte-to-character alphabet only matters for token names.
//! `add_prefix_space` is a text change, so it is the [`PrefixSpace`]
//! normalizer.

use std::ops::Range;

use super::pattern::{KnownPattern, KnownSplitter};
use crate::error::Result;
use crate::pipeline::{Normalized, Normalizer, PreTokenizer};

/// Splits with GPT-2's pattern, or not at all.
pub struct ByteLevel {
    splitter: Option<KnownSplitter>,
}

impl ByteLevel {
    /// The pre-tokenizer; `use_regex` splits with GPT-2's pattern.
    pub fn new(use_regex: bool) -> Result<Self> {
        let splitter = if use_regex {
            Some(KnownSplitter::new(KnownPattern::R50k)?)
        } else {
            None
        };
        Ok(ByteLevel { splitter })
    }
}

impl PreTokenizer for ByteLevel {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) -> Result<()> {
        match &self.splitter {
            Some(s) => return s.split(text, out),
            None if !text.is_empty() => out.push(0..text.len()),
            None => {}
        }
        Ok(())
    }
}

/// Prepends a space unless the text starts with one (ByteLevel's
/// `add_prefix_space`); the space is aligned with the first character, as in
/// HF, so offsets stay inside the text.
pub struct PrefixSpace;

impl Normalizer for PrefixSpace {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        if text.as_str().is_empty() || text.as_str().starts_with(' ') {
            return Ok(());
        }
        text.rewrite(|chars, out| {
            let mut first = true;
            for (c, span) in chars {
                if first {
                    out.push(' ', span);
                    first = false;
                }
                out.push(c, span);
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_space_and_split() {
        let mut n = Normalized::new("Hello world", true);
        PrefixSpace.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), " Hello world");
        assert_eq!(n.original_range(0..2), Some(0..1));
        let mut pieces = Vec::new();
        ByteLevel::new(true)
            .unwrap()
            .split(n.as_str(), &mut pieces)
            .unwrap();
        assert_eq!(pieces, vec![0..6, 6..12]);
        let mut n = Normalized::new(" x", false);
        PrefixSpace.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), " x");
        pieces.clear();
        ByteLevel::new(false)
            .unwrap()
            .split("a b", &mut pieces)
            .unwrap();
        assert_eq!(pieces, vec![0..3]);
    }
}
