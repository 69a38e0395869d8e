//! The sentences a sentencepiece learner starts from (google/sentencepiece
//! `trainer_interface.cc` `LoadSentences`): each distinct line normalized,
//! meta pieces cut out, the alphabet chosen by character coverage, and every
//! character outside it replaced by `▅`.
//!
//! sentencepiece keeps every line of the corpus in memory; here a line is
//! kept once with its count. Every learner gives the same pieces either way:
//! Unigram's seed substrings are weighted by the count, and the EM and BPE
//! steps work on word counts.

use std::cmp::Reverse;
use std::path::PathBuf;

use aho_corasick::{AhoCorasick, MatchKind};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::formats::spm_model::ModelType;
use crate::normalize::spm::{SpmNormalized, SpmNormalizer};
use crate::threads;
use crate::train::alphabet::CharMap;
use crate::train::spm::meta::MetaPieces;
use crate::train::spm::options::SpmOptions;
use crate::train::spm::order;
use crate::train::spm::pieces::{BOUNDARY, UNK_CHAR};
use crate::train::word_counts::head;

/// Normalized sentences and the alphabet.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SpmSentences {
    /// Normalized sentences (characters outside the alphabet replaced by
    /// `▅`, meta pieces by U+001F) with their counts. For Unigram, distinct
    /// and sorted by count (highest first), then by bytes; for the other
    /// learners, which only count their words or characters, in no
    /// particular order and possibly repeated.
    pub sentences: Vec<(String, u64)>,
    /// The alphabet with each character's count, sorted as sentencepiece's
    /// `Sorted(required_chars_)`: count (highest first), then character.
    pub required_chars: Vec<(char, u64)>,
    /// Lines left out because they hold `▅`, which sentencepiece reserves.
    pub reserved_lines: u64,
    /// The sentence spm_train's seed buffer would end with, when the corpus
    /// order is known ([`crate::train::spm::order`]).
    pub last: Option<String>,
}

/// Sorts `(key, count)` pairs as sentencepiece's `Sorted`: count highest
/// first, then key.
pub fn sort_by_count<K: Ord, C: PartialOrd>(items: &mut [(K, C)]) {
    items.sort_unstable_by(|a, b| {
        b.1.partial_cmp(&a.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.0.cmp(&b.0))
    });
}

/// [`sort_by_count`] for texts, faster: each count and the [`head`] of
/// its text are compared as numbers first, so most comparisons read no text
/// (ties of count are the rule: most words occur once, and each string
/// comparison was a call and a cache miss).
pub fn sort_texts_by_count<S: AsRef<str>>(items: &mut Vec<(S, u64)>) {
    let mut keyed: Vec<(Reverse<u64>, u64, (S, u64))> = (items.drain(..))
        .map(|item| (Reverse(item.1), head(item.0.as_ref()), item))
        .collect();
    keyed.sort_unstable_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| a.2 .0.as_ref().cmp(b.2 .0.as_ref()))
    });
    items.extend(keyed.into_iter().map(|(_, _, item)| item));
}

