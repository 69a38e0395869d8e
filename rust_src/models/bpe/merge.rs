//! The BPE merge loop: repeatedly merge the adjacent pair of symbols whose
//! merge has the lowest rank, the leftmost one on ties. This is the order of
//! tiktoken's `byte_pair_merge` and of HF's `Word::merge_all`.
//!
//! Short pieces (almost all of them) use a scan over a small array, which is
//! quadratic but tiny; longer ones use a binary heap of candidate merges over
//! a linked list of symbols, O(n log n), and the longest merge in waves of
//! one rank first ([`super::waves`]), so a megabyte without a single split
//! point (one letter repeated, say) stays fast.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::waves::{Waiting, WAVES};

/// The merges a model knows.
pub trait Merges {
    /// For adjacent symbols `left` and `right`, the rank of their merge (lower
    /// merges first) and the id of the merged symbol.
    fn merge(&self, left: u32, right: u32) -> Option<(u32, u32)>;
    /// A number no other live model shares: the key of the per-thread memo
    /// of [`Merges::merge`] results (0 disables the memo).
    fn memo_key(&self) -> u64 {
        0
    }
}

/// Slots of the per-thread memo of pair lookups (128 KB). Text in one script
/// repeats the same pairs, and the full merge table (tens of MB for o200k)
/// costs a cache miss per lookup. On the shared corpora o200k's lookups miss
/// the memo 50% of the time with 2048 slots, 35% with 8192 and 22% with
/// 32768. From 2048 to 8192, a batch of o200k got about 14% faster on one
/// thread and 20% on two; 32768 was no faster on one thread and scaled
/// worse on two (two 512 KB memos slow each other on this machine).
const MEMO: usize = 8192;
/// Memos of other models kept per thread beside the one in use, so that
/// alternating between a few models does not refill a memo on every call.
const PARKED: usize = 2;
const _: () = assert!(MEMO.is_power_of_two());
/// A memo slot holding nothing (no pair key reaches it: ids are below
/// `u32::MAX`).
const MEMO_EMPTY: u64 = u64::MAX;

/// Pieces with at most this many symbols take the array scan. The scan costs
/// O(n) per merge but touches only a few cache lines; the heap's per-merge
/// bookkeeping costs more below about this size.
pub const SMALL: usize = 48;

/// Rank of "no merge".
const NONE: u32 = u32::MAX;

/// Reusable buffers, so encoding a text allocates once, not per piece.
#[derive(Default)]
pub struct Scratch {
    /// Symbol ids, filled by the caller.
    pub ids: Vec<u32>,
    /// Symbol start offsets plus the end offset (`ids.len() + 1` entries),
    /// filled by the caller.
    pub starts: Vec<u32>,
    /// The code points of a piece, for [`super::char_seeds`] (through
    /// [`Scratch::seeding`]).
    code_points: Vec<u32>,
    ranks: Vec<(u32, u32)>,
    next: Vec<u32>,
    prev: Vec<u32>,
    /// Candidate merges as `(rank << 32) | left node`: one integer compare
    /// orders them by rank, then position.
    heap: BinaryHeap<Reverse<u64>>,
    /// Recent pair lookups: `(pair key, (rank << 32) | merged)`, with
    /// `u64::MAX` as the value of "no merge".
    memo: Vec<(u64, u64)>,
    /// [`Merges::memo_key`] of the model the memo belongs to.
    memo_owner: u64,
    /// The memos of the models used before, most recent first.
    parked: Vec<(u64, Vec<(u64, u64)>)>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers (a fresh set if they are
/// already in use further up the stack).
pub fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => f(&mut scratch),
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Looks a pair up through the memo.
#[inline]
fn lookup<M: Merges>(m: &M, memo: &mut [(u64, u64)], left: u32, right: u32) -> Option<(u32, u32)> {
    let key = (u64::from(left) << 32) | u64::from(right);
    let slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - MEMO.trailing_zeros())) as usize;
    let Some(entry) = memo.get_mut(slot) else {
        return m.merge(left, right);
    };
    if entry.0 == key {
        return (entry.1 != u64::MAX).then_some(((entry.1 >> 32) as u32, entry.1 as u32));
    }
    let found = m.merge(left, right);
    *entry = (
        key,
        found.map_or(u64::MAX, |(r, id)| (u64::from(r) << 32) | u64::from(id)),
    );
    found
}

