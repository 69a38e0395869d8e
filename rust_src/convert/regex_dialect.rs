//! The one place where a split regex means different things to tiktoken
//! (fancy-regex) and to HF tokenizers (Oniguruma, Ruby syntax): a counted
//! repetition followed by `+`. In tiktoken `\p{N}{1,3}+` is possessive (one
//! to three digits); in Oniguruma it is the interval repeated (any number
//! of digits). cl100k_base's pattern has it, so a pattern is rewritten when
//! it crosses: `X{n,m}+` becomes the atomic group `(?>X{n,m})` for HF, and
//! `(?:X{n,m})+` for tiktoken. Both engines read those two forms alike.

/// The pattern as HF must spell it to split as tiktoken does with `pattern`.
pub fn tiktoken_to_hf(pattern: &str) -> String {
    rewrite(pattern, |atom, interval| format!("(?>{atom}{interval})"))
}

/// The pattern as tiktoken must spell it to split as HF does with `pattern`.
pub fn hf_to_tiktoken(pattern: &str) -> String {
    rewrite(pattern, |atom, interval| format!("(?:{atom}{interval})+"))
}

/// `pattern` with each `ATOM{..}+` replaced by `spell(ATOM, "{..}")`, one at
/// a time (an outer group may hold an inner one).
fn rewrite(pattern: &str, spell: impl Fn(&str, &str) -> String) -> String {
    let mut text = pattern.to_owned();
    while let Some((atom, brace, end)) = first_interval_plus(&text) {
        let replaced = spell(&text[atom..brace], &text[brace..end - 1]);
        text.replace_range(atom..end, &replaced);
    }
    text
}

/// The first `ATOM{n}+`, `ATOM{n,}+` or `ATOM{n,m}+` in `pattern`: the
/// byte offsets of the atom's start, of the `{`, and just past the `+`.
fn first_interval_plus(pattern: &str) -> Option<(usize, usize, usize)> {
    let bytes = pattern.as_bytes();
    // The start of the atom a quantifier here would apply to.
    let mut atom: Option<usize> = None;
    let mut groups: Vec<usize> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                atom = Some(i);
                i = escape_end(bytes, i);
            }
            b'[' => {
                atom = Some(i);
                i = class_end(bytes, i);
            }
            b'(' => {
                groups.push(i);
                atom = None;
                i += 1;
            }
            b')' => {
                atom = groups.pop();
                i += 1;
            }
            b'{' => match (interval_end(bytes, i), atom) {
                (Some(close), Some(start)) if bytes.get(close) == Some(&b'+') => {
                    return Some((start, i, close + 1));
                }
                (Some(close), _) => {
                    atom = None;
                    i = close;
                }
                (None, _) => {
                    atom = Some(i);
                    i += 1;
                }
            },
            b'*' | b'+' | b'?' | b'|' => {
                atom = None;
                i += 1;
            }
            _ => {
                atom = Some(i);
                i += pattern[i..].chars().next().map_or(1, char::len_utf8);
            }
        }
    }
    None
}

/// Just past the escape at `i` (`\x`, `\p{..}`, `\x{..}`).
fn escape_end(bytes: &[u8], i: usize) -> usize {
    let braced = matches!(bytes.get(i + 1), Some(b'p' | b'P' | b'x' | b'u'))
        && bytes.get(i + 2) == Some(&b'{');
    if braced {
        if let Some(close) = bytes[i..].iter().position(|&b| b == b'}') {
            return i + close + 1;
        }
    }
    // One escaped character, which may be multi-byte.
    let next = std::str::from_utf8(&bytes[(i + 1).min(bytes.len())..])
        .ok()
        .and_then(|s| s.chars().next())
        .map_or(1, char::len_utf8);
    (i + 1 + next).min(bytes.len())
}

/// Just past the character class opening at `i` (nested classes and
/// escapes inside it included; a `]` first in the class is literal).
fn class_end(bytes: &[u8], i: usize) -> usize {
    let mut j = i + 1;
    if bytes.get(j) == Some(&b'^') {
        j += 1;
    }
    if bytes.get(j) == Some(&b']') {
        j += 1;
    }
    let mut depth = 1;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j = escape_end(bytes, j),
            b'[' => {
                depth += 1;
                j += 1;
            }
            b']' => {
                depth -= 1;
                j += 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => j += 1,
        }
    }
    bytes.len()
}

/// Just past the `}` of a counted repetition opening at `i` (`{n}`,
/// `{n,}`, `{n,m}`), or `None` when the brace is a literal.
fn interval_end(bytes: &[u8], i: usize) -> Option<usize> {
    let close = i + bytes[i..].iter().position(|&b| b == b'}')?;
    let inner = &bytes[i + 1..close];
    let mut parts = inner.splitn(2, |&b| b == b',');
    let low = parts.next()?;
    let counted = !low.is_empty()
        && low.iter().all(u8::is_ascii_digit)
        && parts
            .next()
            .is_none_or(|high| high.iter().all(u8::is_ascii_digit));
    counted.then_some(close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pretokenize::pattern::{CL100K_PATTERN, O200K_PATTERN, R50K_PATTERN};

    #[test]
    fn counted_repetitions_with_plus_are_rewritten() {
        assert_eq!(tiktoken_to_hf(r"\p{N}{1,3}+|x"), r"(?>\p{N}{1,3})|x");
        assert_eq!(hf_to_tiktoken(r"\p{N}{1,3}+|x"), r"(?:\p{N}{1,3})+|x");
        assert_eq!(tiktoken_to_hf(r"[a\]{]{2}+"), r"(?>[a\]{]{2})");
        assert_eq!(tiktoken_to_hf(r"(ab{2}+){1,}+"), r"(?>(a(?>b{2})){1,})");
        assert!(tiktoken_to_hf(CL100K_PATTERN).contains(r"(?>\p{N}{1,3})|"));
    }

    #[test]
    fn other_patterns_are_left_alone() {
        for pattern in [
            R50K_PATTERN,
            O200K_PATTERN,
            r"a{,2}+",
            r"x{1,3}?+",
            r"\{1}+",
        ] {
            assert_eq!(tiktoken_to_hf(pattern), pattern);
        }
    }
}
