//! Added tokens ([CLS], <|endoftext|>, user tokens): found in the text before
//! the model runs and never split, as HF's `AddedVocabulary` does.

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;

use crate::error::{Error, Result};

/// One added token, with HF's matching options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedToken {
    /// The token text.
    pub content: String,
    /// Its id.
    pub id: u32,
    /// Special tokens are skipped by `decode(skip_special_tokens=True)`.
    pub special: bool,
    /// Match only when not inside a word.
    pub single_word: bool,
    /// Also swallow whitespace on the left.
    pub lstrip: bool,
    /// Also swallow whitespace on the right.
    pub rstrip: bool,
    /// Match in the normalized text rather than the original.
    pub normalized: bool,
}

/// A part of the input: plain text to tokenize, or an added token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// Text to normalize and tokenize.
    Text(Range<usize>),
    /// An added token found at this range.
    Added(u32, Range<usize>),
}

/// A set of added tokens matched leftmost-longest.
#[derive(Debug, Clone)]
pub struct AddedMatcher {
    tokens: Vec<AddedToken>,
    automaton: AhoCorasick,
}

impl AddedMatcher {
    /// Builds a matcher for `tokens` (none empty).
    pub fn new(tokens: Vec<AddedToken>) -> Result<Self> {
        let patterns: Vec<String> = tokens.iter().map(|t| t.content.clone()).collect();
        Self::with_patterns(tokens, &patterns)
    }

    /// Builds a matcher that finds `tokens[i]` as `patterns[i]` (none empty).
    pub fn with_patterns(tokens: Vec<AddedToken>, patterns: &[String]) -> Result<Self> {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns)
            .map_err(|e| Error::InvalidArgument(format!("added tokens: {e}")))?;
        Ok(AddedMatcher { tokens, automaton })
    }

    /// Splits `text` into text segments and added-token segments; with
    /// `skip_special`, special tokens are left in the text (HF's
    /// `encode_special_tokens`).
    pub fn split(&self, text: &str, skip_special: bool) -> Vec<Segment> {
        let mut segments = Vec::new();
        let mut last = 0;
        for m in self.automaton.find_iter(text) {
            let Some(token) = self.tokens.get(m.pattern().as_usize()) else {
                continue;
            };
            let (mut start, mut end) = (m.start(), m.end());
            if skip_special && token.special {
                continue;
            }
            if token.single_word && !is_single_word(text, start, end) {
                continue;
            }
            if token.lstrip {
                start = text[..start].trim_end().len().max(last);
            }
            if token.rstrip {
                let after = &text[end..];
                end += after.len() - after.trim_start().len();
            }
            // A match inside the spaces the token before took keeps its
            // place, as in HF: both tokens cover those bytes. Where lstrip
            // then moves the start past the end, HF panics; tokkit leaves
            // the text as it is.
            if start > end {
                continue;
            }
            if start > last {
                segments.push(Segment::Text(last..start));
            }
            // Moved to where it ends, it is empty: HF drops empty pieces.
            if start < end {
                segments.push(Segment::Added(token.id, start..end));
            }
            last = end;
        }
        if last < text.len() || segments.is_empty() {
            segments.push(Segment::Text(last..text.len()));
        }
        segments
    }
}

/// Whether `c` is a word character as HF's `single_word` check sees it:
/// the `regex` crate's Unicode `\w` (letters, marks, decimal digits,
/// connector punctuation, joiners), which HF matches with that crate.
fn is_word_char(c: char) -> bool {
    static WORD: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(word) = WORD.get_or_init(|| Regex::new(r"^\w$").ok()) else {
        return c.is_alphanumeric() || c == '_';
    };
    word.is_match(c.encode_utf8(&mut [0; 4]))
}

fn is_single_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back().is_some_and(is_word_char);
    let after = text[end..].chars().next().is_some_and(is_word_char);
    !before && !after
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(content: &str, id: u32) -> AddedToken {
        AddedToken {
            content: content.into(),
            id,
            special: true,
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: false,
        }
    }

    #[test]
    fn splits_around_tokens_longest_first() {
        let m = AddedMatcher::new(vec![token("[SEP]", 1), token("[SEP]x", 2)]).unwrap();
        assert_eq!(
            m.split("a[SEP]xb[SEP]", false),
            [
                Segment::Text(0..1),
                Segment::Added(2, 1..7),
                Segment::Text(7..8),
                Segment::Added(1, 8..13)
            ]
        );
    }

    #[test]
    fn strips_and_single_word() {
        let mut t = token("<m>", 5);
        t.lstrip = true;
        t.rstrip = true;
        let m = AddedMatcher::new(vec![t]).unwrap();
        assert_eq!(
            m.split("a  <m>  b", false),
            [
                Segment::Text(0..1),
                Segment::Added(5, 1..8),
                Segment::Text(8..9)
            ]
        );
        let mut t = token("ab", 7);
        t.single_word = true;
        let m = AddedMatcher::new(vec![t]).unwrap();
        assert_eq!(
            m.split("xab ab", false),
            [Segment::Text(0..4), Segment::Added(7, 4..6)]
        );
    }
}