impl Scratch {
    /// Clears the symbol buffers for a new piece.
    #[inline]
    pub fn clear(&mut self) {
        self.ids.clear();
        self.starts.clear();
    }

    /// Makes the memo the one of the model `owner` (none for 0): its own
    /// if it is parked, else an empty one.
    #[inline]
    fn claim_memo(&mut self, owner: u64) {
        if self.memo_owner != owner {
            self.switch_memo(owner);
        }
    }

    #[cold]
    fn switch_memo(&mut self, owner: u64) {
        let previous = std::mem::take(&mut self.memo);
        if self.memo_owner != 0 {
            self.parked.insert(0, (self.memo_owner, previous));
        }
        let found = self.parked.iter().position(|&(o, _)| o == owner);
        self.memo = match found {
            _ if owner == 0 => Vec::new(),
            Some(i) => self.parked.remove(i).1,
            None if self.parked.len() > PARKED => {
                let (_, mut memo) = self.parked.remove(PARKED);
                memo.fill((MEMO_EMPTY, 0));
                memo
            }
            None => vec![(MEMO_EMPTY, 0); MEMO],
        };
        self.parked.truncate(PARKED);
        self.memo_owner = owner;
    }

    /// The memo of `m`'s pair lookups, claimed once for a series of them,
    /// beside the symbol buffers (ids, starts) and the code points.
    #[inline]
    pub fn seeding<'a, M: Merges>(&'a mut self, m: &'a M) -> Seeding<'a, M> {
        self.claim_memo(m.memo_key());
        Seeding {
            pairs: Pairs {
                m,
                memo: &mut self.memo,
            },
            ids: &mut self.ids,
            starts: &mut self.starts,
            code_points: &mut self.code_points,
        }
    }
}

/// The parts of a [`Scratch`] that [`super::char_seeds`] fills at once.
pub struct Seeding<'a, M> {
    pub pairs: Pairs<'a, M>,
    pub ids: &'a mut Vec<u32>,
    pub starts: &'a mut Vec<u32>,
    pub code_points: &'a mut Vec<u32>,
}

/// [`Merges::merge`] through a claimed memo.
pub struct Pairs<'a, M> {
    m: &'a M,
    memo: &'a mut [(u64, u64)],
}

impl<M: Merges> Pairs<'_, M> {
    /// The rank and merged id of `left` and `right`.
    #[inline]
    pub fn get(&mut self, left: u32, right: u32) -> Option<(u32, u32)> {
        lookup(self.m, self.memo, left, right)
    }
}

/// Merges the symbols in `s.ids` / `s.starts` and calls `emit(id, start,
/// end)` for every final symbol, left to right.
#[inline]
pub fn merge<M: Merges>(m: &M, s: &mut Scratch, emit: impl FnMut(u32, u32, u32)) {
    s.claim_memo(m.memo_key());
    if s.ids.len() <= SMALL {
        merge_small(m, s, emit);
    } else {
        merge_heap(m, s, emit);
    }
}

fn merge_small<M: Merges>(m: &M, s: &mut Scratch, mut emit: impl FnMut(u32, u32, u32)) {
    let ids = &mut s.ids;
    let starts = &mut s.starts;
    let ranks = &mut s.ranks;
    let memo = &mut s.memo;
    ranks.clear();
    for w in ids.windows(2) {
        ranks.push(lookup(m, memo, w[0], w[1]).unwrap_or((NONE, 0)));
    }
    loop {
        let mut best = NONE;
        let mut at = 0;
        for (i, &(rank, _)) in ranks.iter().enumerate() {
            if rank < best {
                best = rank;
                at = i;
            }
        }
        if best == NONE {
            break;
        }
        ids[at] = ranks[at].1;
        ids.remove(at + 1);
        starts.remove(at + 1);
        ranks.remove(at);
        if at + 1 < ids.len() {
            ranks[at] = lookup(m, memo, ids[at], ids[at + 1]).unwrap_or((NONE, 0));
        }
        if at > 0 {
            ranks[at - 1] = lookup(m, memo, ids[at - 1], ids[at]).unwrap_or((NONE, 0));
        }
    }
    for (i, &id) in ids.iter().enumerate() {
        emit(id, starts[i], starts[i + 1]);
    }
}

