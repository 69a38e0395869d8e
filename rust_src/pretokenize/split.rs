//! HF's `Split` pre-tokenizer (a pattern and what to do with its matches)
//! and `Sequence` (pre-tokenizers applied one after the other).
//!
//! Regex patterns run on fancy-regex. HF runs them on Oniguruma; the two
//! agree on the patterns LLM tokenizer files use (Perl-style classes,
//! `\p{..}`, look-ahead, possessive quantifiers), the parity tests check
//! them, and a pattern fancy-regex cannot compile is refused.

use std::ops::Range;

use crate::error::{Error, Result};
use crate::pipeline::PreTokenizer;

/// What happens to the matches of the pattern (HF's `SplitDelimiterBehavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitBehavior {
    /// Matches are dropped.
    Removed,
    /// Matches are pieces of their own.
    Isolated,
    /// A match joins the piece before it.
    MergedWithPrevious,
    /// A match joins the piece after it.
    MergedWithNext,
    /// Adjacent matches (and adjacent non-matches) form one piece.
    Contiguous,
}

/// The pattern: a literal string or a regex.
pub enum SplitPattern {
    /// A literal string.
    Literal(String),
    /// A regex.
    Regex(Box<fancy_regex::Regex>),
}

/// Splits on a pattern.
pub struct Split {
    pattern: SplitPattern,
    behavior: SplitBehavior,
    invert: bool,
}

impl Split {
    /// A literal-string split.
    pub fn literal(s: &str, behavior: SplitBehavior, invert: bool) -> Self {
        Split {
            pattern: SplitPattern::Literal(s.to_string()),
            behavior,
            invert,
        }
    }

    /// A regex split; a pattern fancy-regex cannot compile is
    /// [`Error::Unsupported`].
    pub fn regex(pattern: &str, behavior: SplitBehavior, invert: bool) -> Result<Self> {
        if let Some(class) = oniguruma_only_class(pattern) {
            return Err(Error::Unsupported(format!(
                "Split regex {pattern:?} uses \\{class}, whose Unicode meaning differs between \
                 Oniguruma (HF) and tokkit's regex engine"
            )));
        }
        let regex = fancy_regex::Regex::new(pattern).map_err(|e| {
            Error::Unsupported(format!("Split regex {pattern:?} cannot be compiled: {e}"))
        })?;
        Ok(Split {
            pattern: SplitPattern::Regex(Box::new(regex)),
            behavior,
            invert,
        })
    }

    /// The text cut into (range, is_match) spans covering all of it.
    fn spans(&self, text: &str) -> Vec<(Range<usize>, bool)> {
        let mut spans = Vec::new();
        let mut prev = 0;
        let mut push_match = |start: usize, end: usize, spans: &mut Vec<(Range<usize>, bool)>| {
            if prev != start {
                spans.push((prev..start, false));
            }
            spans.push((start..end, true));
            prev = end;
        };
        match &self.pattern {
            SplitPattern::Literal(s) if !s.is_empty() => {
                for (start, m) in text.match_indices(s.as_str()) {
                    push_match(start, start + m.len(), &mut spans);
                }
            }
            SplitPattern::Literal(_) => {}
            SplitPattern::Regex(re) => {
                for m in re.find_iter(text) {
                    // A match the engine gives up on (its backtracking limit)
                    // leaves the rest of the text as one piece.
                    let Ok(m) = m else { break };
                    push_match(m.start(), m.end(), &mut spans);
                }
            }
        }
        if prev != text.len() {
            spans.push((prev..text.len(), false));
        }
        if self.invert {
            for s in &mut spans {
                s.1 = !s.1;
            }
        }
        spans
    }
}

/// The first of `\w \W \b \B` in `pattern`, if any: Oniguruma's word
/// class differs from the regex crate's (Latin-1 fractions and superscripts
/// are word characters there, ZWJ is not), so such patterns are refused.
fn oniguruma_only_class(pattern: &str) -> Option<char> {
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n @ ('w' | 'W' | 'b' | 'B')) = chars.next() {
                return Some(n);
            }
        }
    }
    None
}

