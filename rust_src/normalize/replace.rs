//! HF's `Replace` normalizer: every match of a literal or of an Oniguruma
//! regex becomes the (literal) content, with HF's alignments: the matched
//! chars are removed and the content is aligned with the last char removed
//! (with the char before an empty match, or with nothing at the very start).

use std::ops::Range;

use super::check_normalized_size;
use crate::error::Result;
use crate::hf_regex::HfRegex;
use crate::pipeline::{Builder, Normalized, Normalizer, Span, SpannedChars};

/// What to look for.
#[derive(Debug)]
pub enum Pattern {
    /// This exact, non-empty text.
    Literal(String),
    /// A regex (also the empty literal, which matches between every char).
    Regex(Box<HfRegex>),
    /// A regex matching only runs of one ASCII byte at least `min` long
    /// (`" {2,}"`, the squeeze of spaces in T5's tokenizer.json): each
    /// maximal run that long is a match, as Oniguruma's greedy leftmost
    /// search finds, found with a substring search instead (ruT5, 1 KB
    /// documents, ids only: the regex was 7% of encode).
    Runs {
        /// The repeated byte.
        byte: u8,
        /// The search for `min` of them in a row, built once.
        finder: Box<memchr::memmem::Finder<'static>>,
    },
}

impl Pattern {
    /// HF's `{"String": s}` pattern.
    pub fn literal(s: &str) -> Result<Self> {
        if s.is_empty() {
            Ok(Pattern::Regex(Box::new(HfRegex::new("", "Replace")?)))
        } else {
            Ok(Pattern::Literal(s.to_owned()))
        }
    }

    /// HF's `{"Regex": r}` pattern.
    pub fn regex(r: &str) -> Result<Self> {
        // Compiled in any case: a pattern Oniguruma refuses is refused here.
        let regex = HfRegex::new(r, "Replace")?;
        Ok(match runs_of_one_byte(r) {
            Some((byte, min)) => Pattern::Runs {
                byte,
                finder: Box::new(memchr::memmem::Finder::new(&vec![byte; min]).into_owned()),
            },
            None => Pattern::Regex(Box::new(regex)),
        })
    }

    /// Gives the byte range of each match in `text` to `on_match`, in order.
    pub fn find_iter(&self, text: &str, mut on_match: impl FnMut(Range<usize>)) -> Result<()> {
        match self {
            Pattern::Literal(lit) => text
                .match_indices(lit.as_str())
                .for_each(|(start, m)| on_match(start..start + m.len())),
            Pattern::Regex(re) => re.find_iter(text, on_match)?,
            Pattern::Runs { byte, finder } => {
                let (bytes, byte) = (text.as_bytes(), *byte);
                let mut from = 0;
                // The first `min` bytes in a row start the leftmost run
                // that long; it matches up to its last byte.
                while let Some(found) = bytes.get(from..).and_then(|rest| finder.find(rest)) {
                    let start = from + found;
                    let run = bytes[start..].iter().take_while(|&&b| b == byte).count();
                    on_match(start..start + run);
                    from = start + run;
                }
            }
        }
        Ok(())
    }
}

/// `(byte, min)` when `regex` is `c+` or `c{min,}` with `c` a space, an
/// ASCII letter or digit (no metacharacter, nothing case folding changes
/// in Oniguruma's default options) and `min` at least 1.
fn runs_of_one_byte(regex: &str) -> Option<(u8, usize)> {
    let (&byte, rest) = regex.as_bytes().split_first()?;
    if !(byte == b' ' || byte.is_ascii_alphanumeric()) {
        return None;
    }
    let min = match rest {
        b"+" => 1,
        [b'{', digits @ .., b',', b'}'] if digits.iter().all(u8::is_ascii_digit) => {
            std::str::from_utf8(digits).ok()?.parse().ok()?
        }
        _ => return None,
    };
    (min >= 1).then_some((byte, min))
}

/// HF's `Replace`: every match of `pattern` becomes `content`.
#[derive(Debug)]
pub struct Replace {
    /// What to look for.
    pub pattern: Pattern,
    /// What to put instead (taken literally: HF 0.23 expands no `$1`).
    pub content: String,
}

