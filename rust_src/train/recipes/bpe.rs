//! A BPE run, over characters or bytes: the chosen split, HF's BPE learner,
//! and every file the vocabulary can be used from: `tokenizer.json`,
//! `vocab.json` + `merges.txt`, and for byte-level BPE a `.tiktoken` file.

use std::path::Path;

use rustc_hash::FxHashSet;

use crate::error::{Error, Result};
use crate::formats::atomic::Staged;
use crate::formats::gpt2::{write_merges, write_vocab_json};
use crate::formats::hf_json_write::bpe_tokenizer_json;
use crate::formats::tiktoken::write_ranks;
use crate::models::bpe::byte_alphabet::{self, char_to_byte};
use crate::models::bpe::merge::Scratch;
use crate::models::bpe::rank_splits::RankSplits;
use crate::models::bpe::trainer::{train, train_comparing_ranks, BpeTrainerOptions, BpeVocabulary};
use crate::models::bpe::BpeModel;
use crate::threads::parallel_map;
use crate::train::run::{Algorithm, Report};
use crate::train::split::WordSplit;
use crate::train::WordCounts;

/// BPE training over characters, or over bytes when the split is byte-level.
pub struct BpeRun {
    options: BpeTrainerOptions,
    split: WordSplit,
    /// Worker threads for the work after learning (0: one per core).
    threads: usize,
}

impl BpeRun {
    /// A run learning with `options` on words cut by `split`, using
    /// `threads` workers after learning (0: one per core). Byte-level BPE
    /// always starts from all 256 byte symbols.
    pub fn new(mut options: BpeTrainerOptions, split: WordSplit, threads: usize) -> Self {
        if split.byte_level {
            options
                .initial_alphabet
                .extend(byte_alphabet::table().iter().copied());
        }
        BpeRun {
            options,
            split,
            threads,
        }
    }
}

/// A learned vocabulary and, when byte-level, how its `.tiktoken` ranks
/// split the corpus words.
pub struct LearnedBpe {
    vocabulary: BpeVocabulary,
    rank_splits: Option<RankSplits>,
}

impl Algorithm for BpeRun {
    type Learned = LearnedBpe;

    fn split(&self) -> &WordSplit {
        &self.split
    }

    fn learn(&self, counts: &WordCounts) -> Result<LearnedBpe> {
        Ok(if self.split.byte_level {
            let (vocabulary, splits) = train_comparing_ranks(counts, &self.options)?;
            LearnedBpe {
                vocabulary,
                rank_splits: Some(splits),
            }
        } else {
            LearnedBpe {
                vocabulary: train(counts, &self.options)?,
                rank_splits: None,
            }
        })
    }

    fn write(
        &self,
        learned: &LearnedBpe,
        counts: &WordCounts,
        dir: &Path,
        files: &mut Staged,
        report: &mut Report,
    ) -> Result<()> {
        let LearnedBpe {
            vocabulary: learned,
            rank_splits,
        } = learned;
        let tokens = &learned.tokens;
        let merges: Vec<(&str, &str)> = learned
            .merges
            .iter()
            .map(|&(a, b, _)| (tokens[a as usize].as_str(), tokens[b as usize].as_str()))
            .collect();
        let specials: FxHashSet<&str> = self
            .options
            .special_tokens
            .iter()
            .map(String::as_str)
            .collect();
        report.vocab_size = tokens.len();
        report.alphabet_size = learned.alphabet_size;
        report.special_tokens = specials.len();
        report.merges = Some(merges.len());

        let json = bpe_tokenizer_json(
            tokens,
            &merges,
            &self.options.special_tokens,
            &self.split,
            self.options.continuing_subword_prefix.as_deref(),
            self.options.end_of_word_suffix.as_deref(),
        )?;
        let json = serde_json::to_vec_pretty(&json)
            .map_err(|e| Error::InvalidArgument(format!("cannot serialise tokenizer.json: {e}")))?;
        let path = dir.join("tokenizer.json");
        files.write(&path, &json)?;
        report.files.push(("tokenizer".into(), path));

        let vocab = dir.join("vocab.json");
        let merges_txt = dir.join("merges.txt");
        match write_merges(files, &merges_txt, &merges) {
            Ok(()) => {
                write_vocab_json(files, &vocab, tokens)?;
                report.files.push(("vocab".into(), vocab));
                report.files.push(("merges".into(), merges_txt));
            }
            // Tokens with spaces (no pre-tokenizer, say) cannot be spelled
            // there; tokenizer.json holds the whole vocabulary anyway.
            Err(Error::InvalidArgument(why)) => {
                report.notes.push(format!("merges.txt not written: {why}"));
            }
            Err(e) => return Err(e),
        }

        if let Some(splits) = rank_splits {
            let ranks = tiktoken_ranks(tokens, &specials);
            let path = dir.join("tokenizer.tiktoken");
            write_ranks(files, &path, &ranks)?;
            report.files.push(("tiktoken".into(), path));
            report.tiktoken_agreement = Some(match splits {
                RankSplits::Alike => 1.0,
                RankSplits::Unproven(segmented) => {
                    agreement(tokens, segmented, &ranks, counts, self.threads)?
                }
            });
        }
        Ok(())
    }
}

