//! BERT's BasicTokenizer normalisation: control-character clean-up, whitespace
//! folding, spaces around CJK ideographs, lowercasing, accent stripping.
//!
//! Two references disagree on details, so the behaviour is chosen explicitly
//! with [`BertCompat`]; every difference is handled (and explained) here:
//!
//! | what | `Google` (bert `tokenization.py`, CPython 3.11 = Unicode 14) | `Hf` (HF `BertNormalizer`) |
//! |---|---|---|
//! | removed as control | Cc, Cf | Cc, Cf, Co (private use), per `unicode_categories` 0.1 |
//! | folded to a space | ' ', \t, \n, \r, Zs | those and every Rust `char::is_whitespace` (\x0b, \x0c, \x85, U+2028, U+2029; the Cc ones are removed first) |
//! | CJK block boundary | U+2B820..U+2CEAF | U+2B920..U+2CEAF (U+2B820..U+2B91F are not spaced out) |
//! | order | lowercase, then strip accents | strip accents, then lowercase |
//! | lowercasing | `str.lower()`: context-aware final sigma (Σ → ς at a word end), Unicode 14 | per char `char::to_lowercase` (Σ → σ always), Rust's Unicode |
//! | NFD tables | Unicode 14 | `unicode-normalization-alignments` (Unicode 9: later characters pass unchanged) |

use unicode_normalization_alignments::{is_nfd_quick, IsNormalized, UnicodeNormalization};

use super::{hf_unicode, pyunicode};
use crate::error::Result;
use crate::pipeline::{Normalized, Normalizer, Span};

/// Which reference to reproduce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BertCompat {
    /// google-research/bert `tokenization.py` run by CPython 3.11.
    Google,
    /// Hugging Face `tokenizers` (BertNormalizer + BertPreTokenizer).
    Hf,
}

/// The BERT normalizer; each step can be switched off as in HF's `BertNormalizer`.
#[derive(Debug, Clone)]
pub struct BertNormalizer {
    /// Which reference's definitions to use.
    pub compat: BertCompat,
    /// Remove control characters and fold whitespace to ' '.
    pub clean_text: bool,
    /// Put spaces around CJK ideographs so each becomes a word.
    pub handle_chinese_chars: bool,
    /// Decompose (NFD) and drop non-spacing marks.
    pub strip_accents: bool,
    /// Lowercase.
    pub lowercase: bool,
}

impl BertNormalizer {
    /// All steps on, accents stripped exactly when lowercasing (BERT's default).
    pub fn new(compat: BertCompat, lowercase: bool) -> Self {
        BertNormalizer {
            compat,
            clean_text: true,
            handle_chinese_chars: true,
            strip_accents: lowercase,
            lowercase,
        }
    }

    fn removes(&self, c: char) -> bool {
        c == '\0'
            || c == '\u{fffd}'
            || match self.compat {
                BertCompat::Google => pyunicode::is_control(c) && !matches!(c, '\t' | '\n' | '\r'),
                BertCompat::Hf => hf_unicode::is_other(c) && !matches!(c, '\t' | '\n' | '\r'),
            }
    }

    fn folds_to_space(&self, c: char) -> bool {
        matches!(c, ' ' | '\t' | '\n' | '\r')
            || match self.compat {
                BertCompat::Google => pyunicode::is_space_separator(c),
                BertCompat::Hf => c.is_whitespace(),
            }
    }

    fn is_chinese_char(&self, c: char) -> bool {
        let cp = c as u32;
        let extension_c_start = match self.compat {
            BertCompat::Google => 0x2B820,
            BertCompat::Hf => 0x2B920,
        };
        matches!(cp,
            0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF | 0x2A700..=0x2B73F
            | 0x2B740..=0x2B81F | 0xF900..=0xFAFF | 0x2F800..=0x2FA1F)
            || (extension_c_start..=0x2CEAF).contains(&cp)
    }

    /// All steps at once for ASCII text, where every step is a byte map.
    fn normalize_ascii(&self, text: &mut Normalized) {
        let clean = self.clean_text;
        let lower = self.lowercase;
        text.rewrite_ascii(|b| {
            let b = match b {
                b' ' | b'\t' | b'\n' | b'\r' if clean => b' ',
                0..=0x1f | 0x7f if clean => return None,
                _ => b,
            };
            Some(if lower { b.to_ascii_lowercase() } else { b })
        });
    }

    fn clean_and_space_cjk(&self, text: &mut Normalized) {
        text.rewrite(|chars, out| {
            for (c, span) in chars {
                if self.clean_text && self.removes(c) {
                    continue;
                }
                if self.clean_text && self.folds_to_space(c) {
                    out.push(' ', span);
                } else if self.handle_chinese_chars && self.is_chinese_char(c) {
                    out.push(' ', span);
                    out.push(c, span);
                    out.push(' ', span);
                } else {
                    out.push(c, span);
                }
            }
        });
    }
}

