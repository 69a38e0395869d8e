//! Word counts: what every trainer learns from, and what can be counted in
//! pieces (files, processes, machines) and added up.
//!
//! Saved as sentencepiece's `word<TAB>count` lines. A word can hold any
//! character, so the few that would break a line are escaped: tab, newline
//! and carriage return as `\t`, `\n`, `\r`, and a backslash as `\\` where it
//! comes before one of `n`, `r`, `t`, `\` (so every other word, with or
//! without backslashes, is written exactly as sentencepiece writes it).

use std::io::{BufRead, BufReader};
use std::path::Path;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::formats::atomic::write_atomic;
use crate::train::word_map::WordMap;

/// The first eight bytes of `text` as a big-endian number, zero-padded:
/// where two texts' heads differ, they order as the texts do.
pub(crate) fn head(text: &str) -> u64 {
    let mut head = [0u8; 8];
    let n = text.len().min(8);
    head[..n].copy_from_slice(&text.as_bytes()[..n]);
    u64::from_be_bytes(head)
}

/// Word frequencies of a corpus, with what was read to get them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WordCounts {
    /// How many times each word occurred.
    pub words: WordMap,
    /// Lines (or texts) read, skipped ones included.
    pub lines: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Lines skipped because they were not valid UTF-8.
    pub skipped_lines: u64,
}

impl WordCounts {
    /// The words and their counts sorted by word: the order trainers iterate
    /// in, so that nothing depends on hash-map order. Sorted on the workers
    /// of the current rayon pool.
    pub fn sorted(&self) -> Vec<(&str, u64)> {
        // Most words differ in their first eight bytes: compared as one
        // number, they rarely need the string comparison.
        let mut words: Vec<(u64, &str, u64)> =
            self.words.iter().map(|(w, c)| (head(w), w, c)).collect();
        words.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        words.into_iter().map(|(_, w, c)| (w, c)).collect()
    }

    /// Adds `other` in: counts of the same word add up, as do the corpus
    /// figures. Merged on the workers of the current rayon pool.
    pub fn merge(&mut self, other: WordCounts) {
        self.words.merge(other.words);
        self.lines = self.lines.saturating_add(other.lines);
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.skipped_lines = self.skipped_lines.saturating_add(other.skipped_lines);
    }

    /// The counts as `word<TAB>count` lines, sorted by word.
    pub fn to_tsv(&self) -> String {
        let mut out = String::new();
        for (word, count) in self.sorted() {
            escape(word, &mut out);
            out.push('\t');
            out.push_str(&count.to_string());
            out.push('\n');
        }
        out
    }

    /// Writes [`WordCounts::to_tsv`] to `path` (atomically).
    pub fn save(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_tsv().as_bytes())
    }

    /// Reads `word<TAB>count` lines (as [`WordCounts::save`] and
    /// sentencepiece write them). A repeated word adds up. Fails with
    /// [`Error::VocabFormat`] naming the file and line of a bad line.
    pub fn load(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        Self::read_tsv(BufReader::new(file), path)
    }

    /// Reads [`WordCounts::to_tsv`] text.
    pub fn from_tsv(text: &str) -> Result<Self> {
        Self::read_tsv(text.as_bytes(), Path::new("<counts>"))
    }

    fn read_tsv(reader: impl BufRead, path: &Path) -> Result<Self> {
        let mut counts = WordCounts::default();
        let bad = |line: usize, message: String| Error::VocabFormat {
            path: path.to_owned(),
            line,
            message,
        };
        for (i, line) in reader.split(b'\n').enumerate() {
            let line = line.map_err(|e| Error::io(path, e))?;
            let line = line.strip_suffix(b"\r").unwrap_or(&line);
            if line.is_empty() {
                continue;
            }
            let text = std::str::from_utf8(line)
                .map_err(|_| bad(i + 1, "the line is not valid UTF-8".into()))?;
            let (word, count) = text
                .rsplit_once('\t')
                .ok_or_else(|| bad(i + 1, format!("expected word<TAB>count, found {text:?}")))?;
            let count: u64 = count
                .trim()
                .parse()
                .map_err(|_| bad(i + 1, format!("the count {count:?} is not a whole number")))?;
            let word = unescape(word);
            if word.is_empty() {
                return Err(bad(i + 1, "the word is empty".into()));
            }
            counts.words.add(&word, count);
        }
        Ok(counts)
    }
}

/// Appends `word` to `out` with tab, newline and carriage return escaped,
/// and a backslash escaped where it would otherwise read as an escape.
fn escape(word: &str, out: &mut String) {
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' => {
                // The next character's output starts with one of these.
                let ambiguous = matches!(
                    chars.peek(),
                    Some('n' | 'r' | 't' | '\\' | '\t' | '\n' | '\r')
                );
                out.push_str(if ambiguous { "\\\\" } else { "\\" });
            }
            c => out.push(c),
        }
    }
}

/// Reverses [`escape`]: `\t`, `\n`, `\r` and `\\` are escapes, any other
/// backslash is itself.
fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = match chars.peek() {
            Some('t') => '\t',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('\\') => '\\',
            _ => {
                out.push('\\');
                continue;
            }
        };
        chars.next();
        out.push(escaped);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_round_trip() {
        let words = [
            "plain", "a\tb", "line\n", "\r\n", "\\", "\\n", "\\\n", "x\\y", "\\\\", "end\\",
            "\\t\t",
        ];
        for word in words {
            let mut out = String::new();
            escape(word, &mut out);
            assert!(!out.contains(['\t', '\n', '\r']), "{out:?}");
            assert_eq!(unescape(&out), word, "{out:?}");
        }
        let mut out = String::new();
        escape("x\\y", &mut out);
        assert_eq!(out, "x\\y", "a lone backslash is written as itself");
    }

    #[test]
    fn merge_adds_counts_and_figures() {
        let mut a = WordCounts {
            words: [("x", 2), ("y", u64::MAX - 1)].into_iter().collect(),
            lines: 3,
            bytes: 10,
            skipped_lines: 1,
        };
        let b = WordCounts {
            words: [("y", 5), ("z", 1)].into_iter().collect(),
            lines: 1,
            bytes: 4,
            skipped_lines: 0,
        };
        a.merge(b);
        assert_eq!(a.sorted(), vec![("x", 2), ("y", u64::MAX), ("z", 1)]);
        assert_eq!((a.lines, a.bytes, a.skipped_lines), (4, 14, 1));
    }
}
