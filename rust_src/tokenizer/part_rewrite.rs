//! What HF's ByteLevel pre-tokenizer does to each piece of text between added
//! tokens besides cutting it, where a normalizer (which sees the whole text,
//! before the normalized added tokens are cut out) cannot do it: the prefix
//! space of `add_prefix_space` beside normalized added tokens, and the
//! byte-alphabet spelling that steps after ByteLevel split.

use std::ops::Range;

use crate::models::bpe::byte_alphabet::byte_to_char;
use crate::pipeline::Token;

/// The rewrite of each part of the text between added tokens.
#[derive(Debug, Clone, Copy)]
pub struct PartRewrite {
    /// Put a space before a part that does not start with one.
    pub prefix_space: bool,
    /// Spell the part in the byte alphabet.
    pub spell: bool,
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
    /// `part` rewritten, or `None` when it stays as it is.
    pub fn apply(&self, part: &str) -> Option<Rewritten> {
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
        };
        assert!(plain.apply(" x").is_none());
        let r = plain.apply("éa").unwrap();
        assert_eq!(r.text, " éa");
        assert_eq!(r.source(0..1), 0..2); // the space: the first character
        assert_eq!(r.source(0..3), 0..2);
        assert_eq!(r.source(3..4), 2..3);
        let spelled = PartRewrite {
            prefix_space: true,
            spell: true,
        };
        let r = spelled.apply("é").unwrap();
        assert_eq!(r.text, "ĠÃ©");
        assert_eq!(r.source(0..2), 0..2);
        assert_eq!(r.source(2..4), 0..1); // "Ã" is the first byte of "é"
        assert_eq!(r.source(4..6), 1..2);
    }
}
