//! HF's `ByteFallback` decoder: runs of `<0xNN>` tokens back to the text
//! their bytes spell.

use crate::error::Result;
use crate::pipeline::Decoder;

/// HF's `decoders.ByteFallback`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ByteFallbackDecoder;

/// The byte a `<0xNN>` token stands for. Parsed as HF does, with
/// `u8::from_str_radix`, which takes lowercase digits and a leading `+`.
fn byte_of(token: &str) -> Option<u8> {
    if token.len() == 6 && token.starts_with("<0x") && token.ends_with('>') {
        u8::from_str_radix(token.get(3..5)?, 16).ok()
    } else {
        None
    }
}

/// Hands on a run of bytes: their text when valid UTF-8, else one U+FFFD
/// per byte (not per invalid sequence), as HF does.
fn flush(bytes: &mut Vec<u8>, out: &mut Vec<String>) {
    if bytes.is_empty() {
        return;
    }
    match String::from_utf8(std::mem::take(bytes)) {
        Ok(text) => out.push(text),
        Err(e) => out.extend(std::iter::repeat_n(
            "\u{fffd}".to_owned(),
            e.as_bytes().len(),
        )),
    }
}

impl Decoder for ByteFallbackDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        let mut out = Vec::with_capacity(tokens.len());
        let mut bytes = Vec::new();
        for token in tokens {
            match byte_of(&token) {
                Some(b) => bytes.push(b),
                None => {
                    flush(&mut bytes, &mut out);
                    out.push(token);
                }
            }
        }
        flush(&mut bytes, &mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values: HF tokenizers 0.23.3 decoders.ByteFallback().decode.
    #[test]
    fn bytes_join_and_invalid_runs_give_one_replacement_per_byte() {
        let d = ByteFallbackDecoder;
        assert_eq!(
            d.decode(&["<0x41>", "<0xC3>", "b", "<0xa9>", "<0xC3>", "<0xA9>"])
                .unwrap(),
            "\u{fffd}\u{fffd}b\u{fffd}\u{fffd}\u{fffd}"
        );
        assert_eq!(
            d.decode(&["<0x+F>", "<0xé>", "<0x4G>", "<0x41>"]).unwrap(),
            "\u{f}<0xé><0x4G>A"
        );
        assert_eq!(d.decode(&["<0xC3>", "<0xA9>", "x"]).unwrap(), "éx");
    }
}