fn merge_heap<M: Merges>(m: &M, s: &mut Scratch, mut emit: impl FnMut(u32, u32, u32)) {
    let n = s.ids.len() as u32;
    let ids = &mut s.ids;
    let next = &mut s.next;
    let prev = &mut s.prev;
    let memo = &mut s.memo;
    next.clear();
    next.extend(1..=n);
    prev.clear();
    prev.extend((0..n).map(|i| i.wrapping_sub(1)));
    let mut links = Links { ids, next, prev };
    let mut heap = std::mem::take(&mut s.heap);
    if n as usize <= WAVES || !merge_waves(m, memo, &mut links) {
        merge_from_heap(m, memo, &mut links, &mut heap);
    }
    s.heap = heap;
    let mut i = 0;
    while i < n {
        let j = s.next[i as usize];
        emit(
            s.ids[i as usize],
            s.starts[i as usize],
            s.starts[j as usize],
        );
        i = j;
    }
}

/// The symbols of a piece as a linked list. A merge keeps its left node and
/// kills the right one, whose `next` becomes `NONE`: a dead node, like the
/// last one, has no pair to its right.
struct Links<'a> {
    ids: &'a mut [u32],
    next: &'a mut [u32],
    prev: &'a mut [u32],
}

impl Links<'_> {
    /// The node after live node `left`, if its pair merges with `rank`:
    /// the check that an entry of a queue is not stale.
    fn right_of<M: Merges>(
        &self,
        m: &M,
        memo: &mut [(u64, u64)],
        left: u32,
        rank: u32,
    ) -> Option<(u32, u32)> {
        let right = self.next[left as usize];
        let right_id = *self.ids.get(right as usize)?;
        let (now, merged) = lookup(m, memo, self.ids[left as usize], right_id)?;
        (now == rank).then_some((right, merged))
    }

    /// Merges `left` with `right` into `merged`; calls `pair(rank, left)`
    /// for each pair the merge makes with its neighbours.
    fn merge<M: Merges>(
        &mut self,
        m: &M,
        memo: &mut [(u64, u64)],
        (left, right, merged): (u32, u32, u32),
        mut pair: impl FnMut(u32, u32),
    ) {
        let n = self.ids.len() as u32;
        let l = left as usize;
        self.ids[l] = merged;
        let after = std::mem::replace(&mut self.next[right as usize], NONE);
        self.next[l] = after;
        if after < n {
            self.prev[after as usize] = left;
            if let Some((r, _)) = lookup(m, memo, merged, self.ids[after as usize]) {
                pair(r, left);
            }
        }
        let before = self.prev[l];
        if before != NONE {
            if let Some((r, _)) = lookup(m, memo, self.ids[before as usize], merged) {
                pair(r, before);
            }
        }
    }
}

