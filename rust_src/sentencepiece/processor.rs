//! A sentencepiece model end to end: normalize, segment (best path, sampled
//! or n-best), then turn model output into pieces the way
//! google/sentencepiece `SentencePieceProcessor::PopulateSentencePieceText`
//! does (runs of unknown characters merged into one piece, or split into
//! `<0xNN>` byte pieces under byte fallback).

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::formats::spm_model::{ModelType, PieceType, SpmModelProto};
use crate::models::bpe_spm::SpmBpeModel;
use crate::models::rng::Rng;
use crate::models::spm_char::SpmCharModel;
use crate::models::spm_vocab::SpmVocab;
use crate::models::spm_word::SpmWordModel;
use crate::models::unigram::lattice::Lattice;
use crate::models::unigram::model::UnigramModel;
use crate::models::unigram::nbest::nbest;
use crate::normalize::spm::{SpmNormalized, SpmNormalizer};
use crate::pipeline::Token;

thread_local! {
    static SCRATCH: RefCell<(SpmNormalized, Vec<Token>)> = RefCell::default();
}

/// The largest `nbest_size` sampling accepts (sentencepiece's `kMaxNBestSize`).
pub const MAX_NBEST_SIZE: i64 = 512;

/// The segmentation algorithm of a loaded model.
#[derive(Debug, Clone)]
pub enum SpmModel {
    /// Unigram language model.
    Unigram(UnigramModel),
    /// Score-ordered BPE.
    Bpe(SpmBpeModel),
    /// One piece per character.
    Char(SpmCharModel),
    /// One piece per whitespace-delimited word.
    Word(SpmWordModel),
}

impl SpmModel {
    /// The model type as `trainer_spec.model_type` names it.
    pub fn type_name(&self) -> &'static str {
        match self {
            SpmModel::Unigram(_) => "UNIGRAM",
            SpmModel::Bpe(_) => "BPE",
            SpmModel::Char(_) => "CHAR",
            SpmModel::Word(_) => "WORD",
        }
    }
}

/// How to segment: the best path or a sample (sentencepiece's `SampleEncode`
/// arguments). `seed` fixes the random stream of this one call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Sampling {
    /// The best segmentation.
    Best,
    /// Unigram: `nbest_size < 0` samples the full lattice, `> 1` samples among
    /// the `nbest_size` best, 0 and 1 mean the best path. BPE: dropout with
    /// probability `alpha` whatever `nbest_size`.
    Sample {
        /// sentencepiece's `nbest_size`.
        nbest_size: i64,
        /// Inverse temperature (Unigram) or dropout probability (BPE).
        alpha: f32,
        /// Seed of this call's random stream.
        seed: u64,
    },
}

/// One output piece.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpmPiece {
    /// Vocabulary id.
    pub id: u32,
    /// The piece as sentencepiece spells it (the text itself for merged
    /// unknown characters, `<0xNN>` for byte fallback).
    pub piece: String,
    /// Byte range in the original text.
    pub begin: usize,
    /// End of the byte range in the original text.
    pub end: usize,
}

/// A loaded sentencepiece model.
#[derive(Debug, Clone)]
pub struct SentencePiece {
    /// The serialized model, kept for pickling (shared with a
    /// [`crate::tokenizer::source::Source`] that holds the same file).
    pub serialized: Arc<[u8]>,
    /// The algorithm.
    pub model: SpmModel,
    normalizer: SpmNormalizer,
    denormalizer: Option<SpmNormalizer>,
    unk_surface: String,
    bos_piece: String,
    eos_piece: String,
    pad_piece: String,
    unk_piece: String,
}

