//! HF's `NormalizedString::transform`, the one way its normalizers that
//! reorder or merge chars (NFC, NFD, NFKC, NFKD) move alignments: each new
//! char comes with a change, `0` (it replaces the next old char and takes its
//! span), `+1` (it is inserted and takes the span of the last old char read,
//! or nothing at the very start) or `-n` (it replaces the next old char,
//! then `n` more old chars are dropped).

use crate::pipeline::{Builder, Span, SpannedChars};

/// Writes `changes` into `out`, reading the old chars from `chars`; the
/// first `initial_offset` old chars are dropped before anything else.
pub fn transform(
    chars: &mut SpannedChars<'_>,
    out: &mut Builder,
    changes: impl IntoIterator<Item = (char, isize)>,
    initial_offset: usize,
) {
    fn skip(chars: &mut SpannedChars<'_>, n: usize, last: &mut Span) {
        for (_, span) in chars.take(n) {
            *last = span;
        }
    }
    let mut last: Span = (0, 0);
    skip(chars, initial_offset, &mut last);
    for (c, change) in changes {
        if change <= 0 {
            if let Some((_, span)) = chars.next() {
                last = span;
            }
            out.push(c, last);
            skip(chars, change.unsigned_abs(), &mut last);
        } else {
            out.push(c, last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipeline::Normalized;

    #[test]
    fn replace_insert_remove() {
        let mut n = Normalized::new("abcd", true);
        // "X" replaces a, "Y" is inserted, "Z" replaces b and drops c.
        n.rewrite(|mut chars, out| {
            transform(
                &mut chars,
                out,
                [('X', 0), ('Y', 1), ('Z', -1), ('W', 0)],
                0,
            )
        });
        assert_eq!(n.as_str(), "XYZW");
        assert_eq!(n.original_range(1..2), Some(0..1));
        assert_eq!(n.original_range(2..3), Some(1..2));
        assert_eq!(n.original_range(3..4), Some(3..4));
        let mut n = Normalized::new("abc", true);
        n.rewrite(|mut chars, out| transform(&mut chars, out, [('+', 1), ('c', 0)], 2));
        assert_eq!(n.as_str(), "+c");
        assert_eq!(n.original_range(0..1), Some(1..2));
    }
}
