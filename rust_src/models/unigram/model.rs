//! The Unigram language model (Kudo 2018, "Subword Regularization"): the best
//! segmentation is the Viterbi path through the lattice of every vocabulary
//! piece found in the text. Scores and tie-breaking follow what the
//! sentencepiece 0.2.3 wheel computes in `EncodeOptimized` (read from its
//! machine code, which differs from the 0.2.0 source): float sums, float
//! comparisons, a user-defined bonus of `(length - 1) * 0.1`, and path scores
//! shifted back to zero whenever they leave ±1e5.

use std::cell::RefCell;
use std::path::Path;

use crate::error::{Error, Result};
use crate::formats::spm_model::{PieceType, SpmModelProto};
use crate::models::spm_vocab::{is_normal, SpmVocab};
use crate::pipeline::{Model, Token};

/// What sentencepiece subtracts from the lowest score to score an unknown
/// character (`kUnkPenalty`).
pub const UNK_PENALTY: f32 = 10.0;

/// A loaded Unigram model.
#[derive(Debug, Clone)]
pub struct UnigramModel {
    /// Pieces, scores, types and the trie.
    pub vocab: SpmVocab,
    /// Per id, what Viterbi needs in one load: the score and how the piece
    /// is treated.
    entries: Vec<(f32, Kind)>,
    /// Lowest score of a normal piece.
    pub min_score: f32,
}

/// How Viterbi treats a piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Scored,
    UserDefined,
    Skipped,
}

/// One cell of the Viterbi table: the best path ending at a byte position.
#[derive(Debug, Clone, Copy)]
struct Best {
    score: f32,
    /// Start of the best last piece; `u32::MAX` while unreached.
    starts_at: u32,
    id: u32,
}

const UNREACHED: u32 = u32::MAX;

/// Path scores beyond ±this are shifted back to zero (sentencepiece 0.2.3).
const RESCALE_AT: f32 = 1e5;

thread_local! {
    /// The Viterbi table, reused across calls on a thread.
    static BEST: RefCell<Vec<Best>> = const { RefCell::new(Vec::new()) };
}

/// Byte length of the UTF-8 character starting with `b`, as sentencepiece's
/// `OneCharLen` computes it.
#[inline]
pub fn one_char_len(b: u8) -> usize {
    const LEN: [u8; 16] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4];
    usize::from(LEN[usize::from(b >> 4)])
}

impl UnigramModel {
    /// Builds the model from a parsed `.model`.
    pub fn new(proto: &SpmModelProto, path: &Path) -> Result<Self> {
        let vocab = SpmVocab::new(proto, path)?;
        // sentencepiece checks the scores of Unigram models only.
        if let Some((i, p)) = (proto.pieces.iter().enumerate()).find(|(_, p)| !p.score.is_finite())
        {
            return Err(Error::vocab(
                path,
                0,
                format!("pieces[{i}] {:?} has the score {}", p.piece, p.score),
            ));
        }
        if !proto.pieces.iter().any(|p| is_normal(p.kind)) {
            // sentencepiece: "no pieces are loaded".
            return Err(Error::vocab(
                path,
                0,
                "the Unigram model has no normal, user-defined or unused piece",
            ));
        }
        let min_score = proto
            .pieces
            .iter()
            .filter(|p| p.kind == PieceType::Normal)
            .fold(f32::MAX, |min, p| min.min(p.score));
        let entries = proto
            .pieces
            .iter()
            .map(|p| match p.kind {
                PieceType::UserDefined => (p.score, Kind::UserDefined),
                PieceType::Unused => (p.score, Kind::Skipped),
                _ => (p.score, Kind::Scored),
            })
            .collect();
        Ok(UnigramModel {
            vocab,
            entries,
            min_score,
        })
    }

    /// The score a user-defined symbol of `length` (bytes in Viterbi,
    /// characters in the lattice) gets: a bonus that makes it win.
    #[inline]
    pub fn user_defined_score(length: usize) -> f32 {
        ((length as f64 - 1.0) * 0.1) as f32
    }

    /// The score an unknown character gets.
    #[inline]
    pub fn unk_score(&self) -> f32 {
        self.min_score - UNK_PENALTY
    }

    /// Appends the best segmentation of normalized `text` to `out`: byte ranges
    /// of `text` with their ids (the unknown id for unknown characters, not
    /// merged).
    pub fn encode(&self, text: &str, out: &mut Vec<Token>) -> Result<()> {
        let bytes = text.as_bytes();
        let size = bytes.len();
        if size == 0 {
            return Ok(());
        }
        if u32::try_from(size).is_err() {
            return Err(Error::InvalidArgument(
                "text longer than 4 GiB cannot be encoded in one call".into(),
            ));
        }
        BEST.with_borrow_mut(|best| {
            // One Viterbi over the whole text, as sentencepiece does: its
            // float ties depend on the running path score.
            let result = self.viterbi(bytes, best, out);
            // Do not keep the table of one huge text alive on the thread.
            if best.capacity() > 1 << 20 {
                *best = Vec::new();
            }
            result
        })
    }

