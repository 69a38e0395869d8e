//! A splitter for a tiktoken `pat_str`: the hand-written splitters when the
//! pattern is one of tiktoken's, fancy-regex (tiktoken's own engine, so the
//! same matches) for any other.

use std::ops::Range;

use super::classes::Classes;
use super::{cl100k, o200k, r50k};
use crate::error::{Error, Result};
use crate::pipeline::PreTokenizer;

/// The split pattern of r50k_base, p50k_base and p50k_edit.
pub const R50K_PATTERN: &str =
    r"'(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s";

/// The split pattern of cl100k_base.
pub const CL100K_PATTERN: &str = r"'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s";

/// The split pattern of o200k_base.
pub const O200K_PATTERN: &str = concat!(
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|",
    r"\p{N}{1,3}",
    "|",
    r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
    "|",
    r"\s*[\r\n]+",
    "|",
    r"\s+(?!\S)",
    "|",
    r"\s+",
);

/// Which hand-written splitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KnownPattern {
    /// [`R50K_PATTERN`].
    R50k,
    /// [`CL100K_PATTERN`].
    Cl100k,
    /// [`O200K_PATTERN`].
    O200k,
}

/// A regex-free splitter for one of tiktoken's patterns.
#[derive(Clone, Copy)]
pub struct KnownSplitter {
    kind: KnownPattern,
    classes: &'static Classes,
}

impl KnownSplitter {
    /// The splitter for `kind`.
    pub fn new(kind: KnownPattern) -> Result<Self> {
        Ok(KnownSplitter {
            kind,
            classes: Classes::get()?,
        })
    }

    /// Calls `f(start, end)` for every piece of `text`, in order.
    #[inline]
    pub fn for_each(&self, text: &str, f: impl FnMut(usize, usize)) {
        let c = self.classes;
        match self.kind {
            KnownPattern::R50k => drive(text.as_bytes(), |t, p| r50k::piece_end(c, t, p), f),
            KnownPattern::Cl100k => drive(text.as_bytes(), |t, p| cl100k::piece_end(c, t, p), f),
            KnownPattern::O200k => drive(text.as_bytes(), |t, p| o200k::piece_end(c, t, p), f),
        }
    }
}

/// Walks the pieces of `t`: each starts where the previous one ended, since
/// every character starts a match of these patterns.
#[inline(always)]
fn drive(t: &[u8], end: impl Fn(&[u8], usize) -> usize, mut f: impl FnMut(usize, usize)) {
    let mut p = 0;
    while p < t.len() {
        let mut e = end(t, p);
        if e <= p || e > t.len() {
            // Unreachable for these patterns; advancing one character keeps
            // the loop finite whatever happens.
            e = p + 1;
            while e < t.len() && (t[e] & 0xC0) == 0x80 {
                e += 1;
            }
        }
        f(p, e);
        p = e;
    }
}

impl PreTokenizer for KnownSplitter {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) -> Result<()> {
        self.for_each(text, |s, e| out.push(s..e));
        Ok(())
    }
}

/// Splits text with a tiktoken `pat_str`.
pub enum PatternSplitter {
    /// One of tiktoken's patterns, without a regex engine.
    Known(KnownSplitter),
    /// Any other pattern, on fancy-regex.
    Regex(Box<fancy_regex::Regex>),
}

impl PatternSplitter {
    /// The splitter for `pattern`.
    pub fn new(pattern: &str) -> Result<Self> {
        let known = match pattern {
            R50K_PATTERN => Some(KnownPattern::R50k),
            CL100K_PATTERN => Some(KnownPattern::Cl100k),
            O200K_PATTERN => Some(KnownPattern::O200k),
            _ => None,
        };
        match known {
            Some(kind) => Ok(PatternSplitter::Known(KnownSplitter::new(kind)?)),
            None => PatternSplitter::regex(pattern),
        }
    }

    /// The fancy-regex splitter for `pattern`, even when a hand-written one
    /// exists (for tests and comparisons).
    pub fn regex(pattern: &str) -> Result<Self> {
        let regex = fancy_regex::Regex::new(pattern)
            .map_err(|e| Error::InvalidArgument(format!("invalid split pattern: {e}")))?;
        Ok(PatternSplitter::Regex(Box::new(regex)))
    }

