//! WordPiece encoding: greedy longest-match-first (Schuster & Nakajima 2012,
//! as in BERT). Each match is one walk down a byte trie, so no substring is
//! ever allocated; a word costs O(n·L) byte steps, L being the longest
//! vocabulary entry, and words are capped at `max_input_chars_per_word`.

use std::ops::Range;

use rustc_hash::FxHashMap;

use super::trie::{NodeId, Trie, MAX_VOCAB_BYTES, ROOT};
use super::whole::WholeEntries;
use crate::error::{Error, Result};
use crate::pipeline::{piece_of, Model, Token};

/// A WordPiece vocabulary ready to encode.
#[derive(Debug, Clone)]
pub struct WordPiece {
    vocab: FxHashMap<String, u32>,
    /// Token string of each id; `None` for ids no entry maps to.
    tokens: Vec<Option<String>>,
    trie: Trie,
    /// The entries, to find a whole word in one lookup.
    whole: WholeEntries,
    /// Continuation pieces without their prefix ("##ing" as "ing"), to
    /// find the whole rest of a word in one lookup.
    continuations: WholeEntries,
    /// Trie node after the continuation prefix ("##"); `None` when no
    /// vocabulary entry starts with it, so no word can continue.
    continuation: Option<NodeId>,
    unk_token: String,
    unk_id: Option<u32>,
    continuing_subword_prefix: String,
    max_input_chars_per_word: usize,
}

impl WordPiece {
    /// Builds from (token, id) pairs.
    pub fn new(
        vocab: FxHashMap<String, u32>,
        unk_token: &str,
        continuing_subword_prefix: &str,
        max_input_chars_per_word: usize,
    ) -> Result<Self> {
        let bytes: usize = vocab.keys().map(String::len).sum();
        if bytes > MAX_VOCAB_BYTES {
            return Err(Error::InvalidArgument(format!(
                "the vocabulary holds {bytes} bytes of token text; WordPiece takes at most \
                 {MAX_VOCAB_BYTES}"
            )));
        }
        let size = vocab.values().map(|&id| id as usize + 1).max().unwrap_or(0);
        let mut tokens = vec![None; size];
        for (token, &id) in &vocab {
            tokens[id as usize] = Some(token.clone());
        }
        let trie = Trie::new(vocab.iter().map(|(t, &id)| (t.as_str(), id)));
        let continuation = trie.walk(ROOT, continuing_subword_prefix.as_bytes());
        let continuations = WholeEntries::new(vocab.iter().filter_map(|(t, &id)| {
            let rest = t.strip_prefix(continuing_subword_prefix)?;
            (!rest.is_empty()).then_some((rest, id))
        }));
        Ok(WordPiece {
            whole: WholeEntries::new(vocab.iter().map(|(t, &id)| (t.as_str(), id))),
            continuations,
            unk_id: vocab.get(unk_token).copied(),
            vocab,
            tokens,
            trie,
            continuation,
            unk_token: unk_token.to_owned(),
            continuing_subword_prefix: continuing_subword_prefix.to_owned(),
            max_input_chars_per_word,
        })
    }

    /// The unknown token string.
    pub fn unk_token(&self) -> &str {
        &self.unk_token
    }

    /// The prefix marking a piece that continues a word ("##").
    pub fn continuing_subword_prefix(&self) -> &str {
        &self.continuing_subword_prefix
    }

    /// Words longer than this many chars become the unknown token.
    pub fn max_input_chars_per_word(&self) -> usize {
        self.max_input_chars_per_word
    }

    /// The vocabulary (token → id).
    pub fn vocab(&self) -> &FxHashMap<String, u32> {
        &self.vocab
    }

    fn unk_id(&self) -> Result<u32> {
        self.unk_id.ok_or_else(|| {
            Error::Encoding(format!(
                "a word is not covered by the vocabulary and the unknown token {:?} is not in it",
                self.unk_token
            ))
        })
    }

    /// Whether `word` has more chars than a word may have.
    #[inline]
    fn too_long(&self, word: &str) -> bool {
        // Byte length bounds the char count from above: count chars only when needed.
        word.len() > self.max_input_chars_per_word
            && word.chars().count() > self.max_input_chars_per_word
    }

