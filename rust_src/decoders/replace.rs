//! HF's `Replace` decoder: every match of a literal or an Oniguruma regex in
//! every token replaced, left to right without overlap.

use crate::error::Result;
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

impl ReplaceDecoder {
    fn replace(&self, token: String) -> Result<String> {
        let re = match &self.pattern {
            Pattern::Literal(lit) => return Ok(token.replace(lit.as_str(), &self.content)),
            // HF finds no match in an empty token, even for `x*`.
            Pattern::Regex(_) if token.is_empty() => return Ok(token),
            Pattern::Regex(re) => re,
        };
        let spans = match_spans(&token, |on_match| re.find_iter(&token, on_match))?;
        let mut out = String::with_capacity(token.len());
        for (range, is_match) in spans {
            match is_match {
                true => out.push_str(&self.content),
                false => out.push_str(token.get(range).unwrap_or_default()),
            }
        }
        Ok(out)
    }
}

impl Decoder for ReplaceDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        tokens.into_iter().map(|t| self.replace(t)).collect()
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
