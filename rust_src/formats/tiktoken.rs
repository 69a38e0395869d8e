//! `.tiktoken` rank files: one token per line, `<base64 bytes> <rank>`.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::formats::atomic::Staged;

/// Reads a `.tiktoken` file into `(token bytes, rank)` pairs, in file order.
/// Lines and fields are read as tiktoken's loader reads them (Python's
/// `splitlines()` and `split()`): lines end in `\n`, `\r\n` or `\r`, empty
/// ones are skipped, and the two fields may be separated and surrounded by
/// any spaces or tabs. Anything else that is not `<base64> <rank>` is a
/// [`Error::VocabFormat`] naming the line, as are a repeated token and a
/// repeated rank.
pub fn read_ranks(path: &Path) -> Result<Vec<(Vec<u8>, u32)>> {
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_ranks(&data, path)
}

/// Stages `(token bytes, rank)` pairs as a `.tiktoken` file in `files`, one
/// `<base64> <rank>` line each in the given order.
pub fn write_ranks(files: &mut Staged, path: &Path, ranks: &[(Vec<u8>, u32)]) -> Result<()> {
    let text = ranks_text(ranks.iter().map(|(bytes, rank)| (bytes.as_slice(), *rank)));
    files.write(path, text.as_bytes())
}

/// `(token bytes, rank)` pairs as the text of a `.tiktoken` file, one
/// `<base64> <rank>` line each in the given order ([`parse_ranks`] reads it).
pub fn ranks_text<'a>(ranks: impl ExactSizeIterator<Item = (&'a [u8], u32)>) -> String {
    let mut text = String::with_capacity(ranks.len() * 16);
    for (bytes, rank) in ranks {
        text.push_str(&STANDARD.encode(bytes));
        text.push(' ');
        text.push_str(&rank.to_string());
        text.push('\n');
    }
    text
}

/// Parses the contents of a `.tiktoken` file; `path` is for error messages.
pub fn parse_ranks(data: &[u8], path: &Path) -> Result<Vec<(Vec<u8>, u32)>> {
    let mut ranks = Vec::with_capacity(data.len() / 16);
    let mut seen_tokens: FxHashMap<Vec<u8>, usize> = FxHashMap::default();
    let mut seen_ranks: FxHashMap<u32, usize> = FxHashMap::default();
    for (index, line) in lines(data).enumerate() {
        let line_no = index + 1;
        if line.is_empty() {
            continue;
        }
        let bad = |msg: String| Error::vocab(path, line_no, msg);
        let text = std::str::from_utf8(line)
            .map_err(|_| bad("line is not ASCII text (expected `<base64 token> <rank>`)".into()))?;
        // Python's whitespace within a line: Rust's `is_ascii_whitespace`
        // leaves out the vertical tab.
        let mut parts = text
            .split([' ', '\t', '\x0b', '\x0c'])
            .filter(|part| !part.is_empty());
        let (Some(token), Some(rank), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad(format!(
                "expected `<base64 token> <rank>`, found {:?} (truncated or corrupt line)",
                shorten(text)
            )));
        };
        // Python's base64 reads padding alone as the empty token, which
        // Whisper's rank files list.
        let bytes = if token.bytes().all(|b| b == b'=') {
            Vec::new()
        } else {
            STANDARD
                .decode(token)
                .map_err(|e| bad(format!("invalid base64 token {:?}: {e}", shorten(token))))?
        };
        let rank: u32 = rank.parse().map_err(|_| {
            bad(format!(
                "invalid rank {:?} (expected an integer)",
                shorten(rank)
            ))
        })?;
        if rank == u32::MAX {
            return Err(bad(format!("rank {rank} is too large")));
        }
        if let Some(first) = seen_ranks.insert(rank, line_no) {
            return Err(bad(format!("rank {rank} already used on line {first}")));
        }
        if let Some(first) = seen_tokens.insert(bytes.clone(), line_no) {
            return Err(bad(format!("token {token} already listed on line {first}")));
        }
        ranks.push((bytes, rank));
    }
    if ranks.is_empty() {
        return Err(Error::vocab(path, 0, "no tokens in the file"));
    }
    Ok(ranks)
}

/// The lines of `data` as Python's `bytes.splitlines()` gives them: ended
/// by `\n`, `\r\n` or `\r`, without the ending.
fn lines(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = data;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        let ending = match rest[end..] {
            [b'\r', b'\n', ..] => 2,
            [_, ..] => 1,
            [] => 0,
        };
        rest = &rest[end + ending..];
        Some(line)
    })
}

/// At most 40 characters of `s`, for messages.
fn shorten(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(40).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<(Vec<u8>, u32)>> {
        parse_ranks(s.as_bytes(), Path::new("t.tiktoken"))
    }

    fn line_of(e: Error) -> usize {
        match e {
            Error::VocabFormat { line, .. } => line,
            other => panic!("not a format error: {other}"),
        }
    }

    #[test]
    fn parses_and_skips_blank_lines() {
        let r = parse("IQ== 0\n\nIg== 1\r\n").unwrap();
        assert_eq!(r, vec![(b"!".to_vec(), 0), (b"\"".to_vec(), 1)]);
    }

    #[test]
    fn lines_and_fields_split_as_in_python() {
        let r = parse("IQ==\t0\r\n  Ig==   1 \rIw==\x0b2\x0c\n\nJA== 3").unwrap();
        let want: Vec<(Vec<u8>, u32)> = vec![
            (b"!".to_vec(), 0),
            (b"\"".to_vec(), 1),
            (b"#".to_vec(), 2),
            (b"$".to_vec(), 3),
        ];
        assert_eq!(r, want);
        // `\r\n` ends one line, a lone `\r` one too
        assert_eq!(line_of(parse("IQ== 0\r\nIg==\r\n").unwrap_err()), 2);
        assert_eq!(line_of(parse("IQ== 0\rIg==\n").unwrap_err()), 2);
        // a line of spaces is not empty to Python either
        assert_eq!(line_of(parse("IQ== 0\n  \n").unwrap_err()), 2);
    }

    #[test]
    fn corrupt_lines_name_the_line() {
        assert_eq!(line_of(parse("IQ== 0\nIg==\n").unwrap_err()), 2);
        assert_eq!(line_of(parse("IQ== 0\n*** 1\n").unwrap_err()), 2);
        assert_eq!(line_of(parse("IQ== 0\nIg 1\n").unwrap_err()), 2);
        assert_eq!(line_of(parse("IQ== 0\nIg== 0\n").unwrap_err()), 2);
        assert_eq!(line_of(parse("IQ== 0\nIQ== 1\n").unwrap_err()), 2);
        assert_eq!(line_of(parse("IQ== x\n").unwrap_err()), 1);
        assert_eq!(line_of(parse("IQ== 0 1\n").unwrap_err()), 1);
        assert_eq!(line_of(parse("").unwrap_err()), 0);
    }
}
