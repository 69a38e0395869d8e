//! A short text's bytes packed in a fixed-size array, as a hash key:
//! hashed and compared in a few instructions, where hashing and comparing a
//! string took most of a lookup's time (the segment cache on Llama 2's
//! English, WordPiece's whole-word check). Keys are byte arrays, which
//! FxHash folds whole: its word-at-a-time hash of a `u128` let bytes 7 and
//! 15 reach no bit a table reads, and keys sharing the rest collided.

/// Texts of at most this many bytes have a [`packed`] key.
pub const PACKED: usize = 15;

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

#[cfg(test)]
mod tests {
    use super::*;

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
