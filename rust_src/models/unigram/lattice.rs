//! The Unigram lattice: every vocabulary piece found in the text, as nodes
//! between character positions, with the algorithms that need the whole
//! lattice: forward-filtering backward-sampling (Kudo 2018, section 2.2),
//! the entropy of the sampling distribution, and the Viterbi pass that
//! seeds n-best search. Node order and scores follow google/sentencepiece
//! `src/unigram_model.cc` (`PopulateNodes`, `Lattice`).
//!
//! Nodes live in one `Vec`; the lists of nodes ending at each position are
//! index ranges into another (no per-node allocation).

use crate::error::{Error, Result};
use crate::formats::spm_model::PieceType;
use crate::models::rng::Rng;
use crate::models::spm_vocab::NO_UNK;
use crate::models::unigram::model::UnigramModel;
use crate::pipeline::Token;

/// One lattice node: a piece covering characters `pos .. pos + len`.
#[derive(Debug, Clone, Copy)]
pub struct Node {
    /// Vocabulary id; -1 for the begin and end sentinels, and for unknown
    /// characters in a model without an unknown piece.
    pub id: i32,
    /// First character.
    pub pos: u32,
    /// Length in characters.
    pub len: u32,
    /// Piece score (as `float`, like sentencepiece).
    pub score: f32,
}

/// What a lattice is built from: a model's pieces, looked up by prefix.
pub trait LatticePieces {
    /// Calls `f(bytes, id)` for every piece that is a prefix of `text`,
    /// shortest first.
    fn prefixes(&self, text: &[u8], f: impl FnMut(usize, i32));
    /// The score of piece `id` spanning `chars` characters; `None` for a
    /// piece the lattice leaves out.
    fn score(&self, id: i32, chars: u32) -> Option<f32>;
    /// The id and score of an unknown character.
    fn unknown(&self) -> (i32, f32);
}

impl LatticePieces for UnigramModel {
    fn prefixes(&self, text: &[u8], f: impl FnMut(usize, i32)) {
        self.vocab.normal.prefixes(text, f);
    }

    fn score(&self, id: i32, chars: u32) -> Option<f32> {
        let idx = id as usize;
        match self
            .vocab
            .kinds
            .get(idx)
            .copied()
            .unwrap_or(PieceType::Unused)
        {
            PieceType::Unused => None,
            PieceType::UserDefined => Some(UnigramModel::user_defined_score(chars as usize)),
            _ => Some(self.vocab.scores.get(idx).copied().unwrap_or(0.0)),
        }
    }

    fn unknown(&self) -> (i32, f32) {
        (self.vocab.unk_id as i32, self.unk_score())
    }
}

/// Index of the begin-of-sentence sentinel in [`Lattice::nodes`].
pub const BOS: u32 = 0;
/// Index of the end-of-sentence sentinel in [`Lattice::nodes`].
pub const EOS: u32 = 1;

/// The lattice of one normalized text.
#[derive(Debug, Clone, Default)]
pub struct Lattice {
    /// Byte offset of every character boundary (characters + 1 entries).
    pub surface: Vec<u32>,
    /// Sentinels first, then nodes in insertion order (by start position).
    pub nodes: Vec<Node>,
    /// Nodes beginning at position `p` are `nodes[begin[p]..begin[p + 1]]`
    /// (the end sentinel is not included).
    begin: Vec<u32>,
    /// Nodes ending at `p` are `end_list[end[p]..end[p + 1]]`, in insertion
    /// order; position 0 holds the begin sentinel.
    end: Vec<u32>,
    end_list: Vec<u32>,
    /// Scratch for [`Lattice::fill`]: the character at each byte, and the
    /// next free slot per end position.
    char_at: Vec<u32>,
    fill: Vec<u32>,
}

impl Lattice {
    /// Builds the lattice of `text` for `model`.
    pub fn new(model: &impl LatticePieces, text: &str) -> Result<Self> {
        let mut lattice = Lattice::default();
        lattice.fill(model, text)?;
        Ok(lattice)
    }

