//! A short text's bytes packed in one integer, as a hash key: hashed and
//! compared in a few instructions, where hashing and comparing a string
//! took most of a lookup's time (WordPiece's whole-word check on English).

/// Texts of at most this many bytes have a packed key.
pub const PACKED: usize = 15;

/// The key of `text` (at most [`PACKED`] bytes): its bytes in order, zeros
/// after them, and its length in the top byte, so that no two texts share
/// a key. Read with two loads that may overlap, not copied byte by byte
/// into a buffer: reading the buffer back stalled on the copy's stores
/// (a third of WordPiece's whole-word check).
#[inline]
pub fn packed(text: &[u8]) -> u128 {
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
    bytes | (n as u128) << 120
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_the_bytes_then_zeros_then_the_length() {
        let text: Vec<u8> = (1..=PACKED as u8).map(|b| b * 17).collect();
        for n in 0..=PACKED {
            let mut bytes = [0u8; 16];
            bytes[..n].copy_from_slice(&text[..n]);
            bytes[15] = n as u8;
            assert_eq!(packed(&text[..n]), u128::from_le_bytes(bytes), "{n} bytes");
        }
    }
}
