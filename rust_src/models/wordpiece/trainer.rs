//! WordPiece vocabulary learning (Schuster & Nakajima 2012, as used for BERT):
//! start from the characters, then repeatedly merge the adjacent pair of
//! symbols that most raises the likelihood of the corpus under a unigram model
//! of the symbols, i.e. the pair with the highest
//! `count(ab) / (count(a) * count(b))`, counts weighted by word frequency.
//!
//! Unlike BPE's raw pair frequency, the score prefers pairs whose parts rarely
//! occur apart. Merging `(a, b)` lowers `count(a)` and `count(b)`, which
//! RAISES the score of every other pair holding `a` or `b`; those pairs get
//! fresh heap entries, found through the per-symbol pair sets. Only the words
//! holding the merged pair are rewritten, found through the per-pair word
//! lists. Every choice is a total order over pairs, so the result does not
//! depend on hash-map order or thread count.
//!
//! On the 6.7 MB of `shared/data/corpus` split at whitespace (87k distinct
//! words, 10k alphabet symbols), learning 30522 entries takes about 1 s and
//! 136 MB peak RSS with counting; HF `WordPieceTrainer` (BPE counts) takes
//! about 11 s and 320 MB on the same machine.

use std::cmp::Ordering;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{Error, Result};
use crate::train::alphabet::CharCorpus;
use crate::train::heap::Heap;
use crate::train::pairs::{Pair, PairIndex};
use crate::train::symbols::SymbolTable;
use crate::train::{progress, WordCounts};

/// What to learn and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordPieceTrainerOptions {
    /// Size of the vocabulary to reach (special tokens and alphabet included).
    /// Training stops earlier when no pair qualifies any more.
    pub vocab_size: usize,
    /// A pair is merged only if it occurs at least this many times.
    pub min_frequency: u64,
    /// Tokens placed first in the vocabulary, in this order.
    pub special_tokens: Vec<String>,
    /// Keep only this many characters (the most frequent); words holding any
    /// other character take no part in learning.
    pub limit_alphabet: Option<usize>,
    /// Marks a piece that continues a word (`##` in BERT).
    pub continuing_subword_prefix: String,
    /// Draw a progress bar over the merges on stderr (only on a terminal).
    pub progress: bool,
}

impl Default for WordPieceTrainerOptions {
    /// BERT's settings: 30522 entries, `[PAD] [UNK] [CLS] [SEP] [MASK]`, `##`.
    fn default() -> Self {
        WordPieceTrainerOptions {
            vocab_size: 30522,
            min_frequency: 2,
            special_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
                .map(String::from)
                .to_vec(),
            limit_alphabet: None,
            continuing_subword_prefix: "##".to_owned(),
            progress: false,
        }
    }
}

/// Learns a WordPiece vocabulary from word counts; returns it in id order:
/// the special tokens, then the alphabet (word-initial characters `c`, then
/// continuing characters `##c`, each by frequency, then code point), then the
/// learned pieces in the order they were learned. No string appears twice.
///
/// Fails with [`Error::InvalidArgument`] when `vocab_size` cannot hold the
/// special tokens and the alphabet, and [`Error::Training`] when there are no
/// words.
pub fn train(counts: &WordCounts, options: &WordPieceTrainerOptions) -> Result<Vec<String>> {
    let mut learner = Learner::new(counts, options)?;
    let initial = learner.vocab.len();
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
    let bar = progress::bar(
        (options.vocab_size - initial) as u64,
        options.progress,
        "merging",
        false,
    );
    while learner.vocab.len() < options.vocab_size {
        if !learner.step()? {
            break;
        }
        bar.set_position((learner.vocab.len() - initial) as u64);
    }
    bar.finish_and_clear();
    Ok(learner.vocab)
}

/// A heap entry: the pair with its key when it was pushed.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: f64,
    count: i64,
    pair: Pair,
    /// [`prefix_key`] of the two symbols: settles most string tie-breaks
    /// without reading the strings (they took 17% of training time).
    keys: (u64, u64),
}

