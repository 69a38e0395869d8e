//! HF's `Split` pre-tokenizer (a pattern and what to do with its matches)
//! and `Sequence` (pre-tokenizers applied one after the other). HF's
//! `Digits`, `Punctuation`, `Whitespace`, `WhitespaceSplit` and
//! `CharDelimiterSplit` are splits too, on a class of characters, a fixed
//! regex or one character.
//!
//! Regex patterns run on Oniguruma ([`HfRegex`]), as in HF, so every
//! pattern means what it means there; a literal is searched as the literal
//! HF escapes it into, which is the same leftmost, non-overlapping search.
//!
//! Oniguruma costs about a microsecond per match (each search copies its
//! backtracking stack to the heap), about 2.5 MB/s for the Llama 3 pattern.
//! The two LLM patterns that are tiktoken's (Llama 3's is cl100k's, spelled
//! without possessive quantifiers; GPT-4o's is o200k's) use the hand-written
//! splitters on ASCII text, where every engine and Unicode version agree on
//! `\p{L}`, `\p{N}`, `\s` and case folding; other text goes to Oniguruma.

use std::ops::Range;

use super::classes::{Classes, SPACE, WORD};
use super::pattern::{KnownPattern, KnownSplitter, O200K_PATTERN};
use crate::error::Result;
use crate::hf_regex::{match_spans, HfRegex};
use crate::pipeline::PreTokenizer;

/// cl100k_base's split pattern as Llama 3 files (and tiktoken before 0.5)
/// write it.
pub const LLAMA3_PATTERN: &str = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

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
    /// A non-empty literal string.
    Literal(String),
    /// A regex (also the empty literal, which matches between every char).
    Regex(Box<HfRegex>),
    /// One of tiktoken's patterns: its hand-written splitter for ASCII
    /// text, the regex for the rest.
    Known(KnownSplitter, Box<HfRegex>),
    /// The characters of a class, each a match of its own, as HF matches a
    /// `char` predicate.
    Chars(fn(char) -> bool),
    /// HF's `Whitespace` pattern, `\w+|[^\w\s]+`, which HF compiles with
    /// Rust's `regex` crate instead of Oniguruma (`\w` there also holds the
    /// joiners U+200C and U+200D, which Oniguruma's does not): scanned by
    /// character class from that crate's tables, three times the regex's
    /// speed.
    Words(&'static Classes),
}

/// Splits on a pattern.
pub struct Split {
    pattern: SplitPattern,
    behavior: SplitBehavior,
    invert: bool,
}

impl Split {
    /// A literal-string split.
    pub fn literal(s: &str, behavior: SplitBehavior, invert: bool) -> Result<Self> {
        let pattern = if s.is_empty() {
            SplitPattern::Regex(Box::new(HfRegex::new("", "Split")?))
        } else {
            SplitPattern::Literal(s.to_owned())
        };
        Ok(Split {
            pattern,
            behavior,
            invert,
        })
    }

    /// A split on every character of a class (`is_match`).
    pub fn chars(is_match: fn(char) -> bool, behavior: SplitBehavior) -> Self {
        Split {
            pattern: SplitPattern::Chars(is_match),
            behavior,
            invert: false,
        }
    }

    /// HF's `Whitespace`: runs of word characters and runs of other
    /// characters but spaces, the spaces dropped.
    pub fn whitespace() -> Result<Self> {
        Ok(Split {
            pattern: SplitPattern::Words(Classes::get()?),
            behavior: SplitBehavior::Removed,
            invert: true,
        })
    }

    /// A regex split; a pattern Oniguruma cannot compile is
    /// [`crate::Error::Unsupported`] (HF cannot load it either).
    pub fn regex(pattern: &str, behavior: SplitBehavior, invert: bool) -> Result<Self> {
        let regex = Box::new(HfRegex::new(pattern, "Split")?);
        let known = match pattern {
            LLAMA3_PATTERN => Some(KnownPattern::Cl100k),
            O200K_PATTERN => Some(KnownPattern::O200k),
            _ => None,
        };
        let pattern = match known {
            Some(kind) => SplitPattern::Known(KnownSplitter::new(kind)?, regex),
            None => SplitPattern::Regex(regex),
        };
        Ok(Split {
            pattern,
            behavior,
            invert,
        })
    }

    /// The text cut into (range, is_match) spans covering all of it.
    fn spans(&self, text: &str) -> Result<Vec<(Range<usize>, bool)>> {
        let mut spans = match &self.pattern {
            SplitPattern::Literal(s) => match_spans(text, |on_match| {
                for (start, m) in text.match_indices(s.as_str()) {
                    on_match(start..start + m.len());
                }
                Ok(())
            })?,
            SplitPattern::Known(splitter, _) if text.is_ascii() => match_spans(text, |on_match| {
                splitter.for_each(text, |start, end| on_match(start..end));
                Ok(())
            })?,
            SplitPattern::Regex(re) | SplitPattern::Known(_, re) => {
                match_spans(text, |on_match| re.find_iter(text, on_match))?
            }
            SplitPattern::Words(classes) => match_spans(text, |on_match| {
                word_runs(classes, text.as_bytes(), on_match);
                Ok(())
            })?,
            SplitPattern::Chars(is_match) => match_spans(text, |on_match| {
                for (start, c) in text.char_indices().filter(|&(_, c)| is_match(c)) {
                    on_match(start..start + c.len_utf8());
                }
                Ok(())
            })?,
        };
        if self.invert {
            for s in &mut spans {
                s.1 = !s.1;
            }
        }
        Ok(spans)
    }
}