impl Normalizer for BertNormalizer {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        BertNormalizer::normalize(self, text);
        Ok(())
    }
}

impl BertNormalizer {
    /// Normalizes in place; BERT's clean-up cannot fail.
    pub fn normalize(&self, text: &mut Normalized) {
        if text.as_str().is_ascii() {
            return self.normalize_ascii(text);
        }
        if self.clean_text || self.handle_chinese_chars {
            self.clean_and_space_cjk(text);
        }
        match self.compat {
            BertCompat::Google => {
                if self.lowercase {
                    pyunicode::lowercase(text);
                }
                if self.strip_accents {
                    pyunicode::nfd(text);
                    if text.as_str().chars().any(pyunicode::is_nonspacing_mark) {
                        drop_chars(text, pyunicode::is_nonspacing_mark);
                    }
                }
            }
            BertCompat::Hf => {
                if self.strip_accents {
                    hf_nfd(text);
                    if text.as_str().chars().any(hf_unicode::is_nonspacing_mark) {
                        drop_chars(text, hf_unicode::is_nonspacing_mark);
                    }
                }
                let unchanged = |c: char| {
                    let mut lower = c.to_lowercase();
                    lower.next() == Some(c) && lower.next().is_none()
                };
                if self.lowercase && !text.as_str().chars().all(unchanged) {
                    text.rewrite(|chars, out| {
                        for (c, span) in chars {
                            c.to_lowercase().for_each(|l| out.push(l, span));
                        }
                    });
                }
            }
        }
    }
}

/// Removes the chars `drop` selects; the others keep their spans.
fn drop_chars(text: &mut Normalized, drop: impl Fn(char) -> bool) {
    text.rewrite(|chars, out| {
        for (c, span) in chars {
            if !drop(c) {
                out.push(c, span);
            }
        }
    });
}

/// NFD as HF computes it (same crate, whole text, so marks reorder across
/// characters). The crate reports each output char as replacing the next
/// input char (change <= 0, consuming `-change` more) or as inserted after
/// the previous one (change > 0); spans follow that, as in HF's `transform`.
fn hf_nfd(text: &mut Normalized) {
    // Text already in NFD (most text outside Latin/Greek/Hangul) comes out unchanged.
    if is_nfd_quick(text.as_str().chars()) == IsNormalized::Yes {
        return;
    }
    let decomposed: Vec<(char, isize)> = text.as_str().nfd().collect();
    text.rewrite(|mut chars, out| {
        let mut last: Span = (0, 0);
        for (c, change) in decomposed {
            if change <= 0 {
                if let Some((_, span)) = chars.next() {
                    last = span;
                }
                for _ in 0..(-change) {
                    chars.next();
                }
            }
            out.push(c, last);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(compat: BertCompat, text: &str) -> String {
        let mut n = Normalized::new(text, true);
        BertNormalizer::new(compat, true).normalize(&mut n);
        n.as_str().to_owned()
    }

    #[test]
    fn ascii_fast_path_matches_general_rules() {
        for compat in [BertCompat::Google, BertCompat::Hf] {
            assert_eq!(norm(compat, "Hello,\tWorld!\x00\x07\n"), "hello, world! ");
        }
    }

    #[test]
    fn final_sigma_only_in_google() {
        // Python: "ΟΔΟΣ".lower() == "οδος"; Rust per char: 'Σ' -> 'σ'.
        assert_eq!(norm(BertCompat::Google, "ΟΔΟΣ"), "οδος");
        assert_eq!(norm(BertCompat::Hf, "ΟΔΟΣ"), "οδοσ");
    }

    #[test]
    fn private_use_removed_only_in_hf() {
        assert_eq!(norm(BertCompat::Google, "a\u{e000}b"), "a\u{e000}b");
        assert_eq!(norm(BertCompat::Hf, "a\u{e000}b"), "ab");
    }

    #[test]
    fn cjk_boundary_differs() {
        let c = '\u{2B820}';
        assert_eq!(norm(BertCompat::Google, &c.to_string()), format!(" {c} "));
        assert_eq!(norm(BertCompat::Hf, &c.to_string()), c.to_string());
    }

    #[test]
    fn accents_stripped_with_spans_kept() {
        let mut n = Normalized::new("Café", true);
        BertNormalizer::new(BertCompat::Hf, true).normalize(&mut n);
        assert_eq!(n.as_str(), "cafe");
        assert_eq!(n.original_range(3..4), Some(3..5));
    }
}
