//! Unigram training (Kudo 2018, "Subword Regularization", section 3.2), step
//! for step as google/sentencepiece `unigram_model_trainer.cc` does it: seed
//! pieces, then rounds of EM (E-step: expected counts by forward-backward
//! over each word's lattice; M-step: the Bayesian digamma update), each
//! followed by pruning the pieces whose removal loses least likelihood,
//! until the vocabulary is a tenth over size; then the pieces Viterbi can
//! never reach go, and finalize keeps the required characters and the best
//! pieces. This is the algorithm of the sentencepiece 0.2.3 release, whose
//! seeding, pruning and last step differ from earlier ones.
//!
//! Float arithmetic, sums and their order follow sentencepiece's, so a run
//! on `t` threads gives what `spm_train --num_threads=t` gives: the words
//! are dealt to the threads round-robin and the per-thread sums added in
//! thread order, as there.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::models::unigram::lattice::{Lattice, LatticePieces};
use crate::models::unigram::model::UNK_PENALTY;
use crate::models::unigram::nbest::nbest;
use crate::models::unigram::seed::seed_pieces;
use crate::models::unigram::trie::DoubleArray;
use crate::threads;
use crate::train::progress;
use crate::train::spm::pieces::learning_words;
use crate::train::spm::sentences::sort_by_count;
use crate::train::spm::{MetaPieces, SpmOptions, SpmSentences};

/// The pieces being trained, with the trie that finds them.
struct TrainerModel {
    pieces: Vec<(String, f32)>,
    /// The scores again, packed: the lattices read one per node, and a
    /// 4-byte stride misses the cache far less than the pieces' 32 bytes.
    scores: Vec<f32>,
    trie: DoubleArray,
    min_score: f32,
}

impl TrainerModel {
    fn new(pieces: Vec<(String, f32)>) -> Result<Self> {
        if pieces.is_empty() {
            return Err(Error::Training("no sentence pieces are left".into()));
        }
        let trie = DoubleArray::build(
            (pieces.iter().enumerate()).map(|(i, (p, _))| (p.as_bytes(), i as i32)),
        );
        let min_score = pieces.iter().fold(f32::MAX, |m, p| m.min(p.1));
        Ok(TrainerModel {
            scores: pieces.iter().map(|p| p.1).collect(),
            pieces,
            trie,
            min_score,
        })
    }
}

impl LatticePieces for TrainerModel {
    fn prefixes(&self, text: &[u8], f: impl FnMut(usize, i32)) {
        self.trie.prefixes(text, f);
    }

    fn score(&self, id: i32, _chars: u32) -> Option<f32> {
        self.scores.get(id as usize).copied()
    }

    /// sentencepiece's training model never sets its unknown id, so unknown
    /// characters count toward piece 0.
    fn unknown(&self) -> (i32, f32) {
        (0, self.min_score - UNK_PENALTY)
    }
}

/// sentencepiece's `LogSumExp` on floats (`init` returns `y`).
#[inline]
fn log_sum_exp(x: f32, y: f32, init: bool) -> f32 {
    if init {
        return y;
    }
    let (vmin, vmax) = if y < x { (y, x) } else { (x, y) };
    if vmax > vmin + 50.0 {
        vmax
    } else {
        (f64::from(vmax) + f64::from(vmin - vmax).exp().ln_1p()) as f32
    }
}

/// The digamma function as sentencepiece approximates it.
fn digamma(mut x: f64) -> f64 {
    let mut result = 0.0;
    while x < 7.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    x -= 1.0 / 2.0;
    let xx = 1.0 / x;
    let xx2 = xx * xx;
    let xx4 = xx2 * xx2;
    result += x.ln() + (1.0 / 24.0) * xx2 - (7.0 / 960.0) * xx4 + (31.0 / 8064.0) * xx4 * xx2
        - (127.0 / 30720.0) * xx4 * xx4;
    result
}

/// The E-step's work on one word: its lattice and the forward and backward
/// sums, in buffers reused across words.
#[derive(Default)]
struct Marginals {
    lattice: Lattice,
    alpha: Vec<f32>,
    beta: Vec<f32>,
    seen: Vec<bool>,
}