    /// Rebuilds this lattice for `text`, reusing its buffers (a trainer
    /// builds one per word, millions of times).
    pub fn fill(&mut self, model: &impl LatticePieces, text: &str) -> Result<()> {
        self.fill_nodes(model, text)?;
        self.index_ends();
        Ok(())
    }

    /// The nodes and [`Lattice::begin_nodes`] of `text`, without the lists
    /// of nodes by end position (left empty): all that forward-backward
    /// needs, which skips them (9% of Unigram training's time on the 8 MB
    /// mix).
    pub fn fill_nodes(&mut self, model: &impl LatticePieces, text: &str) -> Result<()> {
        let bytes = text.as_bytes();
        if u32::try_from(bytes.len()).is_err() {
            return Err(Error::InvalidArgument(
                "text longer than 4 GiB cannot be encoded in one call".into(),
            ));
        }
        let surface = &mut self.surface;
        surface.clear();
        surface.extend(text.char_indices().map(|(i, _)| i as u32));
        surface.push(bytes.len() as u32);
        let len = surface.len() - 1;
        // Character index of every byte that starts a character.
        let char_at = &mut self.char_at;
        char_at.clear();
        char_at.resize(bytes.len() + 1, 0);
        for (c, &b) in surface.iter().enumerate() {
            char_at[b as usize] = c as u32;
        }
        let sentinel = |pos| Node {
            id: -1,
            pos,
            len: 0,
            score: 0.0,
        };
        let nodes = &mut self.nodes;
        nodes.clear();
        nodes.push(sentinel(0));
        nodes.push(sentinel(len as u32));
        let begin = &mut self.begin;
        begin.clear();
        let (unk_id, unk_score) = model.unknown();
        for (pos, &start) in surface.iter().enumerate().take(len) {
            begin.push(nodes.len() as u32);
            let start = start as usize;
            let mut has_single = false;
            model.prefixes(&bytes[start..], |length, id| {
                let chars = char_at[start + length] - pos as u32;
                let Some(score) = model.score(id, chars) else {
                    return;
                };
                nodes.push(Node {
                    id,
                    pos: pos as u32,
                    len: chars,
                    score,
                });
                has_single |= chars == 1;
            });
            if !has_single {
                nodes.push(Node {
                    id: unk_id,
                    pos: pos as u32,
                    len: 1,
                    score: unk_score,
                });
            }
        }
        begin.push(nodes.len() as u32);
        self.end.clear();
        self.end_list.clear();
        Ok(())
    }

    /// Fills the lists of nodes by end position.
    fn index_ends(&mut self) {
        let nodes = &self.nodes;
        let len = self.len();
        // Counting sort of the nodes by end position keeps insertion order.
        let end = &mut self.end;
        end.clear();
        end.resize(len + 2, 0);
        end[1] = 1; // the begin sentinel ends at 0
        for node in &nodes[2..] {
            end[(node.pos + node.len) as usize + 1] += 1;
        }
        for p in 1..end.len() {
            end[p] += end[p - 1];
        }
        let fill = &mut self.fill;
        fill.clear();
        fill.extend_from_slice(end);
        let end_list = &mut self.end_list;
        end_list.clear();
        end_list.resize(end[len + 1] as usize, 0);
        end_list[0] = BOS;
        fill[0] += 1;
        for (i, node) in nodes.iter().enumerate().skip(2) {
            let p = (node.pos + node.len) as usize;
            end_list[fill[p] as usize] = i as u32;
            fill[p] += 1;
        }
    }

    /// Number of characters.
    pub fn len(&self) -> usize {
        self.surface.len() - 1
    }

    /// True for the lattice of the empty text.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Node indices beginning at `pos` (the end sentinel at the last position).
    pub fn begin_nodes(&self, pos: usize) -> std::ops::Range<usize> {
        match (self.begin.get(pos), self.begin.get(pos + 1)) {
            (Some(&a), Some(&b)) => a as usize..b as usize,
            _ => 0..0,
        }
    }

