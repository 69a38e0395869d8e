//! HF's `Replace` normalizer: every match of a literal or of an Oniguruma
//! regex becomes the (literal) content, with HF's alignments: the matched
//! chars are removed and the content is aligned with the last char removed
//! (with the char before an empty match, or with nothing at the very start).

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
        Ok(Pattern::Regex(Box::new(HfRegex::new(r, "Replace")?)))
    }
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
        match &self.pattern {
            Pattern::Literal(lit) => matches.extend(
                text.as_str()
                    .match_indices(lit.as_str())
                    .map(|(start, m)| start..start + m.len()),
            ),
            Pattern::Regex(re) => re.find_iter(text.as_str(), |m| matches.push(m))?,
        }
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
