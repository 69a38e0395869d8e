//! HF's WordLevel model: each piece is one token, or the unknown token.

use rustc_hash::FxHashMap;

use super::names_by_id;
use crate::error::{Error, Result};
use crate::pipeline::{Model, Token};

/// A word-to-id table.
pub struct WordLevel {
    vocab: FxHashMap<String, u32>,
    /// Token strings by id.
    names: Vec<Option<String>>,
    /// The unknown token, for messages.
    unk_token: String,
    /// Its id, when the vocabulary has it (HF fails an unknown word otherwise).
    unk_id: Option<u32>,
}

impl WordLevel {
    /// The model of `vocab`, with `unk_token` for words it lacks.
    pub fn new(vocab: FxHashMap<String, u32>, unk_token: &str) -> Self {
        WordLevel {
            names: names_by_id(&vocab),
            unk_id: vocab.get(unk_token).copied(),
            unk_token: unk_token.to_owned(),
            vocab,
        }
    }
}

impl Model for WordLevel {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        let end = u32::try_from(piece.len())
            .map_err(|_| Error::Encoding("a piece longer than 4 GiB cannot be encoded".into()))?;
        let id = match (self.vocab.get(piece), self.unk_id) {
            (Some(&id), _) | (None, Some(id)) => id,
            (None, None) => {
                return Err(Error::Encoding(format!(
                    "the word {piece:?} is not in the WordLevel vocabulary and the unknown token \
                     {:?} is not either",
                    self.unk_token
                )))
            }
        };
        out.push(Token { id, start: 0, end });
        Ok(())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.vocab.get(token).copied()
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize)?.as_deref()
    }

    fn vocab_size(&self) -> usize {
        self.names.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(m: &WordLevel, piece: &str) -> Result<Vec<u32>> {
        let mut out = Vec::new();
        m.tokenize(piece, &mut out)?;
        Ok(out.iter().map(|t| t.id).collect())
    }

    #[test]
    fn whole_words_or_unknown() {
        let vocab: FxHashMap<String, u32> = [("hello", 0), ("[UNK]", 1)]
            .iter()
            .map(|&(t, i)| (t.to_owned(), i))
            .collect();
        let m = WordLevel::new(vocab.clone(), "[UNK]");
        assert_eq!(run(&m, "hello").unwrap(), [0]);
        assert_eq!(run(&m, "hell").unwrap(), [1]);
        let no_unk = WordLevel::new(vocab, "<unk>");
        assert!(matches!(run(&no_unk, "hell"), Err(Error::Encoding(_))));
    }
}
