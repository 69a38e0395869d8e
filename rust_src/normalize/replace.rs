//! HF's `Replace` normalizer for the patterns tokenizer.json files use: a
//! literal string, or a regex that is one character repeated at least n times
//! (`" {2,}"`, `" +"`). Other regexes are refused by the loader.

use crate::pipeline::{Builder, Normalized, Normalizer, SpannedChars};

/// What to look for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// This exact text.
    Literal(String),
    /// `min` or more copies of one character in a row.
    Run {
        /// The repeated character.
        c: char,
        /// The least number of copies.
        min: usize,
    },
}

impl Pattern {
    /// Reads a regex, when it is a run of one literal character.
    pub fn from_regex(regex: &str) -> Option<Self> {
        let mut chars = regex.chars();
        let c = chars.next()?;
        if "\\.^$*+?()[]{}|".contains(c) {
            return None;
        }
        let rest: String = chars.collect();
        let min = match rest.as_str() {
            "+" => 1,
            _ => rest.strip_prefix('{')?.strip_suffix(",}")?.parse().ok()?,
        };
        (min > 0).then_some(Pattern::Run { c, min })
    }
}

/// HF's `Replace`: every match of `pattern` becomes `content`.
#[derive(Debug, Clone)]
pub struct Replace {
    /// What to look for.
    pub pattern: Pattern,
    /// What to put instead.
    pub content: String,
}

impl Normalizer for Replace {
    fn normalize(&self, text: &mut Normalized) {
        text.rewrite(|chars: SpannedChars<'_>, out: &mut Builder| {
            let items: Vec<(char, (u32, u32))> = chars.collect();
            let mut i = 0;
            while i < items.len() {
                let matched = match &self.pattern {
                    Pattern::Literal(lit) if !lit.is_empty() => {
                        let n = lit.chars().count();
                        let hit = items.len() - i >= n
                            && items[i..i + n].iter().map(|x| x.0).eq(lit.chars());
                        hit.then_some(n)
                    }
                    Pattern::Literal(_) => None,
                    Pattern::Run { c, min } => {
                        let n = items[i..].iter().take_while(|x| x.0 == *c).count();
                        (n >= *min).then_some(n)
                    }
                };
                match matched {
                    Some(n) => {
                        // HF removes the match, then inserts the content
                        // after it: the new text aligns with its last char.
                        let span = items[i + n - 1].1;
                        self.content.chars().for_each(|c| out.push(c, span));
                        i += n;
                    }
                    None => {
                        out.push(items[i].0, items[i].1);
                        i += 1;
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_literals() {
        let r = Replace {
            pattern: Pattern::from_regex(" {2,}").unwrap(),
            content: " ".into(),
        };
        let mut n = Normalized::new("a  b c    d", true);
        r.normalize(&mut n);
        assert_eq!(n.as_str(), "a b c d");
        assert_eq!(n.original_range(1..2), Some(2..3));
        assert_eq!(Pattern::from_regex("a|b"), None);
        let r = Replace {
            pattern: Pattern::Literal("ab".into()),
            content: "X".into(),
        };
        let mut n = Normalized::new("cabab", false);
        r.normalize(&mut n);
        assert_eq!(n.as_str(), "cXX");
    }
}
