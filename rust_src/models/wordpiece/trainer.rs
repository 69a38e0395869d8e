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
mod tests;
