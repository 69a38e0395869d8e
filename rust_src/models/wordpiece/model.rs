//! WordPiece encoding: greedy longest-match-first (Schuster & Nakajima 2012,
//! as in BERT). Each match is one walk down a byte trie, so no substring is
//! ever allocated; a word costs O(n·L) byte steps, L being the longest
//! vocabulary entry, and words are capped at `max_input_chars_per_word`.

use rustc_hash::FxHashMap;

use super::trie::{NodeId, Trie, MAX_VOCAB_BYTES, ROOT};
use crate::error::{Error, Result};
use crate::pipeline::{Model, Token};

/// A WordPiece vocabulary ready to encode.
#[derive(Debug, Clone)]
pub struct WordPiece {
    vocab: FxHashMap<String, u32>,
    /// Token string of each id; `None` for ids no entry maps to.
    tokens: Vec<Option<String>>,
    trie: Trie,
    /// Continuation pieces without their prefix ("##ing" as "ing"): with
    /// `vocab`, a whole remaining word is found in one hash lookup, which
    /// settles most words without walking the trie.
    continuations: FxHashMap<String, u32>,
    /// Trie node after the continuation prefix ("##"); `None` when no
    /// vocabulary entry starts with it, so no word can continue.
    continuation: Option<NodeId>,
    /// Bytes of the longest vocabulary entry: a longer rest of a word is no
    /// entry, and is not hashed whole (that made a long word quadratic).
    longest: usize,
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
        let continuations = vocab
            .iter()
            .filter_map(|(t, &id)| {
                let rest = t.strip_prefix(continuing_subword_prefix)?;
                (!rest.is_empty()).then(|| (rest.to_owned(), id))
            })
            .collect();
        Ok(WordPiece {
            longest: vocab.keys().map(String::len).max().unwrap_or(0),
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

    fn unk(&self, len: usize, out: &mut Vec<Token>) -> Result<()> {
        let id = self.unk_id.ok_or_else(|| {
            Error::Encoding(format!(
                "a word is not covered by the vocabulary and the unknown token {:?} is not in it",
                self.unk_token
            ))
        })?;
        out.push(Token {
            id,
            start: 0,
            end: len as u32,
        });
        Ok(())
    }
}

impl Model for WordPiece {
    fn tokenize(&self, word: &str, out: &mut Vec<Token>) -> Result<()> {
        let bytes = word.as_bytes();
        // Byte length bounds the char count from above: count chars only when needed.
        if bytes.len() > self.max_input_chars_per_word
            && word.chars().count() > self.max_input_chars_per_word
        {
            return self.unk(bytes.len(), out);
        }
        let first = out.len();
        let mut start = 0;
        while start < bytes.len() {
            // The whole rest, when it is a vocabulary entry, is the longest match.
            let rest = word.get(start..).filter(|r| r.len() <= self.longest);
            let whole = rest.and_then(|rest| {
                if start == 0 {
                    self.vocab.get(rest)
                } else {
                    self.continuations.get(rest)
                }
            });
            if let Some(&id) = whole {
                out.push(Token {
                    id,
                    start: start as u32,
                    end: bytes.len() as u32,
                });
                break;
            }
            let from = if start == 0 {
                Some(ROOT)
            } else {
                self.continuation
            };
            let found = from.and_then(|node| self.trie.longest_match(node, &bytes[start..]));
            match found {
                Some((id, len)) => {
                    out.push(Token {
                        id,
                        start: start as u32,
                        end: (start + len) as u32,
                    });
                    start += len;
                }
                None => {
                    out.truncate(first);
                    return self.unk(bytes.len(), out);
                }
            }
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
