//! sentencepiece's BPE learner (`bpe_model_trainer.cc`, Sennrich et al.
//! 2016): the most frequent adjacent pair that makes a valid piece is merged
//! until the vocabulary is full, then the required characters follow.
//!
//! sentencepiece rescans a set of "active" pairs (the top 5%, refreshed every
//! 100 merges) and recounts stale ones from their positions; here the
//! counts are kept exact by [`PairIndex`] (the repo's BPE bookkeeping) and
//! the best pair comes from a lazily invalidated [`CountQueue`], so a merge
//! costs its occurrences and a few queue operations. The choice is sentencepiece's:
//! highest count, then fewest characters, then the smaller string (UTF-8
//! bytes), and a merge whose string is already a piece is dropped unmerged.
//! sentencepiece's restriction to the active set changes nothing as long as
//! the best pair is in it, which held in every comparison made (the same
//! pieces and scores as sentencepiece 0.2.3 on botchan up to 8000 pieces, a
//! Chinese novel, six UDHR languages, and 6 MB of all the shared corpora at
//! 8000 and 20000 pieces).
//!
//! Only pairs that may become pieces are indexed: each symbol keeps its
//! [`PieceShape`], and a pair's validity comes from its two shapes. On the
//! 8 MB mix at 32,000 pieces a sixth of the pairs are invalid (mixed
//! scripts, mostly); left out, the pair table stays half the size. Pushing
//! only pairs whose count rose (falls are caught when the stale entry comes
//! out) keeps the queue small.

use rayon::prelude::*;
use rustc_hash::FxHashSet;

use crate::error::Result;
use crate::models::spm_trainers::room;
use crate::threads;
use crate::train::alphabet::CharMap;
use crate::train::pairs::{Pair, PairIndex};
use crate::train::queue::{Candidate, CountQueue};
use crate::train::spm::meta::MetaPieces;
use crate::train::spm::options::SpmOptions;
use crate::train::spm::pieces::{learning_words, PieceShape, UNK_CHAR};
use crate::train::word_counts::head;

/// The id of a character not given one yet.
const UNSEEN: u32 = u32::MAX;

/// The symbols (characters, then merged pieces) by id.
#[derive(Default)]
struct Symbols {
    text: Vec<String>,
    /// Length in characters (also in `shape`: here in a table of its own,
    /// small and cached, for the candidates' order).
    chars: Vec<u32>,
    /// The first eight bytes of the text ([`head`]).
    head: Vec<u64>,
    /// What decides which pairs may become pieces.
    shape: Vec<PieceShape>,
}

impl Symbols {
    fn push(&mut self, text: String, shape: PieceShape) -> u32 {
        self.head.push(head(&text));
        self.text.push(text);
        self.chars
            .push(u32::try_from(shape.chars()).unwrap_or(u32::MAX));
        self.shape.push(shape);
        (self.text.len() - 1) as u32
    }

    /// The shape of the pair's joined text.
    fn joined_shape(&self, (a, b): Pair) -> Option<PieceShape> {
        Some(
            self.shape
                .get(a as usize)?
                .join(self.shape.get(b as usize)?),
        )
    }

    /// Whether the pair's joined text may be a piece.
    fn is_valid(&self, pair: Pair, options: &SpmOptions) -> bool {
        self.joined_shape(pair)
            .is_some_and(|shape| shape.is_valid(options))
    }

    fn text(&self, id: u32) -> &str {
        self.text.get(id as usize).map_or("", String::as_str)
    }

    fn chars(&self, (a, b): Pair) -> u32 {
        let len = |id: u32| self.chars.get(id as usize).copied().unwrap_or(0);
        len(a) + len(b)
    }

    /// The [`head`] of the pair's joined text.
    fn joined_head(&self, (a, b): Pair) -> u64 {
        let head = |id: u32| self.head.get(id as usize).copied().unwrap_or(0);
        let len = self.text(a).len();
        if len >= 8 {
            head(a)
        } else {
            head(a) | head(b).checked_shr(8 * len as u32).unwrap_or(0)
        }
    }

