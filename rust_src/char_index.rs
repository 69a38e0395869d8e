//! Byte offsets into UTF-8 text as character offsets: the Rust core counts
//! in bytes, Python indexes a `str` by character. Characters are counted at
//! their first byte.

/// Whether `b` is a UTF-8 continuation byte (`10xxxxxx`): not the first
/// byte of a character.
#[inline]
pub fn is_continuation(b: u8) -> bool {
    b & 0xC0 == 0x80
}

/// The character each byte of a text falls in.
pub struct CharIndex {
    /// For every byte offset, and the end, the index of its character.
    char_at: Vec<usize>,
}

impl CharIndex {
    /// The index of `text`.
    pub fn new(text: &str) -> Self {
        let mut char_at = Vec::with_capacity(text.len() + 1);
        let mut chars = 0usize;
        for &b in text.as_bytes() {
            // a str starts with a lead byte: `chars` is at least 1 here
            chars += usize::from(!is_continuation(b));
            char_at.push(chars.saturating_sub(1));
        }
        char_at.push(chars);
        CharIndex { char_at }
    }

    /// The character that byte offset `byte` falls in; the number of
    /// characters at the end of the text and past it.
    pub fn of(&self, byte: usize) -> usize {
        let at = self.char_at.get(byte).or(self.char_at.last());
        at.copied().unwrap_or(0)
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
