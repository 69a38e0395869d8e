//! Regexes from tokenizer.json (`Split` pre-tokenizer, `Replace` normalizer)
//! on Oniguruma, the engine HF `tokenizers` compiles them with, through the
//! same `onig` crate and the same default syntax and options: `\w`, `\b`,
//! `\p{..}`, case folding and every other corner mean what they mean in HF.
//!
//! tiktoken patterns stay on fancy-regex (`pretokenize::pattern`), as in
//! tiktoken itself.

use std::ops::Range;

use onig::{MatchParam, Region, SearchOptions};

use crate::error::{Error, Result};

/// A compiled tokenizer.json regex.
pub struct HfRegex {
    regex: onig::Regex,
    /// The source, for messages.
    pattern: String,
}

impl std::fmt::Debug for HfRegex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HfRegex({:?})", self.pattern)
    }
}

impl HfRegex {
    /// Compiles `pattern` as HF does (`onig::Regex::new`: Oniguruma's
    /// default syntax, no options); `what` names the component in messages.
    pub fn new(pattern: &str, what: &str) -> Result<Self> {
        let regex = onig::Regex::new(pattern).map_err(|e| {
            Error::Unsupported(format!(
                "{what} regex {pattern:?} is not a valid Oniguruma regex: {}",
                e.description()
            ))
        })?;
        Ok(HfRegex {
            regex,
            pattern: pattern.to_owned(),
        })
    }

    /// The byte ranges of the successive matches in `text`, as onig's
    /// `find_iter` gives them to HF: leftmost-first, searched from the end
    /// of the last match (look-behind sees the text before it), an empty
    /// match right where the previous match ended skipped by one char.
    ///
    /// Oniguruma gives up on a match that needs more than its retry limit
    /// (10^7 steps, catastrophic backtracking): HF panics there; this is an
    /// [`Error::Encoding`] naming the pattern.
    pub fn find_iter(&self, text: &str, mut on_match: impl FnMut(Range<usize>)) -> Result<()> {
        let mut region = Region::new();
        let mut from = 0;
        let mut last_match_end: Option<usize> = None;
        while from <= text.len() {
            region.clear();
            let found = self
                .regex
                .search_with_param(
                    text,
                    from,
                    text.len(),
                    SearchOptions::SEARCH_OPTION_NONE,
                    Some(&mut region),
                    MatchParam::default(),
                )
                .map_err(|e| {
                    Error::Encoding(format!(
                        "regex {:?} failed on a text of {} bytes: {} (the pattern backtracks \
                         too much on this input)",
                        self.pattern,
                        text.len(),
                        e.description()
                    ))
                })?;
            if found.is_none() {
                break;
            }
            let Some((start, end)) = region.pos(0) else {
                break;
            };
            if start == end && last_match_end == Some(end) {
                from += text
                    .get(from..)
                    .and_then(|rest| rest.chars().next())
                    .map_or(1, char::len_utf8);
                continue;
            }
            from = end;
            last_match_end = Some(end);
            on_match(start..end);
        }
        Ok(())
    }
}

/// `text` cut into `(range, is_match)` spans covering all of it, as HF's
/// `Pattern::find_matches`: matches of `find` with the gaps between them.
pub fn match_spans(
    text: &str,
    find: impl FnOnce(&mut dyn FnMut(Range<usize>)) -> Result<()>,
) -> Result<Vec<(Range<usize>, bool)>> {
    let mut spans = Vec::new();
    let mut prev = 0;
    find(&mut |m: Range<usize>| {
        if prev != m.start {
            spans.push((prev..m.start, false));
        }
        prev = m.end;
        spans.push((m, true));
    })?;
    if prev != text.len() {
        spans.push((prev..text.len(), false));
    }
    Ok(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, text: &str) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        HfRegex::new(pattern, "test")
            .unwrap()
            .find_iter(text, |m| out.push(m))
            .unwrap();
        out
    }

    #[test]
    fn empty_matches_advance_by_one_char() {
        assert_eq!(matches("x*", "ab"), vec![0..0, 1..1, 2..2]);
        assert_eq!(matches(r"\b", "ab cd"), vec![0..0, 2..2, 3..3, 5..5]);
        // No empty match right where a match ended (HF: "a", "é").
        assert_eq!(matches("é*", "aé"), vec![0..0, 1..3]);
    }

    #[test]
    fn oniguruma_semantics() {
        // Look-behind sees the text before the search start.
        assert_eq!(matches(r"(?<=a)b", "abab"), vec![1..2, 3..4]);
        assert_eq!(matches(r"(?i:'S)", "it'S"), vec![2..4]);
        assert_eq!(matches(r"\w+", "a½b c"), vec![0..4, 5..6]);
        assert!(HfRegex::new("(", "test").is_err());
    }

    #[test]
    fn catastrophic_backtracking_is_an_error() {
        // HF panics here: "retry-limit-in-match over".
        let re = HfRegex::new(r"(a|aa)+$", "test").unwrap();
        let text = "a".repeat(5_000) + "!";
        assert!(re.find_iter(&text, |_| {}).is_err());
    }
}
