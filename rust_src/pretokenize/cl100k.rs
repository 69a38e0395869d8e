//! The cl100k_base split pattern, by hand:
//!
//! ```text
//! '(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+|
//!  ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s
//! ```

use super::classes::{Classes, LETTER, NUMBER};
use super::scan::{contraction, digits3, newlines, optional_space_then_other, run, whitespace};

/// End of the piece starting at `p` (a char boundary below `t.len()`).
#[inline]
pub fn piece_end(c: &Classes, t: &[u8], p: usize) -> usize {
    let b0 = t[p];
    if b0 == b'\'' {
        let k = contraction(t, p, true);
        if k > 0 {
            return p + k;
        }
    }
    let (bits, len) = c.at(t, p);
    if bits & LETTER != 0 {
        return run(c, t, p, LETTER);
    }
    if bits & NUMBER != 0 {
        return digits3(c, t, p);
    }
    // `[^\r\n\p{L}\p{N}]?+\p{L}++`: one non-letter, non-digit prefix. It is
    // possessive, so when no letter follows the alternative fails outright.
    let next = p + len;
    if b0 != b'\r' && b0 != b'\n' && next < t.len() && c.at(t, next).0 & LETTER != 0 {
        return run(c, t, next, LETTER);
    }
    // ` ?[^\s\p{L}\p{N}]++[\r\n]*+`
    if let Some(end) = optional_space_then_other(c, t, p, len, b0, bits) {
        return newlines(t, end, false);
    }
    whitespace(c, t, p, true, true)
}
