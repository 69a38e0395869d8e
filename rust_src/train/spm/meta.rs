//! The pieces a sentencepiece model holds besides the learned ones: unknown,
//! control, user-defined and byte pieces at fixed ids, and how the learned
//! pieces fill the ids left over (google/sentencepiece
//! `trainer_interface.cc` `InitMetaPieces` and `Serialize`).

use std::collections::{BTreeMap, HashSet};

use crate::error::{Error, Result};
use crate::formats::spm_model::{PieceType, SpmPiece};
use crate::train::spm::options::SpmOptions;

/// Meta pieces by id.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaPieces {
    /// Id → (piece, type), every id below the vocabulary size.
    pub by_id: BTreeMap<u32, (String, PieceType)>,
}

/// sentencepiece's spelling of byte `b` as a piece.
pub fn byte_piece(b: u8) -> String {
    format!("<0x{b:02X}>")
}

impl MetaPieces {
    /// Places unk/bos/eos/pad at their ids, then control symbols, user-defined
    /// symbols and byte pieces at the lowest free ids, as spm_train does.
    pub fn new(options: &SpmOptions) -> Result<Self> {
        let bad = |msg: String| Err(Error::InvalidArgument(msg));
        let mut by_id: BTreeMap<u32, (String, PieceType)> = BTreeMap::new();
        for (name, id, piece) in [
            ("unk", options.unk_id, &options.unk_piece),
            ("bos", options.bos_id, &options.bos_piece),
            ("eos", options.eos_id, &options.eos_piece),
            ("pad", options.pad_id, &options.pad_piece),
        ] {
            let Ok(id) = u32::try_from(id) else {
                if name == "unk" {
                    return bad(format!(
                        "unk_id must be set: {} must be defined",
                        options.unk_piece
                    ));
                }
                continue;
            };
            if id >= options.vocab_size {
                return bad(format!(
                    "{name}_id {id} is not below vocab_size {}",
                    options.vocab_size
                ));
            }
            if let Some((other, _)) = by_id.get(&id) {
                return bad(format!("{name}_id {id} is already the id of {other}"));
            }
            if name != "unk" && piece == &options.unk_piece {
                return bad(format!("{name}_piece {piece:?} is the unknown piece"));
            }
            let kind = if name == "unk" {
                PieceType::Unknown
            } else {
                PieceType::Control
            };
            by_id.insert(id, (piece.clone(), kind));
        }
        let mut seen = HashSet::new();
        let mut next = 0u32;
        let symbols = (options.control_symbols.iter())
            .map(|s| (s.clone(), PieceType::Control))
            .chain(
                (options.user_defined_symbols.iter()).map(|s| (s.clone(), PieceType::UserDefined)),
            )
            .chain(
                (0..=255u8)
                    .filter(|_| options.byte_fallback)
                    .map(|b| (byte_piece(b), PieceType::Byte)),
            );
        for (piece, kind) in symbols {
            if piece.is_empty() {
                return bad("a control or user-defined symbol is empty".into());
            }
            if !seen.insert(piece.clone()) {
                return bad(format!(
                    "{piece:?} is already defined: duplicated symbols are not allowed"
                ));
            }
            if piece == options.unk_piece {
                return bad(format!(
                    "{piece} must not be given as a control or user-defined symbol"
                ));
            }
            // bos/eos/pad named again keep their id and take the new type.
            let fixed = [
                (options.bos_id, &options.bos_piece),
                (options.eos_id, &options.eos_piece),
                (options.pad_id, &options.pad_piece),
            ]
            .into_iter()
            .find(|(id, p)| *id >= 0 && **p == piece);
            if let Some((id, _)) = fixed {
                if let Some(entry) = by_id.get_mut(&(id as u32)) {
                    entry.1 = kind;
                }
                continue;
            }
            while by_id.contains_key(&next) {
                next += 1;
            }
            by_id.insert(next, (piece, kind));
        }
        Ok(MetaPieces { by_id })
    }

    /// Number of meta pieces.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when there are none (never: the unknown piece is required).
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// True if `piece` is one of the meta pieces.
    pub fn contains(&self, piece: &str) -> bool {
        self.by_id.values().any(|(p, _)| p == piece)
    }

