//! Character classes of the tiktoken split patterns (`\p{L}`, `\p{N}`, `\s`,
//! `\p{Lu}`…) and of HF's `Whitespace` (`\w`), taken from `regex-syntax` so
//! they are exactly the Unicode tables of the regex engine tiktoken and HF's
//! `Whitespace` use (Unicode 16.0).

use std::sync::OnceLock;

use regex_syntax::hir::{Class, HirKind};

use crate::error::{Error, Result};

/// `\p{L}`: a letter.
pub const LETTER: u8 = 1;
/// `\p{N}`: a number.
pub const NUMBER: u8 = 2;
/// `\s`: Unicode White_Space.
pub const SPACE: u8 = 4;
/// `[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`: o200k's "upper-case" letter class.
pub const UPPERISH: u8 = 8;
/// `[\p{Ll}\p{Lm}\p{Lo}\p{M}]`: o200k's "lower-case" letter class.
pub const LOWERISH: u8 = 16;
/// `\w`: a word character (letters, marks, digits, connector punctuation
/// and the joiners), as HF's `Whitespace` pre-tokenizer reads it.
pub const WORD: u8 = 32;

/// Code points per second-stage block.
const BLOCK: usize = 256;
/// One past the largest code point.
const CODE_POINTS: usize = 0x11_0000;

/// Class bits for every code point, as a two-stage table (about 40 KB).
pub struct Classes {
    /// Bits of the ASCII characters, the hot path.
    ascii: [u8; 128],
    /// Block number of each 256-code-point block.
    stage1: Vec<u16>,
    /// The distinct blocks.
    stage2: Vec<[u8; BLOCK]>,
}

impl Classes {
    /// The shared table, built once from the regex-syntax Unicode tables.
    pub fn get() -> Result<&'static Classes> {
        static TABLE: OnceLock<std::result::Result<Classes, String>> = OnceLock::new();
        TABLE
            .get_or_init(Classes::build)
            .as_ref()
            .map_err(|e| Error::Unsupported(format!("cannot build Unicode class tables: {e}")))
    }

    fn build() -> std::result::Result<Classes, String> {
        let mut bits = vec![0u8; CODE_POINTS];
        for (pattern, bit) in [
            (r"\p{L}", LETTER),
            (r"\p{N}", NUMBER),
            (r"\s", SPACE),
            (r"[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]", UPPERISH),
            (r"[\p{Ll}\p{Lm}\p{Lo}\p{M}]", LOWERISH),
            (r"\w", WORD),
        ] {
            for (start, end) in ranges(pattern)? {
                for b in bits.iter_mut().take(end as usize + 1).skip(start as usize) {
                    *b |= bit;
                }
            }
        }
        let mut ascii = [0u8; 128];
        ascii.copy_from_slice(&bits[..128]);
        let mut stage1 = Vec::with_capacity(CODE_POINTS / BLOCK);
        let mut stage2: Vec<[u8; BLOCK]> = Vec::new();
        let mut seen = rustc_hash::FxHashMap::default();
        for chunk in bits.chunks_exact(BLOCK) {
            let mut block = [0u8; BLOCK];
            block.copy_from_slice(chunk);
            let next = stage2.len();
            let index = *seen.entry(block).or_insert(next);
            if index == next {
                stage2.push(block);
            }
            stage1.push(u16::try_from(index).map_err(|e| e.to_string())?);
        }
        Ok(Classes {
            ascii,
            stage1,
            stage2,
        })
    }

    /// Class bits of the code point `cp`.
    #[inline]
    pub fn of(&self, cp: u32) -> u8 {
        if cp < 128 {
            return self.ascii[cp as usize];
        }
        let block = self.stage1.get((cp >> 8) as usize).copied().unwrap_or(0);
        self.stage2
            .get(block as usize)
            .map_or(0, |b| b[(cp & 0xff) as usize])
    }

    /// The class bits and UTF-8 length of the character starting at byte `i`
    /// of `text` (which must be a char boundary below `text.len()`).
    /// Always inlined: the splitters call it once per character, and left
    /// out of line it cost o200k and cl100k 2.6-3.2% more instructions
    /// (cachegrind).
    #[inline(always)]
    pub fn at(&self, text: &[u8], i: usize) -> (u8, usize) {
        let b0 = text[i];
        if b0 < 0x80 {
            return (self.ascii[b0 as usize], 1);
        }
        let (cp, len) = decode(text, i);
        (self.of(cp), len)
    }
}

