//! HF's `Replace` decoder: every match of a literal or an Oniguruma regex in
//! every token replaced, left to right without overlap.

use crate::error::{Error, Result};
use crate::hf_regex::match_spans;
use crate::normalize::replace::Pattern;
use crate::pipeline::Decoder;

/// HF's `decoders.Replace`.
#[derive(Debug)]
pub struct ReplaceDecoder {
    /// What to find.
    pub pattern: Pattern,
    /// What it becomes (taken literally).
    pub content: String,
}

/// The most text (in bytes) one decode may make. A tokenizer.json can chain
/// Replace decoders that each multiply every token ("a" by "aa", thirty
/// times over): past this bound decoding fails before allocating what no
/// machine has (HF dies there). Only Replace makes tokens longer.
const MAX_DECODED_BYTES: usize = 1 << 30;

/// A token and, for a regex pattern, its spans and whether each matched.
type Planned = (String, Option<Vec<(std::ops::Range<usize>, bool)>>);

impl ReplaceDecoder {
    /// The token with its matches found, and the length it will have.
    fn plan(&self, token: String) -> Result<(Planned, usize)> {
        if let Pattern::Literal(lit) = &self.pattern {
            let found = token.matches(lit.as_str()).count();
            let kept = token.len() - found * lit.len();
            let len = kept.saturating_add(found.saturating_mul(self.content.len()));
            return Ok(((token, None), len));
        }
        // HF finds no match in an empty token, even for `x*`.
        if token.is_empty() {
            return Ok(((token, None), 0));
        }
        let find = |on_match: &mut dyn FnMut(_)| self.pattern.find_iter(&token, on_match);
        let spans = match_spans(&token, find)?;
        let len = (spans.iter())
            .map(|(range, matched)| {
                if *matched {
                    self.content.len()
                } else {
                    range.len()
                }
            })
            .sum();
        Ok(((token, Some(spans)), len))
    }

    fn replace(&self, (token, spans): Planned) -> String {
        let Some(spans) = spans else {
            // A literal's matches, or an empty token.
            return match &self.pattern {
                Pattern::Literal(lit) => token.replace(lit.as_str(), &self.content),
                _ => token,
            };
        };
        let mut out = String::with_capacity(token.len());
        for (range, is_match) in spans {
            match is_match {
                true => out.push_str(&self.content),
                false => out.push_str(token.get(range).unwrap_or_default()),
            }
        }
        out
    }
}

impl Decoder for ReplaceDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        let mut total = 0usize;
        let mut planned = Vec::with_capacity(tokens.len());
        for token in tokens {
            let (plan, len) = self.plan(token)?;
            total = total.saturating_add(len);
            if total > MAX_DECODED_BYTES {
                return Err(Error::Encoding(format!(
                    "the Replace decoder would make more than {MAX_DECODED_BYTES} bytes of \
                     text: the tokenizer's decoders multiply the tokens"
                )));
            }
            planned.push(plan);
        }
        Ok(planned.into_iter().map(|p| self.replace(p)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoder(pattern: Pattern, content: &str) -> ReplaceDecoder {
        ReplaceDecoder {
            pattern,
            content: content.into(),
        }
    }

    #[test]
    fn literal_and_regex_patterns() {
        let d = decoder(Pattern::literal("\u{2581}").unwrap(), " ");
        assert_eq!(d.decode(&["\u{2581}a", "b\u{2581}"]).unwrap(), " ab ");
        let d = decoder(Pattern::regex(r"\s+").unwrap(), "_");
        assert_eq!(d.decode(&["a  b", "", " c"]).unwrap(), "a_b_c");
        let d = decoder(Pattern::regex("x*").unwrap(), "-");
        assert_eq!(d.decode(&["ab", ""]).unwrap(), "-a-b-");
    }
}