    /// The model's pieces in id order: meta pieces at their ids, learned
    /// pieces (`piece`, `score`) filling the other ids in order. With
    /// `exact_size`, the model must have exactly `vocab_size` pieces
    /// (sentencepiece's `hard_vocab_limit`, off for CHAR models).
    pub fn assemble(
        &self,
        learned: &[(String, f32)],
        vocab_size: u32,
        exact_size: bool,
    ) -> Result<Vec<SpmPiece>> {
        // Sized by what is there, not by vocab_size, which can be anything.
        let mut pieces = Vec::with_capacity(self.by_id.len() + learned.len());
        let mut seen = HashSet::new();
        let mut rest = learned.iter();
        for id in 0..vocab_size {
            let (piece, score, kind) = match self.by_id.get(&id) {
                Some((piece, kind)) => (piece.clone(), 0.0, *kind),
                None => match rest.next() {
                    Some((piece, score)) => (piece.clone(), *score, PieceType::Normal),
                    None => break,
                },
            };
            if !seen.insert(piece.clone()) {
                return Err(Error::Training(format!(
                    "the piece {piece:?} is already defined; a learned piece collides with a \
                     control or user-defined symbol"
                )));
            }
            pieces.push(SpmPiece { piece, score, kind });
        }
        if pieces.len() < self.by_id.len() || rest.next().is_some() {
            return Err(Error::Training(format!(
                "the meta pieces' ids leave no room: vocab_size {vocab_size} is too small"
            )));
        }
        if exact_size && pieces.len() != vocab_size as usize {
            return Err(Error::Training(format!(
                "vocabulary size too high ({vocab_size}): the corpus gives only {} pieces; \
                 set vocab_size to {} or less",
                pieces.len(),
                pieces.len()
            )));
        }
        Ok(pieces)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(meta: &MetaPieces) -> Vec<(u32, &str, PieceType)> {
        (meta.by_id.iter())
            .map(|(id, (p, k))| (*id, p.as_str(), *k))
            .collect()
    }

    #[test]
    fn default_ids_then_symbols_fill_the_gaps() {
        let options = SpmOptions {
            pad_id: 5,
            control_symbols: vec!["<sep>".into(), "</s>".into()],
            user_defined_symbols: vec!["<mask>".into()],
            ..SpmOptions::default()
        };
        let meta = MetaPieces::new(&options).unwrap();
        assert_eq!(
            ids(&meta),
            vec![
                (0, "<unk>", PieceType::Unknown),
                (1, "<s>", PieceType::Control),
                (2, "</s>", PieceType::Control),
                (3, "<sep>", PieceType::Control),
                (4, "<mask>", PieceType::UserDefined),
                (5, "<pad>", PieceType::Control),
            ]
        );
    }

    #[test]
    fn conflicts_are_refused() {
        let same = SpmOptions {
            bos_id: 0,
            ..SpmOptions::default()
        };
        assert!(MetaPieces::new(&same).is_err());
        let dup = SpmOptions {
            user_defined_symbols: vec!["x".into(), "x".into()],
            ..SpmOptions::default()
        };
        assert!(MetaPieces::new(&dup)
            .unwrap_err()
            .to_string()
            .contains("already defined"));
        let empty = SpmOptions {
            user_defined_symbols: vec![String::new()],
            ..SpmOptions::default()
        };
        assert!(MetaPieces::new(&empty).is_err());
        let no_unk = SpmOptions {
            unk_id: -1,
            ..SpmOptions::default()
        };
        assert!(MetaPieces::new(&no_unk).is_err());
    }

    #[test]
    fn learned_pieces_fill_the_free_ids() {
        let meta = MetaPieces::new(&SpmOptions {
            vocab_size: 5,
            ..SpmOptions::default()
        })
        .unwrap();
        let learned = vec![("▁a".to_string(), -1.0), ("b".to_string(), -2.0)];
        let pieces = meta.assemble(&learned, 5, true).unwrap();
        let names: Vec<&str> = pieces.iter().map(|p| p.piece.as_str()).collect();
        assert_eq!(names, ["<unk>", "<s>", "</s>", "▁a", "b"]);
        assert!(meta.assemble(&learned[..1], 5, true).is_err());
        assert_eq!(meta.assemble(&learned[..1], 5, false).unwrap().len(), 4);
    }
}
