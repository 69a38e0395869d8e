//! BPE-dropout (Provilkov et al. 2020, "BPE-Dropout: Simple and Effective
//! Subword Regularization") as HF `tokenizers`' `Word::merge_all` runs it:
//! each candidate merge popped from the queue is skipped with probability
//! `p`; skipped merges go back into the queue after the next merge that is
//! not skipped, and those still waiting when the queue runs dry are dropped.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};

use super::merge::Merges;
use crate::models::rng::{splitmix64, Rng};

/// Seeds of the per-thread generators: distinct per thread and per process.
static SEEDS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    static RNG: RefCell<Rng> = RefCell::new({
        let mut state = SEEDS.fetch_add(1, Ordering::Relaxed)
            ^ std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() ^ u64::from(d.subsec_nanos()) << 20)
            ^ u64::from(std::process::id()) << 32;
        Rng::new(splitmix64(&mut state))
    });
}

/// A uniform `f32` in `[0, 1)` from 24 random bits, as `rand` draws the
/// `f32` HF compares with the dropout probability.
fn uniform_f32(rng: &mut Rng) -> f32 {
    (rng.next_u64() >> 40) as f32 * (1.0 / (1u32 << 24) as f32)
}

/// Merges `ids` (with `starts`, `ids.len() + 1` offsets) with dropout `p`
/// and calls `emit(id, start, end)` for every final symbol, left to right.
pub fn merge_with_dropout<M: Merges>(
    m: &M,
    ids: &mut [u32],
    starts: &[u32],
    p: f32,
    mut emit: impl FnMut(u32, u32, u32),
) {
    let n = ids.len();
    // Linked list of live symbols; `NONE` ends it either way.
    const NONE: usize = usize::MAX;
    let mut next: Vec<usize> = (1..=n).map(|i| if i < n { i } else { NONE }).collect();
    let mut prev: Vec<usize> = (0..n).map(|i| i.checked_sub(1).unwrap_or(NONE)).collect();
    let mut dead = vec![false; n];
    // (rank, position, merged id), smallest rank then leftmost first.
    let mut queue: BinaryHeap<Reverse<(u32, usize, u32)>> = BinaryHeap::new();
    for i in 0..n.saturating_sub(1) {
        if let Some((rank, merged)) = m.merge(ids[i], ids[i + 1]) {
            queue.push(Reverse((rank, i, merged)));
        }
    }
    let mut skipped = Vec::new();
    RNG.with(|cell| {
        let mut fallback = None;
        let mut guard = cell.try_borrow_mut().ok();
        let rng = match guard.as_deref_mut() {
            Some(rng) => rng,
            None => fallback.insert(Rng::new(0x5eed)),
        };
        while let Some(Reverse(top)) = queue.pop() {
            if uniform_f32(rng) < p {
                skipped.push(Reverse(top));
                continue;
            }
            queue.extend(skipped.drain(..));
            let (_, at, merged) = top;
            if dead[at] || next[at] == NONE {
                continue;
            }
            let right = next[at];
            // An entry is stale when the pair now at its place merges into
            // something else (HF compares the merged id, not the rank).
            if m.merge(ids[at], ids[right]).map(|(_, id)| id) != Some(merged) {
                continue;
            }
            ids[at] = merged;
            dead[right] = true;
            next[at] = next[right];
            if next[at] != NONE {
                prev[next[at]] = at;
            }
            if prev[at] != NONE {
                if let Some((rank, id)) = m.merge(ids[prev[at]], merged) {
                    queue.push(Reverse((rank, prev[at], id)));
                }
            }
            if next[at] != NONE {
                if let Some((rank, id)) = m.merge(merged, ids[next[at]]) {
                    queue.push(Reverse((rank, at, id)));
                }
            }
        }
    });
    let mut i = if n == 0 { NONE } else { 0 };
    while i != NONE {
        let end = if next[i] == NONE { n } else { next[i] };
        emit(ids[i], starts[i], starts[end]);
        i = next[i];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pairs;

    impl Merges for Pairs {
        // ids: a=0 b=1 ab=2 abab=3; merges "a b" (rank 0), "ab ab" (rank 1)
        fn merge(&self, left: u32, right: u32) -> Option<(u32, u32)> {
            match (left, right) {
                (0, 1) => Some((0, 2)),
                (2, 2) => Some((1, 3)),
                _ => None,
            }
        }
    }

    fn run(p: f32) -> Vec<(u32, u32, u32)> {
        let mut ids = vec![0, 1, 0, 1];
        let mut out = Vec::new();
        merge_with_dropout(&Pairs, &mut ids, &[0, 1, 2, 3, 4], p, |id, a, b| {
            out.push((id, a, b))
        });
        out
    }

    #[test]
    fn no_dropout_merges_fully_and_full_dropout_not_at_all() {
        assert_eq!(run(0.0), [(3, 0, 4)]);
        assert_eq!(run(1.0), [(0, 0, 1), (1, 1, 2), (0, 2, 3), (1, 3, 4)]);
    }

    #[test]
    fn partial_dropout_gives_every_outcome_with_whole_offsets() {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..500 {
            let out = run(0.5);
            assert_eq!(out.first().map(|t| t.1), Some(0));
            assert_eq!(out.last().map(|t| t.2), Some(4));
            seen.insert(out.len());
        }
        assert!(seen.contains(&1) && seen.contains(&4), "{seen:?}");
    }
}