impl PreTokenizer for Split {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) {
        let spans = self.spans(text);
        let mut pieces: Vec<Range<usize>> = Vec::with_capacity(spans.len());
        match self.behavior {
            SplitBehavior::Removed => {
                pieces.extend(spans.into_iter().filter(|s| !s.1).map(|s| s.0));
            }
            SplitBehavior::Isolated => pieces.extend(spans.into_iter().map(|s| s.0)),
            SplitBehavior::MergedWithPrevious => {
                let mut previous_match = false;
                for (r, is_match) in spans {
                    match pieces.last_mut() {
                        Some(last) if is_match && !previous_match => last.end = r.end,
                        _ => pieces.push(r),
                    }
                    previous_match = is_match;
                }
            }
            SplitBehavior::MergedWithNext => {
                let mut previous_match = false;
                for (r, is_match) in spans.into_iter().rev() {
                    match pieces.last_mut() {
                        Some(last) if is_match && !previous_match => last.start = r.start,
                        _ => pieces.push(r),
                    }
                    previous_match = is_match;
                }
                pieces.reverse();
            }
            SplitBehavior::Contiguous => {
                let mut previous_match = false;
                for (r, is_match) in spans {
                    match pieces.last_mut() {
                        Some(last) if is_match == previous_match => last.end = r.end,
                        _ => pieces.push(r),
                    }
                    previous_match = is_match;
                }
            }
        }
        out.extend(pieces.into_iter().filter(|r| !r.is_empty()));
    }
}

/// Pre-tokenizers in order: each one splits the pieces of the one before.
pub struct PreTokenizerSequence(pub Vec<Box<dyn PreTokenizer>>);

impl PreTokenizer for PreTokenizerSequence {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) {
        let mut current = Vec::new();
        if !text.is_empty() {
            current.push(0..text.len());
        }
        let mut inner = Vec::new();
        for p in &self.0 {
            let mut next = Vec::with_capacity(current.len());
            for r in &current {
                inner.clear();
                if let Some(piece) = text.get(r.clone()) {
                    p.split(piece, &mut inner);
                }
                next.extend(inner.iter().map(|i| r.start + i.start..r.start + i.end));
            }
            current = next;
        }
        out.extend(current);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(p: &dyn PreTokenizer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        p.split(text, &mut out);
        out.into_iter().map(|r| text[r].to_string()).collect()
    }

    #[test]
    fn behaviors() {
        use SplitBehavior::*;
        let text = "a--b-c-";
        let cases = [
            (Removed, vec!["a", "b", "c"]),
            (Isolated, vec!["a", "-", "-", "b", "-", "c", "-"]),
            (MergedWithPrevious, vec!["a-", "-", "b-", "c-"]),
            (MergedWithNext, vec!["a", "-", "-b", "-c", "-"]),
            (Contiguous, vec!["a", "--", "b", "-", "c", "-"]),
        ];
        for (behavior, want) in cases {
            assert_eq!(
                run(&Split::literal("-", behavior, false), text),
                want,
                "{behavior:?}"
            );
        }
        let words = Split::regex(r"\p{L}+", Isolated, true).unwrap();
        assert_eq!(run(&words, "ab, cd"), vec!["ab", ", ", "cd"]);
        assert!(Split::regex(r"\w+", Isolated, false).is_err());
        assert!(Split::regex(r"\\w+", Isolated, false).is_ok());
        let seq = PreTokenizerSequence(vec![
            Box::new(Split::literal(" ", Removed, false)),
            Box::new(Split::literal("-", Isolated, false)),
        ]);
        assert_eq!(run(&seq, "a-b c"), vec!["a", "-", "b", "c"]);
    }
}
