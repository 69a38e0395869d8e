//! HF's FixedLength pre-tokenizer: pieces of `length` characters.

use std::ops::Range;

use crate::error::Result;
use crate::pipeline::PreTokenizer;

/// Cuts the text every `length` characters (the last piece may be shorter).
#[derive(Debug, Clone, Copy)]
pub struct FixedLength {
    /// Characters per piece, at least 1.
    pub length: usize,
}

impl PreTokenizer for FixedLength {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) -> Result<()> {
        let mut start = 0;
        for (n, (at, _)) in text.char_indices().enumerate() {
            if n > 0 && n % self.length.max(1) == 0 {
                out.push(start..at);
                start = at;
            }
        }
        if start < text.len() {
            out.push(start..text.len());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_of_whole_characters() {
        let mut out = Vec::new();
        FixedLength { length: 2 }.split("aébcd", &mut out).unwrap();
        assert_eq!(out, [0..3, 3..5, 5..6]);
        out.clear();
        FixedLength { length: 2 }.split("", &mut out).unwrap();
        assert!(out.is_empty());
    }
}
