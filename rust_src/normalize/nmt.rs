//! HF's `Nmt` normalizer (from sentencepiece's NMT rules): ASCII control
//! chars dropped, a few spaces and separators turned into ' '.

use crate::error::Result;
use crate::pipeline::{Builder, Normalized, Normalizer, SpannedChars};

/// Drops control chars and maps odd spaces to ' '.
#[derive(Debug, Clone, Copy)]
pub struct Nmt;

/// The chars HF's Nmt removes.
fn dropped(c: char) -> bool {
    matches!(c as u32, 0x01..=0x08 | 0x0B | 0x0E..=0x1F | 0x7F | 0x8F | 0x9F)
}

/// What HF's Nmt maps `c` to.
fn mapped(c: char) -> char {
    match c as u32 {
        0x09
        | 0x0A
        | 0x0C
        | 0x0D
        | 0x1680
        | 0x200B..=0x200F
        | 0x2028
        | 0x2029
        | 0x2581
        | 0xFEFF
        | 0xFFFD => ' ',
        _ => c,
    }
}

impl Normalizer for Nmt {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        let s = text.as_str();
        if s.is_ascii() {
            if s.bytes().any(|b| b < 0x20 || b == 0x7F) {
                text.rewrite_ascii(|b| {
                    let c = char::from(b);
                    if dropped(c) {
                        None
                    } else {
                        u8::try_from(mapped(c)).ok()
                    }
                });
            }
            return Ok(());
        }
        text.rewrite(|chars: SpannedChars<'_>, out: &mut Builder| {
            for (c, span) in chars {
                if !dropped(c) {
                    out.push(mapped(c), span);
                }
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_and_maps() {
        let mut n = Normalized::new("a\u{1}b\tc\0", true);
        Nmt.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), "ab c\0");
        assert_eq!(n.original_range(1..2), Some(2..3));
        let mut n = Normalized::new("a\u{200b}\u{9f}é", true);
        Nmt.normalize(&mut n).unwrap();
        assert_eq!(n.as_str(), "a é");
    }
}