/// The merge loop on a heap of every live pair, by rank then position.
fn merge_from_heap<M: Merges>(
    m: &M,
    memo: &mut [(u64, u64)],
    links: &mut Links<'_>,
    heap: &mut BinaryHeap<Reverse<u64>>,
) {
    let n = links.ids.len() as u32;
    let candidate = |rank: u32, left: u32| Reverse((u64::from(rank) << 32) | u64::from(left));
    // Heapify every live pair at once: O(n) instead of n pushes.
    let mut entries = std::mem::take(heap).into_vec();
    entries.clear();
    let mut i = 0;
    while links.next[i as usize] < n {
        let j = links.next[i as usize];
        if let Some((rank, _)) = lookup(m, memo, links.ids[i as usize], links.ids[j as usize]) {
            entries.push(candidate(rank, i));
        }
        i = j;
    }
    *heap = BinaryHeap::from(entries);
    while let Some(Reverse(entry)) = heap.pop() {
        let (rank, left) = ((entry >> 32) as u32, entry as u32);
        // Stale entries are not tracked: an entry is acted on when the pair
        // now at its position still merges with its rank. Every live pair
        // has an entry, so this is the lowest-ranked, leftmost live pair.
        let Some((right, merged)) = links.right_of(m, memo, left, rank) else {
            continue;
        };
        links.merge(m, memo, (left, right, merged), |r, at| {
            heap.push(candidate(r, at));
        });
    }
}

