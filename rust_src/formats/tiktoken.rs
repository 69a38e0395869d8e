//! `.tiktoken` rank files: one token per line, `<base64 bytes> <rank>`.

use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::formats::atomic::Staged;
use crate::formats::py_base64::b64decode;

/// Reads a `.tiktoken` file into the `(token bytes, rank)` pairs an
/// encoding is built from: the dict `tiktoken.load.load_tiktoken_bpe` makes
/// of it (see [`parse_ranks`]).
pub fn read_ranks(path: &Path) -> Result<Vec<(Vec<u8>, u32)>> {
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_ranks(&data, path)
}

/// Stages `(token bytes, rank)` pairs as a `.tiktoken` file in `files`, one
/// `<base64> <rank>` line each in the given order.
pub fn write_ranks(files: &mut Staged, path: &Path, ranks: &[(Vec<u8>, u32)]) -> Result<()> {
    let text = ranks_text(ranks.iter().map(|(bytes, rank)| (bytes.as_slice(), *rank)));
    files.write(path, &text)
}

/// `(token bytes, rank)` pairs as the text of a `.tiktoken` file, one
/// `<base64> <rank>` line each in the given order ([`parse_ranks`] reads it).
pub fn ranks_text<'a>(ranks: impl ExactSizeIterator<Item = (&'a [u8], u32)>) -> Vec<u8> {
    let mut text = Vec::with_capacity(ranks.len() * 16);
    // Encoded in place: base64's `encode_string` clears a 1 KB buffer per
    // call, which made pickling cl100k take 10 ms.
    for (bytes, rank) in ranks {
        let start = text.len();
        text.resize(start + bytes.len().div_ceil(3) * 4, 0);
        // cannot fail: the room is the padded encoding's length
        let written = STANDARD
            .encode_slice(bytes, &mut text[start..])
            .unwrap_or(0);
        text.truncate(start + written);
        text.push(b' ');
        push_decimal(&mut text, rank);
        text.push(b'\n');
    }
    text
}

/// Appends `n` in decimal.
fn push_decimal(out: &mut Vec<u8>, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Parses the contents of a `.tiktoken` file (`path` is for messages) into
/// what tiktoken builds an encoding from: its loader's dict, where a
/// repeated token keeps its first place and its last rank. What tiktoken's
/// core cannot take is a [`Error::VocabFormat`] naming the line: a rank
/// outside `0..2^32 - 1`, a rank given to two tokens (tiktoken panics), no
/// tokens at all.
pub fn parse_ranks(data: &[u8], path: &Path) -> Result<Vec<(Vec<u8>, u32)>> {
    let mut ranks: Vec<(Vec<u8>, i64, usize)> = Vec::with_capacity(data.len() / 16);
    let mut place: FxHashMap<Vec<u8>, usize> = FxHashMap::default();
    for (bytes, rank, line) in rank_lines(data, path)? {
        match place.get(&bytes) {
            Some(&i) => (ranks[i].1, ranks[i].2) = (rank, line),
            None => {
                place.insert(bytes.clone(), ranks.len());
                ranks.push((bytes, rank, line));
            }
        }
    }
    if ranks.is_empty() {
        return Err(Error::vocab(path, 0, "no tokens in the file"));
    }
    let mut seen_ranks: FxHashMap<u32, usize> = FxHashMap::default();
    ranks
        .into_iter()
        .map(|(bytes, rank, line)| {
            let bad = |msg: String| Error::vocab(path, line, msg);
            let rank = u32::try_from(rank)
                .ok()
                .filter(|&r| r != u32::MAX)
                .ok_or_else(|| bad(format!("rank {rank} is out of range (0 to 2^32 - 2)")))?;
            if let Some(first) = seen_ranks.insert(rank, line) {
                return Err(bad(format!("rank {rank} already used on line {first}")));
            }
            Ok((bytes, rank))
        })
        .collect()
}

/// Reads a `.tiktoken` file exactly as `tiktoken.load.load_tiktoken_bpe`
/// does, into `(token bytes, rank)` pairs in file order; collected into a
/// dict in that order they give tiktoken's dict (a repeated token keeps its
/// first place and its last rank). This checks nothing tiktoken does not:
/// repeated tokens and ranks pass, an empty file is no tokens. Ranks beyond
/// the 64-bit range, which no encoding can use, are a [`Error::VocabFormat`].
pub fn read_rank_map(path: &Path) -> Result<Vec<(Vec<u8>, i64)>> {
    let data = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let lines = rank_lines(&data, path)?;
    Ok(lines
        .into_iter()
        .map(|(bytes, rank, _)| (bytes, rank))
        .collect())
}

/// The `(token bytes, rank, line number)` of each line, read as tiktoken's
/// loader reads them (Python's `splitlines()` and `split()`, base64 decoded
/// without validation, ranks read as Python's `int`): lines end in `\n`,
/// `\r\n` or `\r`, empty ones are skipped, and the two fields may be
/// separated and surrounded by any spaces or tabs. A line tiktoken cannot
/// parse is a [`Error::VocabFormat`] naming it.
fn rank_lines(data: &[u8], path: &Path) -> Result<Vec<(Vec<u8>, i64, usize)>> {
    let mut ranks = Vec::with_capacity(data.len() / 16);
    for (index, line) in lines(data).enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = |msg: String| Error::vocab(path, index + 1, msg);
        let mut fields = line
            .split(|b| b" \t\x0b\x0c".contains(b))
            .filter(|field| !field.is_empty());
        let (Some(token), Some(rank), None) = (fields.next(), fields.next(), fields.next()) else {
            return Err(bad(format!(
                "expected `<base64 token> <rank>`, found {:?} (truncated or corrupt line)",
                shorten(&String::from_utf8_lossy(line))
            )));
        };
        let bytes = b64decode(token).map_err(|e| {
            let token = String::from_utf8_lossy(token);
            bad(format!("invalid base64 token {:?}: {e}", shorten(&token)))
        })?;
        let rank = python_int(rank).ok_or_else(|| {
            let rank = String::from_utf8_lossy(rank);
            bad(format!(
                "invalid rank {:?} (expected an integer)",
                shorten(&rank)
            ))
        })?;
        ranks.push((bytes, rank, index + 1));
    }
    Ok(ranks)
}

