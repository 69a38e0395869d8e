//! The Unicode categories HF `tokenizers` uses for BERT, from the same crate
//! (`unicode_categories` 0.1), so the answers are HF's by construction. That
//! crate binary-searches one table per category (up to seven per question);
//! here the answers for the first three planes are computed once into a byte
//! per code point, which made HF-compat BERT encoding of CJK text about twice
//! as fast.

use std::sync::OnceLock;

use unicode_categories::UnicodeCategories;

const OTHER: u8 = 1;
const PUNCTUATION: u8 = 2;
const NONSPACING_MARK: u8 = 4;

/// Code points below this are tabled; the rest (rare) ask the crate.
const TABLED: u32 = 0x30000;

fn table() -> &'static [u8] {
    static TABLE: OnceLock<Box<[u8]>> = OnceLock::new();
    TABLE.get_or_init(|| {
        (0..TABLED)
            .map(|cp| char::from_u32(cp).map_or(0, flags_of))
            .collect::<Vec<u8>>()
            .into_boxed_slice()
    })
}

fn flags_of(c: char) -> u8 {
    let mut flags = 0;
    if c.is_other() {
        flags |= OTHER;
    }
    if c.is_punctuation() {
        flags |= PUNCTUATION;
    }
    if c.is_mark_nonspacing() {
        flags |= NONSPACING_MARK;
    }
    flags
}

#[inline]
fn flags(c: char) -> u8 {
    match table().get(c as usize) {
        Some(&f) => f,
        None => flags_of(c),
    }
}

/// Cc, Cf or Co, as `unicode_categories`' `is_other`.
#[inline]
pub fn is_other(c: char) -> bool {
    flags(c) & OTHER != 0
}

/// P*, as `unicode_categories`' `is_punctuation`.
#[inline]
pub fn is_punctuation(c: char) -> bool {
    flags(c) & PUNCTUATION != 0
}

/// Punctuation to HF's `Punctuation` pre-tokenizer (the test its BERT
/// pre-tokenizer makes too): P*, or ASCII punctuation, which also counts
/// symbols such as `$`, `+` and `^`.
#[inline]
pub fn is_split_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || is_punctuation(c)
}

/// Mn, as `unicode_categories`' `is_mark_nonspacing`.
#[inline]
pub fn is_nonspacing_mark(c: char) -> bool {
    flags(c) & NONSPACING_MARK != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_the_crate_everywhere() {
        for cp in (0..0x11_0000)
            .step_by(7)
            .chain([0xE000, 0x0301, 0x3002, 0x1F600])
        {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            assert_eq!(is_other(c), c.is_other(), "{cp:x}");
            assert_eq!(is_punctuation(c), c.is_punctuation(), "{cp:x}");
            assert_eq!(is_nonspacing_mark(c), c.is_mark_nonspacing(), "{cp:x}");
        }
    }
}
