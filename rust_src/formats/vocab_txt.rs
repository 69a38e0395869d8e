//! Google BERT `vocab.txt`: one token per line, the line number is the id.
//!
//! The two references read it differently, so [`read_vocab_txt`] takes the compat:
//! Google's `load_vocab` strips Python whitespace from both ends and skips
//! repeated tokens without using up an id (later ids shift down); HF's
//! `WordPiece::read_file` trims only the end (Rust whitespace), keeps ids equal
//! to line numbers, and a repeated token takes its last line's id.

use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::formats::atomic::Staged;
use crate::normalize::bert::BertCompat;
use crate::normalize::pyunicode;

/// Reads a vocab.txt into token → id.
pub fn read_vocab_txt(path: &Path, compat: BertCompat) -> Result<FxHashMap<String, u32>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_vocab_txt(&bytes, path, compat)
}

/// Parses vocab.txt contents; `path` only names the file in errors.
pub fn parse_vocab_txt(
    bytes: &[u8],
    path: &Path,
    compat: BertCompat,
) -> Result<FxHashMap<String, u32>> {
    let mut vocab = FxHashMap::default();
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if body.is_empty() {
        return Err(Error::vocab(path, 0, "the vocabulary is empty"));
    }
    for (index, raw) in body.split(|&b| b == b'\n').enumerate() {
        let line = std::str::from_utf8(raw).map_err(|e| {
            Error::vocab(
                path,
                index + 1,
                format!("not UTF-8 (byte {} of the line)", e.valid_up_to()),
            )
        })?;
        let id = u32::try_from(index)
            .map_err(|_| Error::vocab(path, index + 1, "more than 2^32 lines"))?;
        match compat {
            BertCompat::Google => {
                let token = line.trim_matches(pyunicode::is_whitespace);
                let next = vocab.len() as u32;
                vocab.entry(token.to_owned()).or_insert(next);
            }
            BertCompat::Hf => {
                vocab.insert(line.trim_end().to_owned(), id);
            }
        }
    }
    Ok(vocab)
}

/// Stages `tokens` (in id order) as a vocab.txt in `files`. A token holding a
/// line break could not be read back, so it is refused.
pub fn write_vocab_txt(files: &mut Staged, path: &Path, tokens: &[String]) -> Result<()> {
    let mut text = String::with_capacity(tokens.iter().map(|t| t.len() + 1).sum());
    for token in tokens {
        if token.contains(['\n', '\r']) {
            return Err(Error::InvalidArgument(format!(
                "token {token:?} holds a line break and cannot be written to vocab.txt"
            )));
        }
        text.push_str(token);
        text.push('\n');
    }
    files.write(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_and_trimming_follow_each_reference() {
        let text = b" a \nb\na\nc\r\n";
        let google = parse_vocab_txt(text, Path::new("v"), BertCompat::Google).unwrap();
        // Python: strip() -> "a", "b", "a" (skipped), "c" -> ids 0, 1, 2.
        assert_eq!(google.get("a"), Some(&0));
        assert_eq!(google.get("c"), Some(&2));
        let hf = parse_vocab_txt(text, Path::new("v"), BertCompat::Hf).unwrap();
        // Rust: trim_end() -> " a", "b", "a", "c"; ids are line numbers.
        assert_eq!(hf.get(" a"), Some(&0));
        assert_eq!(hf.get("a"), Some(&2));
        assert_eq!(hf.get("c"), Some(&3));
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let err = parse_vocab_txt(b"ok\n\xff\n", Path::new("v.txt"), BertCompat::Hf).unwrap_err();
        assert!(err.to_string().starts_with("v.txt:2:"), "{err}");
    }
}
