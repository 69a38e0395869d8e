//! The vocabulary of a sentencepiece model, checked as sentencepiece checks it
//! (google/sentencepiece `src/model_interface.cc`, `InitializePieces`).

use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::formats::spm_model::{ModelType, PieceType, SpmModelProto, SpmPiece};
use crate::models::unigram::trie::DoubleArray;

/// Pieces, scores and types, with the lookups both sentencepiece models use.
#[derive(Debug, Clone)]
pub struct SpmVocab {
    /// Piece strings by id.
    pub pieces: Vec<String>,
    /// Scores by id.
    pub scores: Vec<f32>,
    /// Types by id.
    pub kinds: Vec<PieceType>,
    /// Normal, user-defined and unused pieces (sentencepiece's `pieces_`).
    pub normal: DoubleArray,
    /// Unknown, control and byte pieces, which win in [`SpmVocab::piece_to_id`].
    reserved: FxHashMap<String, u32>,
    /// User-defined symbols, cut out of the text before anything else.
    pub user: Option<DoubleArray>,
    /// The unknown piece, or [`NO_UNK`] in a byte-fallback model without one
    /// (sentencepiece 0.2.3 loads those: every unknown character becomes
    /// byte pieces). Segmenters give it to unknown characters either way.
    pub unk_id: u32,
    /// `<0xNN>` ids when the model falls back to bytes.
    pub byte_ids: Option<Vec<u32>>,
}

/// The byte of a `<0xNN>` piece.
pub fn piece_to_byte(piece: &str) -> Option<u8> {
    let hex = piece.strip_prefix("<0x")?.strip_suffix('>')?;
    if hex.len() != 2 {
        return None;
    }
    u8::from_str_radix(hex, 16).ok()
}

/// The unknown id of a model without an unknown piece: no piece has it, and
/// sentencepiece's -1 reads as it in a lattice's `i32` ids.
pub const NO_UNK: u32 = u32::MAX;

/// Whether a piece of this type is looked up as text (sentencepiece keeps
/// the other types, control and unknown and byte, apart).
pub fn is_normal(kind: PieceType) -> bool {
    matches!(
        kind,
        PieceType::Normal | PieceType::UserDefined | PieceType::Unused
    )
}

/// The longest piece sentencepiece loads, in bytes.
const MAX_PIECE_BYTES: usize = 7999;

/// What sentencepiece 0.2.3 refuses in a piece, whatever its type and the
/// model's: a NUL, but for an unused "\0" piece (as a byte-fallback model's
/// "\0" is read).
fn piece_problem(p: &SpmPiece) -> Option<String> {
    if p.piece.is_empty() {
        Some("is empty".into())
    } else if p.piece.len() > MAX_PIECE_BYTES {
        Some(format!(
            "is too long ({} bytes; sentencepiece loads at most {MAX_PIECE_BYTES})",
            p.piece.len()
        ))
    } else if p.piece.contains('\0') && !(p.piece == "\0" && p.kind == PieceType::Unused) {
        Some(format!("{:?} holds a NUL character", p.piece))
    } else {
        None
    }
}

