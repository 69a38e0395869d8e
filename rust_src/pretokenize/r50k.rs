//! The GPT-2 / r50k_base / p50k_base split pattern, by hand:
//!
//! ```text
//! '(?:[sdmt]|ll|ve|re)| ?\p{L}++| ?\p{N}++| ?[^\s\p{L}\p{N}]++|\s++$|\s+(?!\S)|\s
//! ```

use super::classes::{Classes, LETTER, NUMBER, SPACE};
use super::scan::{contraction, run, run_other, whitespace};

/// End of the piece starting at `p` (a char boundary below `t.len()`).
#[inline]
pub fn piece_end(c: &Classes, t: &[u8], p: usize) -> usize {
    let b0 = t[p];
    if b0 == b'\'' {
        let k = contraction(t, p, false);
        if k > 0 {
            return p + k;
        }
    }
    // ` ?X++`: a space joins the run that follows it, whatever its class
    // (except another space).
    let (start, bits) = if b0 == b' ' && p + 1 < t.len() {
        (p + 1, c.at(t, p + 1).0)
    } else {
        (p, c.at(t, p).0)
    };
    if bits & LETTER != 0 {
        run(c, t, start, LETTER)
    } else if bits & NUMBER != 0 {
        run(c, t, start, NUMBER)
    } else if bits & SPACE == 0 {
        run_other(c, t, start)
    } else {
        whitespace(c, t, p, true, false)
    }
}
