//! The word → count map of a corpus, split into shards by the words' hashes.
//!
//! Each counting thread fills a map of its own, and the maps are added up at
//! the end. In one big table that sum ran on one thread, with a cache miss
//! for nearly every word (8 ms of a 90 ms two-thread count of the 8 MB mix).
//! Shard by shard, it runs on every thread, and each shard's table is small
//! enough to stay in cache while the others' words go into it.

use std::hash::BuildHasher;

use compact_str::CompactString;
use hashbrown::HashTable;
use rayon::prelude::*;
use rustc_hash::FxBuildHasher;

/// A counted word. Most words are short: up to 24 bytes are kept inline,
/// so counting allocates nothing for them, and freeing or merging a map of
/// them frees nothing per word.
pub type Word = CompactString;

/// Shards of a map. Enough that two to a few dozen threads share the sum
/// evenly; few enough that an empty map costs nothing to make.
const SHARDS: usize = 64;

/// Words and their counts.
#[derive(Clone)]
pub struct WordMap {
    /// Each word sits in the shard its hash picks (see [`shard_of`]).
    shards: Box<[HashTable<Entry>]>,
}

/// A word, its count, and its hash: kept so that growing a table and
/// adding maps up never hash a word twice (rehashing was ~8 % of counting).
#[derive(Clone)]
struct Entry {
    word: Word,
    count: u64,
    hash: u64,
}

impl Default for WordMap {
    fn default() -> Self {
        WordMap {
            shards: (0..SHARDS).map(|_| HashTable::new()).collect(),
        }
    }
}

fn hash(word: &str) -> u64 {
    FxBuildHasher.hash_one(word)
}

/// The shard of a word's hash. Its bits are taken from the middle: the
/// tables inside a shard use the low bits for the bucket and the top seven
/// for the tag, which must stay as varied as in one big table.
fn shard_of(hash: u64) -> usize {
    (hash >> 32) as usize % SHARDS
}

/// Adds `count` to `word` in `shard` (saturating: a count is a frequency,
/// and `u64::MAX` already says "more than anything"), making the word only
/// when it is new.
fn add_to<W: AsRef<str> + Into<Word>>(
    shard: &mut HashTable<Entry>,
    hash: u64,
    word: W,
    count: u64,
) {
    match shard.find_mut(hash, |e| e.word.as_str() == word.as_ref()) {
        Some(entry) => entry.count = entry.count.saturating_add(count),
        None => {
            let entry = Entry {
                word: word.into(),
                count,
                hash,
            };
            shard.insert_unique(hash, entry, |e| e.hash);
        }
    }
}

impl WordMap {
    /// Distinct words.
    pub fn len(&self) -> usize {
        self.shards.iter().map(HashTable::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(HashTable::is_empty)
    }

    /// The count of `word`, if it was seen.
    pub fn get(&self, word: &str) -> Option<u64> {
        let hash = hash(word);
        self.shards[shard_of(hash)]
            .find(hash, |e| e.word.as_str() == word)
            .map(|e| e.count)
    }

    /// Adds `count` occurrences of `word`.
    pub fn add(&mut self, word: &str, count: u64) {
        let hash = hash(word);
        add_to(&mut self.shards[shard_of(hash)], hash, word, count);
    }

    /// The words and their counts, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.shards
            .iter()
            .flat_map(|shard| shard.iter().map(|e| (e.word.as_str(), e.count)))
    }

    /// Adds the counts of `other` in, a shard at a time on the workers of
    /// the current rayon pool.
    pub fn merge(&mut self, other: WordMap) {
        self.shards
            .par_iter_mut()
            .zip(other.shards.into_vec())
            .for_each(|(mine, mut theirs)| {
                // Fewer words to move when the larger table is kept.
                if mine.len() < theirs.len() {
                    std::mem::swap(mine, &mut theirs);
                }
                for entry in theirs {
                    add_to(mine, entry.hash, entry.word, entry.count);
                }
            });
    }
}

impl<W: AsRef<str>> FromIterator<(W, u64)> for WordMap {
    /// Counts of a repeated word add up.
    fn from_iter<I: IntoIterator<Item = (W, u64)>>(words: I) -> Self {
        let mut map = WordMap::default();
        for (word, count) in words {
            map.add(word.as_ref(), count);
        }
        map
    }
}

impl PartialEq for WordMap {
    fn eq(&self, other: &Self) -> bool {
        // A word lands in the same shard of both, so shards compare alone.
        self.shards.iter().zip(other.shards.iter()).all(|(a, b)| {
            a.len() == b.len()
                && a.iter().all(|x| {
                    b.find(x.hash, |y| y.word == x.word)
                        .is_some_and(|y| y.count == x.count)
                })
        })
    }
}

impl Eq for WordMap {}

impl std::fmt::Debug for WordMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::rng::Rng;
    use std::collections::BTreeMap;

    fn words(n: usize, seed: u64) -> Vec<(String, u64)> {
        let mut rng = Rng::new(seed);
        (0..n)
            .map(|_| {
                let x = rng.next_u64();
                // Short words inline and long ones on the heap, with repeats.
                let word = format!("w{}{}", x % 5000, "é".repeat((x >> 40) as usize % 20));
                (word, 1 + (x >> 50) % 7)
            })
            .collect()
    }

    fn plain(words: &[(String, u64)]) -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for (w, c) in words {
            *out.entry(w.clone()).or_insert(0) += c;
        }
        out
    }

    fn sorted(map: &WordMap) -> BTreeMap<String, u64> {
        map.iter().map(|(w, c)| (w.to_owned(), c)).collect()
    }

    #[test]
    fn adds_up_as_a_plain_map_does() {
        let words = words(20_000, 3);
        let expected = plain(&words);
        let map: WordMap = words.iter().map(|(w, c)| (w.as_str(), *c)).collect();
        assert_eq!(sorted(&map), expected);
        assert_eq!(map.len(), expected.len());
        for (word, count) in &expected {
            assert_eq!(map.get(word), Some(*count));
        }
        assert_eq!(map.get("never seen"), None);
    }

    #[test]
    fn the_sum_of_parts_is_the_whole_in_any_split() {
        let words = words(30_000, 5);
        let whole: WordMap = words.iter().map(|(w, c)| (w.as_str(), *c)).collect();
        for parts in [1, 2, 3, 7] {
            let mut sum = WordMap::default();
            for p in 0..parts {
                let part = words.iter().skip(p).step_by(parts);
                sum.merge(part.map(|(w, c)| (w.as_str(), *c)).collect());
            }
            assert_eq!(sum, whole, "{parts} parts");
            assert_eq!(sorted(&sum), plain(&words));
        }
    }

    #[test]
    fn equality_needs_the_same_words_and_counts() {
        let a: WordMap = [("x", 1), ("y", 2)].into_iter().collect();
        let b: WordMap = [("y", 2), ("x", 1)].into_iter().collect();
        let c: WordMap = [("x", 1), ("y", 3)].into_iter().collect();
        let d: WordMap = [("x", 1)].into_iter().collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_ne!(d, a);
    }

    #[test]
    fn counts_saturate() {
        let mut map = WordMap::default();
        map.add("w", u64::MAX - 1);
        map.add("w", 5);
        assert_eq!(map.get("w"), Some(u64::MAX));
    }
}
