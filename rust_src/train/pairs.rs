//! The bookkeeping every merge learner shares: the corpus words as linked
//! lists of symbols, the weighted count of every adjacent pair, and where each
//! pair occurs.
//!
//! A merge touches only the places where its pair occurs (found through the
//! pair's position list), never whole words, so a corpus of long unsplit
//! lines costs no more per merge than the same text cut into words
//! (sentencepiece's and YouTokenToMe's trainers do the same). Position lists
//! are append-only: a position goes stale when a merge removes its pair, and
//! is checked and skipped when its pair is merged.

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap;
use smallvec::SmallVec;

use crate::error::{Error, Result};

/// Two adjacent symbol ids.
pub(crate) type Pair = (u32, u32);

/// Positions merged per block (see [`PairIndex::merge`]): enough for many
/// cache misses in flight, few enough that the block's slots stay cached.
const BLOCK: usize = 256;

/// Pairs looked up together before they are updated (see
/// [`PairIndex::merge`]).
const SETTLE_BATCH: usize = 64;

/// No neighbour; also the symbol of a slot a merge removed.
const NONE: u32 = u32::MAX;

/// The symbol of the slot before each word.
const BOUNDARY: u32 = u32::MAX - 1;

/// One symbol of one word, or the boundary before a word. A merge empties
/// the slot of its right part ([`NONE`]); neighbours are found by skipping
/// empty slots up to a boundary, at most a token's length. Without neighbour
/// links a slot is 8 bytes instead of 16: byte-level training on the 6.6 MB
/// of shared corpora peaks at 163 MB instead of 190, and learning
/// (memory-bound) is no slower.
#[derive(Debug, Clone, Copy)]
struct Slot {
    symbol: u32,
    /// For a symbol, its word's count class (see [`PairIndex::classes`]);
    /// for a boundary, the index of the word after it.
    value: u32,
}

/// What is known about one pair.
#[derive(Debug, Default)]
pub(crate) struct PairStats {
    /// Occurrences now, weighted by word frequency.
    pub(crate) count: i64,
    /// Slots where the pair started at some point: a superset of where it
    /// starts now. Most pairs occur a few times: kept inline, they cost no
    /// allocation (a tenth of byte-level learning time went to allocating
    /// and freeing these lists). Four fit in the space of the pointer and
    /// length (smallvec's `union` layout).
    positions: Positions,
}

/// A list of slots, inline up to four.
type Positions = SmallVec<[u32; 4]>;

/// What a merge of `(a, b)` into `m` does next to one neighbouring symbol
/// `x`: `(x, a)` loses `count` and `(x, m)` gains it at `positions` (for a
/// left neighbour; `(b, x)` and `(m, x)` for a right one).
#[derive(Debug, Default)]
struct Change {
    count: i64,
    positions: Positions,
}

impl Change {
    /// `count` occurrences lost.
    fn loss(count: i64) -> Self {
        Change {
            count: -count,
            positions: SmallVec::new(),
        }
    }
}

/// A merge's [`Change`]s by neighbouring symbol, found through a table
/// indexed by symbol id: symbol ids are dense (the alphabet, then one per
/// merge), and a direct index costs a fraction of a hash lookup, of which a
/// merge makes two per place it merges at.
#[derive(Debug, Default)]
struct Sides {
    /// Where each symbol's change is in `changes`, or [`NONE`].
    at: Vec<u32>,
    changes: Vec<(u32, Change)>,
}

impl Sides {
    /// The change next to `symbol`, new if it has none yet.
    fn entry(&mut self, symbol: u32) -> &mut Change {
        let i = symbol as usize;
        if i >= self.at.len() {
            self.at.resize(i + 1, NONE);
        }
        if self.at[i] == NONE {
            // Fewer changes than symbols, which are below NONE.
            self.at[i] = self.changes.len() as u32;
            self.changes.push((symbol, Change::default()));
        }
        let at = self.at[i] as usize;
        &mut self.changes[at].1
    }

    /// Takes every change out, in the order they were made.
    fn drain(&mut self) -> impl Iterator<Item = (u32, Change)> + '_ {
        for &(symbol, _) in &self.changes {
            self.at[symbol as usize] = NONE;
        }
        self.changes.drain(..)
    }
}

