//! sentencepiece's WORD model: the normalized text is cut into words, each
//! `▁` starting a new one, and each word is looked up whole; a word outside
//! the vocabulary is unknown. Follows google/sentencepiece `src/word_model.cc`,
//! which calls `SplitIntoWords` with its defaults: the 0.2.3 wheel cuts this
//! way even for models trained with `treat_whitespace_as_suffix` or
//! `allow_whitespace_only_pieces` (checked by experiment).

use std::path::Path;

use crate::error::Result;
use crate::formats::spm_model::SpmModelProto;
use crate::models::spm_char::{check_len, surface_id};
use crate::models::spm_vocab::SpmVocab;
use crate::pipeline::Token;

/// The escaped whitespace `▁` (U+2581) that starts a word.
const SPACE: char = '\u{2581}';

/// A loaded sentencepiece WORD model.
#[derive(Debug, Clone)]
pub struct SpmWordModel {
    /// Pieces, scores, types.
    pub vocab: SpmVocab,
}

/// Byte ranges of the words of `text`: a word starts at the beginning and
/// at every `▁`, so a run of `▁` gives one-`▁` words.
pub fn split_into_words(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut starts = text
        .char_indices()
        .filter(|&(i, c)| i == 0 || c == SPACE)
        .map(|(i, _)| i)
        .peekable();
    std::iter::from_fn(move || {
        let start = starts.next()?;
        Some((start, starts.peek().copied().unwrap_or(text.len())))
    })
}

impl SpmWordModel {
    /// Builds the model from a parsed `.model`.
    pub fn new(proto: &SpmModelProto, path: &Path) -> Result<Self> {
        Ok(SpmWordModel {
            vocab: SpmVocab::new(proto, path)?,
        })
    }

    /// Appends the words of normalized `text` with their ids.
    pub fn encode(&self, text: &str, out: &mut Vec<Token>) -> Result<()> {
        check_len(text)?;
        let bytes = text.as_bytes();
        for (start, end) in split_into_words(text) {
            out.push(Token {
                id: surface_id(&self.vocab, bytes.get(start..end).unwrap_or(&[])),
                start: start as u32,
                end: end as u32,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::spm_model::PieceType::*;
    use crate::models::unigram::model::tests::toy_proto;

    fn words(text: &str) -> Vec<&str> {
        split_into_words(text).map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn a_word_starts_at_every_space_symbol() {
        assert_eq!(words("▁a▁bc"), vec!["▁a", "▁bc"]);
        assert_eq!(words("a▁▁b▁"), vec!["a", "▁", "▁b", "▁"]);
        assert_eq!(words("ab"), vec!["ab"]);
        assert!(words("").is_empty());
    }

    #[test]
    fn words_are_looked_up_whole() {
        let proto = toy_proto(&[
            ("<unk>", 0.0, Unknown),
            ("▁a", -1.0, Normal),
            ("▁b", -1.0, Unused),
            ("▁<u>", 0.0, UserDefined),
        ]);
        let m = SpmWordModel::new(&proto, Path::new("toy")).unwrap();
        let mut out = Vec::new();
        m.encode("▁a▁b▁<u>▁ab", &mut out).unwrap();
        let ids: Vec<u32> = out.iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![1, 0, 3, 0]);
    }
}
