//! The added tokens of a tokenizer, kept as HF's `AddedVocabulary` keeps
//! them: by id and by content in maps (HF scans a list: tokenizers #853), a
//! set of the contents ever added as special, the normalized names, and the
//! two matchers that find them in text.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::added_vocab::{AddedMatcher, AddedToken, Segment};
use crate::error::{Error, Result};
use crate::pipeline::{Model, Normalized, Normalizer};

/// Every token added to a tokenizer, with HF's bookkeeping.
#[derive(Debug, Clone, Default)]
pub struct AddedTokens {
    /// Each token by id (HF's `added_tokens_map_r`), in id order as
    /// tokenizer.json lists them.
    by_id: BTreeMap<u32, AddedToken>,
    /// The id of every content ever added (HF's `added_tokens_map`).
    ids: FxHashMap<String, u32>,
    /// Every content ever added as special: HF never forgets one, even
    /// when the content is added again as not special.
    special: FxHashSet<String>,
    /// The normalized form of the normalized tokens the normalizer changes:
    /// HF names, decodes and matches them so. Kept when a token is added
    /// again unnormalized, as HF keeps it.
    names: FxHashMap<u32, String>,
    /// The matchers, built when text is first split after the tokens
    /// change: a thousand one-token `add_tokens` calls would otherwise
    /// build them a thousand times (HF does, and is slow there).
    matchers: OnceLock<std::result::Result<Matchers, String>>,
    /// HF's `encode_special_tokens`: special tokens are tokenized as text.
    pub encode_special: bool,
}

/// The two matchers that find added tokens in text.
#[derive(Debug, Clone, Default)]
struct Matchers {
    /// Tokens matched in the original text.
    raw: Option<AddedMatcher>,
    /// Tokens matched in the normalized text.
    normalized: Option<AddedMatcher>,
}

impl AddedTokens {
    /// Adds `tokens` (their `id` fields are ignored) as HF's
    /// `AddedVocabulary::add_tokens` does, and returns how many HF counts:
    /// every token but the empty ones and those already added with the same
    /// flags. A content the model or an earlier call knows keeps its id;
    /// others take the next id after the vocabulary and the added tokens.
    /// `normalizer` is the tokenizer.json normalizer, which HF runs on the
    /// content of normalized tokens.
    pub fn add(
        &mut self,
        tokens: Vec<AddedToken>,
        model: &dyn Model,
        normalizer: Option<&dyn Normalizer>,
    ) -> Result<usize> {
        let vocab_size = u32::try_from(model.vocab_size())
            .map_err(|_| Error::InvalidArgument("vocabulary too large for 32-bit ids".into()))?;
        let mut next = match self.max_id() {
            Some(max) if max >= vocab_size || vocab_size == 0 => max.checked_add(1),
            _ => Some(vocab_size),
        };
        let mut counted = 0;
        for mut token in tokens {
            if token.content.is_empty() {
                continue;
            }
            if let Some(id) = self.ids.get(&token.content) {
                token.id = *id;
                if self.by_id.get(id) == Some(&token) {
                    continue;
                }
            }
            counted += 1;
            token.id = match self
                .id(&token.content)
                .or_else(|| model.token_to_id(&token.content))
            {
                Some(id) => id,
                None => {
                    let id = next.ok_or_else(|| {
                        Error::InvalidArgument("too many added tokens for 32-bit ids".into())
                    })?;
                    next = id.checked_add(1);
                    id
                }
            };
            if let (true, Some(n)) = (token.normalized, normalizer) {
                let mut normalized = Normalized::new(&token.content, false);
                n.normalize(&mut normalized)?;
                if normalized.as_str() != token.content {
                    self.names.insert(token.id, normalized.as_str().to_owned());
                }
            }
            self.ids.insert(token.content.clone(), token.id);
            if token.special {
                self.special.insert(token.content.clone());
            }
            self.by_id.insert(token.id, token);
        }
        self.matchers = OnceLock::new();
        Ok(counted)
    }

