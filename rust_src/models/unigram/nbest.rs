//! The k best segmentations (A* from the end of the lattice, with the exact
//! Viterbi scores as heuristic) and its stochastic variant, Gumbel top-k
//! sampling without replacement (Kool et al. 2019). Follows
//! google/sentencepiece `Lattice::NBest`; the agenda is a binary heap that
//! behaves like libstdc++'s `std::priority_queue`, so equal scores come out
//! in the same order as in sentencepiece.

use crate::models::rng::Rng;
use crate::models::unigram::lattice::{Lattice, BOS, EOS};

/// A partial path: `node` and the hypothesis it was extended from.
#[derive(Debug, Clone, Copy)]
struct Hypothesis {
    node: u32,
    next: u32,
    fx: f32,
    gx: f32,
}

const NONE: u32 = u32::MAX;
/// When the agenda reaches this size it is cut down (sentencepiece's bound).
const MAX_AGENDA: usize = 10_000;
const MIN_AGENDA: usize = 512;

/// A max-heap of hypothesis indices ordered by `fx`, with libstdc++'s
/// `push_heap` / `pop_heap` moves.
struct Agenda {
    heap: Vec<u32>,
}

impl Agenda {
    fn less(hyps: &[Hypothesis], a: u32, b: u32) -> bool {
        hyps[a as usize].fx < hyps[b as usize].fx
    }

    fn sift_up(&mut self, hyps: &[Hypothesis], mut hole: usize, top: usize, value: u32) {
        while hole > top {
            let parent = (hole - 1) / 2;
            if !Self::less(hyps, self.heap[parent], value) {
                break;
            }
            self.heap[hole] = self.heap[parent];
            hole = parent;
        }
        self.heap[hole] = value;
    }

    fn push(&mut self, hyps: &[Hypothesis], value: u32) {
        self.heap.push(value);
        let hole = self.heap.len() - 1;
        self.sift_up(hyps, hole, 0, value);
    }

