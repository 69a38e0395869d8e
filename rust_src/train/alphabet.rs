//! The starting alphabet of merge learners: the corpus words as character
//! ids with each character's frequency, optionally cut to the most frequent
//! characters (`limit_alphabet`).

use rustc_hash::FxHashMap;

/// Code points below this are looked up in a table, not hashed: the Basic
/// Multilingual Plane, which holds every byte-level character and nearly
/// all the text of every script.
const DIRECT: usize = 0x10000;

/// A map from characters for per-character lookups over a whole corpus: a
/// direct table for the first [`DIRECT`] code points, a hash map above (a
/// quarter of the time of spelling a corpus went to hashing).
pub(crate) struct CharMap<T> {
    low: Vec<Option<T>>,
    high: FxHashMap<char, T>,
}

impl<T: Copy> CharMap<T> {
    pub(crate) fn new() -> Self {
        CharMap {
            low: vec![None; DIRECT],
            high: FxHashMap::default(),
        }
    }

    /// The value of `c`, if it has one.
    pub(crate) fn get(&self, c: char) -> Option<T> {
        match self.low.get(c as usize) {
            Some(value) => *value,
            None => self.high.get(&c).copied(),
        }
    }

    /// The value of `c`, made by `make` if `c` has none yet.
    pub(crate) fn get_or_insert_with(&mut self, c: char, make: impl FnOnce() -> T) -> &mut T {
        match self.low.get_mut(c as usize) {
            Some(slot) => slot.get_or_insert_with(make),
            None => self.high.entry(c).or_insert_with(make),
        }
    }

    /// Every character with its value, in no particular order.
    pub(crate) fn into_entries(self) -> impl Iterator<Item = (char, T)> {
        let low = (0u32..)
            .zip(self.low)
            .filter_map(|(c, value)| Some((char::from_u32(c)?, value?)));
        low.chain(self.high)
    }
}

/// The words as character ids (one hash lookup per character, once), with
/// each character's frequency at the start of a word and inside one.
pub(crate) struct CharCorpus {
    /// Character of each id.
    pub(crate) chars: Vec<char>,
    /// Weighted occurrences of each character starting a word.
    pub(crate) initial: Vec<i64>,
    /// Weighted occurrences of each character inside a word.
    pub(crate) continuing: Vec<i64>,
    /// The words kept for learning, as character ids, with their counts.
    pub(crate) words: Vec<(Vec<u32>, i64)>,
}

impl CharCorpus {
    /// Encodes `words`; with a `limit`, keeps only the `limit` most frequent
    /// characters (ties by code point) and the words made of them.
    pub(crate) fn new(words: &[(&str, u64)], limit: Option<usize>) -> Self {
        let mut ids: CharMap<u32> = CharMap::new();
        let mut corpus = CharCorpus {
            chars: Vec::new(),
            initial: Vec::new(),
            continuing: Vec::new(),
            words: Vec::with_capacity(words.len()),
        };
        for &(word, count) in words {
            if word.is_empty() {
                continue;
            }
            let encoded = word
                .chars()
                .map(|c| {
                    *ids.get_or_insert_with(c, || {
                        corpus.chars.push(c);
                        // At most 0x110000 distinct chars: always fits.
                        corpus.chars.len() as u32 - 1
                    })
                })
                .collect();
            corpus
                .words
                .push((encoded, i64::try_from(count).unwrap_or(i64::MAX)));
        }
        corpus.count_chars();
        let Some(limit) = limit.filter(|&limit| limit < corpus.chars.len()) else {
            return corpus;
        };
        let mut order: Vec<usize> = (0..corpus.chars.len()).collect();
        let total = |id: usize| corpus.initial[id].saturating_add(corpus.continuing[id]);
        order.sort_unstable_by(|&x, &y| {
            total(y)
                .cmp(&total(x))
                .then(corpus.chars[x].cmp(&corpus.chars[y]))
        });
        let mut allowed = vec![false; corpus.chars.len()];
        for &id in order.iter().take(limit) {
            allowed[id] = true;
        }
        corpus
            .words
            .retain(|(word, _)| word.iter().all(|&c| allowed[c as usize]));
        corpus.count_chars();
        corpus
    }

    fn count_chars(&mut self) {
        self.initial = vec![0; self.chars.len()];
        self.continuing = vec![0; self.chars.len()];
        for (word, count) in &self.words {
            for (i, &c) in word.iter().enumerate() {
                let freq = if i == 0 {
                    &mut self.initial
                } else {
                    &mut self.continuing
                };
                freq[c as usize] = freq[c as usize].saturating_add(*count);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_map_holds_table_and_hashed_characters_alike() {
        let mut map: CharMap<u32> = CharMap::new();
        for (i, c) in ['a', 'Ġ', '猫', '\u{ffff}', '\u{10000}', '😀']
            .into_iter()
            .enumerate()
        {
            assert_eq!(map.get(c), None);
            assert_eq!(*map.get_or_insert_with(c, || i as u32), i as u32);
            *map.get_or_insert_with(c, || 99) += 10;
            assert_eq!(map.get(c), Some(i as u32 + 10));
        }
        let mut entries: Vec<(char, u32)> = map.into_entries().collect();
        entries.sort_unstable();
        let expected = [
            ('a', 10),
            ('Ġ', 11),
            ('猫', 12),
            ('\u{ffff}', 13),
            ('\u{10000}', 14),
            ('😀', 15),
        ];
        assert_eq!(entries, expected);
    }

    #[test]
    fn counts_initial_and_continuing_characters() {
        let corpus = CharCorpus::new(&[("", 9), ("aba", 2), ("b", 3)], None);
        assert_eq!(corpus.chars, ['a', 'b']);
        assert_eq!(corpus.initial, [2, 3]);
        assert_eq!(corpus.continuing, [2, 2]);
        assert_eq!(corpus.words, [(vec![0, 1, 0], 2), (vec![1], 3)]);
    }

    #[test]
    fn limit_keeps_the_most_frequent_characters_ties_by_code_point() {
        // Totals: a 4, b 2, c 2, d 1: keep a and b (b < c).
        let corpus = CharCorpus::new(&[("ab", 1), ("ac", 1), ("aad", 1)], Some(2));
        assert_eq!(corpus.words, [(vec![0, 1], 1)]);
        assert_eq!(corpus.initial, [1, 0, 0, 0]);
        assert_eq!(corpus.continuing, [0, 1, 0, 0]);
    }
}
