//! What only a Unigram model answers, from its lattice: the n best
//! segmentations, the entropy of the sampling distribution, and
//! sentencepiece's `SampleEncodeAndScore`.

use crate::error::{Error, Result};
use crate::models::rng::Rng;
use crate::models::unigram::lattice::Lattice;
use crate::models::unigram::model::UnigramModel;
use crate::models::unigram::nbest::nbest;
use crate::normalize::spm::SpmNormalized;
use crate::pipeline::Token;
use crate::sentencepiece::processor::{SentencePiece, SpmModel, SpmPiece};

/// The most pieces one `sample_encode_and_score` call may return, counting
/// one per character per sample: 2^24 pieces are some 1 GB of Python
/// strings; `num_samples = 10**9` made the allocator abort the process.
const MAX_SAMPLED_PIECES: usize = 1 << 24;

impl SentencePiece {
    /// The unigram model, or an error naming the operation for other models.
    pub fn unigram(&self, operation: &str) -> Result<&UnigramModel> {
        match &self.model {
            SpmModel::Unigram(m) => Ok(m),
            other => Err(Error::Unsupported(format!(
                "{operation} needs a Unigram model; this model is {}",
                other.type_name()
            ))),
        }
    }

    /// The `n` best segmentations with their scores, best first.
    pub fn nbest(&self, text: &str, n: usize) -> Result<Vec<(Vec<SpmPiece>, f32)>> {
        let m = self.unigram("nbest_encode")?;
        let mut normalized = SpmNormalized::default();
        self.normalize(text, true, &mut normalized);
        if normalized.text.is_empty() {
            return Ok(vec![(Vec::new(), 0.0)]);
        }
        let lattice = Lattice::new(m, &normalized.text)?;
        let n = n.clamp(1, 1024);
        Ok(nbest(&lattice, n, None)
            .into_iter()
            .map(|(path, score)| {
                let tokens: Vec<Token> = path.iter().map(|&i| lattice.token(i)).collect();
                (self.pieces_of(&normalized, &tokens), score)
            })
            .collect())
    }

    /// Entropy of the sampling distribution at inverse temperature `alpha`.
    pub fn entropy(&self, text: &str, alpha: f32) -> Result<f64> {
        let m = self.unigram("calculate_entropy")?;
        let mut normalized = SpmNormalized::default();
        self.normalize(text, false, &mut normalized);
        let lattice = Lattice::new(m, &normalized.text)?;
        Ok(lattice.entropy(f64::from(alpha)))
    }

    /// sentencepiece's `SampleEncodeAndScore`: `num_samples` segmentations
    /// with their log probabilities (with replacement) or log inclusion
    /// probabilities (without replacement, `wor`).
    pub fn sample_and_score(
        &self,
        text: &str,
        num_samples: usize,
        alpha: f32,
        wor: bool,
        include_best: bool,
        seed: u64,
    ) -> Result<Vec<(Vec<SpmPiece>, f64)>> {
        let m = self.unigram("sample_encode_and_score")?;
        if include_best && !wor {
            return Err(Error::InvalidArgument(
                "include_best is only supported with wor=True".into(),
            ));
        }
        let mut normalized = SpmNormalized::default();
        self.normalize(text, true, &mut normalized);
        if normalized.text.is_empty() {
            return Ok(Vec::new());
        }
        // Each sample holds up to one piece per character; sentencepiece
        // draws them all whatever their number, and dies of it.
        let pieces = num_samples.saturating_mul(normalized.text.chars().count());
        if pieces > MAX_SAMPLED_PIECES {
            return Err(Error::InvalidArgument(format!(
                "num_samples = {num_samples} may give {pieces} pieces for this text; \
                 tokkit returns at most {MAX_SAMPLED_PIECES} at once"
            )));
        }
        let lattice = Lattice::new(m, &normalized.text)?;
        let theta = f64::from(alpha);
        let marginal = lattice.forward(theta)[lattice.len()];
        let mut rng = Rng::new(seed);
        let path_score = |path: &[u32]| -> f64 {
            path.iter()
                .map(|&i| theta * f64::from(lattice.nodes[i as usize].score))
                .sum()
        };
        let to_pieces = |path: &[u32]| {
            let tokens: Vec<Token> = path.iter().map(|&i| lattice.token(i)).collect();
            self.pieces_of(&normalized, &tokens)
        };
        let mut results = Vec::new();
        if !wor {
            for _ in 0..num_samples {
                let path = lattice.sample_nodes(theta, &mut rng);
                results.push((to_pieces(&path), path_score(&path) - marginal));
            }
            return Ok(results);
        }
        let mut backtrace = Vec::new();
        let best = lattice.viterbi(&mut backtrace).0;
        if include_best {
            results.push((to_pieces(&best), 0.0));
        }
        let mut samples = nbest(
            &lattice,
            num_samples.saturating_add(1),
            Some((alpha, &mut rng)),
        );
        if include_best {
            match samples.iter().position(|(p, _)| *p == best) {
                Some(i) => {
                    samples.remove(i);
                }
                None => {
                    samples.pop();
                }
            }
        }
        let Some(kappa) = samples.pop().map(|(_, s)| f64::from(s)) else {
            return Ok(results);
        };
        for (path, _) in &samples {
            let x = path_score(path) - marginal - kappa;
            let y = x.exp();
            let inclusion = if x <= -10.0 {
                x - y / 2.0 + y.powi(2) / 24.0 - y.powi(4) / 2880.0
            } else {
                (-(-y).exp_m1()).ln()
            };
            results.push((to_pieces(path), inclusion));
        }
        Ok(results)
    }
}
