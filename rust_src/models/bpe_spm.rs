//! sentencepiece's BPE model: characters (and user-defined symbols) merged
//! pairwise, highest piece score first, leftmost on ties, with BPE-dropout
//! (Provilkov et al. 2020) skipping each merge with probability `alpha`.
//! Follows google/sentencepiece `src/bpe_model.cc` (`SampleEncode`), where
//! plain encoding is sampling with `alpha = 0`.

use std::collections::BinaryHeap;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::formats::spm_model::{PieceType, SpmModelProto};
use crate::models::rng::Rng;
use crate::models::spm_vocab::SpmVocab;
use crate::models::unigram::model::one_char_len;
use crate::pipeline::{Model, Token};

/// A loaded sentencepiece BPE model.
#[derive(Debug, Clone)]
pub struct SpmBpeModel {
    /// Pieces, scores, types.
    pub vocab: SpmVocab,
}

/// A candidate merge of two adjacent symbols.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Pair {
    score: f32,
    left: u32,
    right: u32,
    size: u32,
}

impl Eq for Pair {}

impl Ord for Pair {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        // Highest score first; on equal scores the leftmost pair.
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.left.cmp(&self.left))
    }
}

impl PartialOrd for Pair {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// A symbol: a byte range of the text, linked to its neighbours.
#[derive(Debug, Clone, Copy)]
struct Symbol {
    start: u32,
    end: u32,
    prev: i64,
    next: i64,
    freeze: bool,
}

impl SpmBpeModel {
    /// Builds the model from a parsed `.model`.
    pub fn new(proto: &SpmModelProto, path: &Path) -> Result<Self> {
        Ok(SpmBpeModel {
            vocab: SpmVocab::new(proto, path)?,
        })
    }

    /// Appends the segmentation of normalized `text` (byte ranges and ids; the
    /// unknown id for pieces outside the vocabulary). `dropout` is
    /// `(alpha, rng)` for BPE-dropout; `None` is plain BPE.
    pub fn encode(
        &self,
        text: &str,
        mut dropout: Option<(f64, &mut Rng)>,
        out: &mut Vec<Token>,
    ) -> Result<()> {
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return Ok(());
        }
        if u32::try_from(bytes.len()).is_err() {
            return Err(Error::InvalidArgument(
                "text longer than 4 GiB cannot be encoded in one call".into(),
            ));
        }
        let vocab = &self.vocab;
        let mut symbols: Vec<Symbol> = Vec::with_capacity(bytes.len());
        let mut pos = 0usize;
        while pos < bytes.len() {
            let user = vocab
                .user
                .as_ref()
                .and_then(|u| u.longest_prefix(&bytes[pos..]));
            let (len, freeze) = match user {
                Some((len, _)) => (len, true),
                None => (one_char_len(bytes[pos]).min(bytes.len() - pos), false),
            };
            let index = symbols.len() as i64;
            symbols.push(Symbol {
                start: pos as u32,
                end: (pos + len) as u32,
                prev: index - 1,
                next: if pos + len == bytes.len() {
                    -1
                } else {
                    index + 1
                },
                freeze,
            });
            pos += len;
        }
        let mut agenda = BinaryHeap::with_capacity(symbols.len());
        // Pieces merged from an unused piece, split again at the end.
        let mut rev_merge: FxHashMap<&str, usize> = FxHashMap::default();
        let mut add_pair =
            |symbols: &[Symbol], agenda: &mut BinaryHeap<Pair>, left: i64, right: i64| {
                let (Ok(l), Ok(r)) = (usize::try_from(left), usize::try_from(right)) else {
                    return;
                };
                let (a, b) = (symbols[l], symbols[r]);
                if a.freeze || b.freeze {
                    return;
                }
                let piece = &bytes[a.start as usize..b.end as usize];
                let Some(id) = vocab.normal.get(piece) else {
                    return;
                };
                let id = id as usize;
                agenda.push(Pair {
                    score: vocab.scores.get(id).copied().unwrap_or(0.0),
                    left: l as u32,
                    right: r as u32,
                    size: b.end - a.start,
                });
                if vocab.kinds.get(id) == Some(&PieceType::Unused) {
                    if let Some(s) = text.get(a.start as usize..b.end as usize) {
                        rev_merge.insert(s, (a.end - a.start) as usize);
                    }
                }
            };
        for i in 1..symbols.len() {
            add_pair(&symbols, &mut agenda, i as i64 - 1, i as i64);
        }
        while let Some(top) = agenda.pop() {
            let (l, r) = (top.left as usize, top.right as usize);
            let (a, b) = (symbols[l], symbols[r]);
            if a.start == a.end
                || b.start == b.end
                || (a.end - a.start) + (b.end - b.start) != top.size
            {
                continue;
            }
            if let Some((alpha, rng)) = dropout.as_mut() {
                if *alpha >= 1.0 || (*alpha > 0.0 && rng.next_f64() < *alpha) {
                    continue;
                }
            }
            symbols[l].end = b.end;
            symbols[l].next = b.next;
            if let Ok(n) = usize::try_from(b.next) {
                symbols[n].prev = l as i64;
            }
            symbols[r].end = symbols[r].start;
            let prev = symbols[l].prev;
            let next = symbols[l].next;
            add_pair(&symbols, &mut agenda, prev, l as i64);
            add_pair(&symbols, &mut agenda, l as i64, next);
        }
        let mut index = 0i64;
        let mut stack: Vec<(usize, usize)> = Vec::new();
        while let Ok(i) = usize::try_from(index) {
            let s = symbols[i];
            stack.push((s.start as usize, s.end as usize));
            while let Some((start, end)) = stack.pop() {
                let piece = text.get(start..end).unwrap_or("");
                let id = vocab.piece_to_id(piece);
                if vocab.kinds.get(id as usize) == Some(&PieceType::Unused) {
                    if let Some(&split) = rev_merge.get(piece) {
                        // Right half pushed first so the left one comes out first.
                        stack.push((start + split, end));
                        stack.push((start, start + split));
                        continue;
                    }
                }
                out.push(Token {
                    id,
                    start: start as u32,
                    end: end as u32,
                });
            }
            index = s.next;
        }
        Ok(())
    }
}

