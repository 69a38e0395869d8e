//! What HF's pre-tokenizers do to each piece of text between added tokens
//! besides cutting it, where a normalizer (which sees the whole text, before
//! the normalized added tokens are cut out) cannot do it: ByteLevel's prefix
//! space and byte-alphabet spelling, and Metaspace's `▁` beside normalized
//! added tokens ([`PartRewrite`]); and Metaspace as the last step of a
//! Sequence, which rewrites each piece the steps before it cut
//! ([`MetaspaceLast`]).

use std::ops::Range;

use crate::error::Result;
use crate::models::bpe::byte_alphabet::byte_to_char;
use crate::pipeline::{Model, PreTokenizer, Token};
use crate::pretokenize::metaspace::{MetaspaceSplit, PrependScheme};

/// The rewrite of each part of the text between added tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartRewrite {
    /// HF's ByteLevel pre-tokenizer.
    ByteLevel {
        /// Put a space before a part that does not start with one.
        prefix_space: bool,
        /// Spell the part in the byte alphabet.
        spell: bool,
    },
    /// HF's Metaspace pre-tokenizer: spaces become `replacement`, which is
    /// also put before the part as `prepend` says.
    Metaspace {
        replacement: char,
        prepend: PrependScheme,
    },
}

/// A part rewritten, with where each of its bytes came from.
pub struct Rewritten {
    /// The rewritten text.
    pub text: String,
    /// For each byte of `text`, the byte range of the part it came from: a
    /// prefix stands for the part's first character, as HF aligns it.
    sources: Vec<(u32, u32)>,
}

impl PartRewrite {
    /// `part` rewritten, or `None` when it stays as it is. `starts_input`
    /// says whether the part begins the input (Metaspace's scheme "first").
    pub fn apply(&self, part: &str, starts_input: bool) -> Option<Rewritten> {
        match *self {
            PartRewrite::ByteLevel {
                prefix_space,
                spell,
            } => byte_level(part, prefix_space, spell),
            PartRewrite::Metaspace {
                replacement,
                prepend,
            } => metaspace(part, replacement, prepend, starts_input),
        }
    }
}

fn byte_level(part: &str, prefix_space: bool, spell: bool) -> Option<Rewritten> {
    let prefix = prefix_space && !part.is_empty() && !part.starts_with(' ');
    if !prefix && !spell {
        return None;
    }
    let mut out = Rewritten::with_capacity(part.len() * 2 + 2);
    if prefix {
        let space = if spell { byte_to_char(b' ') } else { ' ' };
        out.push(space, first_char(part));
    }
    if spell {
        for (at, b) in (0u32..).zip(part.bytes()) {
            out.push(byte_to_char(b), (at, at + 1));
        }
    } else {
        out.text.push_str(part);
        out.sources.extend((0u32..).zip(1..).take(part.len()));
    }
    Some(out)
}

/// HF's Metaspace pre-tokenizer as the last step of a Sequence (T5, ALBERT,
/// XLM-R and mBART as transformers 5 builds them, after WhitespaceSplit):
/// each piece the earlier steps cut is rewritten on its own, so every word
/// gets its `▁`, and then cut before every `▁` when `split`.
#[derive(Debug, Clone, Copy)]
pub struct MetaspaceLast {
    pub replacement: char,
    pub prepend: PrependScheme,
    pub split: bool,
}

impl MetaspaceLast {
    /// Tokenizes `piece` as HF does after this step: `emit` gets the tokens
    /// of each piece it cuts (a word each), with ranges in `piece`'s bytes.
    /// `starts_input` says whether the piece begins the input.
    pub fn tokenize(
        &self,
        model: &dyn Model,
        piece: &str,
        starts_input: bool,
        tokens: &mut Vec<Token>,
        mut emit: impl FnMut(&mut [Token]),
    ) -> Result<()> {
        let rewritten = metaspace(piece, self.replacement, self.prepend, starts_input);
        let text = rewritten.as_ref().map_or(piece, |r| r.text.as_str());
        let mut cuts = Vec::new();
        if self.split {
            let split = MetaspaceSplit {
                replacement: self.replacement,
            };
            split.split(text, &mut cuts)?;
        } else if !text.is_empty() {
            cuts.push(0..text.len());
        }
        for cut in cuts {
            tokens.clear();
            model.tokenize(&text[cut.clone()], tokens)?;
            match &rewritten {
                Some(r) => r.to_part(cut.start, tokens),
                None => {
                    // within the piece, whose length fits the model's u32
                    let shift = cut.start as u32;
                    for t in tokens.iter_mut() {
                        t.start += shift;
                        t.end += shift;
                    }
                }
            }
            emit(tokens);
        }
        Ok(())
    }
}