    /// sentencepiece's order of candidates, best greatest.
    fn order(&self, x: &Candidate, y: &Candidate) -> std::cmp::Ordering {
        let spelled = |(a, b): Pair| [self.text(a).as_bytes(), self.text(b).as_bytes()];
        // Two pairs can spell the same string (`aa a` and `a aa`);
        // sentencepiece then takes the symbol it allocated first. A pair is
        // new when its later symbol is: adjacencies change only by merging,
        // and a merge's new neighbours all hold the merged symbol. (Within
        // one merge sentencepiece goes by position; here by the other
        // symbol.)
        let born = |(a, b): Pair| (a.max(b), a.min(b));
        // Ties of count and length are common: most are settled by the
        // texts' first bytes, kept by id in one table, without reading the
        // texts themselves (a cache miss each).
        (x.count.cmp(&y.count))
            .then_with(|| self.chars(y.pair).cmp(&self.chars(x.pair)))
            .then_with(|| self.joined_head(y.pair).cmp(&self.joined_head(x.pair)))
            .then_with(|| cmp_joined(spelled(y.pair), spelled(x.pair)))
            .then_with(|| born(y.pair).cmp(&born(x.pair)))
    }
}

/// Words per [`Spelled`] part.
const SPELLED_PART: usize = 1 << 14;

/// Words as symbol ids, one after another in one buffer.
#[derive(Default)]
struct Spelled {
    ids: Vec<u32>,
    /// Where each word ends in `ids`, and its count.
    words: Vec<(usize, i64)>,
}

impl Spelled {
    fn iter(&self) -> impl Iterator<Item = (&[u32], i64)> + Clone {
        let starts = std::iter::once(0).chain(self.words.iter().map(|w| w.0));
        (starts.zip(&self.words)).map(|(start, &(end, count))| (&self.ids[start..end], count))
    }
}

/// Compares `x[0] + x[1]` with `y[0] + y[1]` as byte strings, a run of
/// bytes at a time, without joining them (the candidates' order compares
/// spellings at every tie of count and length: a byte at a time, that was a
/// tenth of learning).
fn cmp_joined(x: [&[u8]; 2], y: [&[u8]; 2]) -> std::cmp::Ordering {
    let (mut x, mut y) = (x, y);
    loop {
        if x[0].is_empty() {
            x = [x[1], &[]];
        }
        if y[0].is_empty() {
            y = [y[1], &[]];
        }
        if x[0].is_empty() || y[0].is_empty() {
            return x[0].len().cmp(&y[0].len());
        }
        let n = x[0].len().min(y[0].len());
        let (head_x, rest_x) = x[0].split_at(n);
        let (head_y, rest_y) = y[0].split_at(n);
        match head_x.cmp(head_y) {
            std::cmp::Ordering::Equal => (x[0], y[0]) = (rest_x, rest_y),
            unequal => return unequal,
        }
    }
}