impl Normalizer for Replace {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        // HF finds no match at all in an empty text, even for `x*`.
        if text.as_str().is_empty() {
            return Ok(());
        }
        let mut matches = Vec::new();
        self.pattern.find_iter(text.as_str(), |m| matches.push(m))?;
        if matches.is_empty() {
            return Ok(());
        }
        let removed: usize = matches.iter().map(|m| m.len()).sum();
        let added = matches.len().saturating_mul(self.content.len());
        let bytes = (text.as_str().len() - removed).saturating_add(added);
        check_normalized_size(text, bytes, "Replace")?;
        if !text.tracks_offsets() {
            // The text alone: the runs between matches, copied whole.
            text.rewrite(|chars, out| {
                let rest = chars.rest();
                let mut at = 0;
                for m in &matches {
                    out.push_str(rest.get(at..m.start).unwrap_or(""), (0, 0));
                    out.push_str(&self.content, (0, 0));
                    at = m.end;
                }
                out.push_str(rest.get(at..).unwrap_or(""), (0, 0));
            });
            return Ok(());
        }
        text.rewrite(|mut chars: SpannedChars<'_>, out: &mut Builder| {
            // The span of the last char read: what inserted text aligns with.
            let mut last: Span = (0, 0);
            let mut at = 0;
            for m in &matches {
                while at < m.start {
                    let Some((c, span)) = chars.next() else { break };
                    out.push(c, span);
                    last = span;
                    at += c.len_utf8();
                }
                while at < m.end {
                    let Some((c, span)) = chars.next() else { break };
                    last = span;
                    at += c.len_utf8();
                }
                self.content.chars().for_each(|c| out.push(c, last));
            }
            chars.for_each(|(c, span)| out.push(c, span));
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replace(pattern: Pattern, content: &str, text: &str) -> Normalized {
        let r = Replace {
            pattern,
            content: content.into(),
        };
        let mut n = Normalized::new(text, true);
        r.normalize(&mut n).unwrap();
        n
    }

    #[test]
    fn runs_and_literals() {
        let n = replace(Pattern::regex(" {2,}").unwrap(), " ", "a  b c    d");
        assert_eq!(n.as_str(), "a b c d");
        assert_eq!(n.original_range(1..2), Some(2..3));
        let n = replace(Pattern::literal("ab").unwrap(), "X", "cabab");
        assert_eq!(n.as_str(), "cXX");
        assert_eq!(n.original_range(1..2), Some(2..3));
    }

    #[test]
    fn empty_matches_insert() {
        // HF: Replace(Regex("x*"), "-") gives "-a-b-" on "ab".
        let n = replace(Pattern::regex("x*").unwrap(), "-", "ab");
        assert_eq!(n.as_str(), "-a-b-");
        assert_eq!(n.original_range(0..1), Some(0..0));
        assert_eq!(n.original_range(2..3), Some(0..1));
        assert_eq!(replace(Pattern::regex("x*").unwrap(), "-", "").as_str(), "");
        let n = replace(Pattern::literal("").unwrap(), "-", "ab");
        assert_eq!(n.as_str(), "-a-b-");
    }

    #[test]
    fn runs_of_one_byte_match_as_the_regex_does() {
        let patterns = [
            (" {2,}", Some((b' ', 2))),
            ("a+", Some((b'a', 1))),
            ("x{3,}", Some((b'x', 3))),
            (" {0,}", None),
            (".{2,}", None),
            (" {2,3}", None),
            ("é+", None),
            ("A{,2}", None),
        ];
        let texts = [
            "",
            " ",
            "  a   b ",
            "aaa a aa",
            "xx xxx xxxx",
            "  é  中  ",
            "AaA",
        ];
        for (regex, runs) in patterns {
            assert_eq!(runs_of_one_byte(regex), runs, "{regex:?}");
            let onig = HfRegex::new(regex, "test").unwrap();
            for text in texts {
                let (mut ours, mut theirs) = (Vec::new(), Vec::new());
                let pattern = Pattern::regex(regex).unwrap();
                pattern.find_iter(text, |m| ours.push(m)).unwrap();
                onig.find_iter(text, |m| theirs.push(m)).unwrap();
                assert_eq!(ours, theirs, "{regex:?} on {text:?}");
            }
        }
    }

    #[test]
    fn the_text_is_the_same_without_alignments() {
        let cases = [
            (Pattern::regex(" {2,}").unwrap(), " ", "  a  b c    d  "),
            (Pattern::literal("ab").unwrap(), "XY", "abcabab é ab"),
            (Pattern::regex("x*").unwrap(), "-", "aé中"),
            (Pattern::literal("é").unwrap(), "", "éaéé"),
        ];
        for (pattern, content, text) in cases {
            let r = Replace {
                pattern,
                content: content.into(),
            };
            let mut tracked = Normalized::new(text, true);
            let mut untracked = Normalized::new(text, false);
            r.normalize(&mut tracked).unwrap();
            r.normalize(&mut untracked).unwrap();
            assert_eq!(untracked.as_str(), tracked.as_str(), "{text:?}");
        }
    }
}
