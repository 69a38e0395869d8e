//! What HF's ByteLevel and Metaspace pre-tokenizers do to each piece of text
//! between added tokens besides cutting it, where a normalizer (which sees
//! the whole text, before the normalized added tokens are cut out) cannot do
//! it: the prefix space of `add_prefix_space` and Metaspace's `▁` for spaces
//! beside normalized added tokens, and the byte-alphabet spelling that steps
//! after ByteLevel split.

use std::ops::Range;

use crate::models::bpe::byte_alphabet::byte_to_char;
use crate::pipeline::Token;
use crate::pretokenize::metaspace::PrependScheme;

/// The rewrite of each part of the text between added tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartRewrite {
    /// Put a space before a part that does not start with one.
    pub prefix_space: bool,
    /// Spell the part in the byte alphabet.
    pub spell: bool,
    /// Metaspace's rewrite: spaces become this character, which is put in
    /// front of a part as the scheme says.
    pub metaspace: Option<(char, PrependScheme)>,
}

/// A part rewritten, with where each of its bytes came from.
pub struct Rewritten {
    /// The rewritten text.
    pub text: String,
    /// For each byte of `text`, the byte range of the part it came from: the
    /// prefix space stands for the part's first character, as HF aligns it.
    sources: Vec<(u32, u32)>,
}

impl PartRewrite {
    /// `part` rewritten, or `None` when it stays as it is. `starts_input`
    /// says whether the part starts the text (Metaspace's "first" scheme).
    pub fn apply(&self, part: &str, starts_input: bool) -> Option<Rewritten> {
        if let Some((replacement, scheme)) = self.metaspace {
            return metaspace(part, replacement, scheme, starts_input);
        }
        let prefix = self.prefix_space && !part.is_empty() && !part.starts_with(' ');
        if !prefix && !self.spell {
            return None;
        }
        let mut out = Rewritten {
            text: String::with_capacity(part.len() * 2 + 2),
            sources: Vec::with_capacity(part.len() * 2 + 2),
        };
        if prefix {
            let first = part.chars().next().map_or(0, char::len_utf8) as u32;
            let space = if self.spell { byte_to_char(b' ') } else { ' ' };
            out.push(space, (0, first));
        }
        if self.spell {
            for (at, b) in (0u32..).zip(part.bytes()) {
                out.push(byte_to_char(b), (at, at + 1));
            }
        } else {
            out.text.push_str(part);
            out.sources.extend((0u32..).zip(1..).take(part.len()));
        }
        Some(out)
    }
}

/// `part` as HF's Metaspace rewrites each part between added tokens:
/// spaces become `replacement`, which is put in front (standing for the
/// first character) unless the part starts with one.
fn metaspace(
    part: &str,
    replacement: char,
    scheme: PrependScheme,
    starts_input: bool,
) -> Option<Rewritten> {
    let first = part.chars().next()?;
    let starts_with = first == ' ' || first == replacement;
    let prefix = !starts_with
        && match scheme {
            PrependScheme::Always => true,
            PrependScheme::First => starts_input,
            PrependScheme::Never => false,
        };
    if !prefix && !part.contains(' ') {
        return None;
    }
    let mut out = Rewritten {
        text: String::with_capacity(part.len() + 8),
        sources: Vec::with_capacity(part.len() + 8),
    };
    if prefix {
        out.push(replacement, (0, first.len_utf8() as u32));
    }
    for (at, c) in part.char_indices() {
        let (at, end) = (at as u32, (at + c.len_utf8()) as u32);
        out.push(if c == ' ' { replacement } else { c }, (at, end));
    }
    Some(out)
}

impl Rewritten {
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
        let plain = PartRewrite {
            prefix_space: true,
            spell: false,
            metaspace: None,
        };
        assert!(plain.apply(" x", true).is_none());
        let r = plain.apply("éa", true).unwrap();
        assert_eq!(r.text, " éa");
        assert_eq!(r.source(0..1), 0..2); // the space: the first character
        assert_eq!(r.source(0..3), 0..2);
        assert_eq!(r.source(3..4), 2..3);
        let spelled = PartRewrite {
            prefix_space: true,
            spell: true,
            metaspace: None,
        };
        let r = spelled.apply("é", true).unwrap();
        assert_eq!(r.text, "ĠÃ©");
        assert_eq!(r.source(0..2), 0..2);
        assert_eq!(r.source(2..4), 0..1); // "Ã" is the first byte of "é"
        assert_eq!(r.source(4..6), 1..2);
        let meta = PartRewrite {
            prefix_space: false,
            spell: false,
            metaspace: Some(('▁', PrependScheme::First)),
        };
        assert!(meta.apply("ab", false).is_none());
        let r = meta.apply("a b", true).unwrap();
        assert_eq!(r.text, "▁a▁b");
        assert_eq!(r.source(0..3), 0..1);
        assert_eq!(r.source(4..7), 1..2);
    }
}