/// `int(field)` for a bytes field, as Python reads a decimal: an optional
/// sign, then digits with single underscores between them; `None` where
/// Python raises, or where the value needs more than 64 bits.
fn python_int(field: &[u8]) -> Option<i64> {
    let (negative, digits) = match field {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, field),
    };
    if digits.first()?.is_ascii_digit() && digits.last()?.is_ascii_digit() {
        let mut value: i64 = 0;
        let mut after_underscore = false;
        for &b in digits {
            if b == b'_' {
                if after_underscore {
                    return None;
                }
                after_underscore = true;
                continue;
            }
            after_underscore = false;
            let digit = i64::from(b.checked_sub(b'0').filter(|d| *d < 10)?);
            value = value.checked_mul(10)?;
            value = if negative {
                value.checked_sub(digit)?
            } else {
                value.checked_add(digit)?
            };
        }
        return Some(value);
    }
    None
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
    fn ranks_text_writes_base64_lines() {
        let ranks: [(&[u8], u32); 4] = [
            (b"!", 0),
            (b"ab", 10),
            (b"abc", 4_294_967_294),
            (b"\xff\x00\x10\x20", 7),
        ];
        let text = ranks_text(ranks.into_iter());
        // as Python's base64.b64encode spells them
        let want = "IQ== 0\nYWI= 10\nYWJj 4294967294\n/wAQIA== 7\n";
        assert_eq!(String::from_utf8(text).unwrap(), want);
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
        assert_eq!(line_of(parse("IQ== 0\nIg 1\n").unwrap_err()), 2);
        assert_eq!(line_of(parse("IQ== 0\nIg== 0\n").unwrap_err()), 2);
        assert_eq!(line_of(parse("IQ== 0\nIg== 4294967295\n").unwrap_err()), 2);
        assert_eq!(line_of(parse("IQ== x\n").unwrap_err()), 1);
        assert_eq!(line_of(parse("IQ== 0 1\n").unwrap_err()), 1);
        assert_eq!(line_of(parse("").unwrap_err()), 0);
    }

    #[test]
    fn a_repeated_token_keeps_its_first_place_and_last_rank() {
        let r = parse("IQ== 0\nIg== 1\nIQ== 2\n").unwrap();
        assert_eq!(r, vec![(b"!".to_vec(), 2), (b"\"".to_vec(), 1)]);
    }

    fn map(s: &[u8]) -> Result<Vec<(Vec<u8>, i64)>> {
        let dir = std::env::temp_dir().join(format!("tokkit-rank-map-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{}.tiktoken", s.len()));
        std::fs::write(&path, s).unwrap();
        let out = read_rank_map(&path);
        std::fs::remove_file(&path).unwrap();
        out
    }

    #[test]
    fn rank_map_reads_what_tiktoken_reads() {
        // each case's value is what tiktoken.load.load_tiktoken_bpe returns
        let got = map(b"IQ== 0\nI*Q== 1_0\n= -3\nIg== +5\r\rIQ== 7").unwrap();
        let want: Vec<(Vec<u8>, i64)> = vec![
            (b"!".to_vec(), 0),
            (b"!".to_vec(), 10),
            (Vec::new(), -3),
            (b"\"".to_vec(), 5),
            (b"!".to_vec(), 7),
        ];
        assert_eq!(got, want);
        assert_eq!(map(b"").unwrap(), vec![]);
        for bad in [
            &b"IQ== 0\nIQ 1\n"[..],
            b"IQ== 0\nIQ==\n",
            b"IQ== 0\nIQ== 1__0\n",
        ] {
            assert_eq!(line_of(map(bad).unwrap_err()), 2);
        }
    }

    #[test]
    fn python_int_syntax() {
        for (s, v) in [("007", 7), ("-0", 0), ("1_000", 1000), ("+12", 12)] {
            assert_eq!(python_int(s.as_bytes()), Some(v), "{s}");
        }
        for s in [
            "",
            "-",
            "_1",
            "1_",
            "1__0",
            "0x1",
            "1.0",
            "99999999999999999999",
        ] {
            assert_eq!(python_int(s.as_bytes()), None, "{s}");
        }
    }
}