/// The corpus words as symbols, with pair counts and positions.
pub(crate) struct PairIndex {
    /// Every word's symbols, word after word, each word after a boundary.
    slots: Vec<Slot>,
    /// The distinct word frequencies, which slots name by index: a few
    /// thousand, so reading a slot's count stays in cache where one count
    /// per word would not (that read was a seventh of the merge loop).
    classes: Vec<i64>,
    /// The class of each count, while words are added.
    class_of: FxHashMap<i64, u32>,
    /// Number of words.
    words: usize,
    pairs: FxHashMap<Pair, PairStats>,
    /// The changes of the merge under way by left and by right neighbour,
    /// summed before they go into `pairs`: a merge touches a few hundred
    /// distinct pairs at tens of thousands of places, and these small tables
    /// stay in cache where the whole pair table does not (its misses took a
    /// third of learning).
    left: Sides,
    right: Sides,
    /// The pairs a merge loses and gains by neighbour, with the change.
    settling: Vec<(Pair, Pair, Change)>,
}

/// The error for a corpus beyond the 2^32 slots and words ids can name.
pub(crate) fn too_many(what: &str) -> Error {
    Error::Unsupported(format!("more than 2^32 {what}: split the corpus"))
}

impl PairIndex {
    /// Indexes `words` (symbol ids, frequency).
    pub(crate) fn new<'w>(
        words: impl IntoIterator<Item = (&'w [u32], i64)> + Clone,
    ) -> Result<Self> {
        PairIndex::new_keeping(words, &|_| true)
    }

    /// Indexes `words` (symbol ids, frequency), keeping only the pairs
    /// `keeps` accepts: a learner leaves out pairs it can never merge, and
    /// the table holds a sixth fewer (sentencepiece BPE on the 8 MB mix).
    /// A pair that is not kept has no count, and merges never create it.
    pub(crate) fn new_keeping<'w>(
        words: impl IntoIterator<Item = (&'w [u32], i64)> + Clone,
        keeps: &impl Fn(Pair) -> bool,
    ) -> Result<Self> {
        let mut index = PairIndex::empty();
        // Sized once: grown by doubling, the slots were copied and their
        // pages faulted in again at every step.
        let slots: usize = words.clone().into_iter().map(|(w, _)| w.len() + 1).sum();
        index.slots.reserve_exact(slots);
        for (word, count) in words {
            index.push_word_keeping(word, count, keeps)?;
        }
        Ok(index)
    }

    /// An index of no words, to [`PairIndex::push_word`] them into.
    pub(crate) fn empty() -> Self {
        PairIndex {
            slots: Vec::new(),
            classes: Vec::new(),
            class_of: FxHashMap::default(),
            words: 0,
            pairs: FxHashMap::default(),
            left: Sides::default(),
            right: Sides::default(),
            settling: Vec::new(),
        }
    }

    /// Adds a word: its symbol ids and frequency.
    pub(crate) fn push_word(&mut self, word: &[u32], count: i64) -> Result<()> {
        self.push_word_keeping(word, count, &|_| true)
    }

    fn push_word_keeping(
        &mut self,
        word: &[u32],
        count: i64,
        keeps: &impl Fn(Pair) -> bool,
    ) -> Result<()> {
        // NONE and BOUNDARY must stay free to mark slots.
        let w = u32::try_from(self.words)
            .ok()
            .filter(|&w| w < BOUNDARY)
            .ok_or_else(|| too_many("distinct words"))?;
        let class = match self.class_of.entry(count) {
            Entry::Occupied(entry) => *entry.get(),
            Entry::Vacant(entry) => {
                self.classes.push(count);
                // Fewer classes than words.
                *entry.insert((self.classes.len() - 1) as u32)
            }
        };
        self.slots.push(Slot {
            symbol: BOUNDARY,
            value: w,
        });
        for (i, &symbol) in word.iter().enumerate() {
            let slot = u32::try_from(self.slots.len())
                .ok()
                .filter(|&slot| slot < BOUNDARY && symbol < BOUNDARY)
                .ok_or_else(|| too_many("symbols in the corpus"))?;
            self.slots.push(Slot {
                symbol,
                value: class,
            });
            if i > 0 {
                self.add((word[i - 1], symbol), slot - 1, count, keeps);
            }
        }
        self.words += 1;
        Ok(())
    }

