//! Pieces back to text, as google/sentencepiece `SentencePieceProcessor::Decode`
//! does it: control symbols vanish, the unknown piece becomes `unk_surface`,
//! the dummy-prefix `▁` of the first piece is dropped, `▁` becomes a space,
//! and runs of `<0xNN>` pieces are decoded as UTF-8 (each invalid byte
//! becoming U+FFFD).

use crate::error::{Error, Result};
use crate::formats::spm_model::PieceType;
use crate::models::spm_vocab::piece_to_byte;
use crate::normalize::spm::{SpmNormalized, SPACE_SYMBOL};
use crate::sentencepiece::processor::SentencePiece;

/// Appends `bytes` decoded one character at a time; a byte that does not
/// start a valid character becomes U+FFFD and decoding resumes after it.
fn push_bytes(bytes: &[u8], text: &mut String) {
    let mut rest = bytes;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                text.push_str(s);
                return;
            }
            Err(e) => {
                let valid = e.valid_up_to();
                if valid > 0 {
                    text.push_str(std::str::from_utf8(&rest[..valid]).unwrap_or(""));
                    rest = &rest[valid..];
                } else {
                    text.push('\u{fffd}');
                    rest = &rest[1..];
                }
            }
        }
    }
}

impl SentencePiece {
    /// Decodes ids; an id outside the vocabulary is an error.
    pub fn decode_ids(&self, ids: &[i64]) -> Result<String> {
        let vocab = self.vocab();
        let mut pieces = Vec::with_capacity(ids.len());
        for &id in ids {
            let piece = usize::try_from(id)
                .ok()
                .and_then(|i| vocab.pieces.get(i))
                .ok_or_else(|| Error::InvalidArgument(format!("piece id {id} is out of range")))?;
            pieces.push(piece.as_str());
        }
        self.decode_pieces(&pieces)
    }

    /// Decodes pieces (ids are looked up from the pieces, as sentencepiece does).
    pub fn decode_pieces(&self, pieces: &[&str]) -> Result<String> {
        let vocab = self.vocab();
        let strip_dummy = self.normalizer_adds_prefix_or_squeezes();
        let squeeze = self.normalizer_squeezes();
        let mut text = String::new();
        let mut pending: Vec<u8> = Vec::new();
        let mut is_bos_ws = true;
        let mut bos_ws_seen = false;
        for &piece in pieces {
            let id = vocab.piece_to_id(piece);
            let kind = vocab.kind(id);
            if kind == Some(PieceType::Byte) {
                pending.push(piece_to_byte(piece).ok_or_else(|| {
                    Error::Encoding(format!("byte piece {piece:?} is malformed"))
                })?);
                continue;
            }
            push_bytes(&pending, &mut text);
            pending.clear();
            if bos_ws_seen || !text.is_empty() {
                is_bos_ws = false;
            }
            bos_ws_seen = false;
            match kind {
                Some(PieceType::Control) => {}
                Some(PieceType::Unknown) => {
                    if vocab.pieces.get(id as usize).map(String::as_str) == Some(piece) {
                        text.push_str(self.unk_surface_text());
                    } else {
                        text.push_str(piece);
                    }
                }
                _ => {
                    let mut rest = piece;
                    if is_bos_ws && strip_dummy {
                        if let Some(r) = rest.strip_prefix(SPACE_SYMBOL) {
                            rest = r;
                            bos_ws_seen = !squeeze;
                        }
                    }
                    text.push_str(&rest.replace(SPACE_SYMBOL, " "));
                }
            }
        }
        push_bytes(&pending, &mut text);
        if let Some(denormalizer) = self.denormalizer() {
            let mut out = SpmNormalized::default();
            denormalizer.normalize(&text, None, false, &mut out);
            return Ok(out.text);
        }
        Ok(text)
    }
}