impl SpmSentences {
    /// Normalizes the distinct `lines` (each with its count) as spm_train
    /// does, and picks the alphabet. `corpus` (the files the lines were
    /// counted from, in order, and whether invalid lines were skipped) lets
    /// the last sentence be found as spm_train leaves it.
    pub fn new(
        lines: &[(&str, u64)],
        normalizer: &SpmNormalizer,
        meta: &MetaPieces,
        options: &SpmOptions,
        corpus: Option<(&[PathBuf], bool)>,
    ) -> Result<Self> {
        let metas: Vec<&str> = meta.by_id.values().map(|(p, _)| p.as_str()).collect();
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&metas)
            .map_err(|e| Error::InvalidArgument(format!("meta pieces: {e}")))?;
        let prepare = |line: &str, out: &mut SpmNormalized| {
            normalizer.normalize(line, None, false, out);
            let mut cut = String::with_capacity(out.text.len());
            matcher.replace_all_with(&out.text, &mut cut, |_, _, dst| {
                dst.push(BOUNDARY);
                true
            });
            cut
        };
        let pool = threads::pool(options.num_threads.unwrap_or(0))?;
        // A line holding `▅` is left out (None), and counted.
        let prepared: Vec<Option<(String, u64)>> = pool.install(|| {
            (lines.par_iter())
                .map_init(SpmNormalized::default, |out, &(line, count)| {
                    (!line.contains(UNK_CHAR)).then(|| (prepare(line, out), count))
                })
                .collect()
        });
        let reserved_lines = prepared.iter().filter(|p| p.is_none()).count() as u64;
        let mut normalized: Vec<(String, u64)> = (prepared.into_iter().flatten())
            .filter(|(s, _)| !s.is_empty())
            .collect();
        let kept: u64 = normalized.iter().map(|s| s.1).sum();
        let last = match corpus {
            Some((paths, skip_invalid)) => {
                let mut out = SpmNormalized::default();
                let mut scratch = SpmNormalized::default();
                let empty = |line: &str| prepare(line, &mut scratch).is_empty();
                order::last_line(paths, options, skip_invalid, kept, empty)?
                    .map(|line| prepare(&line, &mut out))
            }
            None => None,
        };
        let required_chars = alphabet(&normalized, options)?;
        if !matches!(options.model_type, ModelType::Word | ModelType::Char)
            && required_chars.len() + meta.len() > options.vocab_size as usize
        {
            return Err(Error::Training(format!(
                "vocabulary size is smaller than required_chars: vocab_size {} but the {} \
                 characters and {} meta pieces need {}; increase vocab_size or decrease \
                 character_coverage",
                options.vocab_size,
                required_chars.len(),
                meta.len(),
                required_chars.len() + meta.len()
            )));
        }
        let mut known: CharMap<()> = CharMap::new();
        for &(c, _) in &required_chars {
            known.get_or_insert_with(c, || ());
        }
        let is_known = |c: char| known.get(c).is_some();
        let replace_rare = |s: &mut String| {
            if !s.chars().all(is_known) {
                *s = (s.chars())
                    .map(|c| if is_known(c) { c } else { UNK_CHAR })
                    .collect();
            }
        };
        pool.install(|| {
            (normalized.par_iter_mut()).for_each(|(sentence, _)| replace_rare(sentence));
        });
        // Only Unigram's seeds depend on which sentences there are and in
        // what order; the other learners count words or characters, and
        // merging and sorting 8 MB of sentences was a twentieth of BPE's run.
        let sentences = if options.model_type == ModelType::Unigram {
            distinct_by_count(normalized)
        } else {
            normalized
        };
        let last = last.map(|mut line| {
            replace_rare(&mut line);
            line
        });
        Ok(SpmSentences {
            sentences,
            required_chars,
            reserved_lines,
            last,
        })
    }
}

/// The distinct `sentences` with their counts summed, sorted as
/// [`sort_texts_by_count`] sorts them.
fn distinct_by_count(sentences: Vec<(String, u64)>) -> Vec<(String, u64)> {
    let mut merged: FxHashMap<String, u64> = FxHashMap::default();
    for (sentence, count) in sentences {
        *merged.entry(sentence).or_default() += count;
    }
    let mut distinct: Vec<(String, u64)> = merged.into_iter().collect();
    sort_texts_by_count(&mut distinct);
    distinct
}

