//! The merging of sentencepiece's BPE: symbols linked to their neighbours,
//! candidate pairs on an agenda (highest score, then leftmost), and for long
//! segments the waves of one score that come first.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::models::bpe::waves::Waiting;

/// A candidate merge of two adjacent symbols.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Pair {
    pub(super) score: f32,
    pub(super) left: u32,
    pub(super) right: u32,
    pub(super) size: u32,
    /// The merged piece.
    pub(super) id: u32,
}

impl Eq for Pair {}

impl Ord for Pair {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Highest score first; on equal scores the leftmost pair.
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.left.cmp(&self.left))
    }
}

impl PartialOrd for Pair {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Pair {
    /// Whether the pair still joins two live symbols of its size (or was
    /// overtaken by another merge).
    pub(super) fn is_live(&self, symbols: &[Symbol]) -> bool {
        let (a, b) = (symbols[self.left as usize], symbols[self.right as usize]);
        a.start != a.end && b.start != b.end && (a.end - a.start) + (b.end - b.start) == self.size
    }

    /// Merges the pair's right symbol into its left one; returns the
    /// neighbours of the merged symbol (`-1` for none) and its index.
    pub(super) fn apply(&self, symbols: &mut [Symbol]) -> (i64, i64, i64) {
        let (l, r) = (self.left as usize, self.right as usize);
        let b = symbols[r];
        symbols[l].end = b.end;
        symbols[l].id = self.id;
        symbols[l].next = b.next;
        if let Ok(n) = usize::try_from(b.next) {
            symbols[n].prev = l as i64;
        }
        symbols[r].end = symbols[r].start;
        (symbols[l].prev, l as i64, symbols[l].next)
    }

    /// The pair's place among waves: higher scores first.
    pub(super) fn wave_rank(&self) -> u64 {
        // f32 bits in total order, then reversed
        let bits = self.score.to_bits();
        let ordered = if bits >> 31 == 1 {
            !bits
        } else {
            bits | 1 << 31
        };
        u64::from(u32::MAX - ordered)
    }
}

/// Merges the `waiting` pairs one score at a time (see
/// [`crate::models::bpe::waves`]), each wave left to right with the pairs
/// its merges make at the same score (Llama's runs of `▁`, all scored
/// alike) taken in turn by position: the agenda's order while no merge
/// makes a pair scored above its own. Where one does, what waits goes to
/// the `agenda`, whose loop goes on from there.
pub(super) fn merge_waves(
    symbols: &mut [Symbol],
    mut waiting: Waiting<Pair>,
    agenda: &mut BinaryHeap<Pair>,
    pair_of: &mut impl FnMut(&[Symbol], i64, i64) -> Option<Pair>,
) {
    while let Some((rank, mut wave)) = waiting.lowest() {
        wave.sort_by_key(|pair| pair.left);
        let score = wave.first().map_or(0.0, |pair| pair.score);
        let at_score = |Reverse((left, right, size, id))| Pair {
            score,
            left,
            right,
            size,
            id,
        };
        let mut wave = wave.into_iter().peekable();
        // pairs made by this wave at its own score: (left, right, size, id)
        let mut same: BinaryHeap<Reverse<(u32, u32, u32, u32)>> = BinaryHeap::new();
        loop {
            let from_same = match (wave.peek(), same.peek()) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(pair), Some(Reverse(key))) => key.0 < pair.left,
            };
            let top = if from_same {
                same.pop().map(at_score)
            } else {
                wave.next()
            };
            let Some(top) = top else {
                break;
            };
            if !top.is_live(symbols) {
                continue;
            }
            let (prev, l, next) = top.apply(symbols);
            let made = [pair_of(symbols, prev, l), pair_of(symbols, l, next)];
            if made.iter().flatten().any(|pair| pair.wave_rank() < rank) {
                agenda.extend(made.into_iter().flatten());
                agenda.extend(wave);
                agenda.extend(same.into_iter().map(at_score));
                agenda.extend(waiting.into_items());
                return;
            }
            for pair in made.into_iter().flatten() {
                if pair.wave_rank() == rank {
                    same.push(Reverse((pair.left, pair.right, pair.size, pair.id)));
                } else {
                    waiting.add(pair.wave_rank(), pair);
                }
            }
        }
    }
}

/// A symbol: a byte range of the text, linked to its neighbours.
#[derive(Debug, Clone, Copy)]
pub(super) struct Symbol {
    pub(super) start: u32,
    pub(super) end: u32,
    pub(super) prev: i64,
    pub(super) next: i64,
    pub(super) freeze: bool,
    /// Id among normal, user-defined and unused pieces; `u32::MAX` when the
    /// symbol is not one (an unknown character).
    pub(super) id: u32,
}
