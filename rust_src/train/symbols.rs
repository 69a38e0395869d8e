//! The symbol table of merge learners: each symbol string once, with a
//! dense id, in the order symbols were made.

use rustc_hash::FxHashMap;

use crate::error::Result;
use crate::train::pairs::too_many;

/// Symbol strings and their ids.
#[derive(Debug, Default)]
pub(crate) struct SymbolTable {
    strings: Vec<String>,
    ids: FxHashMap<String, u32>,
}

impl SymbolTable {
    /// The id of `text`, if it is a symbol.
    pub(crate) fn get(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    /// The id of `text` and whether it was added just now.
    pub(crate) fn insert(&mut self, text: &str) -> Result<(u32, bool)> {
        if let Some(id) = self.get(text) {
            return Ok((id, false));
        }
        // The top two ids stay free: pair bookkeeping marks slots with them.
        let id = u32::try_from(self.strings.len())
            .ok()
            .filter(|&id| id < u32::MAX - 1)
            .ok_or_else(|| too_many("symbols"))?;
        self.strings.push(text.to_owned());
        self.ids.insert(text.to_owned(), id);
        Ok((id, true))
    }

    /// The string of symbol `id` (empty for an unknown id).
    pub(crate) fn text(&self, id: u32) -> &str {
        self.strings.get(id as usize).map_or("", String::as_str)
    }

    /// Bytes in the longest symbol string.
    pub(crate) fn longest(&self) -> usize {
        self.strings.iter().map(String::len).max().unwrap_or(0)
    }

    /// Number of symbols.
    pub(crate) fn len(&self) -> usize {
        self.strings.len()
    }

    /// The strings in id order.
    pub(crate) fn into_strings(self) -> Vec<String> {
        self.strings
    }

    /// `b`'s string after `a`'s, without `b`'s continuing-word prefix: the
    /// symbol a merge of `(a, b)` makes.
    pub(crate) fn merged(&self, a: u32, b: u32, prefix: Option<&str>) -> String {
        let right = self.text(b);
        let right = prefix.and_then(|p| right.strip_prefix(p)).unwrap_or(right);
        format!("{}{right}", self.text(a))
    }
}