impl Model for SpmBpeModel {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        self.encode(piece, None, out)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.vocab.lookup(token)
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.vocab.pieces.get(id as usize).map(String::as_str)
    }

    fn vocab_size(&self) -> usize {
        self.vocab.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::unigram::model::tests::toy_proto;
    use PieceType::*;

    fn model() -> SpmBpeModel {
        let proto = toy_proto(&[
            ("<unk>", 0.0, Unknown),
            ("a", 0.0, Normal),
            ("b", 0.0, Normal),
            ("c", 0.0, Normal),
            ("ab", -1.0, Normal),
            ("bc", -0.5, Normal),
            ("abc", -2.0, Normal),
            ("ca", -3.0, Unused),
            ("cab", -0.1, Normal),
        ]);
        SpmBpeModel::new(&proto, Path::new("toy")).unwrap()
    }

    fn ids(m: &SpmBpeModel, s: &str, dropout: Option<(f64, &mut Rng)>) -> Vec<u32> {
        let mut out = Vec::new();
        m.encode(s, dropout, &mut out).unwrap();
        out.iter().map(|t| t.id).collect()
    }

    #[test]
    fn merges_by_score() {
        let m = model();
        // "bc" (-0.5) beats "ab" (-1.0); then "a" + "bc" makes "abc".
        assert_eq!(ids(&m, "abc", None), vec![6]);
        // "ca" is unused: merged on the way to "cab", split again otherwise.
        assert_eq!(ids(&m, "cab", None), vec![8]);
        assert_eq!(ids(&m, "ca", None), vec![3, 1]);
        assert_eq!(ids(&m, "xa", None), vec![0, 1]);
    }

    #[test]
    fn dropout_extremes() {
        let m = model();
        let mut rng = Rng::new(3);
        assert_eq!(ids(&m, "abc", Some((0.0, &mut rng))), vec![6]);
        assert_eq!(ids(&m, "abc", Some((1.0, &mut rng))), vec![1, 2, 3]);
        for _ in 0..50 {
            let out = ids(&m, "abcab", Some((0.5, &mut rng)));
            assert!(!out.is_empty());
        }
    }
}