/// Decodes the non-ASCII character starting at byte `i` of valid UTF-8.
#[inline]
pub fn decode(text: &[u8], i: usize) -> (u32, usize) {
    let byte = |k: usize| text.get(i + k).map_or(0, |&b| u32::from(b & 0x3f));
    let b0 = u32::from(text[i]);
    if b0 < 0xE0 {
        (((b0 & 0x1f) << 6) | byte(1), 2)
    } else if b0 < 0xF0 {
        (((b0 & 0x0f) << 12) | (byte(1) << 6) | byte(2), 3)
    } else {
        (
            ((b0 & 0x07) << 18) | (byte(1) << 12) | (byte(2) << 6) | byte(3),
            4,
        )
    }
}

/// The code point ranges of a one-class regex.
fn ranges(pattern: &str) -> std::result::Result<Vec<(u32, u32)>, String> {
    let hir = regex_syntax::Parser::new()
        .parse(pattern)
        .map_err(|e| e.to_string())?;
    match hir.kind() {
        HirKind::Class(Class::Unicode(class)) => Ok(class
            .ranges()
            .iter()
            .map(|r| (u32::from(r.start()), u32::from(r.end())))
            .collect()),
        _ => Err(format!("{pattern} is not a Unicode class")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits(c: char) -> u8 {
        Classes::get().unwrap().of(c as u32)
    }

    #[test]
    fn ascii_and_beyond() {
        assert_eq!(bits('a'), LETTER | LOWERISH | WORD);
        assert_eq!(bits('A'), LETTER | UPPERISH | WORD);
        assert_eq!(bits('7'), NUMBER | WORD);
        assert_eq!(bits(' '), SPACE);
        assert_eq!(bits('\u{a0}'), SPACE);
        assert_eq!(bits('\u{85}'), SPACE);
        assert_eq!(bits('!'), 0);
        // A combining mark is in both o200k letter classes but is not \p{L}.
        assert_eq!(bits('\u{301}'), UPPERISH | LOWERISH | WORD);
        // Lt (title case) is only "upper-ish"; Lo is both.
        assert_eq!(bits('\u{1c5}'), LETTER | UPPERISH | WORD);
        assert_eq!(bits('中'), LETTER | UPPERISH | LOWERISH | WORD);
        // \w takes decimal digits (Nd), not other numbers (No).
        assert_eq!(bits('½'), NUMBER);
        // ... and connector punctuation and the joiners.
        assert_eq!(bits('_'), WORD);
        assert_eq!(bits('\u{200d}'), WORD);
        assert_eq!(bits('\u{10ffff}'), 0);
    }

    #[test]
    fn decode_matches_std() {
        let text = "aé中😀";
        for (i, c) in text.char_indices().skip(1) {
            assert_eq!(decode(text.as_bytes(), i), (c as u32, c.len_utf8()));
        }
    }

    #[test]
    fn case_folding_of_contraction_letters() {
        // The contractions are matched case-insensitively; regex-syntax folds
        // `s` to the long s as well, which the splitters must accept.
        for (letter, extra) in [("s", vec!['\u{17f}']), ("t", vec![]), ("l", vec![])] {
            let got = ranges(&format!("(?i:{letter})")).unwrap();
            let mut chars: Vec<char> = got
                .iter()
                .flat_map(|&(a, b)| (a..=b).filter_map(char::from_u32))
                .collect();
            chars.sort();
            let mut want = vec![
                letter.chars().next().unwrap(),
                letter.to_uppercase().chars().next().unwrap(),
            ];
            want.extend(extra);
            want.sort();
            assert_eq!(chars, want);
        }
        for letter in ["d", "m", "v", "e", "r"] {
            assert_eq!(ranges(&format!("(?i:{letter})")).unwrap().len(), 2);
        }
    }
}
