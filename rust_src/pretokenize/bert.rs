//! BERT's word splitting: whitespace separates words and is dropped; every
//! punctuation character is a word of its own.
//!
//! Google (`whitespace_tokenize` + `_run_split_on_punc`) splits on Python's
//! `str.isspace()`, which also counts U+001C..U+001F (and, unlike Zs-folding,
//! U+2028/U+2029); HF splits on Rust's `char::is_whitespace`. Punctuation is
//! ASCII non-alphanumerics plus Unicode P* in both, with each side's tables.

use std::ops::Range;

use crate::error::Result;
use crate::normalize::bert::BertCompat;
use crate::normalize::{hf_unicode, pyunicode};
use crate::pipeline::PreTokenizer;

const OTHER: u8 = 0;
const SPACE: u8 = 1;
const PUNCT: u8 = 2;

/// Character class of each ASCII byte, for one compat.
const fn ascii_classes(python_spaces: bool) -> [u8; 128] {
    let mut table = [OTHER; 128];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        table[b] = if matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
            || (python_spaces && matches!(c, 0x1c..=0x1f))
        {
            SPACE
        } else if c.is_ascii_punctuation() {
            PUNCT
        } else {
            OTHER
        };
        b += 1;
    }
    table
}

static GOOGLE_ASCII: [u8; 128] = ascii_classes(true);
static HF_ASCII: [u8; 128] = ascii_classes(false);

/// Splits on whitespace and isolates punctuation, as BERT does.
#[derive(Debug, Clone, Copy)]
pub struct BertPreTokenizer {
    /// Which reference's character classes to use.
    pub compat: BertCompat,
}

impl BertPreTokenizer {
    #[inline]
    fn class(&self, c: char) -> u8 {
        let ascii = match self.compat {
            BertCompat::Google => &GOOGLE_ASCII,
            BertCompat::Hf => &HF_ASCII,
        };
        if let Some(&class) = ascii.get(c as usize) {
            return class;
        }
        let (space, punct) = match self.compat {
            BertCompat::Google => (pyunicode::is_whitespace(c), pyunicode::is_punctuation(c)),
            BertCompat::Hf => (c.is_whitespace(), hf_unicode::is_punctuation(c)),
        };
        if space {
            SPACE
        } else if punct {
            PUNCT
        } else {
            OTHER
        }
    }
}

impl PreTokenizer for BertPreTokenizer {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) -> Result<()> {
        BertPreTokenizer::split(self, text, out);
        Ok(())
    }
}

impl BertPreTokenizer {
    /// Appends the words and punctuation marks of `text`; cannot fail.
    pub fn split(&self, text: &str, out: &mut Vec<Range<usize>>) {
        let mut word_start = None;
        for (i, c) in text.char_indices() {
            let class = self.class(c);
            if class == OTHER {
                word_start.get_or_insert(i);
                continue;
            }
            if let Some(start) = word_start.take() {
                out.push(start..i);
            }
            if class == PUNCT {
                out.push(i..i + c.len_utf8());
            }
        }
        if let Some(start) = word_start {
            out.push(start..text.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(compat: BertCompat, text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        BertPreTokenizer { compat }.split(text, &mut out);
        out.into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn splits_whitespace_and_isolates_punctuation() {
        for compat in [BertCompat::Google, BertCompat::Hf] {
            assert_eq!(
                words(compat, " Hi,there!! a-b "),
                ["Hi", ",", "there", "!", "!", "a", "-", "b"]
            );
        }
    }

    #[test]
    fn python_whitespace_includes_information_separators() {
        assert_eq!(words(BertCompat::Google, "a\x1fb"), ["a", "b"]);
        assert_eq!(words(BertCompat::Hf, "a\x1fb"), ["a\x1fb"]);
    }

    #[test]
    fn unicode_punctuation() {
        for compat in [BertCompat::Google, BertCompat::Hf] {
            assert_eq!(words(compat, "«oui»"), ["«", "oui", "»"]);
        }
    }
}
