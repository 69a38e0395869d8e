//! BERT's normalisation in one pass, char by char: the clean-up, CJK
//! spacing, decomposition without accent marks and lowercasing that
//! [`BertNormalizer::normalize`] otherwise runs as separate rewrites.

use unicode_normalization_alignments::char::{canonical_combining_class, decompose_canonical};

use super::{BertCompat, BertNormalizer};
use crate::normalize::{hf_unicode, pyunicode};
use crate::pipeline::{Builder, Normalized, Span};

impl BertNormalizer {
    /// All steps in one pass, char by char; false (text untouched) when
    /// some char needs them one after another. That is a combining mark NFD
    /// would keep (not Mn, so not stripped): NFD reorders the marks between
    /// two starters across chars, and only dropping them all makes that
    /// order, and the spans it moves, not matter. With Google's rules a
    /// capital sigma is one too: its lowercase depends on its neighbours.
    pub(super) fn normalize_in_one_pass(&self, text: &mut Normalized) -> bool {
        text.try_rewrite(|chars, out| {
            for (c, span) in chars {
                if c.is_ascii() {
                    if let Some(b) = self.map_ascii(c as u8) {
                        out.push(b as char, span);
                    }
                    continue;
                }
                if is_unified_ideograph(c) {
                    // No step but the spacing changes these (checked by a test).
                    if self.handle_chinese_chars {
                        out.push(' ', span);
                        out.push(c, span);
                        out.push(' ', span);
                    } else {
                        out.push(c, span);
                    }
                    continue;
                }
                if self.clean_text && self.removes(c) {
                    continue;
                }
                if self.clean_text && self.folds_to_space(c) {
                    out.push(' ', span);
                    continue;
                }
                let cjk = self.handle_chinese_chars && self.is_chinese_char(c);
                if cjk {
                    out.push(' ', span);
                }
                let pushed = match self.compat {
                    BertCompat::Google => self.push_google_lowered_stripped(c, span, out),
                    BertCompat::Hf => self.push_hf_stripped_lowered(c, span, out),
                };
                if !pushed {
                    return false;
                }
                if cjk {
                    out.push(' ', span);
                }
            }
            true
        })
    }

    /// Pushes `c` decomposed without its Mn marks (when stripping accents)
    /// and lowercased, every char with `c`'s span as HF's NFD gives them
    /// when no marks move; false for a kept combining mark.
    #[inline]
    fn push_hf_stripped_lowered(&self, c: char, span: Span, out: &mut Builder) -> bool {
        if !self.strip_accents {
            self.push_hf_lowered(c, span, out);
            return true;
        }
        let mut kept_mark = false;
        decompose_canonical(c, |d| {
            if hf_unicode::is_nonspacing_mark(d) {
                return;
            }
            if canonical_combining_class(d) != 0 {
                kept_mark = true;
                return;
            }
            self.push_hf_lowered(d, span, out);
        });
        !kept_mark
    }

    /// [`Self::push_hf_stripped_lowered`] with Google's rules: lowercased,
    /// then decomposed without Mn marks; false for a kept combining mark or
    /// a capital sigma.
    #[inline]
    fn push_google_lowered_stripped(&self, c: char, span: Span, out: &mut Builder) -> bool {
        if self.lowercase && c == '\u{3A3}' {
            return false;
        }
        let mut kept_mark = false;
        pyunicode::lower_and_decompose(c, self.lowercase, self.strip_accents, |d, ccc| {
            if self.strip_accents && pyunicode::is_nonspacing_mark(d) {
                return;
            }
            if self.strip_accents && ccc != 0 {
                kept_mark = true;
                return;
            }
            out.push(d, span);
        });
        !kept_mark
    }

    #[inline]
    fn push_hf_lowered(&self, c: char, span: Span, out: &mut Builder) {
        if self.lowercase && !is_caseless(c) {
            c.to_lowercase().for_each(|l| out.push(l, span));
        } else {
            out.push(c, span);
        }
    }
}

pub(super) fn is_caseless(c: char) -> bool {
    matches!(c as u32, 0x0590..=0x109F | 0x3000..=0xA63F | 0xAC00..=0xD7FF | 0x20000..=0x3FFFF)
}

/// Whether `c` is a CJK unified ideograph (the main block, extensions A
/// and B): chars the clean-up, NFD, accent stripping and lowercasing all
/// leave as they are (only spacing changes them), so Chinese and Japanese
/// text skips the character tables.
#[inline]
pub(super) fn is_unified_ideograph(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2A6DF)
}
