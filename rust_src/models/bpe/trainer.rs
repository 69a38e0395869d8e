//! BPE vocabulary learning (Sennrich et al. 2016), with the semantics of HF
//! `tokenizers`' `BpeTrainer`, so a vocabulary trained here is the one HF
//! would train, id for id and merge for merge:
//!
//! - ids: special tokens first, then the alphabet in code-point order, then
//!   the prefixed / suffixed forms of its characters as words first use them,
//!   then each merge's new string in the order merges are made;
//! - each step merges the pair with the highest count, ties going to the
//!   smaller `(left id, right id)`; a pair below `min_frequency` ends
//!   training;
//! - a merge whose string already exists reuses its id, and is still
//!   recorded as a merge.
//!
//! Where HF is wrong or random, the rule here is exact and fixed instead:
//! counts are `u64` (HF's `i32` wraps past 2^31), a count never goes below
//! zero (HF's can, after `max_token_length` skipped a pair, and then merges it
//! first), `max_token_length` allows tokens of exactly that many characters
//! (HF stops one short), alphabet ties under `limit_alphabet` keep the
//! smaller code point, and prefixed / suffixed characters take ids in sorted
//! word order (HF: hash order). When a merge reaches an existing string, a
//! pair of that string may already exist; HF then merges it in two rounds
//! (the words of each queue entry apart), tokkit everywhere at once.

use std::cmp::Ordering;

use rustc_hash::FxHashSet;

use super::corpus_symbols::{alphabet, encode_words, Symbols};
use super::rank_splits::{pairs_alike, whole_words_reached, RankSplits};
use crate::error::{Error, Result};
use crate::train::pairs::{Pair, PairIndex};
use crate::train::queue::{Candidate, CountQueue};
use crate::train::{progress, WordCounts};

/// What to learn and how (HF `BpeTrainer`'s options).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpeTrainerOptions {
    /// Size of the vocabulary to reach (special tokens and alphabet
    /// included). Training stops earlier when no pair qualifies any more.
    pub vocab_size: usize,
    /// Training stops when the most frequent pair occurs fewer times.
    pub min_frequency: u64,
    /// Tokens placed first in the vocabulary, in this order.
    pub special_tokens: Vec<String>,
    /// Keep at most this many characters (the most frequent; the
    /// `initial_alphabet` first); others are dropped from the words.
    pub limit_alphabet: Option<usize>,
    /// Characters always in the alphabet, seen in the corpus or not.
    pub initial_alphabet: Vec<char>,
    /// No token longer than this many characters is formed.
    pub max_token_length: Option<usize>,
    /// Marks a symbol that continues a word (`##`).
    pub continuing_subword_prefix: Option<String>,
    /// Marks a symbol that ends a word (`</w>`).
    pub end_of_word_suffix: Option<String>,
    /// Draw a progress bar over the merges on stderr (only on a terminal).
    pub progress: bool,
}

impl Default for BpeTrainerOptions {
    /// HF's defaults: 30000 entries, no special tokens, no limits.
    fn default() -> Self {
        BpeTrainerOptions {
            vocab_size: 30000,
            min_frequency: 0,
            special_tokens: Vec::new(),
            limit_alphabet: None,
            initial_alphabet: Vec::new(),
            max_token_length: None,
            continuing_subword_prefix: None,
            end_of_word_suffix: None,
            progress: false,
        }
    }
}

/// A learned BPE vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BpeVocabulary {
    /// Token strings in id order.
    pub tokens: Vec<String>,
    /// The merges in the order they were learned: the ids of the two parts
    /// and of the merged token.
    pub merges: Vec<(u32, u32, u32)>,
    /// Number of characters in the alphabet.
    pub alphabet_size: usize,
}

/// Learns a BPE vocabulary from word counts.
///
/// Fails with [`Error::InvalidArgument`] when `vocab_size` cannot hold the
/// special tokens and the alphabet, and [`Error::Training`] when there are no
/// words.
pub fn train(counts: &WordCounts, options: &BpeTrainerOptions) -> Result<BpeVocabulary> {
    learn(counts, options, false, |_, _, _| ()).map(|(vocabulary, ())| vocabulary)
}

/// Learns as [`train`] does, and tells whether tiktoken's rule, with rank =
/// id, splits every corpus word as the learned merges do (see
/// [`rank_splits`](super::rank_splits)).
pub fn train_comparing_ranks(
    counts: &WordCounts,
    options: &BpeTrainerOptions,
) -> Result<(BpeVocabulary, RankSplits)> {
    learn(counts, options, true, |learner, words, first| {
        learner.rank_splits(words, first)
    })
}

