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

use rustc_hash::{FxHashMap, FxHashSet};

use crate::error::{Error, Result};
use crate::train::heap::Heap;
use crate::train::pairs::{too_many, Pair, PairIndex};
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
    let words = counts.sorted();
    if words.iter().all(|(w, _)| w.is_empty()) {
        return Err(Error::Training(
            "empty corpus: there are no words to learn from".to_owned(),
        ));
    }
    let mut symbols = Symbols::default();
    for token in &options.special_tokens {
        symbols.id(token, 0);
    }
    let alphabet = alphabet(&words, options);
    for &c in &alphabet {
        symbols.id(&c.to_string(), 1);
    }
    let encoded = encode_words(&words, options, &mut symbols)?;
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
    let mut learner = Learner::new(symbols, &encoded, options)?;
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
    Ok(BpeVocabulary {
        tokens: learner.symbols.strings,
        merges: learner.merges,
        alphabet_size: alphabet.len(),
    })
}

/// The characters to start from, in code-point order: every character of
/// the words and the initial alphabet, cut to `limit_alphabet` by dropping
/// the least frequent (the initial alphabet last, ties: larger code point
/// first).
fn alphabet(words: &[(&str, u64)], options: &BpeTrainerOptions) -> Vec<char> {
    let mut freq: FxHashMap<char, u64> = FxHashMap::default();
    for &(word, count) in words {
        for c in word.chars() {
            let n = freq.entry(c).or_insert(0);
            *n = n.saturating_add(count);
        }
    }
    for &c in &options.initial_alphabet {
        freq.insert(c, u64::MAX);
    }
    let mut chars: Vec<(char, u64)> = freq.into_iter().collect();
    if let Some(limit) = options.limit_alphabet {
        if chars.len() > limit {
            chars.sort_unstable_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
            chars.truncate(limit);
        }
    }
    let mut chars: Vec<char> = chars.into_iter().map(|(c, _)| c).collect();
    chars.sort_unstable();
    chars
}

/// The words as symbol ids: each character of the alphabet (others are
/// dropped, as HF drops them), prefixed when it does not start the word and
/// suffixed when it ends it; new prefixed / suffixed symbols join the
/// vocabulary as they are first met.
fn encode_words(
    words: &[(&str, u64)],
    options: &BpeTrainerOptions,
    symbols: &mut Symbols,
) -> Result<Vec<(Vec<u32>, i64)>> {
    let prefix = options.continuing_subword_prefix.as_deref();
    let suffix = options.end_of_word_suffix.as_deref();
    let mut single: FxHashMap<char, Option<u32>> = FxHashMap::default();
    let mut spelled = String::new();
    let mut encoded = Vec::with_capacity(words.len());
    for &(word, count) in words {
        let mut ids = Vec::with_capacity(word.len());
        let last = word.chars().count().saturating_sub(1);
        for (i, c) in word.chars().enumerate() {
            let plain = *single
                .entry(c)
                .or_insert_with(|| symbols.get(c.encode_utf8(&mut [0; 4])));
            let Some(plain) = plain else { continue };
            let decorate_start = i > 0 && prefix.is_some();
            let decorate_end = i == last && suffix.is_some();
            if !decorate_start && !decorate_end {
                ids.push(plain);
                continue;
            }
            spelled.clear();
            if decorate_start {
                spelled.push_str(prefix.unwrap_or_default());
            }
            spelled.push(c);
            if decorate_end {
                spelled.push_str(suffix.unwrap_or_default());
            }
            ids.push(symbols.id(&spelled, 1));
        }
        encoded.push((ids, i64::try_from(count).unwrap_or(i64::MAX)));
    }
    if symbols.len() >= u32::MAX as usize {
        return Err(too_many("symbols"));
    }
    Ok(encoded)
}

/// The vocabulary as it grows: id to string and back, and each symbol's
/// length in characters of the words (prefixes and suffixes not counted).
#[derive(Default)]
struct Symbols {
    strings: Vec<String>,
    ids: FxHashMap<String, u32>,
    lengths: Vec<usize>,
}