/// Merges one rank at a time (see [`super::waves`]); `false`, with the
/// merges so far made in order, where a merge makes a pair that does not
/// rank after its own: the heap goes on from there.
fn merge_waves<M: Merges>(m: &M, memo: &mut [(u64, u64)], links: &mut Links<'_>) -> bool {
    let n = links.ids.len() as u32;
    let mut waiting = Waiting::default();
    for i in 0..n - 1 {
        if let Some((rank, _)) = lookup(m, memo, links.ids[i as usize], links.ids[i as usize + 1]) {
            waiting.add(u64::from(rank), i);
        }
    }
    while let Some((rank, mut wave)) = waiting.lowest() {
        let rank = rank as u32;
        wave.sort_unstable();
        for &left in &wave {
            let Some((right, merged)) = links.right_of(m, memo, left, rank) else {
                continue;
            };
            let mut in_order = true;
            links.merge(m, memo, (left, right, merged), |r, at| {
                in_order &= r > rank;
                waiting.add(u64::from(r), at);
            });
            if !in_order {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::rng::Rng;
    use rustc_hash::FxHashMap;

    /// Merges defined by ranks of concatenated strings, as tiktoken does.
    struct Ranks {
        tokens: Vec<String>,
        ids: FxHashMap<String, u32>,
    }

    impl Ranks {
        fn new(tokens: &[&str]) -> Self {
            let tokens: Vec<String> = tokens.iter().map(|s| s.to_string()).collect();
            let ids = tokens
                .iter()
                .enumerate()
                .map(|(i, t)| (t.clone(), i as u32))
                .collect();
            Ranks { tokens, ids }
        }

        fn encode(&self, text: &str, force_heap: bool) -> Vec<String> {
            let mut s = Scratch::default();
            for (i, c) in text.char_indices() {
                s.ids.push(self.ids[&c.to_string()]);
                s.starts.push(i as u32);
            }
            s.starts.push(text.len() as u32);
            let mut out = Vec::new();
            let emit = |id: u32, a: u32, b: u32| {
                assert_eq!(self.tokens[id as usize], text[a as usize..b as usize]);
                out.push(self.tokens[id as usize].clone());
            };
            if force_heap {
                merge_heap(self, &mut s, emit);
            } else {
                merge_small(self, &mut s, emit);
            }
            out
        }

        /// tiktoken's loop, literally: the quadratic reference.
        fn reference(&self, text: &str) -> Vec<String> {
            let mut parts: Vec<String> = text.chars().map(|c| c.to_string()).collect();
            loop {
                let mut best: Option<(u32, usize)> = None;
                for i in 0..parts.len().saturating_sub(1) {
                    let joined = format!("{}{}", parts[i], parts[i + 1]);
                    if let Some(&r) = self.ids.get(&joined) {
                        if best.is_none_or(|(b, _)| r < b) {
                            best = Some((r, i));
                        }
                    }
                }
                let Some((_, i)) = best else { break };
                let right = parts.remove(i + 1);
                parts[i].push_str(&right);
            }
            parts
        }
    }

    impl Merges for Ranks {
        fn merge(&self, left: u32, right: u32) -> Option<(u32, u32)> {
            let joined = format!(
                "{}{}",
                self.tokens[left as usize], self.tokens[right as usize]
            );
            self.ids.get(&joined).map(|&id| (id, id))
        }
    }

    #[test]
    fn memos_of_recent_models_are_kept() {
        let mut s = Scratch::default();
        let filled = |s: &Scratch| s.memo.iter().filter(|e| e.0 != MEMO_EMPTY).count();
        s.claim_memo(1);
        s.memo[0] = (7, 7);
        for owner in 2..=(PARKED as u64 + 1) {
            s.claim_memo(owner);
            assert_eq!(filled(&s), 0, "model {owner} starts empty");
            s.memo[0] = (owner, owner);
        }
        // Model 1 is the oldest of PARKED parked memos: still there.
        s.claim_memo(1);
        assert_eq!(s.memo[0], (7, 7));
        // Model 2 is now the oldest, and a new model pushes it out: its memo
        // comes back empty.
        s.claim_memo(100);
        s.claim_memo(2);
        assert_eq!(filled(&s), 0);
        assert_eq!(s.memo.len(), MEMO);
        s.claim_memo(0);
        assert!(s.memo.is_empty(), "key 0 has no memo");
        assert!(s.parked.len() <= PARKED);
    }

    #[test]
    fn leftmost_lowest_rank_first() {
        let r = Ranks::new(&["a", "b", "c", "aa", "ab", "bc", "aaa", "aaaa", "abc"]);
        for text in ["aaaaa", "abc", "aabc", "cbaaab", "aaaaaaaaabcbcbc", "c"] {
            let want = r.reference(text);
            assert_eq!(r.encode(text, false), want, "{text}");
            assert_eq!(r.encode(text, true), want, "{text}");
        }
    }

    #[test]
    fn heap_equals_reference_on_pseudo_random_text() {
        let r = Ranks::new(&[
            "a", "b", "c", "ab", "ba", "bc", "ca", "aa", "abc", "bab", "cab", "aab", "abab",
            "caba", "aaaa", "bcbc", "abcab",
        ]);
        let mut rng = Rng::new(12345);
        for len in [1usize, 2, 3, 10, 49, 100, 500] {
            for _ in 0..20 {
                let text: String = (0..len).map(|_| ['a', 'b', 'c'][rng.below(3)]).collect();
                let want = r.reference(&text);
                assert_eq!(r.encode(&text, true), want, "{text}");
                assert_eq!(r.encode(&text, false), want, "{text}");
            }
        }
    }

    /// Pieces past [`WAVES`] symbols, merged in waves (with the heap after
    /// them where a merge makes a pair ranked before its own, as in the
    /// second vocabulary), equal the plain scan: runs of one letter, of two,
    /// and pseudo-random text.
    #[test]
    fn waves_equal_the_scan_on_long_pieces() {
        let learnt = Ranks::new(&[
            "a", "b", "c", "ab", "ba", "bc", "ca", "aa", "abc", "bab", "cab", "aab", "abab",
            "caba", "aaaa", "bcbc", "abcab", "aaaaaaaa",
        ]);
        let out_of_order = Ranks::new(&[
            "a", "b", "c", "abc", "aaa", "ab", "aa", "bc", "ca", "abab", "cab", "bcbc", "ba",
        ]);
        let mut rng = Rng::new(99);
        let mut random =
            |len: usize| -> String { (0..len).map(|_| ['a', 'b', 'c'][rng.below(3)]).collect() };
        let mut texts = vec!["a".repeat(WAVES + 1), "a".repeat(4099), "ab".repeat(1500)];
        texts.extend([WAVES + 1, 2000, 5000].map(&mut random));
        texts.push(format!(
            "{}{}{}",
            "c".repeat(1200),
            random(300),
            "ab".repeat(700)
        ));
        for r in [&learnt, &out_of_order] {
            for text in &texts {
                assert!(text.len() > WAVES);
                assert_eq!(
                    r.encode(text, true),
                    r.encode(text, false),
                    "{}",
                    &text[..40]
                );
            }
        }
    }
}
