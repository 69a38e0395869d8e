//! Byte-level BPE run the way HF runs it: the piece spelled in GPT-2's byte
//! alphabet, then BPE over the characters of that spelling ([`CharBpe`]).
//!
//! [`super::BpeModel`] works on bytes and is faster, but it needs every token
//! spelled in the alphabet, all 256 byte symbols and none of the options
//! below; HF's literal procedure covers the rest: `unk_token`,
//! `end_of_word_suffix` (CLIP's `</w>`), dropout, a vocabulary without some bytes
//! (HF drops those bytes), or listing tokens outside the alphabet (special
//! tokens duplicated from `added_tokens`, which BPE never produces).

use std::cell::RefCell;

use super::byte_alphabet::byte_to_char;
use super::chars::CharBpe;
use crate::error::Result;
use crate::pipeline::{Model, Token};

/// [`CharBpe`] over the byte-alphabet spelling of each piece.
pub struct SpelledBpe(pub CharBpe);

thread_local! {
    /// The spelled piece and, for each of its UTF-8 bytes, the byte of the
    /// piece it spells.
    static SPELLING: RefCell<(String, Vec<u32>)> = RefCell::default();
}

impl Model for SpelledBpe {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        SPELLING.with_borrow_mut(|(spelled, source)| {
            spelled.clear();
            source.clear();
            for (i, b) in (0u32..).zip(piece.bytes()) {
                let c = byte_to_char(b);
                spelled.push(c);
                source.extend(std::iter::repeat_n(i, c.len_utf8()));
            }
            let first = out.len();
            self.0.tokenize(spelled, out)?;
            // Each alphabet character is one byte of the piece; a token ends
            // after the byte of its last character (HF's offsets skip dropped
            // characters, so a token's end can fall inside an earlier
            // character's spelling).
            let at = |offset: u32| source.get(offset as usize).copied().unwrap_or(0);
            for token in out.get_mut(first..).unwrap_or_default() {
                let start = at(token.start);
                token.end = match token.end.checked_sub(1) {
                    Some(last) if token.end > token.start => at(last) + 1,
                    _ => start,
                };
                token.start = start;
            }
            Ok(())
        })
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.0.token_to_id(token)
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.0.id_to_token(id)
    }

    fn vocab_size(&self) -> usize {
        self.0.vocab_size()
    }
}

#[cfg(test)]
mod tests {
    use rustc_hash::FxHashMap;

    use super::*;
    use crate::models::bpe::chars::CharBpeOptions;

    fn model(tokens: &[&str], merges: &[(&str, &str)], options: CharBpeOptions) -> SpelledBpe {
        let vocab: FxHashMap<String, u32> = (0u32..)
            .zip(tokens)
            .map(|(i, t)| (t.to_string(), i))
            .collect();
        let merges: Vec<_> = merges
            .iter()
            .enumerate()
            .map(|(i, (a, b))| (a.to_string(), b.to_string(), i + 1))
            .collect();
        SpelledBpe(CharBpe::new(vocab, &merges, options).unwrap())
    }

    fn run(m: &SpelledBpe, piece: &str) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        m.tokenize(piece, &mut out).unwrap();
        out.iter().map(|t| (t.id, t.start, t.end)).collect()
    }

    #[test]
    fn offsets_are_bytes_of_the_piece() {
        // "é" is bytes C3 A9, spelled "Ã©" (two 2-byte characters)
        let m = model(
            &["Ã", "©", "Ã©", "Ġ"],
            &[("Ã", "©")],
            CharBpeOptions::default(),
        );
        assert_eq!(run(&m, " é"), [(3, 0, 1), (2, 1, 3)]);
    }

    #[test]
    fn missing_bytes_are_dropped_and_suffixes_apply() {
        let options = CharBpeOptions {
            end_of_word_suffix: Some("</w>".into()),
            ..CharBpeOptions::default()
        };
        let m = model(&["a", "b</w>", "ab</w>"], &[("a", "b</w>")], options);
        assert_eq!(run(&m, "ab"), [(2, 0, 2)]);
        // HF counts offsets over the characters it kept, so they move left
        // past a dropped one
        assert_eq!(run(&m, "xb"), [(1, 0, 1)]);
        assert_eq!(run(&m, "xab"), [(2, 0, 2)]);
    }
}
