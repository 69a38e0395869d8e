//! Candidate merges waiting by rank, taken one rank at a time: the queue of
//! the merge loops on long pieces ([`super::merge`], sentencepiece's BPE).
//!
//! A long run of one pattern (a megabyte of one letter, or of spaces) has
//! many pairs and few ranks. Merging every waiting pair of the lowest rank
//! left to right, then the next rank, is a heap's order of (rank, position)
//! as long as each pair a merge makes ranks after the merge's own, as in a
//! vocabulary learnt by BPE. Sorting each rank's positions costs a fraction
//! of a heap of every pair, whose pops were 80% of the time on such input.
//! Callers check that condition on every pair they add and hand whatever
//! waits to their heap when it fails: the merges made so far were in order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rustc_hash::FxHashMap;

/// Pieces with more symbols than this take the waves first.
pub const WAVES: usize = 1024;

/// Items (candidate merges) waiting, by rank: lower ranks first.
pub struct Waiting<T> {
    lists: FxHashMap<u64, Vec<T>>,
    ranks: BinaryHeap<Reverse<u64>>,
}

impl<T> Default for Waiting<T> {
    fn default() -> Self {
        Waiting {
            lists: FxHashMap::default(),
            ranks: BinaryHeap::new(),
        }
    }
}

impl<T> Waiting<T> {
    /// Adds `item` at `rank`.
    pub fn add(&mut self, rank: u64, item: T) {
        let list = self.lists.entry(rank).or_default();
        if list.is_empty() {
            self.ranks.push(Reverse(rank));
        }
        list.push(item);
    }

    /// The lowest rank waiting and its items, taken out (in the order added).
    pub fn lowest(&mut self) -> Option<(u64, Vec<T>)> {
        let Reverse(rank) = self.ranks.pop()?;
        Some((rank, self.lists.remove(&rank).unwrap_or_default()))
    }

    /// Every item still waiting, in no order.
    pub fn into_items(self) -> impl Iterator<Item = T> {
        self.lists.into_values().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_rank_first_items_in_order_added() {
        let mut w = Waiting::default();
        for (rank, item) in [(5, 'a'), (2, 'b'), (5, 'c'), (9, 'd'), (2, 'e')] {
            w.add(rank, item);
        }
        assert_eq!(w.lowest(), Some((2, vec!['b', 'e'])));
        w.add(1, 'f');
        assert_eq!(w.lowest(), Some((1, vec!['f'])));
        assert_eq!(w.lowest(), Some((5, vec!['a', 'c'])));
        let rest: Vec<char> = w.into_items().collect();
        assert_eq!(rest, vec!['d']);
    }
}