/// HF's Metaspace on one part: the same rule as
/// [`crate::pretokenize::metaspace::MetaspaceRewrite`] on a whole text.
fn metaspace(
    part: &str,
    replacement: char,
    prepend: PrependScheme,
    starts_input: bool,
) -> Option<Rewritten> {
    let first = part
        .chars()
        .next()
        .map(|c| if c == ' ' { replacement } else { c });
    let prefix = match (first, prepend) {
        (None, _) | (_, PrependScheme::Never) => false,
        (Some(c), PrependScheme::Always) => c != replacement,
        (Some(c), PrependScheme::First) => c != replacement && starts_input,
    };
    if !prefix && !part.contains(' ') {
        return None;
    }
    let mut out = Rewritten::with_capacity(part.len() + 3);
    if prefix {
        out.push(replacement, first_char(part));
    }
    for (at, c) in part.char_indices() {
        let at = at as u32;
        let c_out = if c == ' ' { replacement } else { c };
        out.push(c_out, (at, at + c.len_utf8() as u32));
    }
    Some(out)
}

/// The byte range of the first character of `part`.
fn first_char(part: &str) -> (u32, u32) {
    (0, part.chars().next().map_or(0, char::len_utf8) as u32)
}

impl Rewritten {
    fn with_capacity(bytes: usize) -> Self {
        Rewritten {
            text: String::with_capacity(bytes),
            sources: Vec::with_capacity(bytes),
        }
    }

    fn push(&mut self, c: char, source: (u32, u32)) {
        self.text.push(c);
        self.sources
            .extend(std::iter::repeat_n(source, c.len_utf8()));
    }

    /// Moves `tokens`, cut from the piece at `piece_start` of the text, to
    /// the byte ranges of the part they came from.
    pub fn to_part(&self, piece_start: usize, tokens: &mut [Token]) {
        for t in tokens {
            let r = piece_start + t.start as usize..piece_start + t.end as usize;
            let r = self.source(r);
            // within the part, whose length fits the u32 the model counts in
            t.start = r.start as u32;
            t.end = r.end as u32;
        }
    }

    /// The byte range of the part that the range `r` of the text came from.
    fn source(&self, r: Range<usize>) -> Range<usize> {
        let start = self.sources.get(r.start).map_or(0, |s| s.0 as usize);
        match r.end.checked_sub(1).and_then(|last| self.sources.get(last)) {
            Some(&(_, end)) if r.end > r.start => start..(end as usize).max(start),
            _ => start..start,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_back_to_the_part() {
        let plain = PartRewrite::ByteLevel {
            prefix_space: true,
            spell: false,
        };
        assert!(plain.apply(" x", true).is_none());
        let r = plain.apply("éa", true).unwrap();
        assert_eq!(r.text, " éa");
        assert_eq!(r.source(0..1), 0..2); // the space: the first character
        assert_eq!(r.source(0..3), 0..2);
        assert_eq!(r.source(3..4), 2..3);
        let spelled = PartRewrite::ByteLevel {
            prefix_space: true,
            spell: true,
        };
        let r = spelled.apply("é", true).unwrap();
        assert_eq!(r.text, "ĠÃ©");
        assert_eq!(r.source(0..2), 0..2);
        assert_eq!(r.source(2..4), 0..1); // "Ã" is the first byte of "é"
        assert_eq!(r.source(4..6), 1..2);
    }

    #[test]
    fn metaspace_by_part() {
        let first = PartRewrite::Metaspace {
            replacement: '▁',
            prepend: PrependScheme::First,
        };
        let r = first.apply("a b", true).unwrap();
        assert_eq!(r.text, "▁a▁b");
        assert_eq!(r.source(0..3), 0..1); // the prefix: the first character
        assert_eq!(r.source(4..7), 1..2);
        assert_eq!(first.apply("a b", false).unwrap().text, "a▁b");
        assert_eq!(first.apply(" b", true).unwrap().text, "▁b");
        assert!(first.apply("", true).is_none());
        assert!(first.apply("ab", false).is_none());
    }
}
