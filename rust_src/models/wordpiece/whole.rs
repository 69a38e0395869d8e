//! Vocabulary entries looked up whole: a word, or the rest of one, that is
//! an entry is its own longest match, found in one hash lookup without
//! walking the trie. Most words of a text are. Entries short enough are
//! keyed by their packed bytes, which hash and compare faster than strings.

use crate::models::packed_key::PackedMap;

/// Entries by text, each with its id.
#[derive(Debug, Clone, Default)]
pub struct WholeEntries {
    entries: PackedMap<u32>,
    /// Bytes of the longest entry: a longer text is none, and is not hashed
    /// (hashing every rest of a long word made it quadratic).
    longest: usize,
}

impl WholeEntries {
    /// The table of `entries` (texts distinct).
    pub fn new<'a>(entries: impl Iterator<Item = (&'a str, u32)>) -> Self {
        let mut table = WholeEntries::default();
        for (text, id) in entries {
            table.longest = table.longest.max(text.len());
            table.entries.insert(text, id);
        }
        table
    }

    /// The id of the entry `text`, if it is one.
    #[inline]
    pub fn get(&self, text: &str) -> Option<u32> {
        if text.len() > self.longest {
            return None;
        }
        self.entries.get(text).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::packed_key::PACKED;

    #[test]
    fn short_and_long_entries_are_found_and_nothing_else() {
        let long = "x".repeat(PACKED + 1);
        let entries = [("a", 1), ("a\0", 2), (long.as_str(), 3), ("", 4)];
        let table = WholeEntries::new(entries.into_iter());
        for (text, id) in entries {
            assert_eq!(table.get(text), Some(id));
        }
        for text in ["b", "a\0\0", &"x".repeat(PACKED), &"x".repeat(PACKED + 2)] {
            assert_eq!(table.get(text), None, "{text:?}");
        }
    }
}