impl SentencePiece {
    /// Loads a `.model` file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes(bytes, path)
    }

    /// Loads serialized `ModelProto` bytes; `path` names them in errors.
    pub fn from_bytes(bytes: Vec<u8>, path: &Path) -> Result<Self> {
        Self::from_shared(bytes.into(), path)
    }

    /// [`Self::from_bytes`], keeping `bytes` shared rather than copied.
    pub fn from_shared(bytes: Arc<[u8]>, path: &Path) -> Result<Self> {
        let proto = SpmModelProto::from_bytes(&bytes, path)?;
        let model = match proto.trainer.model_type {
            ModelType::Unigram => SpmModel::Unigram(UnigramModel::new(&proto, path)?),
            ModelType::Bpe => SpmModel::Bpe(SpmBpeModel::new(&proto, path)?),
            ModelType::Char => SpmModel::Char(SpmCharModel::new(&proto, path)?),
            ModelType::Word => SpmModel::Word(SpmWordModel::new(&proto, path)?),
        };
        let suffix = proto.trainer.treat_whitespace_as_suffix;
        let normalizer = SpmNormalizer::new(&proto.normalizer, suffix, path)?;
        let denormalizer = match &proto.denormalizer {
            Some(spec) if !spec.precompiled_charsmap.is_empty() => {
                Some(SpmNormalizer::new(spec, false, path)?)
            }
            _ => None,
        };
        Ok(SentencePiece {
            serialized: bytes,
            model,
            normalizer,
            denormalizer,
            unk_surface: proto.trainer.unk_surface.clone(),
            bos_piece: proto.trainer.bos_piece.clone(),
            eos_piece: proto.trainer.eos_piece.clone(),
            pad_piece: proto.trainer.pad_piece.clone(),
            unk_piece: proto.trainer.unk_piece.clone(),
        })
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &SpmVocab {
        match &self.model {
            SpmModel::Unigram(m) => &m.vocab,
            SpmModel::Bpe(m) => &m.vocab,
            SpmModel::Char(m) => &m.vocab,
            SpmModel::Word(m) => &m.vocab,
        }
    }

    fn special_id(&self, piece: &str, kind: PieceType) -> Option<u32> {
        let id = self.vocab().piece_to_id(piece);
        self.vocab().is(id, kind).then_some(id)
    }

    /// The unknown id (`None` when the unknown piece is not `unk_piece`).
    pub fn unk_id(&self) -> Option<u32> {
        self.special_id(&self.unk_piece, PieceType::Unknown)
    }

    /// The begin-of-sentence id, if the model has that control symbol.
    pub fn bos_id(&self) -> Option<u32> {
        self.special_id(&self.bos_piece, PieceType::Control)
    }

    /// The end-of-sentence id, if the model has that control symbol.
    pub fn eos_id(&self) -> Option<u32> {
        self.special_id(&self.eos_piece, PieceType::Control)
    }

    /// The padding id, if the model has that control symbol.
    pub fn pad_id(&self) -> Option<u32> {
        self.special_id(&self.pad_piece, PieceType::Control)
    }

    /// Normalizes `text` as the model does before segmentation.
    pub fn normalize(&self, text: &str, track: bool, out: &mut SpmNormalized) {
        self.normalizer
            .normalize(text, self.vocab().user.as_ref(), track, out);
    }

    /// Segments normalized text: raw model output (unknowns not merged).
    pub fn segment(
        &self,
        normalized: &str,
        sampling: Sampling,
        out: &mut Vec<Token>,
    ) -> Result<()> {
        if let Sampling::Sample { nbest_size, .. } = sampling {
            if nbest_size > MAX_NBEST_SIZE {
                // Unsupported, a RuntimeError in Python, as sentencepiece's
                // failed check is.
                return Err(Error::Unsupported(format!(
                    "nbest_size must be <= {MAX_NBEST_SIZE}, got {nbest_size}"
                )));
            }
        }
        match (&self.model, sampling) {
            (SpmModel::Unigram(m), Sampling::Best) => m.encode(normalized, out),
            (SpmModel::Bpe(m), Sampling::Best) => m.encode(normalized, None, out),
            (SpmModel::Char(m), Sampling::Best) => m.encode(normalized, out),
            (SpmModel::Word(m), Sampling::Best) => m.encode(normalized, out),
            // sentencepiece refuses to sample these whatever the arguments.
            (SpmModel::Char(_) | SpmModel::Word(_), Sampling::Sample { .. }) => {
                Err(Error::Unsupported(format!(
                    "sampling is not available for {} models (sentencepiece samples \
                     UNIGRAM and BPE models only)",
                    self.model.type_name()
                )))
            }
            (SpmModel::Bpe(m), Sampling::Sample { alpha, seed, .. }) => {
                let mut rng = Rng::new(seed);
                m.encode(normalized, Some((f64::from(alpha), &mut rng)), out)
            }
            (
                SpmModel::Unigram(m),
                Sampling::Sample {
                    nbest_size,
                    alpha,
                    seed,
                },
            ) => {
                if nbest_size == 0 || nbest_size == 1 {
                    return m.encode(normalized, out);
                }
                if normalized.is_empty() {
                    return Ok(());
                }
                let mut rng = Rng::new(seed);
                let lattice = Lattice::new(m, normalized)?;
                if nbest_size < 0 {
                    lattice.sample(f64::from(alpha), &mut rng, out);
                    return Ok(());
                }
                let k = usize::try_from(nbest_size.min(1024)).unwrap_or(1);
                let paths = nbest(&lattice, k, None);
                let log_probs: Vec<f64> = paths
                    .iter()
                    .map(|(_, score)| f64::from(alpha) * f64::from(*score))
                    .collect();
                let max = log_probs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let weights: Vec<f64> = log_probs.iter().map(|lp| (lp - max).exp()).collect();
                if let Some((path, _)) = paths.get(rng.weighted(&weights)) {
                    out.extend(path.iter().map(|&i| lattice.token(i)));
                }
                Ok(())
            }
        }
    }

    /// Ids of `text` (sentencepiece's `Encode` / `SampleEncode` to ids).
    pub fn encode_ids(&self, text: &str, sampling: Sampling) -> Result<Vec<u32>> {
        self.segmented(text, sampling, |normalized, tokens| {
            self.ids_of(normalized, tokens)
        })
    }

    /// The number of ids [`Self::encode_ids`] gives (of one sample, when
    /// sampling), counted without building them.
    pub fn count_ids(&self, text: &str, sampling: Sampling) -> Result<usize> {
        self.segmented(text, sampling, |normalized, tokens| {
            let mut count = 0;
            self.each_id(normalized, tokens, |_| count += 1);
            count
        })
    }

    /// `read` of the normalized text of `text` and its segmentation.
    fn segmented<R>(
        &self,
        text: &str,
        sampling: Sampling,
        read: impl FnOnce(&str, &[Token]) -> R,
    ) -> Result<R> {
        // Buffers reused across calls on the same thread: allocation was 6%
        // of encoding 1 KB documents.
        SCRATCH.with_borrow_mut(|(normalized, tokens)| {
            self.normalize(text, false, normalized);
            tokens.clear();
            let result = self
                .segment(&normalized.text, sampling, tokens)
                .map(|()| read(&normalized.text, tokens));
            if normalized.text.capacity() > 1 << 20 {
                *normalized = SpmNormalized::default();
                *tokens = Vec::new();
            }
            result
        })
    }

    /// Model output to ids, merging unknown runs or falling back to bytes.
    pub fn ids_of(&self, normalized: &str, tokens: &[Token]) -> Vec<u32> {
        let mut ids = Vec::with_capacity(tokens.len());
        self.each_id(normalized, tokens, |id| ids.push(id));
        ids
    }

    /// Passes each id of the model output to `emit`: a run of unknown
    /// tokens is one unknown id, or the ids of its bytes with byte fallback.
    fn each_id(&self, normalized: &str, tokens: &[Token], mut emit: impl FnMut(u32)) {
        let vocab = self.vocab();
        let bytes = normalized.as_bytes();
        let mut prev_unk = false;
        for t in tokens {
            let is_unk = vocab.is_unknown(t.id);
            if is_unk {
                if let Some(byte_ids) = &vocab.byte_ids {
                    let span = bytes.get(t.start as usize..t.end as usize).unwrap_or(&[]);
                    span.iter().for_each(|&b| emit(byte_ids[usize::from(b)]));
                } else if !prev_unk {
                    emit(t.id);
                }
            } else {
                emit(t.id);
            }
            prev_unk = is_unk;
        }
    }

    /// Pieces of `text` with their original byte ranges.
    pub fn encode_pieces(&self, text: &str, sampling: Sampling) -> Result<Vec<SpmPiece>> {
        let mut normalized = SpmNormalized::default();
        self.normalize(text, true, &mut normalized);
        let mut tokens = Vec::new();
        self.segment(&normalized.text, sampling, &mut tokens)?;
        Ok(self.pieces_of(&normalized, &tokens))
    }

    /// Model output to pieces (sentencepiece's `PopulateSentencePieceText`).
    pub fn pieces_of(&self, normalized: &SpmNormalized, tokens: &[Token]) -> Vec<SpmPiece> {
        let vocab = self.vocab();
        let text = &normalized.text;
        let map = &normalized.to_original;
        let orig = |i: u32| map.get(i as usize).copied().unwrap_or(0);
        let mut out: Vec<SpmPiece> = Vec::with_capacity(tokens.len());
        let mut prev_unk = false;
        for t in tokens {
            let surface = text.get(t.start as usize..t.end as usize).unwrap_or("");
            let (begin, end) = (orig(t.start), orig(t.end));
            let is_unk = vocab.is_unknown(t.id);
            if is_unk && vocab.byte_ids.is_some() {
                let byte_ids = vocab.byte_ids.as_deref().unwrap_or(&[]);
                let n = surface.len();
                for (i, &b) in surface.as_bytes().iter().enumerate() {
                    out.push(SpmPiece {
                        id: byte_ids.get(usize::from(b)).copied().unwrap_or(t.id),
                        piece: format!("<0x{b:02X}>"),
                        begin,
                        end: if i + 1 == n { end } else { begin },
                    });
                }
            } else if is_unk && prev_unk {
                if let Some(last) = out.last_mut() {
                    last.piece.push_str(surface);
                    last.end = end;
                }
            } else {
                out.push(SpmPiece {
                    id: t.id,
                    piece: surface.to_owned(),
                    begin,
                    end,
                });
            }
            prev_unk = is_unk;
        }
        out
    }

    /// Whether decoding drops the `▁` starting the text.
    pub(crate) fn normalizer_adds_prefix_or_squeezes(&self) -> bool {
        self.normalizer.adds_dummy_prefix() || self.normalizer.removes_extra_whitespaces()
    }

    /// Whether the normalizer squeezes whitespace.
    pub(crate) fn normalizer_squeezes(&self) -> bool {
        self.normalizer.removes_extra_whitespaces()
    }

    /// What decoding writes for the unknown piece.
    pub(crate) fn unk_surface_text(&self) -> &str {
        &self.unk_surface
    }

    /// The normalizer applied to decoded text, if any.
    pub(crate) fn denormalizer(&self) -> Option<&SpmNormalizer> {
        self.denormalizer.as_ref()
    }
}