impl SpmVocab {
    /// Builds and validates the vocabulary of `proto`.
    pub fn new(proto: &SpmModelProto, path: &Path) -> Result<Self> {
        let n = proto.pieces.len();
        if u32::try_from(n).is_err() || i32::try_from(n).is_err() {
            return Err(Error::vocab(path, 0, "too many pieces"));
        }
        let one_namespace = proto.trainer.model_type == ModelType::Bpe;
        let mut reserved = FxHashMap::default();
        let mut seen = FxHashMap::default();
        let mut unk_id = None;
        let mut bytes = vec![None; 256];
        let mut user_keys = Vec::new();
        let mut normal_keys = Vec::new();
        for (i, p) in proto.pieces.iter().enumerate() {
            let id = i as u32;
            if let Some(problem) = piece_problem(p) {
                return Err(Error::vocab(path, 0, format!("pieces[{i}] {problem}")));
            }
            let normal = is_normal(p.kind);
            let (map, other) = if normal {
                (&mut seen, &reserved)
            } else {
                (&mut reserved, &seen)
            };
            // BPE models keep all types in one map; the others two.
            let clash = one_namespace && other.contains_key(&p.piece);
            if map.insert(p.piece.clone(), id).is_some() || clash {
                return Err(Error::vocab(
                    path,
                    0,
                    format!("piece {:?} is defined twice", p.piece),
                ));
            }
            if normal {
                normal_keys.push((p.piece.as_bytes(), i as i32));
            }
            match p.kind {
                PieceType::UserDefined => user_keys.push((p.piece.as_bytes(), i as i32)),
                PieceType::Unknown if unk_id.replace(id).is_some() => {
                    return Err(Error::vocab(path, 0, "more than one unknown piece"));
                }
                PieceType::Byte => {
                    if !proto.trainer.byte_fallback {
                        return Err(Error::vocab(
                            path,
                            0,
                            format!(
                                "byte piece {} found although byte_fallback is false",
                                p.piece
                            ),
                        ));
                    }
                    let b = piece_to_byte(&p.piece).ok_or_else(|| {
                        Error::vocab(path, 0, format!("byte piece {} is invalid", p.piece))
                    })?;
                    bytes[usize::from(b)] = Some(id);
                }
                _ => {}
            }
        }
        let unk_id = match unk_id {
            Some(id) => id,
            None if proto.trainer.byte_fallback => NO_UNK,
            None => return Err(Error::vocab(path, 0, "the model has no unknown piece")),
        };
        let byte_ids = if proto.trainer.byte_fallback {
            let mut ids = Vec::with_capacity(256);
            for (b, id) in bytes.iter().enumerate() {
                ids.push(id.ok_or_else(|| {
                    Error::vocab(
                        path,
                        0,
                        format!("byte_fallback is set but piece <0x{b:02X}> is missing"),
                    )
                })?);
            }
            Some(ids)
        } else {
            None
        };
        let user = (!user_keys.is_empty()).then(|| DoubleArray::build(user_keys));
        Ok(SpmVocab {
            pieces: proto.pieces.iter().map(|p| p.piece.clone()).collect(),
            scores: proto.pieces.iter().map(|p| p.score).collect(),
            kinds: proto.pieces.iter().map(|p| p.kind).collect(),
            normal: DoubleArray::build(normal_keys),
            reserved,
            user,
            unk_id,
            byte_ids,
        })
    }

    /// Number of pieces.
    pub fn len(&self) -> usize {
        self.pieces.len()
    }

    /// True when the vocabulary is empty (never, for a loaded model).
    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// The id of `piece`, if the vocabulary has it.
    pub fn lookup(&self, piece: &str) -> Option<u32> {
        if let Some(&id) = self.reserved.get(piece) {
            return Some(id);
        }
        self.normal
            .get(piece.as_bytes())
            .and_then(|id| u32::try_from(id).ok())
    }

    /// sentencepiece's `PieceToId`: the unknown id for pieces not in the
    /// vocabulary ([`NO_UNK`] when there is no unknown piece).
    pub fn piece_to_id(&self, piece: &str) -> u32 {
        self.lookup(piece).unwrap_or(self.unk_id)
    }

    /// Whether `id` stands for unknown text.
    #[inline]
    pub fn is_unknown(&self, id: u32) -> bool {
        id == self.unk_id
    }

    /// The type of `id`.
    #[inline]
    pub fn kind(&self, id: u32) -> Option<PieceType> {
        self.kinds.get(id as usize).copied()
    }

    /// Whether `id` is the given type.
    #[inline]
    pub fn is(&self, id: u32, kind: PieceType) -> bool {
        self.kind(id) == Some(kind)
    }
}
