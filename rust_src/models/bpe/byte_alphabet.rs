//! GPT-2's byte-level alphabet: every byte is spelled as one printable
//! character (`bytes_to_unicode` in openai/gpt-2 `src/encoder.py`), so a
//! token made of arbitrary bytes has a string name in `vocab.json`.

/// The character that spells byte `b`.
pub fn byte_to_char(b: u8) -> char {
    let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
    if printable {
        return char::from(b);
    }
    // The other 68 bytes, in order, take the code points from U+0100 on.
    let rank = (0..b)
        .filter(|&x| !matches!(x, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF))
        .count();
    char::from_u32(0x100 + rank as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The byte that character `c` spells, or `None` outside the alphabet.
pub fn char_to_byte(c: char) -> Option<u8> {
    let cp = c as u32;
    if cp < 0x100 {
        let b = cp as u8;
        let printable = matches!(b, b'!'..=b'~' | 0xA1..=0xAC | 0xAE..=0xFF);
        return printable.then_some(b);
    }
    // U+0100 onwards spell the 68 other bytes, in order: 0x00-0x20,
    // 0x7F-0xA0, 0xAD.
    match cp - 0x100 {
        rank @ 0..=32 => Some(rank as u8),
        rank @ 33..=66 => Some(0x7F + (rank - 33) as u8),
        67 => Some(0xAD),
        _ => None,
    }
}

/// The 256 characters of the alphabet, indexed by byte.
pub fn table() -> &'static [char; 256] {
    static TABLE: std::sync::OnceLock<[char; 256]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = ['\0'; 256];
        for (b, slot) in t.iter_mut().enumerate() {
            *slot = byte_to_char(b as u8);
        }
        t
    })
}

/// Spells `bytes` in the alphabet.
pub fn spell(bytes: &[u8]) -> String {
    let table = table();
    bytes.iter().map(|&b| table[b as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_to_byte_inverts_byte_to_char() {
        for b in 0..=255u8 {
            assert_eq!(char_to_byte(byte_to_char(b)), Some(b));
        }
        assert_eq!(char_to_byte('\u{144}'), None);
        assert_eq!(char_to_byte(' '), None);
    }

    #[test]
    fn gpt2_alphabet() {
        assert_eq!(byte_to_char(b' '), 'Ġ');
        assert_eq!(byte_to_char(b'\n'), 'Ċ');
        assert_eq!(byte_to_char(0), '\u{100}');
        assert_eq!(byte_to_char(b'a'), 'a');
        assert_eq!(byte_to_char(0xAD), '\u{143}');
        let mut seen: Vec<char> = table().to_vec();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 256);
        for b in 0..=255u8 {
            assert_eq!(char_to_byte(byte_to_char(b)), Some(b));
        }
        assert_eq!(spell(b" the"), "Ġthe");
    }
}