/// The learned pieces of sentencepiece's BPE on `sentences` (normalized,
/// with counts, as `LoadSentences` leaves them), in id order with their
/// scores (minus the rank): the merges, then the `required_chars` in their
/// order. Once no pair occurs, the pairs that did follow unmerged, as in
/// sentencepiece; fewer pieces come back only when those run out too.
pub fn learn(
    sentences: &[(String, u64)],
    required_chars: &[(char, u64)],
    meta: &MetaPieces,
    options: &SpmOptions,
) -> Result<Vec<(String, f32)>> {
    let target = room(options, meta, required_chars.len())?;
    let pool = threads::pool(options.num_threads.unwrap_or(0))?;
    let words = pool.install(|| learning_words(sentences, options));
    let mut symbols = Symbols::default();
    // LoadSentences leaves only the required characters and the unknown
    // mark; any other character gets an id too, so nothing is lost.
    let mut chars: CharMap<u32> = CharMap::new();
    let mut insert = |chars: &mut CharMap<u32>, c: char| {
        chars.get_or_insert_with(c, || {
            symbols.push(c.to_string(), PieceShape::of_char(c, options))
        });
    };
    for c in (required_chars.iter().map(|&(c, _)| c)).chain([UNK_CHAR]) {
        insert(&mut chars, c);
    }
    // A slice of the words spelled end to end in one buffer: a buffer per
    // word was an allocation and a free for each of half a million words.
    let spell = |chars: &CharMap<u32>, words: &[(&str, u64)]| -> Spelled {
        let mut part = Spelled::default();
        for &(word, count) in words {
            part.ids
                .extend(word.chars().map(|c| chars.get(c).unwrap_or(UNSEEN)));
            part.words
                .push((part.ids.len(), i64::try_from(count).unwrap_or(i64::MAX)));
        }
        part
    };
    let spell_all = |chars: &CharMap<u32>| -> Vec<Spelled> {
        pool.install(|| {
            (words.par_chunks(SPELLED_PART))
                .map(|part| spell(chars, part))
                .collect()
        })
    };
    let mut spelled = spell_all(&chars);
    if spelled.iter().any(|part| part.ids.contains(&UNSEEN)) {
        for c in words.iter().flat_map(|(word, _)| word.chars()) {
            insert(&mut chars, c);
        }
        spelled = spell_all(&chars);
    }
    // Only the pairs that may become pieces are indexed: the others (a
    // sixth of the mix's pairs, mixing scripts or holding a mark) would
    // only be counted.
    let keeps = |symbols: &Symbols, pair: Pair| symbols.is_valid(pair, options);
    let mut index = PairIndex::new_keeping(spelled.iter().flat_map(Spelled::iter), &|pair| {
        keeps(&symbols, pair)
    })?;
    drop(spelled);
    // The merges' new pairs take the table to about 2.5 times the corpus's
    // own by 32k pieces (1.4 times by 8k, 2.5 by 64k on the 8 MB mix): room
    // made once spares growing it twice, each time faulting in a new table
    // while the old one is still held. (Made before indexing, the room
    // slowed indexing more: the table no longer stayed in cache.)
    index.reserve_pairs(index.pair_entries() * 3 / 2);
    let initial: Vec<Candidate> = (index.pairs())
        .filter(|&(_, count)| count > 0)
        .map(|(pair, count)| Candidate { count, pair })
        .collect();
    let mut queue = CountQueue::new(initial);
    // Not sized by `target`: vocab_size can be far beyond what a corpus gives.
    let mut pieces: Vec<(String, f32)> = Vec::new();
    let mut seen: FxHashSet<String> = FxHashSet::default();
    let mut done: FxHashSet<Pair> = FxHashSet::default();
    let mut changed: Vec<Pair> = Vec::new();
    let mut gone: Vec<Pair> = Vec::new();
    while pieces.len() < target {
        let Some(best) = queue.pop(&|x: &Candidate, y: &Candidate| symbols.order(x, y)) else {
            break;
        };
        if done.contains(&best.pair) {
            continue;
        }
        let count = index.count(best.pair);
        if count == 0 {
            // Gone for good: a pair comes back only with a new symbol in it.
            done.insert(best.pair);
            gone.push(best.pair);
            continue;
        }
        if count != best.count {
            let fresh = Candidate {
                count,
                pair: best.pair,
            };
            queue.push(fresh, &|x: &Candidate, y: &Candidate| symbols.order(x, y));
            continue;
        }
        done.insert(best.pair);
        let text = format!("{}{}", symbols.text(best.pair.0), symbols.text(best.pair.1));
        // The same string reached by another pair ("aaa" as aa+a and a+aa):
        // sentencepiece drops the pair without merging it.
        if !seen.insert(text.clone()) {
            continue;
        }
        let Some(shape) = symbols.joined_shape(best.pair) else {
            continue;
        };
        let merged = symbols.push(text.clone(), shape);
        pieces.push((text, -(pieces.len() as f32)));
        changed.clear();
        index.merge_keeping(best.pair, merged, &mut changed, &|pair| {
            keeps(&symbols, pair)
        });
        // Only the new pairs (next to the merged symbol) gained: a pair whose
        // count fell keeps its old entry, which comes out early, is seen to
        // be stale and goes back in with its count.
        for &pair in changed.iter().filter(|p| p.0 == merged || p.1 == merged) {
            let count = index.count(pair);
            if count <= 0 {
                // Made and unmade within this merge (in "1111", (11, 1)
                // before the second 11): sentencepiece made its symbol all
                // the same.
                if done.insert(pair) {
                    gone.push(pair);
                }
                continue;
            }
            queue.push(
                Candidate { count, pair },
                &|x: &Candidate, y: &Candidate| symbols.order(x, y),
            );
        }
    }
    if pieces.len() < target {
        // No pair occurs any more, yet sentencepiece goes on: the pairs that
        // once occurred keep their symbols, with a count of 0, and are taken
        // in its order (fewest characters, then bytes) without merging
        // anything, until the vocabulary is full.
        let zero = |pair: Pair| Candidate { count: 0, pair };
        gone.sort_unstable_by(|&x, &y| symbols.order(&zero(y), &zero(x)));
        for pair in gone {
            if pieces.len() == target {
                break;
            }
            let text = format!("{}{}", symbols.text(pair.0), symbols.text(pair.1));
            if seen.insert(text.clone()) {
                pieces.push((text, -(pieces.len() as f32)));
            }
        }
    }
    for &(c, _) in required_chars {
        pieces.push((c.to_string(), -(pieces.len() as f32)));
    }
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::spm::sentences::sort_by_count;
    use rustc_hash::FxHashMap;

    #[test]
    fn joined_spellings_compare_as_their_concatenations() {
        let words = ["", "a", "ab", "abc", "b", "ba", "\u{ff}", "a\u{0}"];
        for x0 in words {
            for x1 in words {
                for y0 in words {
                    for y1 in words {
                        let joined = |a: &str, b: &str| format!("{a}{b}").into_bytes();
                        let expected = joined(x0, x1).cmp(&joined(y0, y1));
                        let got = cmp_joined(
                            [x0.as_bytes(), x1.as_bytes()],
                            [y0.as_bytes(), y1.as_bytes()],
                        );
                        assert_eq!(got, expected, "{x0:?}+{x1:?} vs {y0:?}+{y1:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn joined_heads_never_contradict_the_texts() {
        let words = [
            "",
            "a",
            "ab",
            "a\u{0}",
            "\u{ff}",
            "▁",
            "▁a",
            "abcdefg",
            "abcdefgh",
            "abcdefghi",
            "abcdefgz",
            "b",
        ];
        let mut symbols = Symbols::default();
        // Shapes only decide validity, which this test does not read.
        let options = SpmOptions::default();
        for w in words {
            let shape = (w.chars().map(|c| PieceShape::of_char(c, &options)))
                .reduce(|a, b| a.join(&b))
                .unwrap_or_else(|| PieceShape::of_char('a', &options));
            symbols.push(w.to_string(), shape);
        }
        let n = words.len() as u32;
        for x in (0..n).flat_map(|a| (0..n).map(move |b| (a, b))) {
            for y in (0..n).flat_map(|a| (0..n).map(move |b| (a, b))) {
                let joined = |(a, b): Pair| format!("{}{}", words[a as usize], words[b as usize]);
                let heads = symbols.joined_head(x).cmp(&symbols.joined_head(y));
                if heads.is_ne() {
                    assert_eq!(heads, joined(x).cmp(&joined(y)), "{x:?} vs {y:?}");
                }
            }
        }
    }

    fn run(sentences: &[(&str, u64)], vocab_size: u32) -> Vec<(String, f32)> {
        let options = SpmOptions {
            model_type: crate::formats::spm_model::ModelType::Bpe,
            vocab_size,
            ..SpmOptions::default()
        };
        let meta = MetaPieces::new(&options).unwrap();
        let sentences: Vec<(String, u64)> =
            sentences.iter().map(|(s, n)| (s.to_string(), *n)).collect();
        let mut chars: FxHashMap<char, u64> = FxHashMap::default();
        for (s, n) in &sentences {
            for c in s.chars() {
                *chars.entry(c).or_default() += n;
            }
        }
        let mut chars: Vec<(char, u64)> = chars.into_iter().collect();
        sort_by_count(&mut chars);
        learn(&sentences, &chars, &meta, &options).unwrap()
    }

    fn names(pieces: &[(String, f32)]) -> Vec<&str> {
        pieces.iter().map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn most_frequent_valid_pair_first_then_the_characters() {
        // ▁ab ×3, ▁ac ×1: (▁, a) 4, (a, b) 3, (a, c) 1. Merging ▁a takes a's
        // pairs; then (▁a, b) 3. The characters follow by count, then code
        // point (a before ▁).
        let got = run(&[("▁ab▁ab", 1), ("▁ab▁ac", 1)], 3 + 2 + 4);
        assert_eq!(names(&got), ["▁a", "▁ab", "a", "▁", "b", "c"]);
        let scores: Vec<f32> = got.iter().map(|p| p.1).collect();
        assert_eq!(scores, [-0.0, -1.0, -2.0, -3.0, -4.0, -5.0]);
    }

    #[test]
    fn ties_go_to_the_shorter_then_the_smaller_string() {
        // (▁, x) and (▁, y) and (x, y)... every pair occurs twice.
        let got = run(&[("▁xy", 2), ("▁yx", 2)], 3 + 3 + 2);
        // Counts: ▁x 2, xy 2, ▁y 2, yx 2: all two characters, so bytes
        // decide: "xy" < "yx" < "▁x" (▁ is three bytes from 0xE2).
        assert_eq!(names(&got)[..2], ["xy", "yx"]);
    }

    #[test]
    fn overlapping_pairs_merge_left_to_right() {
        // "▁aaa": (a, a) twice in one word but merged once, left to right,
        // giving ▁ aa a; then (aa, a) beats (▁, aa) on bytes. Merged right
        // to left, (▁, a) would have come second.
        let got = run(&[("▁aaa", 5)], 3 + 3 + 2);
        assert_eq!(names(&got)[..3], ["aa", "aaa", "▁aaa"]);
    }

    #[test]
    fn invalid_pieces_are_never_merged() {
        // Digits and letters are different scripts; ▁ only starts a piece.
        let got = run(&[("▁a1▁a1▁a1", 1)], 3 + 1 + 3);
        assert_eq!(names(&got), ["▁a", "1", "a", "▁"]);
    }

    #[test]
    fn pairs_that_no_longer_occur_fill_the_vocabulary_unmerged() {
        // "▁111" merges to one symbol in three steps (11, 111, ▁111); then
        // sentencepiece takes the vanished pairs ▁1 and ▁11 by length.
        let got = run(&[("▁111", 1)], 3 + 2 + 5);
        assert_eq!(names(&got), ["11", "111", "▁111", "▁1", "▁11", "1", "▁"]);
    }

    #[test]
    fn pairs_made_and_unmade_in_one_merge_count_as_made() {
        // "▁1111": (1, 1) merges at 1 and 3; (11, 1) exists between the two.
        let got = run(&[("▁1111", 1)], 3 + 2 + 6);
        assert_eq!(
            names(&got),
            ["11", "▁11", "▁1111", "▁1", "111", "1111", "1", "▁"]
        );
    }
}
