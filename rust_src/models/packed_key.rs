//! A short text's bytes packed in a fixed-size array, as a hash key:
//! hashed and compared in a few instructions, where hashing and comparing a
//! string took most of a lookup's time (the segment cache on Llama 2's
//! English, WordPiece's whole-word check). Keys are byte arrays, which
//! FxHash folds whole: its word-at-a-time hash of a `u128` let bytes 7 and
//! 15 reach no bit a table reads, and keys sharing the rest collided.

use rustc_hash::FxHashMap;

/// Texts of at most this many bytes have a [`packed`] key.
pub const PACKED: usize = 15;

/// Texts of at most this many bytes (and more than [`PACKED`]) have a
/// [`packed_wide`] key: a Cyrillic word with its `▁` is 3 + 2 bytes a
/// letter, past [`PACKED`] from 7 letters on, and comparing keys kept apart
/// from the map was most of a lookup's time (ruT5's tokenizer.json, 1 KB
/// documents: 9% of encode in 14% for lookups).
pub const PACKED_WIDE: usize = 31;

/// The key of `text` (at most [`PACKED`] bytes): its bytes in order, zeros
/// after them, and its length in the last byte, so that no two texts share
/// a key. Read with two loads that may overlap, not copied byte by byte
/// into a buffer: reading the buffer back stalled on the copy's stores
/// (a third of WordPiece's whole-word check).
#[inline]
pub fn packed(text: &[u8]) -> [u8; PACKED + 1] {
    let n = text.len();
    let bytes = if n >= 8 {
        let first = text
            .first_chunk::<8>()
            .map_or(0, |c| u64::from_le_bytes(*c));
        let last = text.last_chunk::<8>().map_or(0, |c| u64::from_le_bytes(*c));
        // `last` repeats 16 - n bytes of `first` at its low end.
        u128::from(first) | (u128::from(last) >> (8 * (16 - n)) << 64)
    } else if n >= 4 {
        let first = text
            .first_chunk::<4>()
            .map_or(0, |c| u32::from_le_bytes(*c));
        let last = text.last_chunk::<4>().map_or(0, |c| u32::from_le_bytes(*c));
        u128::from(u64::from(first) | (u64::from(last) >> (8 * (8 - n)) << 32))
    } else {
        text.iter()
            .rev()
            .fold(0u128, |key, &b| key << 8 | u128::from(b))
    };
    (bytes | (n as u128) << 120).to_le_bytes()
}

/// The key of `text` (at most `N - 1` bytes) in `N` bytes, laid out as
/// [`packed`]'s: for texts longer than [`PACKED`].
pub fn packed_wide<const N: usize>(text: &[u8]) -> [u8; N] {
    let mut bytes = [0u8; N];
    bytes[..text.len()].copy_from_slice(text);
    bytes[N - 1] = text.len() as u8;
    bytes
}

/// A map from texts, keyed by their packed bytes where they are short
/// enough ([`packed`], [`packed_wide`]), by the text beyond.
#[derive(Debug, Clone)]
pub struct PackedMap<V> {
    short: FxHashMap<[u8; PACKED + 1], V>,
    wide: FxHashMap<[u8; PACKED_WIDE + 1], V>,
    long: FxHashMap<Box<str>, V>,
}

impl<V> Default for PackedMap<V> {
    fn default() -> Self {
        PackedMap {
            short: FxHashMap::default(),
            wide: FxHashMap::default(),
            long: FxHashMap::default(),
        }
    }
}

impl<V> PackedMap<V> {
    /// The value of `text`, if it has one.
    #[inline]
    pub fn get(&self, text: &str) -> Option<&V> {
        let bytes = text.as_bytes();
        if bytes.len() <= PACKED {
            self.short.get(&packed(bytes))
        } else if bytes.len() <= PACKED_WIDE {
            self.wide.get(&packed_wide(bytes))
        } else {
            self.long.get(text)
        }
    }

    /// Gives `text` the value `value`.
    pub fn insert(&mut self, text: &str, value: V) {
        let bytes = text.as_bytes();
        if bytes.len() <= PACKED {
            self.short.insert(packed(bytes), value);
        } else if bytes.len() <= PACKED_WIDE {
            self.wide.insert(packed_wide(bytes), value);
        } else {
            self.long.insert(text.into(), value);
        }
    }

    /// Number of texts with a value.
    pub fn len(&self) -> usize {
        self.short.len() + self.wide.len() + self.long.len()
    }

    /// Whether no text has a value.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets every text.
    pub fn clear(&mut self) {
        self.short.clear();
        self.wide.clear();
        self.long.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_of_every_length_keep_their_own_values() {
        // Each length on both sides of both limits, twice: a text and one of
        // its length ending in a zero byte, which a key pads with.
        let mut texts = vec![String::new()];
        texts.extend((1..=PACKED_WIDE + 2).flat_map(|n| ["b".repeat(n), "b".repeat(n - 1) + "\0"]));
        let mut map = PackedMap::default();
        for (i, text) in texts.iter().enumerate() {
            map.insert(text, i);
        }
        assert_eq!(map.len(), texts.len());
        for (i, text) in texts.iter().enumerate() {
            assert_eq!(map.get(text), Some(&i), "{text:?}");
        }
        assert_eq!(map.get("c"), None);
        map.clear();
        assert!(map.is_empty());
    }

    #[test]
    fn the_key_is_the_bytes_then_zeros_then_the_length() {
        let text: Vec<u8> = (1..=PACKED as u8).map(|b| b * 17).collect();
        for n in 0..=PACKED {
            let mut bytes = [0u8; PACKED + 1];
            bytes[..n].copy_from_slice(&text[..n]);
            bytes[PACKED] = n as u8;
            assert_eq!(packed(&text[..n]), bytes, "{n} bytes");
            assert_eq!(
                packed_wide::<{ PACKED + 1 }>(&text[..n]),
                bytes,
                "{n} bytes"
            );
        }
    }
}
