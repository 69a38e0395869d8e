//! sentencepiece's CHAR model: every character (or longest user-defined
//! symbol) is one piece, looked up in the vocabulary as it stands. Follows
//! google/sentencepiece `src/char_model.cc`; the lookup is the one the
//! 0.2.3 wheel does (read by experiment): only normal and user-defined pieces
//! match, so text spelling a control, byte or unused piece is unknown.

use std::path::Path;

use crate::error::{Error, Result};
use crate::formats::spm_model::{PieceType, SpmModelProto};
use crate::models::spm_vocab::SpmVocab;
use crate::models::unigram::model::one_char_len;
use crate::pipeline::Token;

/// A loaded sentencepiece CHAR model.
#[derive(Debug, Clone)]
pub struct SpmCharModel {
    /// Pieces, scores, types.
    pub vocab: SpmVocab,
}

/// The id sentencepiece's CHAR and WORD models give `piece`: a normal or
/// user-defined piece spelled exactly so, else the unknown id.
pub(crate) fn surface_id(vocab: &SpmVocab, piece: &[u8]) -> u32 {
    vocab
        .normal
        .get(piece)
        .and_then(|id| u32::try_from(id).ok())
        .filter(|&id| !vocab.is(id, PieceType::Unused))
        .unwrap_or(vocab.unk_id)
}

/// The error for text too long for `u32` offsets.
pub(crate) fn check_len(text: &str) -> Result<()> {
    if u32::try_from(text.len()).is_err() {
        return Err(Error::InvalidArgument(
            "text longer than 4 GiB cannot be encoded in one call".into(),
        ));
    }
    Ok(())
}

impl SpmCharModel {
    /// Builds the model from a parsed `.model`.
    pub fn new(proto: &SpmModelProto, path: &Path) -> Result<Self> {
        Ok(SpmCharModel {
            vocab: SpmVocab::new(proto, path)?,
        })
    }

    /// Appends the pieces of normalized `text`: the longest user-defined
    /// symbol starting at each position, else one character.
    pub fn encode(&self, text: &str, out: &mut Vec<Token>) -> Result<()> {
        check_len(text)?;
        let bytes = text.as_bytes();
        let mut start = 0usize;
        while start < bytes.len() {
            let rest = &bytes[start..];
            let len = self
                .vocab
                .user
                .as_ref()
                .and_then(|user| user.longest_prefix(rest))
                .map_or_else(|| one_char_len(rest[0]).min(rest.len()), |(len, _)| len);
            let end = start + len;
            out.push(Token {
                id: surface_id(&self.vocab, &rest[..len]),
                start: start as u32,
                end: end as u32,
            });
            start = end;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::unigram::model::tests::toy_proto;
    use PieceType::*;

    fn model() -> SpmCharModel {
        let proto = toy_proto(&[
            ("<unk>", 0.0, Unknown),
            ("<s>", 0.0, Control),
            ("a", -1.0, Normal),
            ("é", -1.0, Normal),
            ("ab", 0.0, UserDefined),
            ("abc", 0.0, UserDefined),
            ("b", 0.0, Unused),
            ("<", -1.0, Normal),
        ]);
        SpmCharModel::new(&proto, Path::new("toy")).unwrap()
    }

    fn encode(m: &SpmCharModel, s: &str) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        m.encode(s, &mut out).unwrap();
        out.iter().map(|t| (t.id, t.start, t.end)).collect()
    }

    #[test]
    fn characters_and_longest_user_symbols() {
        let m = model();
        assert_eq!(encode(&m, "aé"), vec![(2, 0, 1), (3, 1, 3)]);
        assert_eq!(
            encode(&m, "abcab"),
            vec![(5, 0, 3), (4, 3, 5)],
            "longest user-defined symbol first"
        );
        assert!(encode(&m, "").is_empty());
    }

    #[test]
    fn unused_control_and_missing_characters_are_unknown() {
        let m = model();
        // "b" is unused; "<s>" is split into characters, never the control id.
        assert_eq!(encode(&m, "b☃"), vec![(0, 0, 1), (0, 1, 4)]);
        let ids: Vec<u32> = encode(&m, "<s>").iter().map(|t| t.0).collect();
        assert_eq!(ids, vec![7, 0, 0]);
    }
}