    /// The pairs that occur, with their counts.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (Pair, i64)> + '_ {
        self.pairs.iter().map(|(&pair, stats)| (pair, stats.count))
    }

    /// The current count of `pair` (0 when it does not occur).
    pub(crate) fn count(&self, pair: Pair) -> i64 {
        self.pairs.get(&pair).map_or(0, |s| s.count)
    }

    /// Makes room in the pair table for `more` pairs beyond those there now.
    pub(crate) fn reserve_pairs(&mut self, more: usize) {
        self.pairs.reserve(more);
    }

    /// Number of distinct pairs ever seen (stale ones included).
    pub(crate) fn pair_entries(&self) -> usize {
        self.pairs.len()
    }

    /// Replaces every occurrence of `pair` by symbol `merged`, left to right
    /// within each word (in `a a a`, `(a, a)` merges at the first two only).
    /// Appends to `changed` each pair whose count changed, the merged pair
    /// included, each once. Returns the occurrences merged,
    /// weighted by word frequency.
    pub(crate) fn merge(&mut self, pair: Pair, merged: u32, changed: &mut Vec<Pair>) -> i64 {
        self.merge_keeping(pair, merged, changed, &|_| true)
    }

    /// [`PairIndex::merge`] for an index of the pairs `keeps` accepts (see
    /// [`PairIndex::new_keeping`]).
    pub(crate) fn merge_keeping(
        &mut self,
        pair: Pair,
        merged: u32,
        changed: &mut Vec<Pair>,
        keeps: &impl Fn(Pair) -> bool,
    ) -> i64 {
        let Some(stats) = self.pairs.get_mut(&pair) else {
            return 0;
        };
        let mut positions = std::mem::take(&mut stats.positions);
        // Slots are laid out word after word, left to right: sorting the
        // positions gives the left-to-right order within each word.
        positions.sort_unstable();
        positions.dedup();
        let (a, b) = pair;
        changed.push(pair);
        let mut merged_count = 0i64;
        let mut live: Vec<(u32, i64)> = Vec::with_capacity(BLOCK.min(positions.len()));
        for block in positions.chunks(BLOCK) {
            // Gather the positions still starting with `a`, with their
            // word's count, before merging them: these loads are independent
            // of each other, so the processor overlaps their cache misses,
            // which the merge loop (a chain of updates per position) cannot;
            // a block at a time, so the slots are still cached when merged.
            live.clear();
            live.extend(block.iter().filter_map(|&pos| {
                let slot = self.slots.get(pos as usize)?;
                let count = *self.classes.get(slot.value as usize)?;
                (slot.symbol == a).then_some((pos, count))
            }));
            for &(pos, count) in &live {
                merged_count += self.merge_at(pos, pair, merged, count);
            }
        }
        self.settle(pair, Change::loss(merged_count), keeps);
        // Taken out and put back, so their allocations serve the next merge.
        let mut settling = std::mem::take(&mut self.settling);
        for (x, change) in self.left.drain() {
            settling.push(((x, a), (x, merged), change));
        }
        for (x, change) in self.right.drain() {
            settling.push(((b, x), (merged, x), change));
        }
        for batch in settling.chunks_mut(SETTLE_BATCH) {
            // The pairs lost are looked up first, each lookup independent
            // of the others, so their cache misses overlap; the updates then
            // find the table's lines cached (one miss after another, the
            // updates were a quarter of sentencepiece BPE learning). The
            // pairs gained hold the new symbol: there is nothing to find.
            for (lost, _, _) in batch.iter() {
                std::hint::black_box(self.pairs.get(lost));
            }
            for (lost, gained, change) in batch.iter_mut() {
                let change = std::mem::take(change);
                let count = change.count;
                if self.settle(*lost, Change::loss(count), keeps) {
                    changed.push(*lost);
                }
                if self.settle(*gained, change, keeps) {
                    changed.push(*gained);
                }
            }
        }
        settling.clear();
        self.settling = settling;
        merged_count
    }

    /// Applies a merge's changes to one pair, and says whether the index
    /// keeps the pair ([`PairIndex::new_keeping`]). A pair that no longer
    /// occurs leaves the table (its positions are all stale): most pairs die
    /// sooner or later, and keeping them doubled the table. A pair can lose
    /// before it is in the table, when a merge makes and unmakes it (in
    /// `a a a a`, `(aa, a)`): it goes in with a negative count, which its
    /// gain then cancels.
    fn settle(&mut self, pair: Pair, change: Change, keeps: &impl Fn(Pair) -> bool) -> bool {
        match self.pairs.entry(pair) {
            Entry::Occupied(mut entry) => {
                let stats = entry.get_mut();
                stats.count = stats.count.saturating_add(change.count);
                if stats.count == 0 {
                    entry.remove();
                } else {
                    stats.positions.extend(change.positions);
                }
            }
            Entry::Vacant(entry) => {
                if !keeps(pair) {
                    return false;
                }
                if change.count != 0 {
                    entry.insert(PairStats {
                        count: change.count,
                        positions: change.positions,
                    });
                }
            }
        }
        true
    }

    /// Merges `pair` at slot `pos` if it still starts there; returns the
    /// word's count if it did, else 0.
    fn merge_at(&mut self, pos: u32, (a, b): Pair, merged: u32, count: i64) -> i64 {
        let Some(right) = self.next(pos) else {
            return 0;
        };
        // An earlier merge of this loop may have taken the slot (in
        // `a a a`, the second `a` of the first merge).
        if self.symbol(pos) != a || self.symbol(right) != b {
            return 0;
        }
        if let Some(prev) = self.prev(pos) {
            let change = self.left.entry(self.symbol(prev));
            change.count += count;
            change.positions.push(prev);
        }
        if let Some(next) = self.next(right) {
            let change = self.right.entry(self.symbol(next));
            change.count += count;
            change.positions.push(pos);
        }
        self.slots[pos as usize].symbol = merged;
        self.slots[right as usize].symbol = NONE;
        count
    }

    fn symbol(&self, pos: u32) -> u32 {
        self.slots.get(pos as usize).map_or(NONE, |s| s.symbol)
    }

    /// The next non-empty slot of the word of `pos`.
    fn next(&self, pos: u32) -> Option<u32> {
        let after = self.slots.get(pos as usize + 1..)?;
        let offset = after.iter().position(|s| s.symbol != NONE)?;
        (after[offset].symbol != BOUNDARY).then_some(pos + 1 + offset as u32)
    }

    /// The previous non-empty slot of the word of `pos`.
    fn prev(&self, pos: u32) -> Option<u32> {
        let before = self.slots.get(..pos as usize)?;
        let offset = before.iter().rev().position(|s| s.symbol != NONE)?;
        let prev = pos - 1 - offset as u32;
        (self.symbol(prev) != BOUNDARY).then_some(prev)
    }

    /// Adds `count` to `pair` at `position`, if the pair is kept.
    fn add(&mut self, pair: Pair, position: u32, count: i64, keeps: &impl Fn(Pair) -> bool) {
        let stats = match self.pairs.entry(pair) {
            Entry::Occupied(entry) => entry.into_mut(),
            Entry::Vacant(entry) if keeps(pair) => entry.insert(PairStats::default()),
            Entry::Vacant(_) => return,
        };
        stats.count = stats.count.saturating_add(count);
        stats.positions.push(position);
    }

    /// Each word's number of symbols now, in the order they were given.
    pub(crate) fn word_lengths(&self) -> Vec<u32> {
        let mut lengths = vec![0; self.words];
        self.for_each_symbol(|word, _| lengths[word] += 1);
        lengths
    }

    /// The words as their current symbols, in the order they were given.
    pub(crate) fn words(&self) -> Vec<Vec<u32>> {
        let mut words = vec![Vec::new(); self.words];
        self.for_each_symbol(|word, symbol| words[word].push(symbol));
        words
    }

    /// Calls `f` with each symbol now in the words and its word's index.
    fn for_each_symbol(&self, mut f: impl FnMut(usize, u32)) {
        let mut word = 0;
        for slot in &self.slots {
            match slot.symbol {
                NONE => {}
                BOUNDARY => word = slot.value as usize,
                symbol => f(word, symbol),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::rng::Rng;

    /// Every pair count recomputed from the words, given their counts.
    fn recount(index: &PairIndex, words: &[(Vec<u32>, i64)]) -> FxHashMap<Pair, i64> {
        let mut counts = FxHashMap::default();
        for (word, (_, count)) in index.words().iter().zip(words) {
            for w in word.windows(2) {
                *counts.entry((w[0], w[1])).or_insert(0) += count;
            }
        }
        counts
    }

    fn index(words: &[(Vec<u32>, i64)]) -> PairIndex {
        PairIndex::new(words.iter().map(|(w, c)| (&w[..], *c))).unwrap()
    }

    fn live(index: &PairIndex) -> FxHashMap<Pair, i64> {
        index.pairs().filter(|&(_, c)| c != 0).collect()
    }

    #[test]
    fn merges_left_to_right_without_overlap() {
        // a a a a -> (aa)(aa); a a a -> (aa) a; b a a -> b (aa).
        let words = vec![
            (vec![0, 0, 0, 0], 1),
            (vec![0, 0, 0], 2),
            (vec![1, 0, 0], 5),
        ];
        let mut index = index(&words);
        assert_eq!(index.count((0, 0)), 3 + 2 * 2 + 5);
        let mut changed = Vec::new();
        index.merge((0, 0), 2, &mut changed);
        assert_eq!(index.words(), vec![vec![2, 2], vec![2, 0], vec![1, 2]]);
        assert_eq!(live(&index), recount(&index, &words));
        assert_eq!(index.count((0, 0)), 0);
        assert!(changed.contains(&(2, 2)) && changed.contains(&(1, 2)));
    }

    /// Merges the most frequent pair 40 times over random words, checking
    /// the words and every kept pair's count after each merge.
    fn merge_randomly(keeps: &impl Fn(Pair) -> bool) {
        let mut rng = Rng::new(5);
        let mut next = |n: u64| rng.next_u64() % n;
        let words: Vec<(Vec<u32>, i64)> = (0..50)
            .map(|_| {
                let len = 1 + next(12);
                (
                    (0..len).map(|_| next(3) as u32).collect(),
                    1 + next(4) as i64,
                )
            })
            .collect();
        let mut index =
            PairIndex::new_keeping(words.iter().map(|(w, c)| (&w[..], *c)), keeps).unwrap();
        let mut changed = Vec::new();
        for symbols in 3..43 {
            let Some((pair, _)) = live(&index)
                .into_iter()
                .filter(|&(_, c)| c > 0)
                .max_by_key(|&(p, c)| (c, std::cmp::Reverse(p)))
            else {
                break;
            };
            // Spell out what the merge must do to each word.
            let expected: Vec<Vec<u32>> = index
                .words()
                .iter()
                .map(|w| {
                    let mut out = Vec::new();
                    let mut i = 0;
                    while i < w.len() {
                        if i + 1 < w.len() && (w[i], w[i + 1]) == pair {
                            out.push(symbols);
                            i += 2;
                        } else {
                            out.push(w[i]);
                            i += 1;
                        }
                    }
                    out
                })
                .collect();
            changed.clear();
            index.merge_keeping(pair, symbols, &mut changed, keeps);
            assert_eq!(index.words(), expected);
            let mut counts = recount(&index, &words);
            counts.retain(|&pair, _| keeps(pair));
            assert_eq!(live(&index), counts);
            assert!(changed.iter().all(|&pair| keeps(pair)));
        }
    }

    #[test]
    fn counts_stay_exact_through_random_merges() {
        merge_randomly(&|_| true);
    }

    #[test]
    fn pairs_not_kept_are_never_counted() {
        merge_randomly(&|(a, b)| (a + b) % 3 != 0);
    }
}
