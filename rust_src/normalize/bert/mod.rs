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

mod one_pass;

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

    /// What every step makes of an ASCII byte: one byte, or none.
    #[inline]
    fn map_ascii(&self, b: u8) -> Option<u8> {
        let b = match b {
            b' ' | b'\t' | b'\n' | b'\r' if self.clean_text => b' ',
            0..=0x1f | 0x7f if self.clean_text => return None,
            _ => b,
        };
        Some(if self.lowercase {
            b.to_ascii_lowercase()
        } else {
            b
        })
    }

    /// All steps at once for ASCII text, where every step is a byte map.
    fn normalize_ascii(&self, text: &mut Normalized) {
        text.rewrite_ascii(|b| self.map_ascii(b));
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
        if self.normalize_in_one_pass(text) {
            return;
        }
        match self.compat {
            BertCompat::Google => self.normalize_google_step_by_step(text),
            BertCompat::Hf => self.normalize_hf_step_by_step(text),
        }
    }

    /// Google's steps one pass each, as `tokenization.py` takes them.
    fn normalize_google_step_by_step(&self, text: &mut Normalized) {
        self.clean(text);
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

    fn clean(&self, text: &mut Normalized) {
        if self.clean_text || self.handle_chinese_chars {
            self.clean_and_space_cjk(text);
        }
    }

    /// HF's steps one pass each, as HF takes them.
    fn normalize_hf_step_by_step(&self, text: &mut Normalized) {
        self.clean(text);
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

/// Whether `c` is in a range of scripts without case (Hebrew to Myanmar;
/// CJK, kana and Yi; Hangul; the ideograph planes), so lowercasing it needs
/// no search of the case tables.
#[inline]
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
    use super::one_pass::{is_caseless, is_unified_ideograph};
    use super::*;
    use unicode_normalization_alignments::char::{canonical_combining_class, decompose_canonical};

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

    /// The text and each byte's original range.
    fn spanned(n: &Normalized) -> (String, Vec<Option<std::ops::Range<usize>>>) {
        let s = n.as_str().to_owned();
        let spans = (0..s.len()).map(|i| n.original_range(i..i + 1)).collect();
        (s, spans)
    }

    #[test]
    fn one_pass_matches_step_by_step() {
        // Case pairs, controls, spaces, CJK (a compatibility ideograph
        // decomposes), precomposed and combining accents, Hangul, kana with
        // voicing marks, dotted capital I, a two-mark decomposition, and kept
        // combining marks (Mc U+1D165, ccc 216) that send a text step by step.
        let pool = [
            "A",
            "b",
            " ",
            "\n",
            "\t",
            "\0",
            "\u{7}",
            "\u{200b}",
            "\u{a0}",
            "\u{3000}",
            "中",
            "\u{f900}",
            "É",
            "e\u{301}",
            "\u{301}\u{316}",
            "İ",
            "가",
            "각",
            "が",
            "パ",
            "Σ",
            "ﬁ",
            "\u{212b}",
            "ΐ",
            "Ệ",
            "\u{344}",
            "\u{f73}",
            "\u{5b0}",
            "\u{1d165}",
            "\u{e000}",
            "\u{fffd}",
            "ǅ",
            "ẞ",
            "\u{10400}",
            "\u{2b820}",
        ];
        let mut rng = crate::models::rng::Rng::new(0x9e37_79b9);
        let mut next = |n: usize| rng.below(n);
        let settings = [
            (true, true, true, true),
            (true, true, false, true),
            (false, false, true, false),
            (true, false, false, false),
        ];
        let mut one_pass = 0;
        for _ in 0..3000 {
            let len = 1 + next(12);
            let text: String = (0..len).map(|_| pool[next(pool.len())]).collect();
            for (clean_text, handle_chinese_chars, strip_accents, lowercase) in settings {
                for compat in [BertCompat::Google, BertCompat::Hf] {
                    let n = BertNormalizer {
                        compat,
                        clean_text,
                        handle_chinese_chars,
                        strip_accents,
                        lowercase,
                    };
                    let step_by_step = |text: &mut Normalized| match compat {
                        BertCompat::Google => n.normalize_google_step_by_step(text),
                        BertCompat::Hf => n.normalize_hf_step_by_step(text),
                    };
                    for track in [true, false] {
                        let mut fused = Normalized::new(&text, track);
                        if n.normalize_in_one_pass(&mut fused) {
                            one_pass += 1;
                        } else {
                            assert_eq!(fused.as_str(), text, "a pass given up leaves the text");
                            step_by_step(&mut fused);
                        }
                        let mut steps = Normalized::new(&text, track);
                        step_by_step(&mut steps);
                        assert_eq!(spanned(&fused), spanned(&steps), "{compat:?} {text:?}");
                    }
                }
            }
        }
        // Both ways are taken often.
        assert!((16000..48000).contains(&one_pass), "{one_pass}");
    }

    #[test]
    fn caseless_ranges_lowercase_to_themselves() {
        for c in ('\0'..=char::MAX).filter(|&c| is_caseless(c)) {
            assert!(c.to_lowercase().eq([c]), "{c:?}");
        }
    }

    #[test]
    fn unified_ideographs_pass_every_step_unchanged() {
        for c in ('\0'..=char::MAX).filter(|&c| is_unified_ideograph(c)) {
            let mut parts = Vec::new();
            decompose_canonical(c, |d| parts.push(d));
            assert_eq!(parts, [c], "{c:?}");
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert!(!hf_unicode::is_nonspacing_mark(c), "{c:?}");
            let mut google = Normalized::new(&c.to_string(), false);
            pyunicode::lowercase(&mut google);
            pyunicode::nfd(&mut google);
            assert_eq!(google.as_str(), c.to_string(), "{c:?}");
            assert!(!pyunicode::is_nonspacing_mark(c), "{c:?}");
            for compat in [BertCompat::Google, BertCompat::Hf] {
                let n = BertNormalizer::new(compat, true);
                assert!(!n.removes(c) && !n.folds_to_space(c), "{c:?}");
                assert!(n.is_chinese_char(c), "{c:?}");
            }
            assert!(c.to_lowercase().eq([c]), "{c:?}");
        }
    }

    #[test]
    fn accents_stripped_with_spans_kept() {
        let mut n = Normalized::new("Café", true);
        BertNormalizer::new(BertCompat::Hf, true).normalize(&mut n);
        assert_eq!(n.as_str(), "cafe");
        assert_eq!(n.original_range(3..4), Some(3..5));
    }
}
