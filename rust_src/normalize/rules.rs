//! sentencepiece's built-in normalization rules as precompiled charsmaps, the
//! blobs spm_train writes into a model's `normalizer_spec` (data from
//! google/sentencepiece `normalization_rule.h`, Apache-2.0: see
//! `rules/NOTICE.md`).
//!
//! The four blobs are 974 KB together; compressed they would be 280 KB, not
//! worth a decompressor in the library.

use crate::error::{Error, Result};

/// `nmt_nfkc`: NFKC plus sentencepiece's NMT clean-up (control characters
/// dropped, odd spaces made plain).
const NMT_NFKC: &[u8] = include_bytes!("rules/nmt_nfkc.bin");
/// `nfkc`: plain NFKC.
const NFKC: &[u8] = include_bytes!("rules/nfkc.bin");
/// `nmt_nfkc_cf`: `nmt_nfkc` then Unicode case folding.
const NMT_NFKC_CF: &[u8] = include_bytes!("rules/nmt_nfkc_cf.bin");
/// `nfkc_cf`: `nfkc` then Unicode case folding.
const NFKC_CF: &[u8] = include_bytes!("rules/nfkc_cf.bin");

/// The precompiled charsmap of the built-in rule `name`: empty for
/// `identity`, an error for a name sentencepiece does not know.
pub fn builtin_charsmap(name: &str) -> Result<&'static [u8]> {
    match name {
        "nmt_nfkc" => Ok(NMT_NFKC),
        "nfkc" => Ok(NFKC),
        "nmt_nfkc_cf" => Ok(NMT_NFKC_CF),
        "nfkc_cf" => Ok(NFKC_CF),
        "identity" => Ok(&[]),
        other => Err(Error::InvalidArgument(format!(
            "unknown normalization rule {other:?}; expected nmt_nfkc, nfkc, nmt_nfkc_cf, \
             nfkc_cf or identity"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::normalize::charsmap_blob::sentencepiece_refusal;
    use crate::normalize::spm::CharsMap;
    use crate::train::spm::options::NORMALIZATIONS;

    #[test]
    fn every_rule_spm_train_knows_has_a_loadable_blob() {
        for name in NORMALIZATIONS {
            let blob = builtin_charsmap(name).unwrap();
            if name == "identity" {
                assert!(blob.is_empty());
            } else {
                assert_eq!(sentencepiece_refusal(blob), None, "{name}");
            }
        }
        assert!(builtin_charsmap("nfd").is_err());
    }

    #[test]
    fn the_rules_rewrite_as_named() {
        let map = |name| CharsMap::from_blob(builtin_charsmap(name).unwrap(), Path::new(name));
        let nfkc = map("nfkc").unwrap();
        assert_eq!(nfkc.shortest("Ａ".as_bytes()), Some("A"));
        assert_eq!(nfkc.shortest(b"A"), None);
        let folded = map("nmt_nfkc_cf").unwrap();
        assert_eq!(folded.shortest("Ａ".as_bytes()), Some("a"));
        assert_eq!(folded.shortest(b"A"), Some("a"));
    }
}