impl Symbols {
    fn get(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    /// The id of `text`, added with `length` when new.
    fn id(&mut self, text: &str, length: usize) -> u32 {
        if let Some(id) = self.get(text) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(text.to_owned());
        self.ids.insert(text.to_owned(), id);
        self.lengths.push(length);
        id
    }

    fn len(&self) -> usize {
        self.strings.len()
    }

    fn length(&self, id: u32) -> usize {
        self.lengths.get(id as usize).copied().unwrap_or(0)
    }
}

/// A heap entry: a pair with its count when pushed.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    count: i64,
    pair: Pair,
}

/// Higher count first, then the smaller pair of ids.
fn compare(x: &Candidate, y: &Candidate) -> Ordering {
    x.count.cmp(&y.count).then(y.pair.cmp(&x.pair))
}

/// Rebuild the heap once stale entries outnumber pairs by this factor,
/// which bounds its memory at a few times the pair table.
const HEAP_SLACK: usize = 4;

struct Learner<'a> {
    options: &'a BpeTrainerOptions,
    symbols: Symbols,
    index: PairIndex,
    heap: Heap<Candidate>,
    merges: Vec<(u32, u32, u32)>,
    /// Pairs rarer than this end training.
    min_count: i64,
    /// Pairs whose count changed in the last merge (reused buffer).
    changed: Vec<Pair>,
}

impl<'a> Learner<'a> {
    fn new(
        symbols: Symbols,
        words: &[(Vec<u32>, i64)],
        options: &'a BpeTrainerOptions,
    ) -> Result<Self> {
        let index = PairIndex::new(words)?;
        let mut learner = Learner {
            options,
            symbols,
            index,
            heap: Heap::new(),
            merges: Vec::new(),
            min_count: i64::try_from(options.min_frequency.max(1)).unwrap_or(i64::MAX),
            changed: Vec::new(),
        };
        learner.rebuild_heap();
        Ok(learner)
    }

    /// Whether merging `pair` keeps within `max_token_length`.
    fn short_enough(&self, pair: Pair) -> bool {
        self.options
            .max_token_length
            .is_none_or(|max| self.symbols.length(pair.0) + self.symbols.length(pair.1) <= max)
    }

    fn rebuild_heap(&mut self) {
        let candidates: Vec<Candidate> = self
            .index
            .pairs()
            .filter(|&(pair, count)| count > 0 && self.short_enough(pair))
            .map(|(pair, count)| Candidate { count, pair })
            .collect();
        self.heap = Heap::from_vec(candidates, &compare);
    }

    /// Makes the best merge; false when no pair qualifies.
    fn step(&mut self) -> Result<bool> {
        loop {
            let Some(top) = self.heap.pop(&compare) else {
                return Ok(false);
            };
            let count = self.index.count(top.pair);
            if count != top.count {
                // Counts only fall without a fresh entry being pushed, so a
                // stale entry overstates its pair: queue the true count.
                if count > 0 {
                    self.heap.push(
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
        let left = &self.symbols.strings[a as usize];
        let right = &self.symbols.strings[b as usize];
        let right = match &self.options.continuing_subword_prefix {
            Some(prefix) => right.strip_prefix(prefix.as_str()).unwrap_or(right),
            None => right,
        };
        let text = format!("{left}{right}");
        let length = self.symbols.length(a) + self.symbols.length(b);
        if self.symbols.len() >= u32::MAX as usize {
            return Err(too_many("symbols"));
        }
        let merged = self.symbols.id(&text, length);
        self.merges.push((a, b, merged));
        let mut changed = std::mem::take(&mut self.changed);
        changed.clear();
        self.index.merge(pair, merged, &mut changed);
        changed.sort_unstable();
        changed.dedup();
        for &p in &changed {
            let count = self.index.count(p);
            // Only pairs holding the new symbol can have risen, and each
            // needs a fresh entry; a pair whose count fell is corrected when
            // its stale entry comes up.
            let rose = p.0 == merged || p.1 == merged;
            if rose && count > 0 && p != pair && self.short_enough(p) {
                self.heap.push(Candidate { count, pair: p }, &compare);
            }
        }
        self.changed = changed;
        if self.heap.len() > HEAP_SLACK * self.index.pair_entries() + (1 << 16) {
            self.rebuild_heap();
        }
        Ok(())
    }
}
