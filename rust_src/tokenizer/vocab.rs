//! The vocabulary and the added tokens: adding them, ids and names, sizes.

use super::added_tokens::AddedTokens;
use super::added_vocab::AddedToken;
use super::Tokenizer;
use crate::error::Result;
use crate::pipeline::Model;

impl Tokenizer {
    /// Adds tokens as HF's `add_tokens` does (see [`AddedTokens::add`]) and
    /// returns how many HF counts as added.
    pub fn add_tokens(&mut self, tokens: Vec<AddedToken>) -> Result<usize> {
        let normalizer = self.added_normalizer.as_deref();
        self.added.add(tokens, self.model.as_ref(), normalizer)
    }

    /// Replaces the added tokens with those of `other` (a tokenizer built
    /// from the same file, with another layout of the text steps).
    pub fn take_added_tokens(&mut self, other: &Tokenizer) {
        self.added = other.added.clone();
    }

    /// Whether special tokens are tokenized as text (HF's
    /// `encode_special_tokens`).
    pub fn encode_special_tokens(&self) -> bool {
        self.added.encode_special
    }

    /// Sets whether special tokens are tokenized as text.
    pub fn set_encode_special_tokens(&mut self, value: bool) {
        self.added.encode_special = value;
    }

    /// The model.
    pub fn model(&self) -> &dyn Model {
        self.model.as_ref()
    }

    /// The added tokens.
    pub fn added_tokens(&self) -> &AddedTokens {
        &self.added
    }

    /// The id of `token` (added tokens first, as HF).
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.added
            .id(token)
            .or_else(|| self.model.token_to_id(token))
    }

    /// The string of `id`: an added token's name, else the model's.
    pub fn id_to_token(&self, id: u32) -> Option<&str> {
        self.added.name(id).or_else(|| self.model.id_to_token(id))
    }

    /// The largest id of the vocabulary with its added tokens; None when
    /// both are empty. The ids may have holes, so this is not the size.
    pub fn max_id(&self) -> Option<u32> {
        let model = self.model.vocab().into_iter().map(|(_, id)| id).max();
        model.max(self.added.max_id())
    }

    /// Vocabulary size, with or without the added tokens that are not the
    /// model's: HF counts the distinct token strings, whatever their ids.
    pub fn vocab_size(&self, with_added_tokens: bool) -> usize {
        let model = self.model.vocab_size();
        if !with_added_tokens {
            return model;
        }
        let extra = self
            .added
            .contents()
            .filter(|(content, _)| self.model.token_to_id(content).is_none());
        model + extra.count()
    }
}