    /// Calls `f(start, end)` for every match of the pattern in `text`, in
    /// order (text between matches is dropped, as in tiktoken).
    #[inline]
    pub fn for_each(&self, text: &str, mut f: impl FnMut(usize, usize)) -> Result<()> {
        match self {
            PatternSplitter::Known(splitter) => {
                splitter.for_each(text, f);
                Ok(())
            }
            PatternSplitter::Regex(regex) => {
                for m in regex.find_iter(text) {
                    let m = m.map_err(|e| {
                        Error::Encoding(format!("split pattern failed on this input: {e}"))
                    })?;
                    f(m.start(), m.end());
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(s: &PatternSplitter, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        s.for_each(text, |a, b| out.push(text[a..b].to_string()))
            .unwrap();
        out
    }

    const SAMPLES: &[&str] = &[
        "Hello world! It's 2024, isn't it?  Yes\n\n  ok\r\n\tdone   ",
        "I'LL SAY 'TIS THE 'ſ o'clock don't WE'RE we've",
        "  leading and trailing  \n",
        "a\u{301}b \u{301}\u{301}x \u{1c5}ab \u{1c5}\u{2b0}A  ÀÉÎ ǅungla ʰʰ",
        "12345 1.5e10 ½¾ ١٢٣٤",
        "ﬁ 中文字符，还有标点。 日本語のテキスト",
        "emoji 😀👍🏽 ‍👩‍👩‍👧 flags 🇫🇷",
        "\u{a0}\u{a0}x\u{3000}y \u{85}z\u{2028}",
        "path/to/file.txt\n/// comment\n//\r\n/",
        "x  \n \n  y\r\r\n z",
        "'",
        " '",
        "'s",
        " ",
        "\n",
        "!!!\n\n/x",
        "HELLO's WORLD'S MiXeD'Ll aBc'Ve",
        "\u{1c5}\u{1c5}\u{2b0}\u{1c5} Ab\u{2b0}C",
    ];

    #[test]
    fn hand_written_splitters_match_fancy_regex() {
        for pattern in [R50K_PATTERN, CL100K_PATTERN, O200K_PATTERN] {
            let fast = PatternSplitter::new(pattern).unwrap();
            assert!(matches!(fast, PatternSplitter::Known(_)));
            let slow = PatternSplitter::regex(pattern).unwrap();
            for text in SAMPLES {
                assert_eq!(
                    pieces(&fast, text),
                    pieces(&slow, text),
                    "{pattern} on {text:?}"
                );
            }
        }
    }

    #[test]
    fn exhaustive_short_strings_match_fancy_regex() {
        // Every string of length <= 4 over an alphabet with one character of
        // each class the patterns distinguish.
        let alphabet = [
            'a', 'A', '\u{1c5}', '\u{2b0}', '中', '\u{301}', '1', '½', ' ', '\n', '\r', '\t',
            '\u{a0}', '\'', 's', 'L', '!', '/', 'ſ',
        ];
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let mut longer = Vec::new();
            for t in &texts {
                for &c in &alphabet {
                    let mut s = t.clone();
                    s.push(c);
                    longer.push(s);
                }
            }
            texts.extend(longer.into_iter().filter(|s| s.chars().count() <= 4));
            texts.sort();
            texts.dedup();
        }
        for pattern in [R50K_PATTERN, CL100K_PATTERN, O200K_PATTERN] {
            let fast = PatternSplitter::new(pattern).unwrap();
            let slow = PatternSplitter::regex(pattern).unwrap();
            for text in &texts {
                assert_eq!(
                    pieces(&fast, text),
                    pieces(&slow, text),
                    "{pattern} on {text:?}"
                );
            }
        }
    }

    #[test]
    fn long_runs_are_single_pieces() {
        let s = PatternSplitter::new(CL100K_PATTERN).unwrap();
        let letters = "a".repeat(100_000);
        assert_eq!(pieces(&s, &letters).len(), 1);
        let carets = "^".repeat(100_000);
        assert_eq!(pieces(&s, &carets).len(), 1);
        let spaces = " ".repeat(100_000);
        assert_eq!(pieces(&s, &spaces).len(), 1);
    }
}