/// Learns from `counts`; `finish` reads the learner's final state with the
/// words in training order and the first merged id. `compare_ranks` keeps
/// what [`Learner::rank_splits`] needs.
fn learn<T>(
    counts: &WordCounts,
    options: &BpeTrainerOptions,
    compare_ranks: bool,
    finish: impl FnOnce(&Learner, &[(&str, u64)], u32) -> T,
) -> Result<(BpeVocabulary, T)> {
    let words = counts.sorted();
    if words.iter().all(|(w, _)| w.is_empty()) {
        return Err(Error::Training(
            "empty corpus: there are no words to learn from".to_owned(),
        ));
    }
    let mut symbols = Symbols::default();
    for token in &options.special_tokens {
        symbols.id(token, 0)?;
    }
    let specials = symbols.len();
    let alphabet = alphabet(&words, options);
    for &c in &alphabet {
        symbols.id(&c.to_string(), 1)?;
    }
    // A character named like a special token is that token, which tiktoken's
    // ranks leave out.
    let alphabet_apart = symbols.len() == specials + alphabet.len();
    let spelled = encode_words(&words, options, &mut symbols)?;
    let initial = symbols.len();
    if initial > options.vocab_size {
        let specials = options
            .special_tokens
            .iter()
            .collect::<FxHashSet<_>>()
            .len();
        return Err(Error::InvalidArgument(format!(
            "vocab_size {} is too small: the {specials} special tokens and the {} alphabet \
             symbols already take {initial} entries; raise vocab_size or set limit_alphabet",
            options.vocab_size,
            initial - specials,
        )));
    }
    // The proof of rank splits needs merged strings to be their parts'
    // strings one after the other, and the words spelled in full.
    let undecorated =
        options.continuing_subword_prefix.is_none() && options.end_of_word_suffix.is_none();
    let record_met = compare_ranks && undecorated && alphabet_apart && spelled.every_char_kept;
    let mut learner = Learner::new(symbols, spelled.index, options, record_met)?;
    let bar = progress::bar(
        (options.vocab_size - initial) as u64,
        options.progress,
        "merging",
        false,
    );
    while learner.symbols.len() < options.vocab_size && learner.step()? {
        bar.set_position((learner.symbols.len() - initial) as u64);
    }
    bar.finish_and_clear();
    let finished = finish(&learner, &words, initial as u32);
    let vocabulary = BpeVocabulary {
        tokens: learner.symbols.table.into_strings(),
        merges: learner.merges,
        alphabet_size: alphabet.len(),
    };
    Ok((vocabulary, finished))
}

/// Higher count first, then the smaller pair of ids.
fn compare(x: &Candidate, y: &Candidate) -> Ordering {
    x.count.cmp(&y.count).then(y.pair.cmp(&x.pair))
}

/// Rebuild the queue once stale entries outnumber pairs by this factor,
/// which bounds its memory at a few times the pair table.
const QUEUE_SLACK: usize = 4;

struct Learner<'a> {
    options: &'a BpeTrainerOptions,
    symbols: Symbols,
    index: PairIndex,
    queue: CountQueue,
    merges: Vec<(u32, u32, u32)>,
    /// Pairs rarer than this end training.
    min_count: i64,
    /// Pairs whose count changed in the last merge (reused buffer).
    changed: Vec<Pair>,
    /// Every pair that became adjacent in a merge, when kept for
    /// [`Learner::rank_splits`].
    met: Option<Vec<Pair>>,
}

impl<'a> Learner<'a> {
    fn new(
        symbols: Symbols,
        index: PairIndex,
        options: &'a BpeTrainerOptions,
        record_met: bool,
    ) -> Result<Self> {
        let mut learner = Learner {
            options,
            symbols,
            index,
            queue: CountQueue::new(Vec::new()),
            merges: Vec::new(),
            min_count: i64::try_from(options.min_frequency.max(1)).unwrap_or(i64::MAX),
            changed: Vec::new(),
            met: record_met.then(Vec::new),
        };
        learner.rebuild_queue();
        Ok(learner)
    }

    /// Whether merging `pair` keeps within `max_token_length`.
    fn short_enough(&self, pair: Pair) -> bool {
        self.options
            .max_token_length
            .is_none_or(|max| self.symbols.length(pair.0) + self.symbols.length(pair.1) <= max)
    }

    fn rebuild_queue(&mut self) {
        let candidates: Vec<Candidate> = self
            .index
            .pairs()
            .filter(|&(pair, count)| count > 0 && self.short_enough(pair))
            .map(|(pair, count)| Candidate { count, pair })
            .collect();
        self.queue = CountQueue::new(candidates);
    }