    /// Node indices ending at `pos`.
    pub fn end_nodes(&self, pos: usize) -> &[u32] {
        match (self.end.get(pos), self.end.get(pos + 1)) {
            (Some(&a), Some(&b)) => self.end_list.get(a as usize..b as usize).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// The token of node `i`: its id and byte range.
    pub fn token(&self, i: u32) -> Token {
        let node = self.nodes[i as usize];
        Token {
            // -1 is the unknown id of a model without an unknown piece.
            id: u32::try_from(node.id).unwrap_or(NO_UNK),
            start: self.surface[node.pos as usize],
            end: self.surface[(node.pos + node.len) as usize],
        }
    }

    /// Forward log-marginals: `alpha[p]` is log Σ over paths from the start to
    /// position `p` of exp(`theta` × score). Every node beginning at `p` shares it.
    pub fn forward(&self, theta: f64) -> Vec<f64> {
        let len = self.len();
        let mut alpha = vec![0.0f64; len + 1];
        for pos in 1..=len {
            let mut acc = f64::NEG_INFINITY;
            for &l in self.end_nodes(pos) {
                let node = &self.nodes[l as usize];
                let v = theta * f64::from(node.score) + alpha[node.pos as usize];
                acc = log_sum_exp(acc, v);
            }
            alpha[pos] = acc;
        }
        alpha
    }

    /// One segmentation drawn with probability ∝ exp(`theta` × score): forward
    /// filtering, then backward sampling from the end. Node indices, in order.
    pub fn sample_nodes(&self, theta: f64, rng: &mut Rng) -> Vec<u32> {
        let alpha = self.forward(theta);
        let mut path = Vec::new();
        let mut weights = Vec::new();
        let mut pos = self.len();
        while pos > 0 {
            let ends = self.end_nodes(pos);
            weights.clear();
            let z = alpha[pos];
            for &l in ends {
                let node = &self.nodes[l as usize];
                weights.push((alpha[node.pos as usize] + theta * f64::from(node.score) - z).exp());
            }
            let Some(&pick) = ends.get(rng.weighted(&weights)) else {
                break;
            };
            path.push(pick);
            pos = self.nodes[pick as usize].pos as usize;
        }
        path.reverse();
        path
    }

    /// Appends the tokens of [`Lattice::sample_nodes`] to `out`.
    pub fn sample(&self, theta: f64, rng: &mut Rng, out: &mut Vec<Token>) {
        let path = self.sample_nodes(theta, rng);
        out.extend(path.iter().map(|&i| self.token(i)));
    }

    /// Entropy (in nats) of the distribution [`Lattice::sample`] draws from.
    pub fn entropy(&self, theta: f64) -> f64 {
        let alpha = self.forward(theta);
        let len = self.len();
        // h[p]: entropy contribution of the paths reaching position p,
        // sentencepiece's `H` (shared by all nodes beginning at p).
        let mut h = vec![0.0f64; len + 1];
        for pos in 1..=len {
            let mut acc = 0.0;
            for &l in self.end_nodes(pos) {
                let node = &self.nodes[l as usize];
                let from = node.pos as usize;
                let log_p = theta * f64::from(node.score) + alpha[from] - alpha[pos];
                acc += log_p.exp() * (h[from] + log_p);
            }
            h[pos] = acc;
        }
        -h[len]
    }

    /// sentencepiece's `Lattice::Viterbi`: fills the best score of a path from
    /// the start to the end of every node (`backtrace`) and returns the best
    /// path's node indices with its score.
    pub fn viterbi(&self, backtrace: &mut Vec<f32>) -> (Vec<u32>, f32) {
        let len = self.len();
        backtrace.clear();
        backtrace.resize(self.nodes.len(), 0.0);
        let mut prev = vec![u32::MAX; self.nodes.len()];
        for pos in 0..=len {
            let rnodes = self
                .begin_nodes(pos)
                .chain(if pos == len { 1..2 } else { 0..0 });
            for r in rnodes {
                let rscore = self.nodes[r].score;
                let mut best = f64::NEG_INFINITY;
                let mut best_node = u32::MAX;
                for &l in self.end_nodes(pos) {
                    let score = f64::from(backtrace[l as usize] + rscore);
                    if best_node == u32::MAX || score > best {
                        best = score;
                        best_node = l;
                    }
                }
                prev[r] = best_node;
                backtrace[r] = best as f32;
            }
        }
        let mut path = Vec::new();
        let mut node = prev[EOS as usize];
        while node != BOS && node != u32::MAX {
            path.push(node);
            node = prev[node as usize];
        }
        path.reverse();
        (path, backtrace[EOS as usize])
    }
}

/// log(exp(x) + exp(y)), exact for `x = -inf`.
#[inline]
pub fn log_sum_exp(x: f64, y: f64) -> f64 {
    if x == f64::NEG_INFINITY {
        return y;
    }
    let (lo, hi) = if x < y { (x, y) } else { (y, x) };
    if hi > lo + 50.0 {
        hi
    } else {
        hi + (lo - hi).exp().ln_1p()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::unigram::model::tests::toy;

    /// Every segmentation of `text` by brute force: (tokens, total score).
    fn enumerate(lattice: &Lattice) -> Vec<(Vec<u32>, f64)> {
        let mut done = Vec::new();
        let mut stack = vec![(0usize, Vec::<u32>::new(), 0.0f64)];
        while let Some((pos, path, score)) = stack.pop() {
            if pos == lattice.len() {
                done.push((path, score));
                continue;
            }
            for i in lattice.begin_nodes(pos) {
                let n = lattice.nodes[i];
                let mut p = path.clone();
                p.push(i as u32);
                stack.push((pos + n.len as usize, p, score + f64::from(n.score)));
            }
        }
        done
    }

    #[test]
    fn forward_matches_enumeration_and_entropy() {
        let m = toy();
        let lattice = Lattice::new(&m, "abcab").unwrap();
        let all = enumerate(&lattice);
        for theta in [1.0, 0.3] {
            let z: f64 = all.iter().map(|(_, s)| (theta * s).exp()).sum();
            let alpha = lattice.forward(theta);
            assert!((alpha[lattice.len()] - z.ln()).abs() < 1e-9);
            let h: f64 = all
                .iter()
                .map(|(_, s)| {
                    let p = (theta * s).exp() / z;
                    -p * p.ln()
                })
                .sum();
            assert!((lattice.entropy(theta) - h).abs() < 1e-9 * h.max(1.0));
        }
    }

    #[test]
    fn viterbi_is_the_best_enumerated_path() {
        let m = toy();
        let lattice = Lattice::new(&m, "abcab").unwrap();
        let all = enumerate(&lattice);
        let best = all
            .iter()
            .map(|(_, s)| *s)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut bt = Vec::new();
        let (path, score) = lattice.viterbi(&mut bt);
        assert!((f64::from(score) - best).abs() < 1e-5);
        let mut tokens = Vec::new();
        m.encode("abcab", &mut tokens).unwrap();
        let viterbi: Vec<Token> = path.iter().map(|&i| lattice.token(i)).collect();
        assert_eq!(viterbi, tokens);
    }

    #[test]
    fn samples_cover_the_text() {
        let m = toy();
        let lattice = Lattice::new(&m, "abcabxc").unwrap();
        let mut rng = Rng::new(1);
        for _ in 0..100 {
            let mut out = Vec::new();
            lattice.sample(0.5, &mut rng, &mut out);
            assert_eq!(out.first().unwrap().start, 0);
            assert_eq!(out.last().unwrap().end, 7);
            assert!(out.windows(2).all(|w| w[0].end == w[1].start));
        }
    }
}