/// Higher score first, then higher pair count, then the lexicographically
/// smaller pair of strings.
fn compare(symbols: &SymbolTable, x: &Candidate, y: &Candidate) -> Ordering {
    let string = |a: u32, b: u32| {
        if a == b {
            Ordering::Equal
        } else {
            symbols.text(a).cmp(symbols.text(b))
        }
    };
    x.score
        .total_cmp(&y.score)
        .then(x.count.cmp(&y.count))
        .then(y.keys.0.cmp(&x.keys.0))
        .then_with(|| string(y.pair.0, x.pair.0))
        .then(y.keys.1.cmp(&x.keys.1))
        .then_with(|| string(y.pair.1, x.pair.1))
}

/// The first 8 bytes of `text`, zero-padded, big-endian: when two keys
/// differ they order as the strings do; when equal the strings decide.
fn prefix_key(text: &str) -> u64 {
    let mut bytes = [0u8; 8];
    for (slot, &b) in bytes.iter_mut().zip(text.as_bytes()) {
        *slot = b;
    }
    u64::from_be_bytes(bytes)
}

/// The heap key of a pair seen `count` times: its likelihood score
/// `count(ab) / (count(a) * count(b))` and its count; `None` below
/// `min_count`.
fn key(symbol_counts: &[i64], min_count: i64, pair: Pair, count: i64) -> Option<(f64, i64)> {
    if count < min_count {
        return None;
    }
    let a = symbol_counts[pair.0 as usize] as f64;
    let b = symbol_counts[pair.1 as usize] as f64;
    Some((count as f64 / (a * b), count))
}

fn is_greater(key: (f64, i64), than: (f64, i64)) -> bool {
    key.0.total_cmp(&than.0).then(key.1.cmp(&than.1)) == Ordering::Greater
}

/// Rebuild the heap once stale entries outnumber live pairs by this factor,
/// which bounds its memory at a few times the pair table.
const HEAP_SLACK: usize = 4;

struct Learner<'a> {
    options: &'a WordPieceTrainerOptions,
    /// Pairs rarer than this are never merged.
    min_count: i64,
    symbols: SymbolTable,
    /// [`prefix_key`] of each symbol.
    symbol_keys: Vec<u64>,
    /// Occurrences of each symbol in the current segmentation.
    symbol_counts: Vec<i64>,
    /// Pairs each symbol currently takes part in.
    symbol_pairs: Vec<FxHashSet<Pair>>,
    /// The words as symbols, with pair counts and positions.
    index: PairIndex,
    /// Key of the highest heap entry pushed for each pair and maybe still
    /// queued, so a rise in score pushes a fresh entry and nothing else does.
    pushed: FxHashMap<Pair, (f64, i64)>,
    heap: Heap<Candidate>,
    vocab: Vec<String>,
    in_vocab: FxHashSet<String>,
    /// Pairs whose count changed in the last merge (reused buffer).
    changed: Vec<Pair>,
}

