//! Added tokens and the vocabulary: adding tokens, and the vocabulary as a dict.

use std::collections::HashMap;

use pyo3::prelude::*;
use pyo3::types::PyList;

use super::PyTokenizer;
use crate::py::added_token::added_token_item;
use crate::tokenizer::Tokenizer;

impl PyTokenizer {
    /// Adds the items of a Python list, special or not, as HF's
    /// `add_tokens` / `add_special_tokens` do.
    pub(super) fn add(&self, list: &Bound<'_, PyList>, special: bool) -> PyResult<usize> {
        let tokens: Vec<_> = list
            .iter()
            .map(|item| added_token_item(&item, special))
            .collect::<PyResult<_>>()?;
        self.edit(list.py(), |current, edits| {
            let (tokenizer, count) = self.source.add_tokens(current, tokens.clone())?;
            edits.added.push(tokens);
            Ok((tokenizer, count))
        })
    }
}

/// The vocabulary of `tokenizer` as {token: id}, its added tokens included
/// when asked.
pub(super) fn vocab(tokenizer: &Tokenizer, with_added_tokens: bool) -> HashMap<String, u32> {
    let mut vocab: HashMap<String, u32> = tokenizer
        .model()
        .vocab()
        .into_iter()
        .map(|(t, id)| (t.to_owned(), id))
        .collect();
    if with_added_tokens {
        for (content, id) in tokenizer.added_tokens().contents() {
            vocab.insert(content.to_owned(), id);
        }
    }
    vocab
}