    /// Makes the best merge; false when no pair qualifies.
    fn step(&mut self) -> Result<bool> {
        loop {
            let Some(top) = self.queue.pop(&compare) else {
                return Ok(false);
            };
            let count = self.index.count(top.pair);
            if count != top.count {
                // Counts only fall without a fresh entry being pushed, so a
                // stale entry overstates its pair: queue the true count.
                if count > 0 {
                    self.queue.push(
                        Candidate {
                            count,
                            pair: top.pair,
                        },
                        &compare,
                    );
                }
                continue;
            }
            if count < self.min_count {
                return Ok(false);
            }
            self.merge(top.pair)?;
            return Ok(true);
        }
    }

    fn merge(&mut self, pair: Pair) -> Result<()> {
        let (a, b) = pair;
        let prefix = self.options.continuing_subword_prefix.as_deref();
        let text = self.symbols.table.merged(a, b, prefix);
        let length = self.symbols.length(a) + self.symbols.length(b);
        let merged = self.symbols.id(&text, length)?;
        self.merges.push((a, b, merged));
        let mut changed = std::mem::take(&mut self.changed);
        changed.clear();
        self.index.merge(pair, merged, &mut changed);
        // Only pairs holding the new symbol can have risen, and each needs a
        // fresh entry; a pair whose count fell is corrected when its stale
        // entry comes up.
        for &p in changed.iter().filter(|p| p.0 == merged || p.1 == merged) {
            if let Some(met) = self.met.as_mut() {
                met.push(p);
            }
            let count = self.index.count(p);
            if count > 0 && self.short_enough(p) {
                self.queue.push(Candidate { count, pair: p }, &compare);
            }
        }
        self.changed = changed;
        if self.queue.len() > QUEUE_SLACK * self.index.pair_entries() + (1 << 16) {
            self.rebuild_queue();
        }
        Ok(())
    }
}