/// The byte-level tokens as tiktoken ranks: the bytes each name spells, rank
/// = id, special tokens left out.
fn tiktoken_ranks(tokens: &[String], specials: &FxHashSet<&str>) -> Vec<(Vec<u8>, u32)> {
    tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| !specials.contains(t.as_str()))
        .filter_map(|(id, t)| {
            let bytes: Option<Vec<u8>> = t.chars().map(char_to_byte).collect();
            Some((bytes?, id as u32))
        })
        .collect()
}

/// The share of word occurrences that tiktoken, merging by the rank of the
/// merged bytes, splits into the same tokens as HF merging by the merge list
/// (`segmented`: as training split them, in [`WordCounts::sorted`] order).
/// A text is split into words first, so this is also the share of text.
fn agreement(
    tokens: &[String],
    segmented: &[Vec<u32>],
    ranks: &[(Vec<u8>, u32)],
    counts: &WordCounts,
    threads: usize,
) -> Result<f64> {
    // tiktoken looks a lone byte up only for a token of its own, so a byte
    // whose name a special token took still merges; it fails tiktoken only
    // where it stays alone. Given the special's id, the model merges as
    // tiktoken does, and that id in a result marks the failure.
    let mut ranks = ranks.to_vec();
    let mut has_rank = [false; 256];
    for (bytes, _) in &ranks {
        if let [b] = bytes[..] {
            has_rank[b as usize] = true;
        }
    }
    let mut rankless = FxHashSet::default();
    // One pass over the tokens: a token of one character naming a byte
    // that has no rank.
    for (id, token) in (0u32..).zip(tokens) {
        let mut chars = token.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else {
            continue;
        };
        if let Some(byte) = char_to_byte(c).filter(|&b| !has_rank[b as usize]) {
            ranks.push((vec![byte], id));
            rankless.insert(id);
        }
    }
    let by_rank = BpeModel::from_ranks(ranks)?;
    let words: Vec<((&str, u64), &Vec<u32>)> = counts.sorted().into_iter().zip(segmented).collect();
    let chunks: Vec<_> = words.chunks(4096).collect();
    let sums = parallel_map(threads, &chunks, |_, chunk| {
        let mut scratch = Scratch::default();
        let (mut same, mut total) = (0u128, 0u128);
        let mut ids = Vec::new();
        for &((word, count), merged) in chunk.iter() {
            total += u128::from(count);
            // A word that is one token is one token in tiktoken too: it
            // looks a whole piece up before merging.
            if let [token] = merged[..] {
                let whole = tokens.get(token as usize).is_some_and(|t| t == word);
                if whole && !rankless.contains(&token) {
                    same += u128::from(count);
                    continue;
                }
            }
            let Some(bytes) = word.chars().map(char_to_byte).collect::<Option<Vec<u8>>>() else {
                continue;
            };
            ids.clear();
            // A byte that tiktoken cannot name fails it: that is a
            // disagreement, not a failed run.
            let split = by_rank.encode_piece(&bytes, &mut scratch, &mut ids);
            if split.is_ok() && ids == *merged && !ids.iter().any(|id| rankless.contains(id)) {
                same += u128::from(count);
            }
        }
        Ok((same, total))
    })?;
    let (same, total) = sums
        .into_iter()
        .fold((0, 0), |(s, t), (a, b)| (s + a, t + b));
    Ok(if total == 0 {
        1.0
    } else {
        same as f64 / total as f64
    })
}
