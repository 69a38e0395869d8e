//! HF's `Precompiled` normalizer (tokenizers `normalizers/precompiled.rs`,
//! crate spm_precompiled): the sentencepiece character map applied per
//! extended grapheme cluster (whole cluster when shorter than 6 bytes and a
//! rule matches, else char by char), taking the first rule found. This is not
//! what sentencepiece does ([`crate::normalize::spm`]); it is what HF does.

use std::path::Path;

use unicode_segmentation::UnicodeSegmentation;

use crate::error::Result;
use crate::normalize::spm::CharsMap;
use crate::pipeline::{Builder, Normalized, Normalizer, Span, SpannedChars};

/// HF's `Precompiled`.
#[derive(Debug, Clone)]
pub struct Precompiled {
    map: CharsMap,
}

impl Precompiled {
    /// Parses the `precompiled_charsmap` blob.
    pub fn new(blob: &[u8]) -> Result<Self> {
        Ok(Precompiled {
            map: CharsMap::from_blob(blob, Path::new("tokenizer.json"))?,
        })
    }
}

impl Precompiled {
    /// Parses the base64 text tokenizer.json stores the blob as.
    pub fn from_base64(text: &str) -> Result<Self> {
        Self::new(&decode_base64(text)?)
    }
}

/// Standard base64 (with or without padding) to bytes.
fn decode_base64(text: &str) -> Result<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text.trim_end_matches('=').as_bytes() {
        let v = value(c).ok_or_else(|| {
            crate::error::Error::vocab(
                Path::new("tokenizer.json"),
                0,
                "precompiled_charsmap is not base64",
            )
        })?;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Ok(out)
}

impl Normalizer for Precompiled {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        text.rewrite(|chars: SpannedChars<'_>, out: &mut Builder| {
            let input = chars.rest().to_owned();
            let spans: Vec<Span> = chars
                .flat_map(|(c, span)| std::iter::repeat_n(span, c.len_utf8()))
                .collect();
            // HF aligns the i-th new char with the i-th old one (extra new
            // chars with the last old one; extra old chars are dropped).
            let emit = |out: &mut Builder, old: &str, at: usize, new: &str| {
                let starts: Vec<usize> = old.char_indices().map(|(i, _)| at + i).collect();
                for (i, c) in new.chars().enumerate() {
                    let start = starts.get(i).or(starts.last()).copied().unwrap_or(at);
                    out.push(c, spans.get(start).copied().unwrap_or((0, 0)));
                }
            };
            for (at, grapheme) in input.grapheme_indices(true) {
                if grapheme.len() < 6 {
                    if let Some(norm) = self.map.shortest(grapheme.as_bytes()) {
                        emit(out, grapheme, at, norm);
                        continue;
                    }
                }
                for (i, c) in grapheme.char_indices() {
                    let part = &grapheme[i..i + c.len_utf8()];
                    match self.map.shortest(part.as_bytes()) {
                        Some(norm) => emit(out, part, at + i, norm),
                        None => out.push(c, spans.get(at + i).copied().unwrap_or((0, 0))),
                    }
                }
            }
        });
        Ok(())
    }
}
