//! Whether tiktoken's merge rule splits a learned vocabulary's corpus words
//! as the learned merge list does, proven from the training itself.
//!
//! A byte-level vocabulary is also written as a `.tiktoken` file, rank = id.
//! tiktoken merges, at each step, the adjacent pair whose merged string has
//! the lowest rank; HF's BPE merges the adjacent pair that comes first in the
//! merge list. Ids are given in merge order, so the two rules order the pairs
//! that both know alike, and at any step they make the same choice unless a
//! pair adjacent there is known to one rule only:
//! - a merge into a string that already existed (its id is older than its
//!   place in the list, so the rules order it differently), or
//! - a pair that spells a token made from another pair (tiktoken merges it;
//!   the list has no such merge).
//!
//! Training takes every word through each state the merge list takes it
//! through, so the pairs that were ever adjacent are known. When none of them
//! is of either kind, and no word is itself a token that its merges do not
//! reach (tiktoken looks a whole word up before merging), every word splits
//! alike, without encoding one. Otherwise the words are encoded both ways.

use rayon::prelude::*;
use rustc_hash::FxHashSet;

use crate::train::pairs::Pair;
use crate::train::symbols::SymbolTable;

/// How tiktoken's rule compares with the merge list on the corpus words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RankSplits {
    /// Every corpus word splits alike under both rules.
    Alike,
    /// Not proven: each corpus word, in [`crate::train::WordCounts::sorted`]
    /// order, as the merge list splits it, to compare word by word.
    Unproven(Vec<Vec<u32>>),
}

/// Whether no pair in `met` splits a word differently under the two rules.
/// `merges` are the learned merges, the first of which made symbol
/// `first_merged`; `met` holds every pair that became adjacent while they
/// were made (the alphabet's own pairs need not be in it: two characters
/// spell only the token their merge made).
pub(crate) fn pairs_alike(
    table: &SymbolTable,
    merges: &[(u32, u32, u32)],
    first_merged: u32,
    met: &[Pair],
) -> bool {
    let made_new = merges
        .iter()
        .zip(first_merged..)
        .all(|(&(_, _, merged), id)| merged == id);
    if !made_new {
        return false;
    }
    // Every other way to spell a merged token as two tokens: the pairs of
    // the second kind. Found by splitting the few merged tokens at every
    // character, rather than by spelling each of the many met pairs. Special
    // tokens, older than every merge, are not split: neither rule merges
    // into them.
    let other_spellings: FxHashSet<Pair> = merges
        .par_iter()
        .flat_map_iter(|&(a, b, merged)| {
            let text = table.text(merged);
            text.char_indices().skip(1).filter_map(move |(at, _)| {
                let (left, right) = text.split_at(at);
                let pair = (table.get(left)?, table.get(right)?);
                (pair != (a, b)).then_some(pair)
            })
        })
        .collect();
    other_spellings.is_empty() || !met.par_iter().any(|pair| other_spellings.contains(pair))
}

/// Whether every word that is itself a token ends training as that one
/// token: `lengths` are the words' symbol counts after training, in the
/// order of `words`.
pub(crate) fn whole_words_reached(
    table: &SymbolTable,
    words: &[(&str, u64)],
    lengths: &[u32],
) -> bool {
    let longest = table.longest();
    words
        .par_iter()
        .zip(lengths)
        .all(|(&(word, _), &n)| n == 1 || word.len() > longest || table.get(word).is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::bpe::merge::Scratch;
    use crate::models::bpe::trainer::{train_comparing_ranks, BpeTrainerOptions};
    use crate::models::bpe::BpeModel;
    use crate::models::rng::Rng;
    use crate::train::WordCounts;

    /// Each word's ids under `model`.
    fn encode_all(model: &BpeModel, words: &[&str]) -> Vec<Vec<u32>> {
        let mut scratch = Scratch::default();
        words
            .iter()
            .map(|w| {
                let mut ids = Vec::new();
                model
                    .encode_piece(w.as_bytes(), &mut scratch, &mut ids)
                    .unwrap();
                ids
            })
            .collect()
    }

    /// On random corpora of few letters, where the two rules often part, a
    /// proof is never claimed for a vocabulary where some word splits
    /// differently; and the words given when unproven are the merges' split.
    #[test]
    fn alike_only_when_every_word_splits_alike() {
        let mut rng = Rng::new(11);
        let mut next = |n: u64| rng.next_u64() % n;
        let mut proven = 0;
        for round in 0..600 {
            let letters = ["a", "b", "c", "d"];
            let alphabet = 2 + next(3);
            let mut counts = WordCounts::default();
            for _ in 0..(2 + next(25)) {
                let len = 1 + next(12);
                let word: String = (0..len).map(|_| letters[next(alphabet) as usize]).collect();
                counts.words.add(&word, 1 + next(6));
            }
            let options = BpeTrainerOptions {
                vocab_size: 4 + next(30) as usize,
                ..BpeTrainerOptions::default()
            };
            let Ok((vocabulary, splits)) = train_comparing_ranks(&counts, &options) else {
                continue;
            };
            let ids = || (0u32..).zip(&vocabulary.tokens);
            let ranks = ids().map(|(id, t)| (t.as_bytes().to_vec(), id)).collect();
            let by_rank = BpeModel::from_ranks(ranks).unwrap();
            let vocab = ids().map(|(id, t)| (t.as_bytes().to_vec(), id)).collect();
            let by_list = BpeModel::from_merges(vocab, &vocabulary.merges, false).unwrap();
            let words: Vec<&str> = counts.sorted().into_iter().map(|(w, _)| w).collect();
            let alike = encode_all(&by_rank, &words) == encode_all(&by_list, &words);
            match splits {
                RankSplits::Alike => {
                    assert!(alike, "round {round}: {:?}", counts.sorted());
                    proven += 1;
                }
                RankSplits::Unproven(segmented) => {
                    let no_reuse = vocabulary.tokens.len() - vocabulary.merges.len()
                        == vocabulary.alphabet_size;
                    if no_reuse {
                        assert_eq!(segmented, encode_all(&by_list, &words), "round {round}");
                    }
                }
            }
        }
        assert!(proven > 300, "proven {proven}");
    }

    /// `a b c` with merges `a b`, `b c`, `ab c`.
    fn abc() -> (SymbolTable, Vec<(u32, u32, u32)>) {
        let mut table = SymbolTable::default();
        for s in ["a", "b", "c", "ab", "bc", "abc"] {
            table.insert(s).unwrap();
        }
        (table, vec![(0, 1, 3), (1, 2, 4), (3, 2, 5)])
    }

    #[test]
    fn a_pair_spelling_a_token_made_otherwise_is_not_alike() {
        let (table, merges) = abc();
        // `a bc` spells `abc`, which `ab c` made: tiktoken would merge it.
        assert!(!pairs_alike(&table, &merges, 3, &[(0, 4)]));
        assert!(pairs_alike(&table, &merges, 3, &[(3, 2), (2, 0), (5, 5)]));
    }

    #[test]
    fn a_merge_into_an_existing_string_is_not_alike() {
        let (table, mut merges) = abc();
        merges.push((0, 4, 5));
        assert!(!pairs_alike(&table, &merges, 3, &[]));
    }

    #[test]
    fn a_word_that_is_a_token_must_end_as_it() {
        let (table, _) = abc();
        let words = [("abc", 1), ("ca", 4)];
        assert!(!whole_words_reached(&table, &words, &[2, 2]));
        assert!(whole_words_reached(&table, &words, &[1, 2]));
    }
}
