//! A sentencepiece model as stages of the general [`Tokenizer`]: its
//! normalizer (with alignment to the original text), its model (the whole
//! normalized text in one piece, unknown runs merged or split into bytes as
//! sentencepiece does) and its decoder. Offsets follow sentencepiece's
//! `begin`/`end`: a piece covers the original bytes its normalized bytes
//! came from.

use std::path::Path;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::pipeline::{Builder, Decoder, Model, Normalized, Normalizer, Span, SpannedChars, Token};
use crate::sentencepiece::{Sampling, SentencePiece};
use crate::tokenizer::Tokenizer;

/// The normalizer stage.
struct SpmNormalizerStage(Arc<SentencePiece>);

/// The model stage.
struct SpmModelStage(Arc<SentencePiece>);

/// The decoder stage.
struct SpmDecoderStage(Arc<SentencePiece>);

impl Normalizer for SpmNormalizerStage {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        text.rewrite(|chars: SpannedChars<'_>, out: &mut Builder| {
            let input = chars.rest().to_owned();
            // Span of every input byte, so sentencepiece's byte offsets map
            // back through earlier stages.
            let mut spans: Vec<Span> = Vec::with_capacity(input.len() + 1);
            for (c, span) in chars {
                spans.extend(std::iter::repeat_n(span, c.len_utf8()));
            }
            let end_of_input = spans.last().map_or((0, 0), |s| (s.1, s.1));
            spans.push(end_of_input);
            let mut normalized = crate::normalize::spm::SpmNormalized::default();
            self.0.normalize(&input, true, &mut normalized);
            let map = &normalized.to_original;
            for (i, c) in normalized.text.char_indices() {
                // sentencepiece gives a piece the original range between
                // the origins of its first byte and of the byte after it;
                // per char, that is the same.
                let from = map.get(i).copied().unwrap_or(0);
                let to = map.get(i + c.len_utf8()).copied().unwrap_or(from).max(from);
                let start = spans.get(from).map_or(end_of_input.0, |s| s.0);
                let end = if to > from {
                    spans.get(to - 1).map_or(start, |s| s.1)
                } else {
                    start
                };
                out.push(c, (start, end.max(start)));
            }
        });
        Ok(())
    }
}

impl Model for SpmModelStage {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        let mut raw = Vec::new();
        self.0.segment(piece, Sampling::Best, &mut raw)?;
        let vocab = self.0.vocab();
        let mut prev_unk = false;
        for t in raw {
            let is_unk = t.id == vocab.unk_id;
            match (&vocab.byte_ids, is_unk) {
                (Some(byte_ids), true) => {
                    let bytes = piece.as_bytes().get(t.start as usize..t.end as usize);
                    for (k, &b) in bytes.unwrap_or(&[]).iter().enumerate() {
                        let last = t.start + k as u32 + 1 == t.end;
                        out.push(Token {
                            id: byte_ids[usize::from(b)],
                            start: t.start,
                            end: if last { t.end } else { t.start },
                        });
                    }
                }
                (None, true) if prev_unk => {
                    if let Some(last) = out.last_mut() {
                        last.end = t.end;
                    }
                }
                _ => out.push(t),
            }
            prev_unk = is_unk;
        }
        Ok(())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.0.vocab().lookup(token)
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.0.vocab().pieces.get(id as usize).map(String::as_str)
    }

    fn vocab_size(&self) -> usize {
        self.0.vocab().len()
    }

    fn named_by_text(&self, id: u32) -> bool {
        // As sentencepiece's pieces: a merged run of unknown characters is
        // named by its normalized text.
        id == self.0.vocab().unk_id
    }
}

impl Decoder for SpmDecoderStage {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        let pieces: Vec<&str> = tokens.iter().map(String::as_str).collect();
        Ok(vec![self.0.decode_pieces(&pieces).unwrap_or_default()])
    }
}

/// A [`Tokenizer`] running the sentencepiece model at `path`: ids equal
/// sentencepiece's, offsets index the original text.
pub fn tokenizer_from_sentencepiece(path: &Path) -> Result<Tokenizer> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    tokenizer_from_sentencepiece_bytes(bytes.into(), path)
}

/// [`tokenizer_from_sentencepiece`] from the bytes of a `.model` (kept
/// shared, not copied); `path` names it in errors.
pub fn tokenizer_from_sentencepiece_bytes(bytes: Arc<[u8]>, path: &Path) -> Result<Tokenizer> {
    let sp = Arc::new(SentencePiece::from_shared(bytes, path)?);
    Ok(Tokenizer::new(Box::new(SpmModelStage(Arc::clone(&sp))))
        .with_normalizer(Box::new(SpmNormalizerStage(Arc::clone(&sp))))
        .with_decoder(Box::new(SpmDecoderStage(sp))))
}
