//! The sentencepiece normalizer: the precompiled character map (a darts-clone
//! double-array trie of rewrite rules, longest match first, one character
//! otherwise) followed by sentencepiece's whitespace rules (dummy prefix,
//! squeezing, `▁` escaping). Mirrors google/sentencepiece `src/normalizer.cc`
//! byte for byte, and keeps the map back to the original text.

use std::path::Path;

use crate::error::{Error, Result};
use crate::formats::spm_model::NormalizerSpec;
use crate::models::unigram::trie::DoubleArray;

/// `▁` (U+2581), sentencepiece's visible whitespace.
pub const SPACE_SYMBOL: &str = "\u{2581}";

/// The compiled rules of a `precompiled_charsmap`: a darts-clone array of
/// `u32` units and the NUL-separated replacement strings it points into.
#[derive(Debug, Clone)]
pub struct CharsMap {
    units: Vec<u32>,
    replacements: Vec<u8>,
}

impl CharsMap {
    /// Splits the blob: a little-endian `u32` trie size, the trie, then the
    /// replacement strings.
    pub fn from_blob(blob: &[u8], path: &Path) -> Result<Self> {
        let broken = |what: &str| {
            Error::vocab(
                path,
                0,
                format!("normalizer_spec.precompiled_charsmap is broken: {what}"),
            )
        };
        let header: [u8; 4] = blob
            .get(..4)
            .and_then(|h| h.try_into().ok())
            .ok_or_else(|| broken("shorter than its 4-byte header"))?;
        let trie_size = u32::from_le_bytes(header) as usize;
        let rest = &blob[4..];
        if trie_size >= rest.len() + 4 || trie_size > rest.len() || !trie_size.is_multiple_of(4) {
            return Err(broken("trie size exceeds the blob"));
        }
        let units = rest[..trie_size]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect::<Vec<_>>();
        if units.is_empty() {
            return Err(broken("empty trie"));
        }
        Ok(CharsMap {
            units,
            replacements: rest[trie_size..].to_vec(),
        })
    }

    /// The longest rule matching a prefix of `input`: `(matched length,
    /// replacement)`.
    #[inline]
    fn longest(&self, input: &[u8]) -> Option<(usize, &[u8])> {
        #[inline]
        fn offset(unit: u32) -> usize {
            ((unit >> 10) << ((unit & (1 << 9)) >> 6)) as usize
        }
        let mut best: Option<(usize, usize)> = None;
        let mut node = offset(*self.units.first()?);
        for (i, &byte) in input.iter().enumerate() {
            node ^= usize::from(byte);
            let Some(&unit) = self.units.get(node) else {
                break;
            };
            if unit & (0x8000_0000 | 0xff) != u32::from(byte) {
                break;
            }
            node ^= offset(unit);
            if (unit >> 8) & 1 == 1 {
                let Some(&leaf) = self.units.get(node) else {
                    break;
                };
                best = Some((i + 1, (leaf & 0x7fff_ffff) as usize));
            }
        }
        let (len, at) = best?;
        let tail = self.replacements.get(at..)?;
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        Some((len, &tail[..end]))
    }
}

/// The normalizer of one model (or its denormalizer).
#[derive(Debug, Clone)]
pub struct SpmNormalizer {
    charsmap: Option<CharsMap>,
    add_dummy_prefix: bool,
    remove_extra_whitespaces: bool,
    escape_whitespaces: bool,
    treat_whitespace_as_suffix: bool,
}

/// Output of [`SpmNormalizer::normalize`].
#[derive(Debug, Clone, Default)]
pub struct SpmNormalized {
    /// The normalized text.
    pub text: String,
    /// For every byte of `text` plus one past the end, the byte offset in the
    /// original text it came from (sentencepiece's `norm_to_orig`).
    pub to_original: Vec<usize>,
}

impl SpmNormalizer {
    /// Builds from a spec; `treat_whitespace_as_suffix` comes from the trainer spec.
    pub fn new(
        spec: &NormalizerSpec,
        treat_whitespace_as_suffix: bool,
        path: &Path,
    ) -> Result<Self> {
        let charsmap = if spec.precompiled_charsmap.is_empty() {
            None
        } else {
            Some(CharsMap::from_blob(&spec.precompiled_charsmap, path)?)
        };
        Ok(SpmNormalizer {
            charsmap,
            add_dummy_prefix: spec.add_dummy_prefix,
            remove_extra_whitespaces: spec.remove_extra_whitespaces,
            escape_whitespaces: spec.escape_whitespaces,
            treat_whitespace_as_suffix,
        })
    }

    /// Whether a leading `▁` of decoded text is the dummy prefix to drop.
    pub fn adds_dummy_prefix(&self) -> bool {
        self.add_dummy_prefix
    }

    /// Whether extra whitespace is removed.
    pub fn removes_extra_whitespaces(&self) -> bool {
        self.remove_extra_whitespaces
    }