impl<'a> Learner<'a> {
    /// Seeds the alphabet, the words as characters and the pair statistics.
    fn new(counts: &WordCounts, options: &'a WordPieceTrainerOptions) -> Result<Self> {
        let words = counts.sorted();
        if words.iter().all(|(w, _)| w.is_empty()) {
            return Err(Error::Training(
                "empty corpus: there are no words to learn from".to_owned(),
            ));
        }
        let chars = CharCorpus::new(&words, options.limit_alphabet);

        // Alphabet: word-initial characters, then continuing ones, each by
        // frequency, then code point.
        let mut alphabet: Vec<(bool, i64, char, usize)> = Vec::new();
        for (id, &c) in chars.chars.iter().enumerate() {
            for (continues, freq) in [(false, chars.initial[id]), (true, chars.continuing[id])] {
                if freq > 0 {
                    alphabet.push((continues, freq, c, id));
                }
            }
        }
        alphabet.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)).then(x.2.cmp(&y.2)));

        let mut learner = Learner {
            options,
            min_count: i64::try_from(options.min_frequency.max(1)).unwrap_or(i64::MAX),
            symbols: SymbolTable::default(),
            symbol_keys: Vec::new(),
            symbol_counts: Vec::new(),
            symbol_pairs: Vec::new(),
            index: PairIndex::new([])?,
            pushed: FxHashMap::default(),
            heap: Heap::new(),
            vocab: Vec::new(),
            in_vocab: FxHashSet::default(),
            changed: Vec::new(),
        };
        for token in &options.special_tokens {
            learner.add_to_vocab(token);
        }
        // Symbol of each character id, word-initial and continuing.
        let mut initial = vec![0u32; chars.chars.len()];
        let mut continuing = vec![0u32; chars.chars.len()];
        for &(continues, _, c, id) in &alphabet {
            if continues {
                continuing[id] =
                    learner.symbol(&format!("{}{c}", options.continuing_subword_prefix))?;
            } else {
                initial[id] = learner.symbol(&c.to_string())?;
            }
        }
        let mut words = chars.words;
        for (symbols, count) in &mut words {
            for (i, s) in symbols.iter_mut().enumerate() {
                let table = if i == 0 { &initial } else { &continuing };
                *s = table[*s as usize];
                let n = &mut learner.symbol_counts[*s as usize];
                *n = n.saturating_add(*count);
            }
        }
        learner.index = PairIndex::new(words.iter().map(|(w, c)| (&w[..], *c)))?;
        let pairs: Vec<Pair> = learner.index.pairs().map(|(p, _)| p).collect();
        for pair in pairs {
            learner.symbol_pairs[pair.0 as usize].insert(pair);
            learner.symbol_pairs[pair.1 as usize].insert(pair);
        }
        learner.rebuild_heap();
        Ok(learner)
    }

    /// The id of the symbol spelled `text`, created (and added to the
    /// vocabulary) when new.
    fn symbol(&mut self, text: &str) -> Result<u32> {
        let (id, new) = self.symbols.insert(text)?;
        if new {
            self.add_to_vocab(text);
            self.symbol_keys.push(prefix_key(text));
            self.symbol_counts.push(0);
            self.symbol_pairs.push(FxHashSet::default());
        }
        Ok(id)
    }

    fn add_to_vocab(&mut self, text: &str) {
        if self.in_vocab.insert(text.to_owned()) {
            self.vocab.push(text.to_owned());
        }
    }

    /// The current key of a pair, if it may be merged.
    fn key(&self, pair: Pair) -> Option<(f64, i64)> {
        key(
            &self.symbol_counts,
            self.min_count,
            pair,
            self.index.count(pair),
        )
    }

    /// One entry per mergeable pair, dropping every stale entry.
    fn rebuild_heap(&mut self) {
        let keyed: Vec<(Pair, (f64, i64))> = self
            .index
            .pairs()
            .filter_map(|(pair, _)| Some((pair, self.key(pair)?)))
            .collect();
        self.pushed = keyed.iter().copied().collect();
        let candidates = keyed
            .into_iter()
            .map(|(pair, key)| self.candidate(pair, key))
            .collect();
        let symbols = &self.symbols;
        self.heap = Heap::from_vec(candidates, &|x, y| compare(symbols, x, y));
    }

    fn candidate(&self, pair: Pair, (score, count): (f64, i64)) -> Candidate {
        Candidate {
            score,
            count,
            pair,
            keys: (
                self.symbol_keys[pair.0 as usize],
                self.symbol_keys[pair.1 as usize],
            ),
        }
    }

    /// Pushes a fresh entry for `pair` if its key rose above its queued one.
    fn refresh(&mut self, pair: Pair) {
        let Some(key) = self.key(pair) else {
            return;
        };
        if self
            .pushed
            .get(&pair)
            .is_some_and(|&queued| !is_greater(key, queued))
        {
            return;
        }
        self.pushed.insert(pair, key);
        let candidate = self.candidate(pair, key);
        let symbols = &self.symbols;
        self.heap.push(candidate, &|x, y| compare(symbols, x, y));
    }

    /// Merges the best pair; false when no pair qualifies.
    fn step(&mut self) -> Result<bool> {
        loop {
            let symbols = &self.symbols;
            let Some(top) = self.heap.pop(&|x, y| compare(symbols, x, y)) else {
                return Ok(false);
            };
            match self.key(top.pair) {
                Some(key) if key.0 == top.score && key.1 == top.count => {
                    self.merge(top.pair)?;
                    if self.heap.len() > HEAP_SLACK * self.index.pair_entries() + (1 << 16) {
                        self.rebuild_heap();
                    }
                    return Ok(true);
                }
                // The entry overstated the pair (its count fell): queue the
                // true key. An understated entry cannot be on top, since a
                // rise always pushes a fresh entry; re-queueing covers it too.
                Some(key) => {
                    self.pushed.insert(top.pair, key);
                    let candidate = self.candidate(top.pair, key);
                    let symbols = &self.symbols;
                    self.heap.push(candidate, &|x, y| compare(symbols, x, y));
                }
                None => {
                    self.pushed.remove(&top.pair);
                }
            }
        }
    }

    /// Replaces every occurrence of `pair` by its concatenation and updates
    /// the counts of the pairs and symbols around each occurrence.
    fn merge(&mut self, pair: Pair) -> Result<()> {
        let (a, b) = pair;
        let prefix = Some(self.options.continuing_subword_prefix.as_str());
        let m = self.symbol(&self.symbols.merged(a, b, prefix))?;
        let mut changed = std::mem::take(&mut self.changed);
        changed.clear();
        let merged_count = self.index.merge(pair, m, &mut changed);
        self.symbol_counts[a as usize] -= merged_count;
        self.symbol_counts[b as usize] -= merged_count;
        self.symbol_counts[m as usize] += merged_count;
        for &p in &changed {
            if self.index.count(p) > 0 {
                self.symbol_pairs[p.0 as usize].insert(p);
                self.symbol_pairs[p.1 as usize].insert(p);
            } else {
                self.symbol_pairs[p.0 as usize].remove(&p);
                self.symbol_pairs[p.1 as usize].remove(&p);
                self.pushed.remove(&p);
            }
        }
        // The pairs whose count changed, and every pair of a and b, whose
        // scores rose when a and b lost the merged occurrences.
        let mut touched = changed;
        touched.extend(self.symbol_pairs[a as usize].iter().copied());
        touched.extend(self.symbol_pairs[b as usize].iter().copied());
        // Sorted: the heap's shape, hence nothing else, depends on push order.
        touched.sort_unstable();
        touched.dedup();
        for &p in &touched {
            self.refresh(p);
        }
        self.changed = touched;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(words: &[(&str, u64)]) -> WordCounts {
        WordCounts {
            words: words.iter().map(|&(w, c)| (w.to_owned(), c)).collect(),
            ..WordCounts::default()
        }
    }

    fn options(vocab_size: usize, min_frequency: u64) -> WordPieceTrainerOptions {
        WordPieceTrainerOptions {
            vocab_size,
            min_frequency,
            special_tokens: Vec::new(),
            ..WordPieceTrainerOptions::default()
        }
    }

    /// The learner spelled out: every step recounts everything and scores
    /// every pair. Slow and obviously right, for checking the fast one.
    fn naive(words: &[(&str, u64)], options: &WordPieceTrainerOptions) -> Vec<String> {
        let prefix = options.continuing_subword_prefix.as_str();
        let mut words: Vec<(Vec<String>, u64)> = words
            .iter()
            .map(|&(w, c)| {
                let symbols = w
                    .chars()
                    .enumerate()
                    .map(|(i, ch)| {
                        if i == 0 {
                            ch.to_string()
                        } else {
                            format!("{prefix}{ch}")
                        }
                    })
                    .collect();
                (symbols, c)
            })
            .collect();
        let mut vocab: Vec<String> = options.special_tokens.clone();
        let mut initial: Vec<(String, u64)> = Vec::new();
        let mut continuing: Vec<(String, u64)> = Vec::new();
        for (symbols, c) in &words {
            for (i, s) in symbols.iter().enumerate() {
                let list = if i == 0 {
                    &mut initial
                } else {
                    &mut continuing
                };
                match list.iter_mut().find(|(x, _)| x == s) {
                    Some(entry) => entry.1 += c,
                    None => list.push((s.clone(), *c)),
                }
            }
        }
        for mut list in [initial, continuing] {
            list.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            for (s, _) in list {
                if !vocab.contains(&s) {
                    vocab.push(s);
                }
            }
        }
        while vocab.len() < options.vocab_size {
            let mut symbol_counts: Vec<(String, u64)> = Vec::new();
            let mut pair_counts: Vec<((String, String), u64)> = Vec::new();
            for (symbols, c) in &words {
                for s in symbols {
                    match symbol_counts.iter_mut().find(|(x, _)| x == s) {
                        Some(entry) => entry.1 += c,
                        None => symbol_counts.push((s.clone(), *c)),
                    }
                }
                for pair in symbols.windows(2) {
                    let pair = (pair[0].clone(), pair[1].clone());
                    match pair_counts.iter_mut().find(|(x, _)| *x == pair) {
                        Some(entry) => entry.1 += c,
                        None => pair_counts.push((pair, *c)),
                    }
                }
            }
            let count_of = |s: &str| symbol_counts.iter().find(|(x, _)| x == s).unwrap().1;
            let best = pair_counts
                .iter()
                .filter(|(_, c)| *c >= options.min_frequency.max(1))
                .map(|((a, b), c)| {
                    let score = *c as f64 / (count_of(a) as f64 * count_of(b) as f64);
                    (score, *c, a.clone(), b.clone())
                })
                .max_by(|x, y| {
                    x.0.total_cmp(&y.0)
                        .then(x.1.cmp(&y.1))
                        .then_with(|| (&y.2, &y.3).cmp(&(&x.2, &x.3)))
                });
            let Some((_, _, a, b)) = best else { break };
            let merged = format!("{a}{}", b.strip_prefix(prefix).unwrap_or(&b));
            for (symbols, _) in &mut words {
                let mut out = Vec::new();
                let mut i = 0;
                while i < symbols.len() {
                    if i + 1 < symbols.len() && symbols[i] == a && symbols[i + 1] == b {
                        out.push(merged.clone());
                        i += 2;
                    } else {
                        out.push(symbols[i].clone());
                        i += 1;
                    }
                }
                *symbols = out;
            }
            if !vocab.contains(&merged) {
                vocab.push(merged);
            }
        }
        vocab
    }

    #[test]
    fn picks_by_likelihood_not_frequency() {
        // count(a) = 10, count(##b) = 5, count(ab) = 5: score 5 / 50 = 0.1.
        // count(x) = 3, count(##y) = 3, count(xy) = 3: score 3 / 9 = 0.33.
        // BPE would merge the more frequent "ab" first; WordPiece takes "xy".
        let corpus = counts(&[("ab", 5), ("a", 5), ("xy", 3)]);
        let vocab = train(&corpus, &options(5, 1)).unwrap();
        assert_eq!(vocab, ["a", "x", "##b", "##y", "xy"]);
        // Then "ab"; then no pair is left, so training stops short of 100.
        let vocab = train(&corpus, &options(100, 1)).unwrap();
        assert_eq!(vocab, ["a", "x", "##b", "##y", "xy", "ab"]);
    }

    #[test]
    fn a_merge_raises_the_scores_of_the_other_pairs_of_its_symbols() {
        // Counts: a 5, ##b 3, ##c 4, e 2, x 4, ##y 2 (alphabet in that order
        // by frequency: a x e, then ##c ##b ##y).
        // Scores: (e,##c) 2/8 = .25, (x,##y) 2/8 = .25, (a,##b) 3/15 = .2,
        // (a,##c) 2/20 = .1. Tie at .25 with equal counts: ("e","##c") is
        // the smaller pair, so "ec" first. That leaves count(##c) = 2 and
        // raises (a,##c) to 2/10 = .2. Next "xy" (.25). Then (a,##b) and
        // (a,##c) tie at .2 and the higher count (3) wins: "ab", leaving
        // count(a) = 2 and (a,##c) at 2/4 = .5: "ac".
        let corpus = counts(&[("ab", 3), ("ac", 2), ("ec", 2), ("xy", 2), ("x", 2)]);
        let vocab = train(&corpus, &options(100, 1)).unwrap();
        assert_eq!(
            vocab,
            ["a", "x", "e", "##c", "##b", "##y", "ec", "xy", "ab", "ac"]
        );
    }

    #[test]
    fn continuing_pieces_keep_one_prefix() {
        // (##b,##c) and (a,##b) both score 2 / 4 with count 2; "##b" sorts
        // before "a", so "##bc" comes first, then "a" + "##bc" = "abc".
        let corpus = counts(&[("abc", 2)]);
        let vocab = train(&corpus, &options(100, 1)).unwrap();
        assert_eq!(vocab, ["a", "##b", "##c", "##bc", "abc"]);
    }

    #[test]
    fn min_frequency_bars_rare_pairs() {
        // (a,##b) scores 1 / 1, above (c,##d) at 2 / 4, but occurs once.
        let corpus = counts(&[("ab", 1), ("cd", 2)]);
        let vocab = train(&corpus, &options(100, 2)).unwrap();
        assert_eq!(vocab, ["c", "a", "##d", "##b", "cd"]);
        let vocab = train(&corpus, &options(100, 1)).unwrap();
        assert_eq!(vocab, ["c", "a", "##d", "##b", "ab", "cd"]);
    }

    #[test]
    fn specials_come_first_and_are_never_duplicated() {
        let corpus = counts(&[("[", 3), ("ab", 2), ("a", 1)]);
        let options = WordPieceTrainerOptions {
            special_tokens: vec!["[UNK]".into(), "a".into(), "[UNK]".into()],
            ..options(100, 1)
        };
        let vocab = train(&corpus, &options).unwrap();
        assert_eq!(vocab, ["[UNK]", "a", "[", "##b", "ab"]);
    }

    #[test]
    fn limit_alphabet_drops_rare_characters_and_their_words() {
        let corpus = counts(&[("ab", 5), ("az", 1), ("zz", 1)]);
        let options = WordPieceTrainerOptions {
            limit_alphabet: Some(2),
            ..options(100, 1)
        };
        let vocab = train(&corpus, &options).unwrap();
        assert_eq!(vocab, ["a", "##b", "ab"]);
    }

    #[test]
    fn vocab_too_small_says_what_it_needs() {
        let corpus = counts(&[("abc", 2), ("d", 1)]);
        let options = WordPieceTrainerOptions {
            vocab_size: 6,
            ..WordPieceTrainerOptions::default()
        };
        let err = train(&corpus, &options).unwrap_err();
        let message = err.to_string();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
        assert!(message.contains("vocab_size 6"), "{message}");
        assert!(message.contains("5 special tokens"), "{message}");
        assert!(message.contains("4 alphabet symbols"), "{message}");
        // Exactly enough room: nothing learned, no error.
        let options = WordPieceTrainerOptions {
            vocab_size: 9,
            ..options
        };
        assert_eq!(train(&corpus, &options).unwrap().len(), 9);
    }

    #[test]
    fn empty_counts_are_a_training_error() {
        let err = train(&counts(&[]), &WordPieceTrainerOptions::default()).unwrap_err();
        assert!(matches!(err, Error::Training(ref m) if m.contains("empty corpus")));
    }

    #[test]
    fn same_vocabulary_whatever_the_thread_count() {
        use crate::train::{count_words, CorpusOptions};
        // About 1.5 MB of pseudo-words built from syllables: two chunks.
        let syllables = ["ka", "ri", "to", "me", "su", "nö", "ba", "ll", "猫", "x"];
        let mut x: u64 = 3;
        let mut text = String::new();
        while text.len() < 3 << 19 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            for k in 0..1 + (x >> 62) {
                text.push_str(syllables[((x >> (8 * k + 20)) % 10) as usize]);
            }
            text.push(if x >> 58 == 0 { '\n' } else { ' ' });
        }
        let dir = std::env::temp_dir().join(format!("tokkit-wp-threads-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("corpus.txt");
        std::fs::write(&path, &text).unwrap();
        let split = |line: &str, emit: &mut dyn FnMut(&str)| {
            for word in line.split_whitespace() {
                emit(word);
            }
            Ok(())
        };
        let vocab = |threads| {
            let corpus = CorpusOptions {
                num_threads: Some(threads),
                ..CorpusOptions::default()
            };
            let counts = count_words(std::slice::from_ref(&path), &split, &corpus).unwrap();
            let options = WordPieceTrainerOptions {
                vocab_size: 3000,
                ..WordPieceTrainerOptions::default()
            };
            train(&counts, &options).unwrap()
        };
        let one = vocab(1);
        assert!(one.len() > 100, "{}", one.len());
        assert_eq!(one, vocab(4));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn result_does_not_depend_on_map_order() {
        let words: Vec<(String, u64)> = (0..400u64)
            .map(|i| (format!("w{}x{}", i % 37, i % 11), 1 + i % 5))
            .collect();
        let forward = WordCounts {
            words: words.iter().cloned().collect(),
            ..WordCounts::default()
        };
        let mut backward = WordCounts::default();
        backward.words.reserve(5000);
        for (w, c) in words.iter().rev() {
            backward.words.insert(w.clone(), *c);
        }
        let options = options(80, 2);
        assert_eq!(
            train(&forward, &options).unwrap(),
            train(&backward, &options).unwrap()
        );
    }

    #[test]
    fn agrees_with_the_naive_learner_on_random_corpora() {
        let mut x: u64 = 99;
        let mut next = |n: u64| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        for round in 0..60 {
            let letters = ["a", "b", "c", "d", "é"];
            let alphabet = 2 + next(4);
            let mut words: Vec<(String, u64)> = Vec::new();
            for _ in 0..(5 + next(40)) {
                let len = 1 + next(9);
                let word: String = (0..len).map(|_| letters[next(alphabet) as usize]).collect();
                if !words.iter().any(|(w, _)| *w == word) {
                    words.push((word, 1 + next(6)));
                }
            }
            let words: Vec<(&str, u64)> = words.iter().map(|(w, c)| (w.as_str(), *c)).collect();
            let options = WordPieceTrainerOptions {
                vocab_size: 8 + next(60) as usize,
                min_frequency: next(4),
                special_tokens: vec!["[UNK]".into()],
                // An empty prefix makes initial and continuing symbols
                // collide, which exercises symbol reuse.
                continuing_subword_prefix: if round % 3 == 0 { "" } else { "##" }.into(),
                ..WordPieceTrainerOptions::default()
            };
            let expected = naive(&words, &options);
            let got = train(&counts(&words), &options);
            if expected.len() > options.vocab_size {
                assert!(matches!(got, Err(Error::InvalidArgument(_))));
                continue;
            }
            let got = got.unwrap();
            assert_eq!(got, expected, "round {round}: {words:?}");
            let unique: FxHashSet<&String> = got.iter().collect();
            assert_eq!(unique.len(), got.len());
        }
    }
}
