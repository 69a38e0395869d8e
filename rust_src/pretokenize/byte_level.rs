//! HF's ByteLevel pre-tokenizer: GPT-2's split pattern (when `use_regex`),
//! with the bytes left as they are: the byte-level BPE model works on raw
//! bytes, so the byte-to-character alphabet only matters for token names.
//! `add_prefix_space` is a text change, so it is the [`PrefixSpace`]
//! normalizer.

use std::ops::Range;

use super::pattern::{KnownPattern, KnownSplitter};
use crate::error::{Error, Result};
use crate::models::bpe::byte_alphabet::char_to_byte;
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

/// An HF pre-tokenizer Sequence with steps after ByteLevel. HF's ByteLevel
/// spells each piece in the byte alphabet, so the later steps split that
/// spelling, at bytes inside a character too (Falcon's `Digits` cuts at the
/// continuation bytes drawn as `²` or `½`). The text arrives already spelled
/// (the tokenizer's last normalizer is [`crate::normalize::byte_level::ByteLevelNormalizer`]),
/// and the steps up to ByteLevel split the text it spells.
pub struct SpelledSteps {
    /// The steps up to and including ByteLevel, run on the text itself.
    pub text_steps: Box<dyn PreTokenizer>,
    /// The steps after ByteLevel, run on the spelling of each of its pieces.
    pub spelled_steps: Box<dyn PreTokenizer>,
}

impl PreTokenizer for SpelledSteps {
    fn split(&self, spelled: &str, out: &mut Vec<Range<usize>>) -> Result<()> {
        // The text spelled, and where each of its bytes' characters starts.
        let mut bytes = Vec::with_capacity(spelled.len());
        let mut at = Vec::with_capacity(spelled.len() + 1);
        for (offset, c) in spelled.char_indices() {
            let b = char_to_byte(c)
                .ok_or_else(|| Error::Encoding(format!("{c:?} is not in the byte alphabet")))?;
            bytes.push(b);
            at.push(offset);
        }
        at.push(spelled.len());
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::Encoding("a byte-alphabet piece is not UTF-8 text".into()))?;
        let mut pieces = Vec::new();
        self.text_steps.split(&text, &mut pieces)?;
        let mut inner = Vec::new();
        for piece in pieces {
            let start = at[piece.start];
            inner.clear();
            self.spelled_steps
                .split(&spelled[start..at[piece.end]], &mut inner)?;
            out.extend(inner.iter().map(|r| start + r.start..start + r.end));
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