    /// One step: the rewrite of the longest rule (or user-defined symbol,
    /// which is never rewritten) at the start of `input`, and how many bytes
    /// it consumed.
    #[inline]
    fn prefix<'a>(&'a self, input: &'a str, user: Option<&DoubleArray>) -> (&'a [u8], usize) {
        let bytes = input.as_bytes();
        if let Some((len, _)) = user.and_then(|u| u.longest_prefix(bytes)) {
            return (&bytes[..len], len);
        }
        if let Some((len, out)) = self.charsmap.as_ref().and_then(|m| m.longest(bytes)) {
            return (out, len);
        }
        let len = input
            .chars()
            .next()
            .map_or(1, char::len_utf8)
            .min(bytes.len());
        (&bytes[..len], len)
    }

    /// Normalizes `input` into `out` (cleared first). `user` holds the
    /// user-defined symbols, which pass through untouched. `track` fills
    /// `out.to_original`; the id-only path skips it.
    pub fn normalize(
        &self,
        input: &str,
        user: Option<&DoubleArray>,
        track: bool,
        out: &mut SpmNormalized,
    ) {
        let text = &mut out.text;
        let map = &mut out.to_original;
        text.clear();
        map.clear();
        if input.is_empty() {
            return;
        }
        let mut input = input;
        let mut consumed = 0usize;
        if self.remove_extra_whitespaces {
            while !input.is_empty() {
                let (piece, len) = self.prefix(input, user);
                if piece != b" " {
                    break;
                }
                input = input.get(len..).unwrap_or("");
                consumed += len;
            }
        }
        if input.is_empty() {
            return;
        }
        text.reserve(input.len() * 3 / 2 + 4);
        // The normalized text is built from valid UTF-8 pieces only (rule
        // outputs are checked below), so bytes are pushed into a Vec first.
        let mut buf = std::mem::take(text).into_bytes();
        let space: &[u8] = if self.escape_whitespaces {
            SPACE_SYMBOL.as_bytes()
        } else {
            b" "
        };
        let push_space = |buf: &mut Vec<u8>, map: &mut Vec<usize>, at: usize| {
            buf.extend_from_slice(space);
            if track {
                map.extend(std::iter::repeat_n(at, space.len()));
            }
        };
        if !self.treat_whitespace_as_suffix && self.add_dummy_prefix {
            push_space(&mut buf, map, consumed);
        }
        let mut is_prev_space = self.remove_extra_whitespaces;
        while !input.is_empty() {
            let (mut piece, len) = self.prefix(input, user);
            if is_prev_space {
                while let Some(rest) = piece.strip_prefix(b" ") {
                    piece = rest;
                }
            }
            if !piece.is_empty() {
                // Rule outputs come from the model file: a rule that is not
                // UTF-8 would break the text, so its bytes are escaped as the
                // replacement character instead.
                if std::str::from_utf8(piece).is_err() {
                    piece = "\u{fffd}".as_bytes();
                }
                for &b in piece {
                    if self.escape_whitespaces && b == b' ' {
                        push_space(&mut buf, map, consumed);
                    } else {
                        buf.push(b);
                        if track {
                            map.push(consumed);
                        }
                    }
                }
                is_prev_space = piece.last() == Some(&b' ');
            }
            consumed += len;
            input = input.get(len..).unwrap_or("");
            if !self.remove_extra_whitespaces {
                is_prev_space = false;
            }
        }
        if self.remove_extra_whitespaces {
            while buf.ends_with(space) {
                let length = buf.len() - space.len();
                if track {
                    consumed = map.get(length).copied().unwrap_or(consumed);
                    map.truncate(length);
                }
                buf.truncate(length);
            }
        }
        if self.treat_whitespace_as_suffix && self.add_dummy_prefix {
            push_space(&mut buf, map, consumed);
        }
        if track {
            map.push(consumed);
        }
        *text = String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(dummy: bool, squeeze: bool) -> NormalizerSpec {
        NormalizerSpec {
            add_dummy_prefix: dummy,
            remove_extra_whitespaces: squeeze,
            ..NormalizerSpec::default()
        }
    }

    fn run(n: &SpmNormalizer, s: &str) -> SpmNormalized {
        let mut out = SpmNormalized::default();
        n.normalize(s, None, true, &mut out);
        out
    }

    #[test]
    fn whitespace_rules() {
        let n = SpmNormalizer::new(&spec(true, true), false, Path::new("m")).unwrap();
        let out = run(&n, "  hello   world  ");
        assert_eq!(out.text, "▁hello▁world");
        assert_eq!(out.to_original.len(), out.text.len() + 1);
        assert_eq!(out.to_original[3], 2);
        assert_eq!(*out.to_original.last().unwrap(), 15);
        assert_eq!(run(&n, "   ").text, "");

        let n = SpmNormalizer::new(&spec(true, false), false, Path::new("m")).unwrap();
        assert_eq!(run(&n, " a  b ").text, "▁▁a▁▁b▁");

        let n = SpmNormalizer::new(&spec(true, true), true, Path::new("m")).unwrap();
        assert_eq!(run(&n, "a b").text, "a▁b▁");
    }

    #[test]
    fn user_symbols_pass_through() {
        let user = DoubleArray::build([("<x>".as_bytes(), 5)]);
        let n = SpmNormalizer::new(&spec(false, true), false, Path::new("m")).unwrap();
        let mut out = SpmNormalized::default();
        n.normalize("a<x>b", Some(&user), false, &mut out);
        assert_eq!(out.text, "a<x>b");
        assert!(out.to_original.is_empty());
    }

    #[test]
    fn broken_charsmap_is_an_error() {
        let mut s = spec(true, true);
        s.precompiled_charsmap = vec![0xff, 0xff, 0, 0, 1];
        assert!(SpmNormalizer::new(&s, false, Path::new("m")).is_err());
        s.precompiled_charsmap = vec![1];
        assert!(SpmNormalizer::new(&s, false, Path::new("m")).is_err());
    }
}
