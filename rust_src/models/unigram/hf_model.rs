//! Hugging Face's Unigram model (`tokenizers` `models/unigram`): the same
//! Viterbi as sentencepiece but over every vocabulary entry with `f64`
//! scores, unknown characters fused into one token, optional byte fallback.
//! It can differ from sentencepiece on the same vocabulary; this one matches
//! HF.

use std::ops::Range;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::models::segment_cache;
use crate::models::unigram::model::{one_char_len, UNK_PENALTY};
use crate::models::unigram::trie::DoubleArray;
use crate::pipeline::{piece_of, Model, Token};

/// A Unigram model read from tokenizer.json.
#[derive(Debug, Clone)]
pub struct HfUnigram {
    pieces: Vec<(String, f64)>,
    /// The pieces' scores by id, apart from their strings: Viterbi reads
    /// a score for every piece the trie finds.
    scores: Vec<f64>,
    ids: FxHashMap<String, u32>,
    trie: DoubleArray,
    /// Names this model in the per-thread [`segment_cache`].
    cache_owner: u64,
    unk_id: Option<u32>,
    min_score: f64,
    byte_fallback: bool,
}

/// One cell of the Viterbi table: the best path ending at a byte position.
#[derive(Debug, Clone, Copy)]
struct Best {
    score: f64,
    /// Start of the best last piece; [`UNREACHED`] while unreached.
    starts_at: u32,
    id: u32,
}

const UNREACHED: u32 = u32::MAX;

impl HfUnigram {
    /// Builds the model; a later duplicate piece wins, as in HF.
    pub fn new(
        pieces: Vec<(String, f64)>,
        unk_id: Option<u32>,
        byte_fallback: bool,
    ) -> Result<Self> {
        if let Some(unk) = unk_id {
            if unk as usize >= pieces.len() {
                return Err(Error::vocab(
                    std::path::Path::new("tokenizer.json"),
                    0,
                    format!("model unk_id {unk} is not in the vocabulary"),
                ));
            }
        }
        let mut ids = FxHashMap::default();
        for (i, (piece, _)) in pieces.iter().enumerate() {
            let id = u32::try_from(i)
                .map_err(|_| Error::InvalidArgument("vocabulary too large".into()))?;
            ids.insert(piece.clone(), id);
        }
        let trie = DoubleArray::build(ids.iter().map(|(p, &id)| (p.as_bytes(), id as i32)));
        let min_score = pieces.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        Ok(HfUnigram {
            scores: pieces.iter().map(|p| p.1).collect(),
            pieces,
            ids,
            trie,
            cache_owner: segment_cache::new_owner(),
            unk_id,
            min_score,
            byte_fallback,
        })
    }

    /// The best segmentation of `text` as byte ranges with the id of the
    /// vocabulary entry each spells (the trie's), unknown runs fused and
    /// marked `None`.
    fn segment(&self, text: &str) -> Result<Vec<(usize, usize, Option<u32>)>> {
        let bytes = text.as_bytes();
        let size = bytes.len();
        if u32::try_from(size).is_err() {
            return Err(Error::InvalidArgument(
                "text longer than 4 GiB cannot be encoded in one call".into(),
            ));
        }
        let unk_score = self.min_score - f64::from(UNK_PENALTY);
        let unreached = Best {
            score: 0.0,
            starts_at: UNREACHED,
            id: 0,
        };
        let mut best = vec![unreached; size + 1];
        let mut starts_at = 0;
        while starts_at < size {
            let till = best[starts_at].score;
            // `text` is UTF-8: its lead byte gives a char's length.
            let mblen = one_char_len(bytes[starts_at]).min(size - starts_at);
            let mut single = false;
            self.trie.prefixes(&bytes[starts_at..], |length, id| {
                let score = self.scores.get(id as usize).copied().unwrap_or(0.0);
                let candidate = score + till;
                let target = &mut best[starts_at + length];
                if target.starts_at == UNREACHED || candidate > target.score {
                    *target = Best {
                        score: candidate,
                        starts_at: starts_at as u32,
                        id: id as u32,
                    };
                }
                single |= length == mblen;
            });
            if !single {
                let unk = self
                    .unk_id
                    .ok_or_else(|| Error::Encoding("Unigram model has no unk_id".into()))?;
                let candidate = unk_score + till;
                let target = &mut best[starts_at + mblen];
                if target.starts_at == UNREACHED || candidate > target.score {
                    *target = Best {
                        score: candidate,
                        starts_at: starts_at as u32,
                        id: unk,
                    };
                }
            }
            starts_at += mblen;
        }
        let mut out: Vec<(usize, usize, Option<u32>)> = Vec::new();
        let mut ends_at = size;
        while ends_at > 0 {
            let node = best[ends_at];
            if node.starts_at == UNREACHED {
                return Err(Error::Encoding("unigram lattice has no path".into()));
            }
            let start = node.starts_at as usize;
            let is_unk = Some(node.id) == self.unk_id;
            match out.last_mut() {
                // Runs of unknown tokens fuse into one (HF's fuse_unk).
                Some(last) if is_unk && last.2.is_none() => last.0 = start,
                _ => out.push((start, ends_at, (!is_unk).then_some(node.id))),
            }
            ends_at = start;
        }
        out.reverse();
        Ok(out)
    }
}

impl Model for HfUnigram {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        for (start, end, known) in self.segment(piece)? {
            let s = piece.get(start..end).unwrap_or("");
            let (start, end) = (start as u32, end as u32);
            // HF looks every segment's text up: a known one is the entry the
            // trie found, a fused unknown run may still spell an entry.
            if let Some(id) = known.or_else(|| self.ids.get(s).copied()) {
                out.push(Token { id, start, end });
                continue;
            }
            if self.byte_fallback {
                let bytes: Option<Vec<u32>> = s
                    .bytes()
                    .map(|b| self.ids.get(&format!("<0x{b:02X}>")).copied())
                    .collect();
                if let Some(bytes) = bytes {
                    out.extend(bytes.into_iter().map(|id| Token { id, start, end }));
                    continue;
                }
            }
            let id = self
                .unk_id
                .ok_or_else(|| Error::Encoding("Unigram model has no unk_id".into()))?;
            out.push(Token { id, start, end });
        }
        Ok(())
    }

    /// Each piece through the per-thread segment cache: a piece's tokens
    /// depend on its text alone, and words repeat (ruT5's tokenizer.json,
    /// 1 KB documents, ids only: 21-26 MB/s without the cache, 38-40 MB/s
    /// with it).
    fn tokenize_ids(&self, text: &str, pieces: &[Range<usize>], out: &mut Vec<u32>) -> Result<()> {
        let mut tokens = Vec::new();
        for piece in pieces {
            let piece = piece_of(text, piece)?;
            segment_cache::extend_ids(self.cache_owner, piece, out, |kept| {
                tokens.clear();
                self.tokenize(piece, &mut tokens)?;
                kept.extend(tokens.iter().map(|t| (t.id, t.end - t.start)));
                Ok(())
            })?;
        }
        Ok(())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.ids.get(token).copied()
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.pieces.get(id as usize).map(|p| p.0.as_str())
    }

    fn vocab_size(&self) -> usize {
        self.pieces.len()
    }

    fn named_by_text(&self, id: u32) -> bool {
        // HF's Unigram names every token by the text it covers: the same as
        // the vocabulary for known pieces, the fused text for unknown runs.
        Some(id) == self.unk_id
    }
}