impl Marginals {
    /// Adds `freq` × the marginal of every node of `word` to `expected`
    /// (sentencepiece's `PopulateMarginal`) and returns `freq` × log Z.
    fn add(
        &mut self,
        model: &TrainerModel,
        word: &str,
        freq: f32,
        expected: &mut [f32],
    ) -> Result<f32> {
        let lattice = &mut self.lattice;
        lattice.fill_nodes(model, word)?;
        let len = lattice.len();
        // The nodes after the two sentinels, by start, then length.
        let nodes = &lattice.nodes[2..];
        // Forward: a node's start is complete before any node starting there.
        self.alpha.clear();
        self.alpha.resize(len + 1, 0.0);
        self.seen.clear();
        self.seen.resize(len + 1, false);
        for node in nodes {
            let y = node.score + self.alpha[node.pos as usize];
            let e = (node.pos + node.len) as usize;
            self.alpha[e] = log_sum_exp(self.alpha[e], y, !self.seen[e]);
            self.seen[e] = true;
        }
        // Backward, position by position from the end.
        self.beta.clear();
        self.beta.resize(len + 1, 0.0);
        for pos in (0..len).rev() {
            let mut acc = 0.0f32;
            for (k, n) in lattice.begin_nodes(pos).enumerate() {
                let node = &lattice.nodes[n];
                let e = (node.pos + node.len) as usize;
                acc = log_sum_exp(acc, node.score + self.beta[e], k == 0);
            }
            self.beta[pos] = acc;
        }
        let z = self.alpha[len];
        for node in nodes {
            let e = (node.pos + node.len) as usize;
            let m = self.alpha[node.pos as usize] + node.score + self.beta[e] - z;
            if let Some(x) = expected.get_mut(node.id as usize) {
                *x = (f64::from(*x) + f64::from(freq) * f64::from(m).exp()) as f32;
            }
        }
        Ok(freq * z)
    }
}

/// Word `i` goes to thread `i % threads`: sentencepiece's split of the work.
fn dealt<T: Send>(
    threads: usize,
    words: &[(&str, u64)],
    init: impl Fn() -> T + Sync,
    each: impl Fn(&mut T, &(&str, u64)) -> Result<()> + Sync,
) -> Result<Vec<T>> {
    let run = |n: usize| -> Result<T> {
        let mut acc = init();
        for word in words.iter().skip(n).step_by(threads) {
            each(&mut acc, word)?;
        }
        Ok(acc)
    };
    if threads == 1 {
        return Ok(vec![run(0)?]);
    }
    threads::pool(threads)?.install(|| (0..threads).into_par_iter().map(run).collect())
}

/// The E-step: expected counts of every piece, and the objective (negative
/// log-likelihood per sentence).
fn e_step(model: &TrainerModel, words: &[(&str, u64)], threads: usize) -> Result<(Vec<f32>, f32)> {
    let all: u64 = words.iter().map(|w| w.1).sum();
    let size = model.pieces.len();
    let parts = dealt(
        threads,
        words,
        || (vec![0.0f32; size], 0.0f32, Marginals::default()),
        |(expected, obj, lattice), (word, count)| {
            let z = lattice.add(model, word, *count as f32, expected)?;
            if z.is_nan() {
                let start: String = word.chars().take(40).collect();
                return Err(Error::Training(format!(
                    "the likelihood of the {}-char word starting {start:?} is NaN: \
                     the word is too long for f32 sums (spm_train skips sentences \
                     over max_sentence_length=4192 bytes)",
                    word.chars().count()
                )));
            }
            *obj -= z / all as f32;
            Ok(())
        },
    )?;
    let mut parts = parts.into_iter();
    let Some((mut expected, mut obj, _)) = parts.next() else {
        return Ok((vec![0.0; size], 0.0));
    };
    for (e, o, _) in parts {
        obj += o;
        for (a, b) in expected.iter_mut().zip(e) {
            *a += b;
        }
    }
    Ok((expected, obj))
}

/// The M-step: pieces expected less than half a time go; the others get
/// digamma(count) − digamma(total), a sparse prior on plain EM.
fn m_step(model: &TrainerModel, expected: &[f32]) -> Vec<(String, f32)> {
    let mut kept = Vec::new();
    let mut sum = 0.0f32;
    for ((piece, _), &freq) in model.pieces.iter().zip(expected) {
        if freq < 0.5 {
            continue;
        }
        kept.push((piece.clone(), freq));
        sum += freq;
    }
    let log_sum = digamma(f64::from(sum)) as f32;
    for piece in &mut kept {
        piece.1 = (digamma(f64::from(piece.1)) - f64::from(log_sum)) as f32;
    }
    kept
}