/// The characters that cover `character_coverage` of all character
/// occurrences, most frequent first (the U+001F that stands for meta pieces
/// counts toward the coverage but is never kept).
fn alphabet(sentences: &[(String, u64)], options: &SpmOptions) -> Result<Vec<(char, u64)>> {
    // A direct table: a hash lookup per character was a twentieth of
    // sentencepiece BPE training.
    let mut counts: CharMap<u64> = CharMap::new();
    let mut all: u64 = 0;
    for (sentence, count) in sentences {
        for c in sentence.chars() {
            if c == '\0' {
                continue;
            }
            if c == ' ' {
                return Err(Error::Training(
                    "a normalized sentence holds a space; sentencepiece training needs \
                     whitespace escaped as ▁"
                        .into(),
                ));
            }
            *counts.get_or_insert_with(c, || 0) += count;
            all += count;
        }
    }
    let mut sorted: Vec<(char, u64)> = counts.into_entries().collect();
    sort_by_count(&mut sorted);
    let mut covered: u64 = 0;
    let mut required = Vec::new();
    for (c, count) in sorted {
        // sentencepiece keeps the ratio as a float.
        let coverage = (covered as f64 / all as f64) as f32;
        if coverage >= options.character_coverage {
            break;
        }
        covered += count;
        if c != BOUNDARY {
            required.push((c, count));
        }
    }
    Ok(required)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::spm_model::NormalizerSpec;
    use std::path::Path;

    fn identity() -> SpmNormalizer {
        let spec = NormalizerSpec {
            name: "identity".into(),
            ..NormalizerSpec::default()
        };
        SpmNormalizer::new(&spec, false, Path::new("test")).unwrap()
    }

    #[test]
    fn texts_sort_as_by_count() {
        // Counts with many ties; texts sharing long prefixes, NULs included.
        let mut rng = crate::models::rng::Rng::new(7);
        let mut items: Vec<(String, u64)> = (0..3000)
            .map(|_| {
                let len = rng.next_u64() % 12;
                let text: String = (0..len)
                    .map(|_| ['a', 'b', '\0', '▁'][(rng.next_u64() % 4) as usize])
                    .collect();
                (text, rng.next_u64() % 5)
            })
            .collect();
        let mut expected = items.clone();
        sort_by_count(&mut expected);
        sort_texts_by_count(&mut items);
        assert_eq!(items, expected);
    }

    #[test]
    fn lines_are_normalized_merged_and_sorted() {
        let options = SpmOptions {
            user_defined_symbols: vec!["<x>".into()],
            ..SpmOptions::default()
        };
        let meta = MetaPieces::new(&options).unwrap();
        let lines = [("a  b", 1), ("a b", 2), ("c<x>d", 1), ("x\u{2585}", 5)];
        let got = SpmSentences::new(&lines, &identity(), &meta, &options, None).unwrap();
        assert_eq!(
            got.sentences,
            vec![("▁a▁b".to_string(), 3), ("▁c\u{2585}d".to_string(), 1)]
        );
        assert_eq!(got.reserved_lines, 1);
        let chars: Vec<char> = got.required_chars.iter().map(|p| p.0).collect();
        assert_eq!(chars, ['▁', 'a', 'b', 'c', 'd']);
    }

    #[test]
    fn rare_characters_become_the_unknown_mark() {
        let options = SpmOptions {
            character_coverage: 0.99,
            ..SpmOptions::default()
        };
        let meta = MetaPieces::new(&options).unwrap();
        let common = "ab".repeat(100);
        let lines = [(common.as_str(), 1), ("abz", 1)];
        let got = SpmSentences::new(&lines, &identity(), &meta, &options, None).unwrap();
        assert!(got.sentences.iter().any(|(s, _)| s == "▁ab\u{2585}"));
        assert!(!got.required_chars.iter().any(|p| p.0 == 'z'));
    }

    #[test]
    fn too_small_a_vocabulary_says_how_many_are_needed() {
        let options = SpmOptions {
            vocab_size: 4,
            ..SpmOptions::default()
        };
        let meta = MetaPieces::new(&options).unwrap();
        let err = SpmSentences::new(&[("abc", 1)], &identity(), &meta, &options, None).unwrap_err();
        assert!(err.to_string().contains("need 7"), "{err}");
    }
}
