//! HF's `Metaspace` pre-tokenizer: spaces become `▁`, a `▁` is prepended
//! (scheme "always", or "first" for the first segment), then the text is cut
//! before every `▁`. Our pre-tokenizers only cut, so the rewriting half is a
//! [`Normalizer`] run last, and the cutting half a [`PreTokenizer`].

use std::ops::Range;

use crate::error::Result;
use crate::pipeline::{Builder, Normalized, Normalizer, PreTokenizer, SpannedChars};

/// When to put a `▁` in front of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrependScheme {
    /// Always (unless the text already starts with one).
    Always,
    /// Only for text at the start of the input.
    First,
    /// Never.
    Never,
}

/// The rewriting half of `Metaspace`.
#[derive(Debug, Clone)]
pub struct MetaspaceRewrite {
    /// The character standing for a space (`▁`).
    pub replacement: char,
    /// When to prepend it.
    pub prepend: PrependScheme,
}

impl Normalizer for MetaspaceRewrite {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        let replacement = self.replacement;
        let prepend = self.prepend;
        // HF's "first" asks whether the text starts the input, not the
        // segment left after an added token ("<s>hi" gets no ▁ before "hi").
        let starts_input = text.starts_input();
        if !text.tracks_offsets() {
            // Without alignments every char reads as from the start: the
            // text alone, copied in runs between spaces (with Replace's
            // runs and the search for ▁ below, ruT5's tokenizer.json went
            // from 29 to 32 MB/s, 1 KB documents, ids only).
            text.rewrite(|chars, out| {
                let rest = chars.rest();
                let mut name = [0; 4];
                let name: &str = replacement.encode_utf8(&mut name);
                // Each space grows by `name`'s extra bytes: room for one
                // space in five bytes, English's share, made at once rather
                // than by reallocating as the text grows.
                out.reserve((rest.len() / 5 + 1) * (name.len() - 1));
                let add = match prepend {
                    PrependScheme::Always | PrependScheme::First => {
                        let first = rest.chars().next();
                        let starts = first.is_some_and(|c| c == ' ' || c == replacement);
                        first.is_some()
                            && !starts
                            && (prepend == PrependScheme::Always || starts_input)
                    }
                    PrependScheme::Never => false,
                };
                if add {
                    out.push_str(name, (0, 0));
                }
                let mut at = 0;
                for space in memchr::memchr_iter(b' ', rest.as_bytes()) {
                    out.push_str(rest.get(at..space).unwrap_or(""), (0, 0));
                    out.push_str(name, (0, 0));
                    at = space + 1;
                }
                out.push_str(rest.get(at..).unwrap_or(""), (0, 0));
            });
            return Ok(());
        }
        text.rewrite(|mut chars: SpannedChars<'_>, out: &mut Builder| {
            let Some((first, span)) = chars.next() else {
                return;
            };
            let first = if first == ' ' { replacement } else { first };
            let add = match prepend {
                PrependScheme::Always => first != replacement,
                PrependScheme::First => first != replacement && span.0 == 0 && starts_input,
                PrependScheme::Never => false,
            };
            if add {
                out.push(replacement, span);
            }
            out.push(first, span);
            for (c, span) in chars {
                out.push(if c == ' ' { replacement } else { c }, span);
            }
        });
        Ok(())
    }

    /// Scheme "first" asks whether the first character starts the original
    /// (before it changes anything itself).
    fn reads_origins(&self) -> bool {
        self.prepend == PrependScheme::First
    }
}

/// The cutting half of `Metaspace` (`split: true`): a piece starts at every
/// replacement character.
#[derive(Debug, Clone)]
pub struct MetaspaceSplit {
    /// The character standing for a space.
    pub replacement: char,
}

impl PreTokenizer for MetaspaceSplit {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) -> Result<()> {
        let mut name = [0; 4];
        let name = self.replacement.encode_utf8(&mut name).as_bytes();
        let bytes = text.as_bytes();
        let mut start = 0;
        // Found by its first byte, where the char search looked for its
        // last: `▁`'s 0x81 is also the last byte of Cyrillic "с", its 0xE2
        // starts only rare symbols (ruT5's tokenizer.json on 1 KB
        // documents: the split was 5% of encode).
        let found = memchr::memchr_iter(name[0], bytes);
        for i in found.filter(|&i| bytes[i..].starts_with(name)) {
            if i > start {
                out.push(start..i);
                start = i;
            }
        }
        if start < text.len() {
            out.push(start..text.len());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrite_and_split() {
        let r = MetaspaceRewrite {
            replacement: '▁',
            prepend: PrependScheme::Always,
        };
        let mut n = Normalized::new("hello  world", true);
        r.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), "▁hello▁▁world");
        let mut out = Vec::new();
        MetaspaceSplit { replacement: '▁' }
            .split(n.as_str(), &mut out)
            .unwrap();
        let pieces: Vec<&str> = out.iter().map(|r| &n.as_str()[r.clone()]).collect();
        assert_eq!(pieces, vec!["▁hello", "▁", "▁world"]);
    }

    #[test]
    fn the_text_is_the_same_without_alignments() {
        let schemes = [
            PrependScheme::Always,
            PrependScheme::First,
            PrependScheme::Never,
        ];
        for prepend in schemes {
            let r = MetaspaceRewrite {
                replacement: '▁',
                prepend,
            };
            for text in ["", " ", "a", " a  b ", "▁a b", "é  中 ", "  "] {
                for starts_input in [true, false] {
                    let mut tracked = Normalized::new(text, true);
                    let mut untracked = Normalized::new(text, false);
                    tracked.set_starts_input(starts_input);
                    untracked.set_starts_input(starts_input);
                    r.normalize(&mut tracked).unwrap();
                    r.normalize(&mut untracked).unwrap();
                    assert_eq!(untracked.as_str(), tracked.as_str(), "{text:?} {prepend:?}");
                }
            }
        }
    }
}