/// Pruning: keeps the pieces that cannot be removed (single characters, and
/// pieces with no other segmentation), then those whose removal would lose
/// the most likelihood, down to `shrinking_factor` of the vocabulary.
fn prune(
    model: &TrainerModel,
    words: &[(&str, u64)],
    options: &SpmOptions,
    desired: usize,
    threads: usize,
) -> Result<Vec<(String, f32)>> {
    let size = model.pieces.len();
    // How each piece would be segmented without itself: its second best path.
    let second_best = |lattice: &mut Lattice, piece: &str| -> Result<(bool, Vec<i32>)> {
        lattice.fill(model, piece)?;
        let best = nbest(lattice, 2, None);
        Ok(match best.as_slice() {
            [_, second, ..] if best[0].0.len() == 1 => (
                true,
                (second.0.iter())
                    .map(|&n| lattice.nodes[n as usize].id)
                    .collect(),
            ),
            [first, _, ..] if first.0.len() >= 2 => (false, Vec::new()),
            _ => (true, Vec::new()),
        })
    };
    let per_piece: Vec<(bool, Vec<i32>)> = threads::pool(threads)?.install(|| {
        (model.pieces.par_iter())
            .map_init(Lattice::default, |lattice, (piece, _)| {
                second_best(lattice, piece)
            })
            .collect::<Result<_>>()
    })?;
    let (always_keep, alternatives): (Vec<bool>, Vec<Vec<i32>>) = per_piece.into_iter().unzip();
    // Viterbi counts over the corpus.
    let parts = dealt(
        threads,
        words,
        || (vec![0.0f32; size], Vec::new(), Lattice::default()),
        |(freq, backtrace, lattice), (word, count)| {
            lattice.fill(model, word)?;
            for n in lattice.viterbi(backtrace).0 {
                let id = lattice.nodes[n as usize].id;
                if let Some(f) = freq.get_mut(id as usize) {
                    *f += *count as f32;
                }
            }
            Ok(())
        },
    )?;
    let mut freq = vec![0.0f32; size];
    for (f, _, _) in &parts {
        for (a, b) in freq.iter_mut().zip(f) {
            *a += b;
        }
    }
    drop(parts);
    let sum = freq.iter().fold(0.0f64, |s, &f| s + f64::from(f)) as f32;
    let log_sum = f64::from(sum).ln() as f32;
    let mut kept: Vec<(String, f32)> = Vec::new();
    let mut candidates: Vec<(usize, f32)> = Vec::new();
    for i in 0..size {
        if freq[i] == 0.0 || !always_keep[i] {
            continue;
        }
        if alternatives[i].is_empty() {
            kept.push(model.pieces[i].clone());
            continue;
        }
        let logprob_sp = (f64::from(freq[i]).ln() - f64::from(log_sum)) as f32;
        let grown = sum + freq[i] * (alternatives[i].len() - 1) as f32;
        let log_sum_alt = f64::from(grown).ln() as f32;
        let mut logprob_alt = 0.0f32;
        for &n in &alternatives[i] {
            let alt = freq.get(n as usize).copied().unwrap_or(0.0);
            logprob_alt = (f64::from(logprob_alt)
                + (f64::from(alt + freq[i]).ln() - f64::from(log_sum_alt)))
                as f32;
        }
        let f = freq[i] / sum;
        candidates.push((i, f * (logprob_sp - logprob_alt)));
    }
    let pruned_size = desired.max((options.shrinking_factor * size as f32) as usize);
    sort_by_count(&mut candidates);
    for (i, _) in candidates {
        if kept.len() == pruned_size {
            break;
        }
        kept.push(model.pieces[i].clone());
    }
    Ok(kept)
}

/// Drops the pieces Viterbi can never produce: those whose best
/// segmentation without themselves scores higher than they do.
fn reachable(model: &TrainerModel, threads: usize) -> Result<Vec<(String, f32)>> {
    let shadowed = |lattice: &mut Lattice, backtrace: &mut Vec<f32>, i: usize| -> Result<bool> {
        let (piece, score) = &model.pieces[i];
        lattice.fill(model, piece)?;
        let whole = lattice.len() as u32;
        let own = (lattice.begin_nodes(0))
            .find(|&n| lattice.nodes[n].id == i as i32 && lattice.nodes[n].len == whole);
        let Some(own) = own else {
            // sentencepiece drops a piece its lattice does not hold whole.
            return Ok(true);
        };
        lattice.nodes[own].score = f32::NEG_INFINITY;
        let (path, alt) = lattice.viterbi(backtrace);
        Ok(!path.is_empty() && alt > *score)
    };
    let dropped: Vec<bool> = threads::pool(threads)?.install(|| {
        (0..model.pieces.len())
            .into_par_iter()
            .map_init(
                || (Lattice::default(), Vec::new()),
                |(lattice, backtrace), i| shadowed(lattice, backtrace, i),
            )
            .collect::<Result<_>>()
    })?;
    Ok((model.pieces.iter().zip(dropped))
        .filter(|(_, dropped)| !dropped)
        .map(|(piece, _)| piece.clone())
        .collect())
}

