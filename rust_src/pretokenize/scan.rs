//! Scanning helpers shared by the hand-written tiktoken splitters: runs of a
//! class, the whitespace alternatives and the apostrophe contractions.

use super::classes::{Classes, LETTER, NUMBER, SPACE};

/// End of the longest run of characters from `i` whose class bits intersect
/// `mask`.
#[inline]
pub fn run(c: &Classes, t: &[u8], mut i: usize, mask: u8) -> usize {
    while i < t.len() {
        let (bits, len) = c.at(t, i);
        if bits & mask == 0 {
            break;
        }
        i += len;
    }
    i
}

/// Whether class bits are `[^\s\p{L}\p{N}]` ("other": punctuation, symbols,
/// marks, controls that are not White_Space).
#[inline]
pub fn is_other(bits: u8) -> bool {
    bits & (LETTER | NUMBER | SPACE) == 0
}

/// The end of ` ?[^\s\p{L}\p{N}]+` starting at `p` (whose first byte is
/// `b0`, class `bits`, length `len`), or `None` when no such run starts there.
pub fn optional_space_then_other(
    c: &Classes,
    t: &[u8],
    p: usize,
    len: usize,
    b0: u8,
    bits: u8,
) -> Option<usize> {
    let next = p + len;
    if b0 == b' ' && next < t.len() && is_other(c.at(t, next).0) {
        Some(run_other(c, t, next))
    } else if is_other(bits) {
        Some(run_other(c, t, p))
    } else {
        None
    }
}

/// End of the longest run of "other" characters from `i`.
#[inline]
pub fn run_other(c: &Classes, t: &[u8], mut i: usize) -> usize {
    while i < t.len() {
        let (bits, len) = c.at(t, i);
        if !is_other(bits) {
            break;
        }
        i += len;
    }
    i
}

/// End of at most three `\p{N}` characters from `i` (`\p{N}{1,3}`).
#[inline]
pub fn digits3(c: &Classes, t: &[u8], mut i: usize) -> usize {
    for _ in 0..3 {
        if i >= t.len() {
            break;
        }
        let (bits, len) = c.at(t, i);
        if bits & NUMBER == 0 {
            break;
        }
        i += len;
    }
    i
}

/// End of `[\r\n]*` (with `slash`, `[\r\n/]*`) from `i`.
#[inline]
pub fn newlines(t: &[u8], mut i: usize, slash: bool) -> usize {
    while let Some(&b) = t.get(i) {
        if b == b'\r' || b == b'\n' || (slash && b == b'/') {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// The piece a whitespace character at `p` starts, for the tail alternatives
/// the three patterns share:
///
/// - `end_first`: `\s++$` (r50k, cl100k) is tried first;
/// - `newline`: `\s*[\r\n]` / `\s*[\r\n]+` (cl100k, o200k) comes next: the
///   run up to and including its last line break;
/// - then `\s+(?!\S)`: the run minus its last character when a non-space
///   follows (the whole run at the end of the text);
/// - then `\s` / `\s+`: what is left is a single character.
#[inline]
pub fn whitespace(c: &Classes, t: &[u8], p: usize, end_first: bool, newline: bool) -> usize {
    let mut i = p;
    let mut last = p;
    let mut after_break = 0;
    while i < t.len() {
        let (bits, len) = c.at(t, i);
        if bits & SPACE == 0 {
            break;
        }
        if t[i] == b'\r' || t[i] == b'\n' {
            after_break = i + 1;
        }
        last = i;
        i += len;
    }
    if i == t.len() && end_first {
        return i;
    }
    if newline && after_break != 0 {
        return after_break;
    }
    if i == t.len() || last == p {
        return i;
    }
    last
}

/// Length of the contraction `'s|'t|'re|'ve|'m|'ll|'d` at `p` (where
/// `t[p] == b'\''`), 0 when none. With `fold` the letters match
/// case-insensitively with the regex crate's simple case folding, which also
/// maps `s` to U+017F LATIN SMALL LETTER LONG S.
#[inline]
pub fn contraction(t: &[u8], p: usize, fold: bool) -> usize {
    let lower = |b: u8| if fold { b.to_ascii_lowercase() } else { b };
    let Some(&b1) = t.get(p + 1) else {
        return 0;
    };
    match lower(b1) {
        b's' | b'd' | b'm' | b't' => 2,
        b'l' | b'v' | b'r' => {
            let want = if lower(b1) == b'l' { b'l' } else { b'e' };
            match t.get(p + 2) {
                Some(&b2) if lower(b2) == want => 3,
                _ => 0,
            }
        }
        0xC5 if fold && t.get(p + 2) == Some(&0xBF) => 3,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contractions() {
        assert_eq!(contraction(b"'s", 0, false), 2);
        assert_eq!(contraction(b"'S", 0, false), 0);
        assert_eq!(contraction(b"'S", 0, true), 2);
        assert_eq!(contraction(b"'ll", 0, false), 3);
        assert_eq!(contraction(b"'lL", 0, true), 3);
        assert_eq!(contraction(b"'le", 0, false), 0);
        assert_eq!(contraction(b"'re", 0, false), 3);
        assert_eq!(contraction(b"'r", 0, false), 0);
        assert_eq!(contraction("'\u{17f}".as_bytes(), 0, true), 3);
        assert_eq!(contraction("'\u{17f}".as_bytes(), 0, false), 0);
        assert_eq!(contraction(b"'", 0, true), 0);
    }

    #[test]
    fn whitespace_tails() {
        let c = Classes::get().unwrap();
        // `\s+(?!\S)` leaves the last space for the word.
        assert_eq!(whitespace(c, b"   a", 0, true, true), 2);
        assert_eq!(whitespace(c, b" a", 0, true, true), 1);
        assert_eq!(whitespace(c, b"  ", 0, true, true), 2);
        // `\s*[\r\n]` stops after the last line break.
        assert_eq!(whitespace(c, b" \n  a", 0, true, true), 2);
        // `\s++$` comes first in cl100k but o200k has no such alternative.
        assert_eq!(whitespace(c, b" \n  ", 0, true, true), 4);
        assert_eq!(whitespace(c, b" \n  ", 0, false, true), 2);
        assert_eq!(whitespace(c, b" \n  a", 0, true, false), 3);
    }
}
