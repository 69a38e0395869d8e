//! Decoding a stream of ids one step at a time, as HF's `DecodeStream`:
//! each step decodes the ids since the last complete text and returns the
//! new text once it no longer ends in an incomplete character (a byte-level
//! or byte-fallback piece waiting for the rest of its bytes).

use super::Tokenizer;
use crate::error::{Error, Result};

/// The state of one stream, kept between steps.
#[derive(Debug, Clone, Default)]
pub struct DecodeStream {
    /// Skip special tokens when decoding.
    skip_special_tokens: bool,
    /// The ids still needed: some before the text already returned (so it
    /// decodes as it did), that text's ids, and the ones not yet returned.
    ids: Vec<u32>,
    /// The text of `ids[..prefix_index]`, already returned.
    prefix: String,
    /// Where the ids of the returned text end in `ids`.
    prefix_index: usize,
}

impl DecodeStream {
    /// A stream that starts after `ids` (whose text is not returned).
    pub fn new(ids: Vec<u32>, skip_special_tokens: bool) -> Self {
        DecodeStream {
            skip_special_tokens,
            ids,
            prefix: String::new(),
            prefix_index: 0,
        }
    }

    /// Adds `ids` and returns the text they complete, or `None` while the
    /// text still ends in an incomplete character.
    pub fn step(&mut self, tokenizer: &Tokenizer, ids: &[u32]) -> Result<Option<String>> {
        let skip = self.skip_special_tokens;
        if self.prefix.is_empty() && !self.ids.is_empty() {
            let prefix = tokenizer.decode(&self.ids, skip)?;
            if !prefix.ends_with('\u{FFFD}') {
                self.prefix = prefix;
                self.prefix_index = self.ids.len();
            }
        }
        self.ids.extend_from_slice(ids);
        let text = tokenizer.decode(&self.ids, skip)?;
        if text.len() <= self.prefix.len() || text.ends_with('\u{FFFD}') {
            return Ok(None);
        }
        let Some(new_text) = text.strip_prefix(self.prefix.as_str()) else {
            return Err(Error::Encoding(format!(
                "DecodeStream: decoding with id {} gives {text:?}, which does not start with \
                 the text already returned ({:?}); this decoder cannot decode a stream",
                self.ids.last().copied().unwrap_or_default(),
                self.prefix
            )));
        };
        let new_text = new_text.to_owned();
        let new_prefix_index = self.ids.len() - self.prefix_index;
        self.ids.drain(..self.prefix_index);
        self.prefix = tokenizer.decode(&self.ids, skip)?;
        self.prefix_index = new_prefix_index;
        Ok(Some(new_text))
    }
}