/// The final vocabulary: every required character (scored just under the
/// lowest piece when EM dropped it), then the best pieces, sorted by score.
fn finalize(
    model: &TrainerModel,
    required_chars: &[(char, u64)],
    room: usize,
) -> Vec<(String, f32)> {
    let scores: FxHashMap<&str, f32> = model.pieces.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    let mut chosen: FxHashMap<String, f32> = FxHashMap::default();
    let mut penalty = 0.0f32;
    for &(c, _) in required_chars {
        let s = c.to_string();
        let score = match scores.get(s.as_str()) {
            Some(&score) => score,
            None => {
                let score = model.min_score + penalty;
                penalty += 0.0001;
                score
            }
        };
        chosen.insert(s, score);
    }
    let mut by_score: Vec<(&str, f32)> =
        model.pieces.iter().map(|(p, s)| (p.as_str(), *s)).collect();
    sort_by_count(&mut by_score);
    for (piece, score) in by_score {
        if chosen.contains_key(piece) {
            continue;
        }
        if chosen.len() == room {
            break;
        }
        chosen.insert(piece.to_owned(), score);
    }
    let mut pieces: Vec<(String, f32)> = chosen.into_iter().collect();
    sort_by_count(&mut pieces);
    pieces
}

/// Trains a Unigram vocabulary: the learned pieces with their scores, best
/// first, to be placed after the meta pieces.
pub fn learn(
    corpus: &SpmSentences,
    meta: &MetaPieces,
    options: &SpmOptions,
    show_progress: bool,
) -> Result<Vec<(String, f32)>> {
    let room = (options.vocab_size as usize)
        .checked_sub(meta.len())
        .filter(|&r| r > 0)
        .ok_or_else(|| {
            Error::Training(format!(
                "vocab_size {} leaves no room after the {} meta pieces",
                options.vocab_size,
                meta.len()
            ))
        })?;
    let threads = threads::thread_count(options.num_threads.unwrap_or(0));
    let bar = progress::spinner(show_progress, "seeding: suffix array of the sentences");
    let mut model = TrainerModel::new(seed_pieces(
        &corpus.sentences,
        corpus.last.as_deref(),
        options,
    )?)?;
    let words = learning_words(&corpus.sentences, options);
    let desired = (f64::from(options.vocab_size) * 1.1) as usize;
    bar.set_message(format!("EM from {} seed pieces", model.pieces.len()));
    for round in 1.. {
        for sub in 1..=options.num_sub_iterations {
            let (expected, objective) = e_step(&model, &words, threads)?;
            model = TrainerModel::new(m_step(&model, &expected))?;
            bar.set_message(format!(
                "EM round {round}.{sub}: {} pieces (target {desired}), loss {objective:.4}",
                model.pieces.len()
            ));
        }
        model = TrainerModel::new(prune(&model, &words, options, desired, threads)?)?;
        if model.pieces.len() <= desired {
            break;
        }
    }
    model = TrainerModel::new(reachable(&model, threads)?)?;
    bar.finish_and_clear();
    Ok(finalize(&model, &corpus.required_chars, room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digamma_matches_its_recurrence() {
        // ψ(x + 1) = ψ(x) + 1/x, and ψ(1) = -γ.
        assert!((digamma(1.0) + 0.577_215_664_9).abs() < 1e-9);
        assert!((digamma(5.5) - digamma(4.5) - 1.0 / 4.5).abs() < 1e-9);
    }

    #[test]
    fn log_sum_exp_is_sentencepieces() {
        assert_eq!(log_sum_exp(0.0, -3.0, true), -3.0);
        let v = log_sum_exp(-1.0, -2.0, false);
        assert!((f64::from(v) - ((-1.0f64).exp() + (-2.0f64).exp()).ln()).abs() < 1e-6);
        assert_eq!(log_sum_exp(0.0, -60.0, false), 0.0);
    }

    #[test]
    fn marginals_of_a_word_sum_to_its_length_in_characters() {
        let model = TrainerModel::new(vec![
            ("a".into(), -1.0),
            ("b".into(), -1.5),
            ("ab".into(), -2.0),
        ])
        .unwrap();
        let mut expected = vec![0.0; 3];
        Marginals::default()
            .add(&model, "abab", 1.0, &mut expected)
            .unwrap();
        // Each character is covered once per path: a + b + 2·ab = 4.
        let covered = expected[0] + expected[1] + 2.0 * expected[2];
        assert!((covered - 4.0).abs() < 1e-5, "{expected:?}");
    }
}
