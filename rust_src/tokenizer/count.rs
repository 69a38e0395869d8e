//! Counting the tokens of a text without building its encoding.

use super::{EncodeOptions, Input, Tokenizer};
use crate::error::Result;
use crate::threads::parallel_map;

impl Tokenizer {
    /// How many ids [`Self::encode`] gives for `text`, counted without
    /// building them where truncation and padding leave the count alone.
    pub fn count_tokens(
        &self,
        text: &str,
        add_special_tokens: bool,
        options: &EncodeOptions,
    ) -> Result<usize> {
        let cut_or_padded = options.truncation.is_some() || options.padding.is_some();
        if cut_or_padded || !self.ids_exact_without_offsets() {
            let encoding =
                self.encode::<&str>(Input::Text(text), None, add_special_tokens, options)?;
            return Ok(encoding.len());
        }
        let count = self.encode_ids(text)?.len();
        let special = if add_special_tokens {
            self.added_tokens_count(false)
        } else {
            0
        };
        Ok(count + special)
    }

    /// [`Self::count_tokens`] of many texts, in parallel on `num_threads`
    /// threads (all cores when `None`).
    pub fn count_tokens_batch<T: AsRef<str> + Sync>(
        &self,
        texts: &[T],
        add_special_tokens: bool,
        options: &EncodeOptions,
        num_threads: Option<usize>,
    ) -> Result<Vec<usize>> {
        parallel_map(num_threads.unwrap_or(0), texts, |_, text| {
            self.count_tokens(text.as_ref(), add_special_tokens, options)
        })
    }
}