    /// Builds the two matchers from the tokens by id, as HF rebuilds its
    /// tries after every addition. A token whose normalized form is empty
    /// is never found (HF's trie finds no empty match either).
    fn build_matchers(&self) -> Result<Matchers> {
        let (mut raw, mut normalized) = (Vec::new(), Vec::new());
        let mut patterns = Vec::new();
        for token in self.by_id.values() {
            let mut token = token.clone();
            // The matcher skips what the set calls special, not the flag.
            token.special = self.special.contains(&token.content);
            if !token.normalized {
                raw.push(token);
                continue;
            }
            let pattern = self.names.get(&token.id).unwrap_or(&token.content);
            if !pattern.is_empty() {
                patterns.push(pattern.clone());
                normalized.push(token);
            }
        }
        Ok(Matchers {
            raw: (!raw.is_empty())
                .then(|| AddedMatcher::new(raw))
                .transpose()?,
            normalized: (!normalized.is_empty())
                .then(|| AddedMatcher::with_patterns(normalized, &patterns))
                .transpose()?,
        })
    }

    fn matchers(&self) -> Result<&Matchers> {
        let built = self
            .matchers
            .get_or_init(|| self.build_matchers().map_err(|e| e.to_string()));
        built
            .as_ref()
            .map_err(|e| Error::InvalidArgument(e.clone()))
    }

    /// The tokens in id order.
    pub fn tokens(&self) -> impl Iterator<Item = &AddedToken> {
        self.by_id.values()
    }

    /// The largest added id.
    pub fn max_id(&self) -> Option<u32> {
        self.by_id.keys().next_back().copied()
    }

    /// The token of `id`, if it is an added one.
    pub fn get(&self, id: u32) -> Option<&AddedToken> {
        self.by_id.get(&id)
    }

    /// The id of an added content.
    pub fn id(&self, content: &str) -> Option<u32> {
        self.ids.get(content).copied()
    }

    /// Every content ever added, with its id (HF's added vocabulary).
    pub fn contents(&self) -> impl Iterator<Item = (&str, u32)> {
        self.ids.iter().map(|(c, &id)| (c.as_str(), id))
    }

    /// The name of added token `id`: its content, normalized when the
    /// normalizer changes it (HF's `simple_id_to_token`).
    pub fn name(&self, id: u32) -> Option<&str> {
        let token = self.by_id.get(&id)?;
        Some(self.names.get(&id).unwrap_or(&token.content))
    }

    /// Whether `name` is the content of a token ever added as special.
    pub fn is_special(&self, name: &str) -> bool {
        self.special.contains(name)
    }

    /// Whether any token is matched in normalized text.
    pub fn has_normalized(&self) -> bool {
        self.by_id.values().any(|t| t.normalized)
    }

    /// Splits original text around the unnormalized tokens.
    pub fn split_raw(&self, text: &str) -> Result<Vec<Segment>> {
        let matcher = self.matchers()?.raw.as_ref();
        Ok(split(matcher, text, self.encode_special))
    }

    /// Splits normalized text around the normalized tokens.
    pub fn split_normalized(&self, text: &str) -> Result<Vec<Segment>> {
        let matcher = self.matchers()?.normalized.as_ref();
        Ok(split(matcher, text, self.encode_special))
    }
}

fn split(matcher: Option<&AddedMatcher>, text: &str, skip_special: bool) -> Vec<Segment> {
    match matcher {
        Some(m) => m.split(text, skip_special),
        None => vec![Segment::Text(0..text.len())],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::wordlevel::WordLevel;

    fn token(content: &str, special: bool) -> AddedToken {
        AddedToken {
            content: content.into(),
            id: 0,
            special,
            single_word: false,
            lstrip: false,
            rstrip: false,
            normalized: !special,
        }
    }

    fn model() -> WordLevel {
        let vocab = [("a", 0), ("b", 1)].map(|(t, id)| (t.to_owned(), id));
        WordLevel::new(vocab.into_iter().collect(), "a")
    }

    #[test]
    fn numbers_and_counts_as_hf() {
        let mut added = AddedTokens::default();
        let model = model();
        let n = added.add(
            vec![
                token("x", false),
                token("", false),
                token("x", false),
                token("b", true),
            ],
            &model,
            None,
        );
        // "x" twice counts once; "" never; "b" keeps the model's id.
        assert_eq!(n.unwrap(), 2);
        assert_eq!(added.id("x"), Some(2));
        assert_eq!(added.id("b"), Some(1));
        // The next new token comes after the largest added id.
        assert_eq!(added.add(vec![token("y", false)], &model, None).unwrap(), 1);
        assert_eq!(added.id("y"), Some(3));
        // Re-adding with other flags updates them; the special set remembers.
        assert_eq!(added.add(vec![token("b", false)], &model, None).unwrap(), 1);
        assert!(!added.get(1).unwrap().special);
        assert!(added.is_special("b"));
    }
}
