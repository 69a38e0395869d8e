//! Whole characters as the starting symbols of byte-level BPE, where that
//! provably gives the same tokens as starting from bytes.
//!
//! A Chinese or Japanese piece is a run of 3-byte characters, and most of the
//! merge loop's work on it is merging each character's bytes back into the
//! character's token. Each character's bytes merge the same way wherever it
//! stands, so that work can be looked up, but only where no merge across a
//! character boundary would have come first.
//!
//! Why this is exact. Merge each character of a piece on its own, and call
//! the first and the last symbol it has at each step its left and right
//! edges. Let `X` be the lowest rank of any merge of a right edge of one
//! character with a left edge of the next. Until no merge of rank below `X`
//! is left inside any character, BPE's lowest-ranked pair is always inside a
//! character: a character still waiting for such a merge offers one below
//! `X`, and every pair across a boundary is at least `X`. So BPE passes
//! through the state where every character whose own merges all rank below
//! `X` is fully merged, and from any state of that kind (the others at any
//! earlier step of their own merging, their bytes included) it continues the
//! same way. Starting there is starting on BPE's own path.
//!
//! Finding `X` is most of the cost: up to nine pair lookups per boundary.
//! Two facts cut it. Only ranks below the highest own-merge rank in the
//! piece can change a character's start, so `X` is capped there; and each
//! character carries the lowest rank its edges could merge at with any
//! neighbour, so a boundary whose bounds are not below the `X` found so far
//! is skipped. On the shared corpora with o200k this skips half of the
//! boundaries (6.3 M lookups a pass down to 3.3 M).
//!
//! On o200k this cuts the starting symbols of Chinese and Japanese pieces
//! from one per byte to about 0.41 per byte (one token per character would
//! be 0.33).
//!
//! A second rule, per character, covers scripts where `X` is low (Bengali,
//! Tamil, Devanagari: their bytes merge across characters early). A symbol
//! that ends where a multi-byte character ends has a continuation byte last,
//! and one that starts where such a character starts has a lead byte first.
//! If every merge of a character's left edges with a symbol of the first
//! kind, and of its right edges with one of the second kind, ranks above
//! all of its own merges, then while it is unmerged its own next pair ranks
//! below every pair that touches it; so its merging finishes before anything
//! crosses its edges, whatever happens elsewhere, and between multi-byte
//! neighbours (or at the ends of the piece) it may start merged.

use super::merge::{Merges, Scratch, Seeding};
use super::vocab::{Vocab, NO_ID};
use crate::char_index::is_continuation;

/// Characters up to U+FFFF have a table entry (4-byte characters, emoji and
/// rare CJK, start from their bytes).
const TABLE: usize = 0x1_0000;

/// How one character merges on its own.
#[derive(Clone, Copy, Default)]
struct CharMerge {
    /// The symbols its bytes end as.
    symbols: [u32; 3],
    /// Their lengths in bytes.
    lens: [u8; 3],
    /// Number of `symbols`.
    count: u8,
    /// Its distinct first symbols, one per step of its merging.
    left: [u32; 3],
    left_count: u8,
    /// Its distinct last symbols.
    right: [u32; 3],
    right_count: u8,
    /// One above the highest rank among its own merges (0: none), so it may
    /// start merged when `settled <= X`.
    settled: u32,
    /// The lowest rank of a merge of one of its right edges with a left edge
    /// of any character: no boundary after it merges below this.
    after: u32,
    /// The same for its left edges and any right edge: no boundary before
    /// it merges below this. A boundary whose two bounds are not below the
    /// `X` found so far needs no lookup.
    before: u32,
    /// Whether it may start merged between multi-byte neighbours whatever
    /// `X` is (the module's second rule).
    alone: bool,
}

/// Every character's own merging, indexed by code point.
pub struct CharSeeds {
    chars: Vec<CharMerge>,
    /// The id of every byte.
    bytes: [u32; 256],
}

/// The UTF-8 bytes of `cp` (surrogates included, as WTF-8 writes them).
#[inline]
fn utf8(cp: u32) -> ([u8; 3], usize) {
    if cp < 0x80 {
        ([cp as u8, 0, 0], 1)
    } else if cp < 0x800 {
        ([0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8, 0], 2)
    } else {
        (
            [
                0xE0 | (cp >> 12) as u8,
                0x80 | ((cp >> 6) & 0x3F) as u8,
                0x80 | (cp & 0x3F) as u8,
            ],
            3,
        )
    }
}