impl Learner<'_> {
    /// How tiktoken's rule compares with the merges on `words` (the corpus
    /// words in training order), `first_merged` being the first merged id.
    fn rank_splits(&self, words: &[(&str, u64)], first_merged: u32) -> RankSplits {
        let table = &self.symbols.table;
        let proven = self.met.as_deref().is_some_and(|met| {
            let (alike, reached) = rayon::join(
                || pairs_alike(table, &self.merges, first_merged, met),
                || whole_words_reached(table, words, &self.index.word_lengths()),
            );
            alike && reached
        });
        if proven {
            RankSplits::Alike
        } else {
            RankSplits::Unproven(self.index.words())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::rng::Rng;
    use rustc_hash::FxHashMap;

    fn counts(words: &[(&str, u64)]) -> WordCounts {
        WordCounts {
            words: words.iter().copied().collect(),
            ..WordCounts::default()
        }
    }

    fn options(vocab_size: usize) -> BpeTrainerOptions {
        BpeTrainerOptions {
            vocab_size,
            ..BpeTrainerOptions::default()
        }
    }

    /// The merges as strings.
    fn merges(v: &BpeVocabulary) -> Vec<(String, String)> {
        let t = |id: u32| v.tokens[id as usize].clone();
        v.merges.iter().map(|&(a, b, _)| (t(a), t(b))).collect()
    }

    /// HF's rule spelled out: recount every pair at every step.
    fn naive(words: &[(&str, u64)], vocab_size: usize, min_frequency: u64) -> Vec<String> {
        let mut vocab: Vec<String> = words
            .iter()
            .flat_map(|(w, _)| w.chars().map(String::from))
            .collect();
        vocab.sort();
        vocab.dedup();
        let mut seqs: Vec<(Vec<usize>, u64)> = words
            .iter()
            .map(|&(w, c)| {
                let ids = w
                    .chars()
                    .map(|ch| vocab.iter().position(|v| *v == ch.to_string()).unwrap())
                    .collect();
                (ids, c)
            })
            .collect();
        while vocab.len() < vocab_size {
            let mut pairs: FxHashMap<(usize, usize), u64> = FxHashMap::default();
            for (seq, c) in &seqs {
                for w in seq.windows(2) {
                    *pairs.entry((w[0], w[1])).or_insert(0) += c;
                }
            }
            let Some((&(a, b), &count)) =
                pairs.iter().max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
            else {
                break;
            };
            if count < min_frequency.max(1) {
                break;
            }
            let text = format!("{}{}", vocab[a], vocab[b]);
            let m = match vocab.iter().position(|v| *v == text) {
                Some(m) => m,
                None => {
                    vocab.push(text);
                    vocab.len() - 1
                }
            };
            for (seq, _) in &mut seqs {
                let mut out = Vec::new();
                let mut i = 0;
                while i < seq.len() {
                    if i + 1 < seq.len() && (seq[i], seq[i + 1]) == (a, b) {
                        out.push(m);
                        i += 2;
                    } else {
                        out.push(seq[i]);
                        i += 1;
                    }
                }
                *seq = out;
            }
        }
        vocab
    }

    #[test]
    fn most_frequent_pair_first_ties_to_smaller_ids() {
        // (a, b) 3 and (b, c) 3 tie: the smaller ids, (a, b), win; then
        // (ab, c) 1 and (b, c) 2: (b, c).
        let v = train(&counts(&[("ab", 2), ("abc", 1), ("bc", 2)]), &options(5)).unwrap();
        assert_eq!(v.tokens, ["a", "b", "c", "ab", "bc"]);
        assert_eq!(v.alphabet_size, 3);
        let names = merges(&v);
        assert_eq!(names, [("a".into(), "b".into()), ("b".into(), "c".into())]);
    }

    #[test]
    fn a_merge_reaching_an_existing_string_reuses_its_id_and_is_recorded() {
        // The special token "ab" is id 0: merging (a, b) spells it, keeps
        // its id, adds no entry, and is still a merge; then (ab, c).
        let v = train(
            &counts(&[("abc", 2)]),
            &BpeTrainerOptions {
                special_tokens: vec!["ab".into()],
                ..options(5)
            },
        )
        .unwrap();
        assert_eq!(v.tokens, ["ab", "a", "b", "c", "abc"]);
        assert_eq!(v.merges, [(1, 2, 0), (0, 3, 4)]);
    }

    #[test]
    fn min_frequency_ends_training() {
        let v = train(
            &counts(&[("ab", 3), ("cd", 1)]),
            &BpeTrainerOptions {
                min_frequency: 2,
                ..options(100)
            },
        )
        .unwrap();
        assert_eq!(v.tokens, ["a", "b", "c", "d", "ab"]);
    }

    #[test]
    fn max_token_length_allows_exactly_that_length() {
        let v = train(
            &counts(&[("abcd", 5)]),
            &BpeTrainerOptions {
                max_token_length: Some(2),
                ..options(100)
            },
        )
        .unwrap();
        assert_eq!(v.tokens, ["a", "b", "c", "d", "ab", "cd"]);
    }

    #[test]
    fn limit_alphabet_drops_characters_not_words() {
        // z is the rarest: dropped from "az", the word still counts for "a".
        let v = train(
            &counts(&[("ab", 2), ("az", 1), ("b", 1)]),
            &BpeTrainerOptions {
                limit_alphabet: Some(2),
                ..options(100)
            },
        )
        .unwrap();
        assert_eq!(v.tokens, ["a", "b", "ab"]);
    }

    #[test]
    fn specials_first_and_never_twice() {
        let v = train(
            &counts(&[("ab", 2)]),
            &BpeTrainerOptions {
                special_tokens: vec!["<s>".into(), "a".into(), "<s>".into()],
                ..options(100)
            },
        )
        .unwrap();
        assert_eq!(v.tokens, ["<s>", "a", "b", "ab"]);
    }

    #[test]
    fn vocab_too_small_and_empty_corpus_are_errors() {
        let err = train(&counts(&[("abc", 1)]), &options(2)).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(ref m) if m.contains("vocab_size 2")));
        let err = train(&counts(&[]), &options(10)).unwrap_err();
        assert!(matches!(err, Error::Training(_)));
    }

    #[test]
    fn agrees_with_the_naive_learner_on_random_corpora() {
        let mut rng = Rng::new(7);
        let mut next = |n: u64| rng.next_u64() % n;
        for round in 0..80 {
            let letters = ["a", "b", "c", "é"];
            let alphabet = 1 + next(4);
            let mut words: Vec<(String, u64)> = Vec::new();
            for _ in 0..(3 + next(30)) {
                let len = 1 + next(10);
                let word: String = (0..len).map(|_| letters[next(alphabet) as usize]).collect();
                if !words.iter().any(|(w, _)| *w == word) {
                    words.push((word, 1 + next(5)));
                }
            }
            let words: Vec<(&str, u64)> = words.iter().map(|(w, c)| (w.as_str(), *c)).collect();
            let min_frequency = next(3);
            let vocab_size = 4 + next(40) as usize;
            let expected = naive(&words, vocab_size, min_frequency);
            let got = train(
                &counts(&words),
                &BpeTrainerOptions {
                    min_frequency,
                    ..options(vocab_size)
                },
            );
            match got {
                Ok(v) => assert_eq!(v.tokens, expected, "round {round}: {words:?}"),
                Err(e) => assert!(
                    matches!(e, Error::InvalidArgument(_)) && expected.len() > vocab_size,
                    "round {round}: {e:?}"
                ),
            }
        }
    }
}
