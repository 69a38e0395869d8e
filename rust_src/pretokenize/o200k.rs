//! The o200k_base split pattern, by hand:
//!
//! ```text
//! [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
//! [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|
//! \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+
//! ```
//!
//! The two letter classes overlap (Lm, Lo and marks are in both), so the first
//! alternative backtracks; the order in which a backtracking engine tries the
//! lengths is reproduced below without re-scanning more than a constant number
//! of times.

use super::classes::{Classes, LETTER, LOWERISH, NUMBER, UPPERISH};
use super::scan::{contraction, digits3, newlines, optional_space_then_other, run, whitespace};

/// `U* W+ C?` at `s` (first alternative without its prefix), U and W being the
/// "upper-ish" and "lower-ish" classes and C a contraction.
#[inline]
fn upper_star_lower_plus(c: &Classes, t: &[u8], s: usize) -> Option<usize> {
    let mut i = s;
    // Where `W+` can start, kept as the end of its first character (already
    // classified here, so `run` goes on after it): the character right
    // after the run when it is lower-ish, else the last run character that
    // is in both classes.
    let mut last_both_end = None;
    let mut lower_after_run_end = None;
    while i < t.len() {
        let (bits, len) = c.at(t, i);
        if bits & UPPERISH == 0 {
            lower_after_run_end = (bits & LOWERISH != 0).then_some(i + len);
            break;
        }
        if bits & LOWERISH != 0 {
            last_both_end = Some(i + len);
        }
        i += len;
    }
    // Greedy `U*` gives back characters until `W+` can start.
    let first_lower_end = lower_after_run_end.or(last_both_end)?;
    let end = run(c, t, first_lower_end, LOWERISH);
    Some(end + contraction_at(t, end))
}

/// `U+ W* C?` at `s` (second alternative without its prefix).
#[inline]
fn upper_plus_lower_star(c: &Classes, t: &[u8], s: usize) -> Option<usize> {
    let upper_end = run(c, t, s, UPPERISH);
    if upper_end == s {
        return None;
    }
    let end = run(c, t, upper_end, LOWERISH);
    Some(end + contraction_at(t, end))
}

#[inline]
fn contraction_at(t: &[u8], i: usize) -> usize {
    if t.get(i) == Some(&b'\'') {
        contraction(t, i, true)
    } else {
        0
    }
}

/// End of the piece starting at `p` (a char boundary below `t.len()`).
#[inline]
pub fn piece_end(c: &Classes, t: &[u8], p: usize) -> usize {
    let b0 = t[p];
    let (bits, len) = c.at(t, p);
    let letterish = bits & (UPPERISH | LOWERISH) != 0;
    if bits & LETTER != 0 {
        // A letter cannot be the prefix, so only the unprefixed forms apply,
        // and one of them always matches.
        if let Some(end) = upper_star_lower_plus(c, t, p) {
            return end;
        }
        if let Some(end) = upper_plus_lower_star(c, t, p) {
            return end;
        }
    } else if bits & NUMBER == 0 && b0 != b'\r' && b0 != b'\n' {
        // `[^\r\n\p{L}\p{N}]?` is greedy: with the prefix first, then without
        // it (which can only match when `p` is itself a mark).
        let next = p + len;
        if let Some(end) = upper_star_lower_plus(c, t, next) {
            return end;
        }
        if letterish {
            if let Some(end) = upper_star_lower_plus(c, t, p) {
                return end;
            }
        }
        if let Some(end) = upper_plus_lower_star(c, t, next) {
            return end;
        }
        if letterish {
            if let Some(end) = upper_plus_lower_star(c, t, p) {
                return end;
            }
        }
    }
    if bits & NUMBER != 0 {
        return digits3(c, t, p);
    }
    // ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
    if let Some(end) = optional_space_then_other(c, t, p, len, b0, bits) {
        return newlines(t, end, true);
    }
    whitespace(c, t, p, false, true)
}
