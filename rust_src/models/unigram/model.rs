//! The Unigram language model (Kudo 2018, "Subword Regularization"): the best
//! segmentation is the Viterbi path through the lattice of every vocabulary
//! piece found in the text. Scores and tie-breaking follow
//! google/sentencepiece `src/unigram_model.cc` (`EncodeOptimized`) exactly,
//! including its mix of `float` and `double` arithmetic.

use std::cell::RefCell;
use std::path::Path;

use crate::error::{Error, Result};
use crate::formats::spm_model::{PieceType, SpmModelProto};
use crate::models::spm_vocab::SpmVocab;
use crate::pipeline::{Model, Token};

/// What sentencepiece subtracts from the lowest score to score an unknown
/// character (`kUnkPenalty`).
pub const UNK_PENALTY: f32 = 10.0;

/// A loaded Unigram model.
#[derive(Debug, Clone)]
pub struct UnigramModel {
    /// Pieces, scores, types and the trie.
    pub vocab: SpmVocab,
    /// Per id, what Viterbi needs in one load: the score, or `None` for
    /// unused pieces, and whether the piece is user-defined.
    entries: Vec<(f32, Kind)>,
    /// Lowest score of a normal piece.
    pub min_score: f32,
    /// Highest score of a normal piece (at least `f32::MIN_POSITIVE`, as
    /// sentencepiece starts from `FLT_MIN`).
    pub max_score: f32,
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
        let mut min_score = f32::MAX;
        let mut max_score = f32::MIN_POSITIVE;
        for p in &proto.pieces {
            if p.kind == PieceType::Normal {
                min_score = min_score.min(p.score);
                max_score = max_score.max(p.score);
            }
        }
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
            max_score,
        })
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
            // One Viterbi over the whole text with float sums, as
            // sentencepiece's `EncodeOptimized` does. On texts of many KB
            // sentencepiece 0.2.3 sometimes breaks float ties otherwise; no
            // chunking rule tried (per word, per 0.5 to 64 KB) reproduces it.
            let result = self.viterbi(bytes, 0, best, out);
            // Do not keep the table of one huge text alive on the thread.
            if best.capacity() > 1 << 20 {
                *best = Vec::new();
            }
            result
        })
    }

    /// Viterbi over one segment; token offsets are shifted by `base`.
    fn viterbi(
        &self,
        bytes: &[u8],
        base: u32,
        best: &mut Vec<Best>,
        out: &mut Vec<Token>,
    ) -> Result<()> {
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
        let max_score = self.max_score;
        let mut starts_at = 0usize;
        while starts_at < size {
            let till_here = best[starts_at].score;
            let mblen = one_char_len(bytes[starts_at]).min(size - starts_at);
            let mut has_single_node = false;
            self.vocab
                .normal
                .prefixes(&bytes[starts_at..], |length, id| {
                    let (score, kind) = entries
                        .get(id as usize)
                        .copied()
                        .unwrap_or((0.0, Kind::Skipped));
                    // A user-defined symbol gets `length * max_score - 0.1`
                    // (length in bytes here) so it always wins. Sums stay in
                    // float: computing them in double breaks ties differently
                    // from sentencepiece (measured on "a---" with test_model).
                    let score = match kind {
                        Kind::Scored => score,
                        Kind::UserDefined => (f64::from(length as f32 * max_score) - 0.1) as f32,
                        Kind::Skipped => return,
                    };
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
                start: base + start as u32,
                end: base + ends_at as u32,
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