    /// Viterbi over the whole text.
    fn viterbi(&self, bytes: &[u8], best: &mut Vec<Best>, out: &mut Vec<Token>) -> Result<()> {
        let size = bytes.len();
        let unk_score = self.unk_score();
        let unk_id = self.vocab.unk_id;
        best.clear();
        best.resize(
            size + 1,
            Best {
                score: 0.0,
                starts_at: UNREACHED,
                id: 0,
            },
        );
        let entries = &self.entries;
        // The furthest end of any node so far: every reached cell lies in
        // `starts_at..=furthest`.
        let mut furthest = 0usize;
        let mut starts_at = 0usize;
        while starts_at < size {
            let mut till_here = best[starts_at].score;
            if !(-RESCALE_AT..=RESCALE_AT).contains(&till_here) {
                // Keep float sums precise on long texts: shift every open
                // path by the same amount, as sentencepiece 0.2.3 does. It
                // changes which float ties occur, so it must match exactly.
                for (offset, cell) in best[starts_at..=furthest].iter_mut().enumerate() {
                    if offset == 0 || cell.starts_at != UNREACHED {
                        cell.score -= till_here;
                    }
                }
                till_here = 0.0;
            }
            let mblen = one_char_len(bytes[starts_at]).min(size - starts_at);
            let mut has_single_node = false;
            self.vocab
                .normal
                .prefixes(&bytes[starts_at..], |length, id| {
                    let (score, kind) = entries
                        .get(id as usize)
                        .copied()
                        .unwrap_or((0.0, Kind::Skipped));
                    let score = match kind {
                        Kind::Scored => score,
                        Kind::UserDefined => Self::user_defined_score(length),
                        Kind::Skipped => return,
                    };
                    furthest = furthest.max(starts_at + length);
                    let candidate = score + till_here;
                    let target = &mut best[starts_at + length];
                    if target.starts_at == UNREACHED || candidate > target.score {
                        target.score = candidate;
                        target.starts_at = starts_at as u32;
                        target.id = id as u32;
                    }
                    if length == mblen {
                        has_single_node = true;
                    }
                });
            if !has_single_node {
                furthest = furthest.max(starts_at + mblen);
                let candidate = unk_score + till_here;
                let target = &mut best[starts_at + mblen];
                if target.starts_at == UNREACHED || candidate > target.score {
                    target.score = candidate;
                    target.starts_at = starts_at as u32;
                    target.id = unk_id;
                }
            }
            starts_at += mblen;
        }
        let first = out.len();
        let mut ends_at = size;
        while ends_at > 0 {
            let node = best[ends_at];
            if node.starts_at == UNREACHED {
                return Err(Error::Encoding("unigram lattice has no path".into()));
            }
            let start = node.starts_at as usize;
            out.push(Token {
                id: node.id,
                start: start as u32,
                end: ends_at as u32,
            });
            ends_at = start;
        }
        out[first..].reverse();
        Ok(())
    }
}

impl Model for UnigramModel {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        self.encode(piece, out)
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
pub(crate) mod tests {
    use super::*;
    use crate::formats::spm_model::{NormalizerSpec, SpmPiece, TrainerSpec};

    pub(crate) fn toy_proto(pieces: &[(&str, f32, PieceType)]) -> SpmModelProto {
        SpmModelProto {
            pieces: pieces
                .iter()
                .map(|&(p, s, k)| SpmPiece {
                    piece: p.into(),
                    score: s,
                    kind: k,
                })
                .collect(),
            trainer: TrainerSpec::default(),
            normalizer: NormalizerSpec::default(),
            denormalizer: None,
        }
    }

    pub(crate) fn toy() -> UnigramModel {
        use PieceType::*;
        let proto = toy_proto(&[
            ("<unk>", 0.0, Unknown),
            ("a", -1.0, Normal),
            ("b", -1.0, Normal),
            ("ab", -1.5, Normal),
            ("abc", -4.0, Normal),
            ("c", -2.0, Normal),
            ("<u>", 0.0, UserDefined),
            ("bc", -1.0, Unused),
        ]);
        UnigramModel::new(&proto, Path::new("toy")).unwrap()
    }

    fn ids(m: &UnigramModel, s: &str) -> Vec<u32> {
        let mut out = Vec::new();
        m.encode(s, &mut out).unwrap();
        out.iter().map(|t| t.id).collect()
    }

    #[test]
    fn best_path_and_unknowns() {
        let m = toy();
        assert_eq!(ids(&m, "abc"), vec![3, 5]);
        // Unknown characters stay separate here; merging is the processor's job.
        assert_eq!(ids(&m, "xyа"), vec![0, 0, 0]);
        assert_eq!(ids(&m, "a<u>b"), vec![1, 6, 2]);
        assert!(ids(&m, "").is_empty());
    }

    #[test]
    fn long_input_is_linear_and_covers_everything() {
        let m = toy();
        let text = "ab".repeat(100_000);
        let mut out = Vec::new();
        m.encode(&text, &mut out).unwrap();
        assert_eq!(out.len(), 100_000);
        assert_eq!(out.last().unwrap().end as usize, text.len());
    }
}
