//! The queue of candidate pairs of the count-first merge learners (BPE, and
//! sentencepiece's BPE): a heap that holds only the candidates near the top,
//! the rest waiting in buckets by count.
//!
//! Byte-level BPE on the 8 MB mix pushes ~750 k candidates for 32 k merges,
//! and most of them are pairs seen a few times that never reach the top. In
//! one heap they made it ~11 MB deep, and every pop walked it with a cache
//! miss a level. Here a pop walks a heap of the candidates of one count range
//! only; a bucket joins the heap when everything above it is gone.

use std::cmp::Ordering;

use crate::train::heap::Heap;
use crate::train::pairs::Pair;

/// A pair with its count when it was queued; stale once the count moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) count: i64,
    pub(crate) pair: Pair,
}

/// Counts below this have a bucket each; above, four buckets an octave.
const EXACT: i64 = 64;

/// Number of buckets: the exact ones, then four for each octave from 2^6 to
/// 2^63.
const BUCKETS: usize = EXACT as usize + 4 * 57;

/// The bucket of `count`; a larger count never has a smaller bucket.
fn bucket(count: i64) -> usize {
    if count < EXACT {
        return count.max(0) as usize;
    }
    // count >= 64 has 7 to 63 significant bits; its two bits after the
    // leading one pick the quarter of the octave.
    let bits = 64 - count.leading_zeros() as usize;
    let quarter = ((count >> (bits - 3)) & 3) as usize;
    EXACT as usize + 4 * (bits - 7) + quarter
}

/// A max-queue of candidates under an order that ranks a higher count first
/// (the order passed to each call, as for [`Heap`]; every call must pass the
/// same one).
pub(crate) struct CountQueue {
    /// Every candidate in bucket `floor` or above.
    top: Heap<Candidate>,
    /// The candidates below bucket `floor`, by bucket.
    waiting: Vec<Vec<Candidate>>,
    /// The lowest bucket that `top` holds.
    floor: usize,
    /// Candidates queued, in `top` and waiting.
    len: usize,
}

impl CountQueue {
    /// A queue of `candidates`.
    pub(crate) fn new(candidates: Vec<Candidate>) -> Self {
        let mut waiting = vec![Vec::new(); BUCKETS];
        let len = candidates.len();
        for candidate in candidates {
            waiting[bucket(candidate.count)].push(candidate);
        }
        CountQueue {
            top: Heap::new(),
            waiting,
            floor: BUCKETS,
            len,
        }
    }

    /// Number of candidates queued, stale ones included.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Adds `candidate`.
    pub(crate) fn push<F>(&mut self, candidate: Candidate, order: &F)
    where
        F: Fn(&Candidate, &Candidate) -> Ordering,
    {
        self.len += 1;
        let b = bucket(candidate.count);
        if b >= self.floor {
            self.top.push(candidate, order);
        } else {
            self.waiting[b].push(candidate);
        }
    }

    /// Removes and returns the greatest candidate.
    pub(crate) fn pop<F>(&mut self, order: &F) -> Option<Candidate>
    where
        F: Fn(&Candidate, &Candidate) -> Ordering,
    {
        loop {
            if let Some(best) = self.top.pop(order) {
                self.len -= 1;
                return Some(best);
            }
            // Everything at or above the floor is gone: the highest bucket
            // below it becomes the heap.
            let next = self.waiting[..self.floor]
                .iter()
                .rposition(|b| !b.is_empty())?;
            self.floor = next;
            self.top = Heap::from_vec(std::mem::take(&mut self.waiting[next]), order);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::rng::Rng;

    fn order(x: &Candidate, y: &Candidate) -> Ordering {
        x.count.cmp(&y.count).then(y.pair.cmp(&x.pair))
    }

    #[test]
    fn buckets_never_decrease_with_the_count() {
        let mut counts: Vec<i64> = (0..5000).collect();
        counts.extend((0..63).flat_map(|b| [1i64 << b, (1i64 << b) - 1, (1i64 << b) + 1]));
        counts.push(i64::MAX);
        counts.sort_unstable();
        for w in counts.windows(2) {
            assert!(bucket(w[0]) <= bucket(w[1]), "{w:?}");
        }
        assert_eq!(bucket(i64::MAX), BUCKETS - 1);
        assert_eq!(bucket(63) + 1, bucket(64));
    }

    #[test]
    fn pops_in_order_with_pushes_interleaved() {
        let mut rng = Rng::new(99);
        let mut next = |n: u64| rng.next_u64() % n;
        let mut draw = || {
            // Counts spread over many octaves, with ties.
            let bits = next(40);
            Candidate {
                count: 1 + next(1 << bits) as i64,
                pair: (next(8) as u32, next(8) as u32),
            }
        };
        let first: Vec<Candidate> = (0..2000).map(|_| draw()).collect();
        let mut queue = CountQueue::new(first.clone());
        // What is queued, to find the greatest by brute force.
        let mut queued = first;
        for round in 0..6000 {
            if round % 3 == 0 {
                let candidate = draw();
                queued.push(candidate);
                queue.push(candidate, &order);
                continue;
            }
            let best = queued
                .iter()
                .enumerate()
                .max_by(|x, y| order(x.1, y.1))
                .map(|(i, _)| i);
            let expected = best.map(|i| queued.swap_remove(i));
            assert_eq!(queue.pop(&order), expected, "round {round}");
            assert_eq!(queue.len(), queued.len());
        }
        assert!(queued.is_empty());
    }
}