    /// Gives each piece of `word`, longest match first, to `emit` as its
    /// id and byte range; false when some rest of the word matches no
    /// entry, which makes the whole word unknown (`emit` may have had the
    /// pieces before it).
    #[inline]
    fn pieces(&self, word: &str, mut emit: impl FnMut(u32, usize, usize)) -> bool {
        let bytes = word.as_bytes();
        let mut start = 0;
        while start < bytes.len() {
            // The whole rest, when it is an entry, is the longest match.
            let whole = word.get(start..).and_then(|rest| {
                if start == 0 {
                    self.whole.get(rest)
                } else {
                    self.continuations.get(rest)
                }
            });
            if let Some(id) = whole {
                emit(id, start, bytes.len());
                return true;
            }
            let from = if start == 0 {
                Some(ROOT)
            } else {
                self.continuation
            };
            match from.and_then(|node| self.trie.longest_match(node, &bytes[start..])) {
                Some((id, len)) => {
                    emit(id, start, start + len);
                    start += len;
                }
                None => return false,
            }
        }
        true
    }
}

impl Model for WordPiece {
    fn tokenize(&self, word: &str, out: &mut Vec<Token>) -> Result<()> {
        let first = out.len();
        let token = |id, start: usize, end: usize| Token {
            id,
            start: start as u32,
            end: end as u32,
        };
        if !self.too_long(word) && self.pieces(word, |id, s, e| out.push(token(id, s, e))) {
            return Ok(());
        }
        out.truncate(first);
        out.push(token(self.unk_id()?, 0, word.len()));
        Ok(())
    }

    fn tokenize_ids(&self, text: &str, pieces: &[Range<usize>], out: &mut Vec<u32>) -> Result<()> {
        for piece in pieces {
            let word = piece_of(text, piece)?;
            let first = out.len();
            if !self.too_long(word) && self.pieces(word, |id, _, _| out.push(id)) {
                continue;
            }
            out.truncate(first);
            out.push(self.unk_id()?);
        }
        Ok(())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.vocab.get(token).copied()
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.tokens.get(id as usize)?.as_deref()
    }

    fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    // Two tokens of a file may share an id; each is an entry.
    fn vocab(&self) -> Vec<(&str, u32)> {
        self.vocab.iter().map(|(t, &id)| (t.as_str(), id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(tokens: &[&str]) -> WordPiece {
        let vocab = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect();
        WordPiece::new(vocab, "[UNK]", "##", 100).unwrap()
    }

    fn ids(m: &WordPiece, word: &str) -> Vec<u32> {
        let mut out = Vec::new();
        m.tokenize(word, &mut out).unwrap();
        out.iter().map(|t| t.id).collect()
    }

    #[test]
    fn bert_paper_example() {
        // "unaffable" -> un ##aff ##able (google-research/bert tokenization.py docstring)
        let m = model(&["[UNK]", "un", "##aff", "##able", "unaff", "##a"]);
        assert_eq!(ids(&m, "unaffable"), vec![4, 3]);
        let m = model(&["[UNK]", "un", "##aff", "##able"]);
        assert_eq!(ids(&m, "unaffable"), vec![1, 2, 3]);
    }

    #[test]
    fn any_unmatched_rest_makes_whole_word_unknown() {
        let m = model(&["[UNK]", "un", "##aff"]);
        let mut out = Vec::new();
        m.tokenize("unaffable", &mut out).unwrap();
        assert_eq!(
            out,
            vec![Token {
                id: 0,
                start: 0,
                end: 9
            }]
        );
    }

    #[test]
    fn word_length_limit_counts_chars_not_bytes() {
        let vocab = [("[UNK]", 0), ("é", 1), ("##é", 2)]
            .iter()
            .map(|(t, i)| (t.to_string(), *i))
            .collect();
        let m = WordPiece::new(vocab, "[UNK]", "##", 3).unwrap();
        assert_eq!(ids(&m, "ééé"), vec![1, 2, 2]);
        assert_eq!(ids(&m, "éééé"), vec![0]);
    }

    #[test]
    fn missing_unk_is_an_error_not_a_panic() {
        let m = model(&["a"]);
        assert!(m.tokenize("b", &mut Vec::new()).is_err());
    }
}