impl PreTokenizer for Split {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) -> Result<()> {
        let spans = self.spans(text)?;
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
        Ok(())
    }
}

/// Calls `on_match` with each match of `\w+|[^\w\s]+` in `text` (valid
/// UTF-8): a maximal run of word characters, or of characters that are
/// neither word characters nor spaces (no character is both).
fn word_runs(classes: &Classes, text: &[u8], mut on_match: impl FnMut(Range<usize>)) {
    let kind = |class: u8| {
        if class & WORD != 0 {
            WORD
        } else {
            class & SPACE
        }
    };
    let mut i = 0;
    while i < text.len() {
        let (class, len) = classes.at(text, i);
        let run = kind(class);
        let start = i;
        i += len;
        if run == SPACE {
            continue;
        }
        while i < text.len() {
            let (class, len) = classes.at(text, i);
            if kind(class) != run {
                break;
            }
            i += len;
        }
        on_match(start..i);
    }
}

/// Pre-tokenizers in order: each one splits the pieces of the one before.
pub struct PreTokenizerSequence(pub Vec<Box<dyn PreTokenizer>>);

impl PreTokenizer for PreTokenizerSequence {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) -> Result<()> {
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
                    p.split(piece, &mut inner)?;
                }
                next.extend(inner.iter().map(|i| r.start + i.start..r.start + i.end));
            }
            current = next;
        }
        out.extend(current);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(p: &dyn PreTokenizer, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        p.split(text, &mut out).unwrap();
        out.into_iter().map(|r| text[r].to_string()).collect()
    }

    #[test]
    fn whitespace_finds_what_the_regex_finds() {
        // HF compiles its pattern with the regex crate: the scan must agree
        // with it on every mix of word characters (letters, marks, digits,
        // `_`, the joiners), spaces and everything else.
        let regex = regex::Regex::new(r"\w+|[^\w\s]+").unwrap();
        let split = Split::whitespace().unwrap();
        let alphabet = [
            "a",
            "Z",
            "7",
            "_",
            "\u{301}",
            "\u{200c}",
            "\u{200d}",
            "中",
            "½",
            "²",
            " ",
            "\t",
            "\n",
            "\u{a0}",
            "\u{3000}",
            "\u{85}",
            "!",
            "-",
            "é",
            "😀",
            "\u{10ffff}",
            "ـ",
        ];
        let mut rng = crate::models::rng::Rng::new(3);
        for _ in 0..2000 {
            let len = rng.below(12);
            let text: String = (0..len)
                .map(|_| alphabet[rng.below(alphabet.len())])
                .collect();
            let expected: Vec<String> = regex.find_iter(&text).map(|m| m.as_str().into()).collect();
            assert_eq!(run(&split, &text), expected, "{text:?}");
        }
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
                run(&Split::literal("-", behavior, false).unwrap(), text),
                want,
                "{behavior:?}"
            );
        }
        let words = Split::regex(r"\p{L}+", Isolated, true).unwrap();
        assert_eq!(run(&words, "ab, cd"), vec!["ab", ", ", "cd"]);
        let words = Split::regex(r"\w+", Removed, false).unwrap();
        assert_eq!(run(&words, "ab, cd"), vec![", "]);
        assert!(Split::regex(r"(", Isolated, false).is_err());
        let between = Split::literal("", Isolated, false).unwrap();
        assert_eq!(run(&between, "abc"), vec!["a", "b", "c"]);
        let seq = PreTokenizerSequence(vec![
            Box::new(Split::literal(" ", Removed, false).unwrap()),
            Box::new(Split::literal("-", Isolated, false).unwrap()),
        ]);
        assert_eq!(run(&seq, "a-b c"), vec!["a", "-", "b", "c"]);
    }

    #[test]
    fn character_classes_match_one_character_each() {
        use SplitBehavior::*;
        let digits = |b| Split::chars(char::is_numeric, b);
        assert_eq!(
            run(&digits(Isolated), "ab12c٣"),
            vec!["ab", "1", "2", "c", "٣"]
        );
        assert_eq!(
            run(&digits(Contiguous), "ab12c٣"),
            vec!["ab", "12", "c", "٣"]
        );
        let spaces = Split::chars(char::is_whitespace, Removed);
        assert_eq!(run(&spaces, " a\u{3000}b  c "), vec!["a", "b", "c"]);
    }

    #[test]
    fn known_patterns_agree_with_oniguruma_on_ascii() {
        let text = "Hello world!  It's 2024 -- DON'T  panic\n\n  ok\r\n\tdone   \
                    x\x0b\x0c y'S 12345 a//b\n \n\n  \r\n";
        for pattern in [LLAMA3_PATTERN, O200K_PATTERN] {
            let fast = Split::regex(pattern, SplitBehavior::Isolated, false).unwrap();
            assert!(matches!(fast.pattern, SplitPattern::Known(..)));
            let slow = Split {
                pattern: SplitPattern::Regex(Box::new(HfRegex::new(pattern, "test").unwrap())),
                behavior: SplitBehavior::Isolated,
                invert: false,
            };
            assert_eq!(run(&fast, text), run(&slow, text));
        }
    }
}