/// The code point and length of the character at the start of `s`, for
/// characters of at most three bytes; `None` for a 4-byte character or bytes
/// that are not UTF-8. The checks make the table entry's bytes exactly
/// the piece's bytes.
#[inline]
fn decode(s: &[u8]) -> Option<(u32, usize)> {
    match *s {
        [b0 @ 0x00..=0x7F, ..] => Some((u32::from(b0), 1)),
        [b0 @ 0xC2..=0xDF, b1, ..] if is_continuation(b1) => {
            Some(((u32::from(b0 & 0x1F) << 6) | u32::from(b1 & 0x3F), 2))
        }
        [b0 @ 0xE0..=0xEF, b1, b2, ..] if is_continuation(b1) && is_continuation(b2) => {
            let cp =
                (u32::from(b0 & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F);
            (cp >= 0x800).then_some((cp, 3))
        }
        _ => None,
    }
}

/// Adds `id` to an edge list unless it is already the last one there.
fn push_edge(list: &mut [u32; 3], count: &mut u8, id: u32) {
    let n = *count as usize;
    if n == 0 || list[n - 1] != id {
        if let Some(slot) = list.get_mut(n) {
            *slot = id;
            *count += 1;
        }
    }
}

impl CharMerge {
    fn left(&self) -> &[u32] {
        &self.left[..self.left_count as usize]
    }

    fn right(&self) -> &[u32] {
        &self.right[..self.right_count as usize]
    }

    /// Merges the bytes of `cp` on their own, lowest rank first.
    fn of<M: Merges>(m: &M, vocab: &Vocab, cp: u32) -> Option<CharMerge> {
        let (bytes, len) = utf8(cp);
        let mut symbols: Vec<(u32, u8)> = Vec::with_capacity(3);
        for &b in &bytes[..len] {
            let id = vocab.byte_id(b);
            if id == NO_ID {
                return None;
            }
            symbols.push((id, 1));
        }
        let mut out = CharMerge::default();
        let mut highest = None;
        loop {
            push_edge(&mut out.left, &mut out.left_count, symbols[0].0);
            let last = symbols[symbols.len() - 1].0;
            push_edge(&mut out.right, &mut out.right_count, last);
            let mut best: Option<(u32, usize, u32)> = None;
            for i in 0..symbols.len() - 1 {
                if let Some((rank, merged)) = m.merge(symbols[i].0, symbols[i + 1].0) {
                    if best.is_none_or(|(r, _, _)| rank < r) {
                        best = Some((rank, i, merged));
                    }
                }
            }
            let Some((rank, i, merged)) = best else { break };
            highest = highest.max(Some(rank));
            let right = symbols.remove(i + 1);
            symbols[i] = (merged, symbols[i].1 + right.1);
        }
        for (k, &(id, n)) in symbols.iter().enumerate() {
            out.symbols[k] = id;
            out.lens[k] = n;
        }
        out.count = symbols.len() as u8;
        out.settled = highest.map_or(0, |r: u32| r.saturating_add(1));
        Some(out)
    }
}

impl CharSeeds {
    /// The table for a model whose pair merges are `merges` (left id, right
    /// id, rank); `None` when some byte has no token (such a model cannot
    /// start from bytes either).
    pub fn new<M: Merges>(
        m: &M,
        vocab: &Vocab,
        merges: impl Iterator<Item = (u32, u32, u32)>,
    ) -> Option<Self> {
        let mut chars = (0..TABLE as u32)
            .map(|cp| CharMerge::of(m, vocab, cp))
            .collect::<Option<Vec<_>>>()?;
        // Only merges of a right edge with a left edge can meet at a
        // boundary; the others would make the bounds needlessly low.
        let n = vocab.size();
        let mut is_left = vec![false; n];
        let mut is_right = vec![false; n];
        for c in &chars {
            for &t in c.left() {
                is_left[t as usize] = true;
            }
            for &s in c.right() {
                is_right[s as usize] = true;
            }
        }
        let mut lowest_as_left = vec![u32::MAX; n];
        let mut lowest_as_right = vec![u32::MAX; n];
        // The second rule's bounds: merges with any symbol that can end (or
        // start) where a multi-byte character does.
        let mut lowest_before_lead = vec![u32::MAX; n];
        let mut lowest_after_continuation = vec![u32::MAX; n];
        let ends_in_continuation = |id: u32| {
            vocab
                .bytes(id)
                .and_then(<[u8]>::last)
                .is_some_and(|&b| is_continuation(b))
        };
        let starts_with_lead = |id: u32| {
            vocab
                .bytes(id)
                .and_then(<[u8]>::first)
                .is_some_and(|&b| b >= 0xC0)
        };
        for (left, right, rank) in merges {
            let (l, r) = (left as usize, right as usize);
            let (l_is_right, r_is_left) = (
                is_right.get(l) == Some(&true),
                is_left.get(r) == Some(&true),
            );
            if l_is_right && r_is_left {
                lowest_as_left[l] = lowest_as_left[l].min(rank);
                lowest_as_right[r] = lowest_as_right[r].min(rank);
            }
            if l_is_right && starts_with_lead(right) {
                lowest_before_lead[l] = lowest_before_lead[l].min(rank);
            }
            if r_is_left && ends_in_continuation(left) {
                lowest_after_continuation[r] = lowest_after_continuation[r].min(rank);
            }
        }
        let lowest = |ids: &[u32], of: &[u32]| ids.iter().map(|&id| of[id as usize]).min();
        for c in &mut chars {
            c.after = lowest(c.right(), &lowest_as_left).unwrap_or(u32::MAX);
            c.before = lowest(c.left(), &lowest_as_right).unwrap_or(u32::MAX);
            let touching = lowest(c.left(), &lowest_after_continuation)
                .into_iter()
                .chain(lowest(c.right(), &lowest_before_lead))
                .min()
                .unwrap_or(u32::MAX);
            c.alone = c.settled <= touching;
        }
        let bytes = std::array::from_fn(|b| vocab.byte_id(b as u8));
        Some(CharSeeds { chars, bytes })
    }

    /// The tokens of `piece` when it is one character of the table: its
    /// bytes merged on their own, as `(id, byte length)`.
    #[inline]
    pub fn one_char(&self, piece: &[u8]) -> Option<impl Iterator<Item = (u32, u32)> + '_> {
        let (cp, len) = decode(piece)?;
        let c = self.chars.get(cp as usize).filter(|_| len == piece.len())?;
        let n = c.count as usize;
        Some(
            c.symbols[..n]
                .iter()
                .zip(&c.lens[..n])
                .map(|(&id, &len)| (id, u32::from(len))),
        )
    }

    /// Fills the scratch symbols (ids, and starts plus the end offset) with
    /// the starting symbols of `piece`: characters merged where the module
    /// comment shows it exact, bytes elsewhere. Returns `false`, leaving the
    /// buffers to be refilled, when `piece` has a character outside the table.
    pub fn seed<M: Merges>(&self, m: &M, piece: &[u8], scratch: &mut Scratch) -> bool {
        let Seeding {
            mut pairs,
            ids,
            starts,
            code_points,
        } = scratch.seeding(m);
        code_points.clear();
        // Only a boundary rank below the highest `settled` of the piece can
        // keep a character from starting merged, so that is where `X`
        // starts.
        let mut across = 0;
        let mut at = 0;
        while at < piece.len() {
            let Some((cp, len)) = decode(&piece[at..]) else {
                return false;
            };
            across = across.max(self.chars[cp as usize].settled);
            code_points.push(cp);
            at += len;
        }
        for pair in code_points.windows(2) {
            let (p, c) = (&self.chars[pair[0] as usize], &self.chars[pair[1] as usize]);
            if p.after.max(c.before) >= across {
                continue;
            }
            for &s in p.right() {
                for &t in c.left() {
                    if let Some((rank, _)) = pairs.get(s, t) {
                        across = across.min(rank);
                    }
                }
            }
        }
        let mut at = 0;
        for (i, &cp) in code_points.iter().enumerate() {
            let c = &self.chars[cp as usize];
            let len = utf8(cp).1;
            // A neighbour that is a multi-byte character, or none.
            let multi_byte = |j: usize| code_points.get(j).is_none_or(|&n| n >= 0x80);
            let alone = || c.alone && (i == 0 || multi_byte(i - 1)) && multi_byte(i + 1);
            if c.settled <= across || alone() {
                let mut start = at as u32;
                for k in 0..c.count as usize {
                    ids.push(c.symbols[k]);
                    starts.push(start);
                    start += u32::from(c.lens[k]);
                }
            } else {
                for (k, &b) in piece[at..at + len].iter().enumerate() {
                    ids.push(self.bytes[b as usize]);
                    starts.push((at + k) as u32);
                }
            }
            at += len;
        }
        starts.push(piece.len() as u32);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reads_what_utf8_writes() {
        for cp in (0..TABLE as u32).step_by(7) {
            let (bytes, len) = utf8(cp);
            assert_eq!(decode(&bytes[..len]), Some((cp, len)), "U+{cp:04X}");
            if let Some(c) = char::from_u32(cp) {
                assert_eq!(c.to_string().as_bytes(), &bytes[..len]);
            }
        }
    }

    #[test]
    fn decode_refuses_what_the_table_lacks() {
        // A 4-byte character, a lone continuation byte, a cut character,
        // overlong forms.
        let cases: [&[u8]; 6] = [
            "😀".as_bytes(),
            &[0x80],
            &[0xE4, 0xB8],
            &[0xC0, 0x80],
            &[0xE0, 0x80, 0x80],
            &[0xE4, 0x41, 0x80],
        ];
        for bad in cases {
            assert_eq!(decode(bad), None, "{bad:?}");
        }
    }
}
