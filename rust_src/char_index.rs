//! Byte offsets into UTF-8 text as character offsets: the Rust core counts
//! in bytes, Python indexes a `str` by character.

/// The character each byte of a text falls in.
pub struct CharIndex {
    /// For every byte offset, and the end, the index of its character.
    char_at: Vec<usize>,
}

impl CharIndex {
    /// The index of `text`.
    pub fn new(text: &str) -> Self {
        let mut char_at = Vec::with_capacity(text.len() + 1);
        for (i, c) in text.chars().enumerate() {
            char_at.extend(std::iter::repeat_n(i, c.len_utf8()));
        }
        let chars = char_at.last().map_or(0, |&last| last + 1);
        char_at.push(chars);
        CharIndex { char_at }
    }

    /// The character that byte offset `byte` falls in; the number of
    /// characters at the end of the text and past it.
    pub fn of(&self, byte: usize) -> usize {
        match self.char_at.get(byte) {
            Some(&c) => c,
            None => self.char_at.last().copied().unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_fall_in_their_characters() {
        // a (1 byte), é (2), 好 (3), 😀 (4)
        let index = CharIndex::new("aé好😀");
        let chars: Vec<usize> = (0..=12).map(|b| index.of(b)).collect();
        assert_eq!(chars, [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4]);
        assert_eq!(CharIndex::new("").of(0), 0);
        assert_eq!(CharIndex::new("ab").of(2), 2);
    }
}
