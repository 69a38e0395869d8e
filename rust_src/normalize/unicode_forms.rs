//! HF's `NFC`, `NFD`, `NFKC` and `NFKD` normalizers, on the crate HF uses
//! (`unicode-normalization-alignments`), whose per-char changes give HF's
//! alignments through [`transform`].

use unicode_normalization_alignments::{
    is_nfc_quick, is_nfd_quick, is_nfkc_quick, is_nfkd_quick, IsNormalized, UnicodeNormalization,
};

use super::transform::transform;
use crate::error::Result;
use crate::pipeline::{Builder, Normalized, Normalizer, SpannedChars};

/// One of the four Unicode normalization forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnicodeForm {
    /// Canonical composition.
    Nfc,
    /// Canonical decomposition.
    Nfd,
    /// Compatibility composition.
    Nfkc,
    /// Compatibility decomposition.
    Nfkd,
}

impl UnicodeForm {
    /// Whether `text` is surely in this form already (then HF's transform
    /// replaces every char by itself and changes nothing).
    fn is_normalized(self, text: &str) -> bool {
        // ASCII is in every form; this check is a fast byte scan.
        if text.is_ascii() {
            return true;
        }
        let quick = match self {
            UnicodeForm::Nfc => is_nfc_quick(text.chars()),
            UnicodeForm::Nfd => is_nfd_quick(text.chars()),
            UnicodeForm::Nfkc => is_nfkc_quick(text.chars()),
            UnicodeForm::Nfkd => is_nfkd_quick(text.chars()),
        };
        quick == IsNormalized::Yes
    }
}

impl Normalizer for UnicodeForm {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        if self.is_normalized(text.as_str()) {
            return Ok(());
        }
        let form = *self;
        text.rewrite(|mut chars: SpannedChars<'_>, out: &mut Builder| {
            let input = chars.rest().to_owned();
            match form {
                UnicodeForm::Nfc => transform(&mut chars, out, input.as_str().nfc(), 0),
                UnicodeForm::Nfd => transform(&mut chars, out, input.as_str().nfd(), 0),
                UnicodeForm::Nfkc => transform(&mut chars, out, input.as_str().nfkc(), 0),
                UnicodeForm::Nfkd => transform(&mut chars, out, input.as_str().nfkd(), 0),
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(form: UnicodeForm, text: &str) -> Normalized {
        let mut n = Normalized::new(text, true);
        form.normalize(&mut n).unwrap();
        n
    }

    #[test]
    fn forms_and_alignments() {
        // HF's own test: NFKC of the "fi" ligature, both chars aligned with it.
        let n = run(UnicodeForm::Nfkc, "\u{fb01}");
        assert_eq!(n.as_str(), "fi");
        assert_eq!(n.original_range(1..2), Some(0..3));
        let n = run(UnicodeForm::Nfd, "é!");
        assert_eq!(n.as_str(), "e\u{301}!");
        assert_eq!(n.original_range(1..3), Some(0..2));
        // Composition keeps the span of the first char it replaces.
        let n = run(UnicodeForm::Nfc, "e\u{301}x");
        assert_eq!(n.as_str(), "éx");
        assert_eq!(n.original_range(0..2), Some(0..1));
        assert_eq!(n.original_range(2..3), Some(3..4));
        assert_eq!(run(UnicodeForm::Nfc, "abc").as_str(), "abc");
    }
}
