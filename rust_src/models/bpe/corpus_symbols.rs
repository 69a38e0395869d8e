//! Where BPE learning starts: the alphabet (cut to `limit_alphabet`), the
//! symbols it grows from, and every corpus word spelled in them, straight
//! into the pair index the learner merges in.

use crate::error::Result;
use crate::models::bpe::trainer::BpeTrainerOptions;
use crate::train::alphabet::CharMap;
use crate::train::pairs::PairIndex;
use crate::train::symbols::SymbolTable;

/// The characters to start from, in code-point order: every character of
/// the words and the initial alphabet, cut to `limit_alphabet` by dropping
/// the least frequent (the initial alphabet last, ties: larger code point
/// first).
pub(super) fn alphabet(words: &[(&str, u64)], options: &BpeTrainerOptions) -> Vec<char> {
    let mut freq: CharMap<u64> = CharMap::new();
    for &(word, count) in words {
        for c in word.chars() {
            let n = freq.get_or_insert_with(c, || 0);
            *n = n.saturating_add(count);
        }
    }
    for &c in &options.initial_alphabet {
        *freq.get_or_insert_with(c, || 0) = u64::MAX;
    }
    let mut chars: Vec<(char, u64)> = freq.into_entries().collect();
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

/// The corpus words spelled in symbol ids, indexed for learning.
pub(super) struct SpelledWords {
    pub(super) index: PairIndex,
    /// Whether every character of every word is in the alphabet.
    pub(super) every_char_kept: bool,
}

/// The words as symbol ids: each character of the alphabet (others are
/// dropped, as HF drops them), prefixed when it does not start the word and
/// suffixed when it ends it; new prefixed / suffixed symbols join the
/// vocabulary as they are first met.
pub(super) fn encode_words(
    words: &[(&str, u64)],
    options: &BpeTrainerOptions,
    symbols: &mut Symbols,
) -> Result<SpelledWords> {
    let prefix = options.continuing_subword_prefix.as_deref();
    let suffix = options.end_of_word_suffix.as_deref();
    let mut single: CharMap<Option<u32>> = CharMap::new();
    let mut spelled = String::new();
    let mut index = PairIndex::empty();
    let mut every_char_kept = true;
    let mut ids = Vec::new();
    for &(word, count) in words {
        ids.clear();
        for (i, (start, c)) in word.char_indices().enumerate() {
            let is_last = start + c.len_utf8() == word.len();
            let plain = *single.get_or_insert_with(c, || symbols.get(c.encode_utf8(&mut [0; 4])));
            let Some(plain) = plain else {
                every_char_kept = false;
                continue;
            };
            let decorate_start = i > 0 && prefix.is_some();
            let decorate_end = is_last && suffix.is_some();
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
            ids.push(symbols.id(&spelled, 1)?);
        }
        index.push_word(&ids, i64::try_from(count).unwrap_or(i64::MAX))?;
    }
    Ok(SpelledWords {
        index,
        every_char_kept,
    })
}

/// The vocabulary as it grows, with each symbol's length in characters of
/// the words (prefixes and suffixes not counted).
#[derive(Default)]
pub(super) struct Symbols {
    pub(super) table: SymbolTable,
    lengths: Vec<usize>,
}

impl Symbols {
    pub(super) fn get(&self, text: &str) -> Option<u32> {
        self.table.get(text)
    }

    /// The id of `text`, added with `length` when new.
    pub(super) fn id(&mut self, text: &str, length: usize) -> Result<u32> {
        let (id, new) = self.table.insert(text)?;
        if new {
            self.lengths.push(length);
        }
        Ok(id)
    }

    pub(super) fn len(&self) -> usize {
        self.table.len()
    }

    pub(super) fn length(&self, id: u32) -> usize {
        self.lengths.get(id as usize).copied().unwrap_or(0)
    }
}