    fn pop(&mut self, hyps: &[Hypothesis]) -> Option<u32> {
        let top = *self.heap.first()?;
        let last = self.heap.len() - 1;
        if last > 0 {
            let value = self.heap[last];
            self.heap[last] = top;
            // __adjust_heap over the first `last` elements.
            let len = last;
            let mut hole = 0usize;
            let mut second = 0usize;
            while len > 0 && second < (len - 1) / 2 {
                second = 2 * (second + 1);
                if Self::less(hyps, self.heap[second], self.heap[second - 1]) {
                    second -= 1;
                }
                self.heap[hole] = self.heap[second];
                hole = second;
            }
            if len.is_multiple_of(2) && len >= 2 && second == (len - 2) / 2 {
                second = 2 * (second + 1);
                self.heap[hole] = self.heap[second - 1];
                hole = second - 1;
            }
            self.sift_up(hyps, hole, 0, value);
        }
        self.heap.pop();
        Some(top)
    }

    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// Up to `n` paths (node indices, score), best first. With `sample`, paths
/// are drawn without replacement with probability ∝ exp(`theta` × score)
/// and the score is the perturbed one (sentencepiece's sampled `NBest`).
pub fn nbest(lattice: &Lattice, n: usize, sample: Option<(f32, &mut Rng)>) -> Vec<(Vec<u32>, f32)> {
    let mut results = Vec::new();
    if n == 0 {
        return results;
    }
    let mut backtrace = Vec::new();
    if n == 1 && sample.is_none() {
        let (path, score) = lattice.viterbi(&mut backtrace);
        return vec![(path, score)];
    }
    let mut hyps: Vec<Hypothesis> = Vec::with_capacity(512);
    let mut agenda = Agenda { heap: Vec::new() };
    // Forward log-marginals per node (sampling only), as float.
    let mut alpha_node: Vec<f32> = Vec::new();
    let (theta, mut rng) = match sample {
        Some((theta, rng)) => {
            let alpha = lattice.forward(f64::from(theta));
            alpha_node = lattice
                .nodes
                .iter()
                .enumerate()
                .map(|(i, node)| {
                    if i as u32 == EOS {
                        alpha[lattice.len()] as f32
                    } else if i as u32 == BOS {
                        0.0
                    } else {
                        alpha[node.pos as usize] as f32
                    }
                })
                .collect();
            (theta, Some(rng))
        }
        None => {
            lattice.viterbi(&mut backtrace);
            (0.0, None)
        }
    };
    let eos_fx = match rng.as_deref_mut() {
        Some(r) => r.gumbel() as f32,
        None => backtrace[EOS as usize],
    };
    hyps.push(Hypothesis {
        node: EOS,
        next: NONE,
        fx: eos_fx,
        gx: 0.0,
    });
    agenda.push(&hyps, 0);
    let mut probs: Vec<f32> = Vec::new();
    let mut adjusted: Vec<f32> = Vec::new();
    while let Some(top_index) = agenda.pop(&hyps) {
        let top = hyps[top_index as usize];
        if top.node == BOS {
            let mut path = Vec::new();
            let mut h = top.next;
            while h != NONE && hyps[h as usize].next != NONE {
                path.push(hyps[h as usize].node);
                h = hyps[h as usize].next;
            }
            results.push((path, top.fx));
            if results.len() == n {
                break;
            }
            continue;
        }
        let node = lattice.nodes[top.node as usize];
        let ends = lattice.end_nodes(node.pos as usize);
        if let Some(r) = rng.as_deref_mut() {
            probs.clear();
            adjusted.clear();
            let z = alpha_node[top.node as usize];
            let mut max_score = -1e8f32;
            let mut perturbed = Vec::with_capacity(ends.len());
            for &l in ends {
                let lnode = lattice.nodes[l as usize];
                let p = top.gx + alpha_node[l as usize] + theta * lnode.score - z;
                let q = p + r.gumbel() as f32;
                probs.push(p);
                perturbed.push(q);
                max_score = max_score.max(q);
            }
            for &q in &perturbed {
                let v = top.fx - q + (-((q - max_score).exp())).ln_1p();
                adjusted.push(top.fx - v.max(0.0) - (-v.abs()).exp().ln_1p());
            }
        }
        for (k, &l) in ends.iter().enumerate() {
            let lnode = lattice.nodes[l as usize];
            let (gx, fx) = if rng.is_some() {
                (probs[k], adjusted[k])
            } else {
                (lnode.score + top.gx, backtrace[l as usize] + top.gx)
            };
            hyps.push(Hypothesis {
                node: l,
                next: top_index,
                fx,
                gx,
            });
            let index = (hyps.len() - 1) as u32;
            agenda.push(&hyps, index);
        }
        if agenda.len() >= MAX_AGENDA {
            let keep = MIN_AGENDA.min(n.saturating_mul(10));
            let mut smaller = Agenda {
                heap: Vec::with_capacity(keep),
            };
            for _ in 0..keep {
                if let Some(h) = agenda.pop(&hyps) {
                    smaller.push(&hyps, h);
                }
            }
            agenda = smaller;
        }
    }
    results
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::unigram::model::tests::toy;

    #[test]
    fn nbest_is_sorted_and_distinct() {
        let m = toy();
        let lattice = Lattice::new(&m, "abcabc").unwrap();
        let best = nbest(&lattice, 10, None);
        assert!(best.len() > 3);
        assert!(best.windows(2).all(|w| w[0].1 >= w[1].1));
        let mut paths: Vec<_> = best.iter().map(|(p, _)| p.clone()).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), best.len());
        let mut bt = Vec::new();
        assert_eq!(best[0].0, lattice.viterbi(&mut bt).0);
    }

    #[test]
    fn heap_pops_in_order() {
        let hyps: Vec<Hypothesis> = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0]
            .iter()
            .map(|&fx| Hypothesis {
                node: 0,
                next: NONE,
                fx,
                gx: 0.0,
            })
            .collect();
        let mut agenda = Agenda { heap: Vec::new() };
        for i in 0..hyps.len() as u32 {
            agenda.push(&hyps, i);
        }
        let mut out = Vec::new();
        while let Some(i) = agenda.pop(&hyps) {
            out.push(hyps[i as usize].fx);
        }
        assert_eq!(out, vec![9.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0, 1.0]);
    }
}
