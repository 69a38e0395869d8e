//! Where a segmentable model's text falls into segments that no merge
//! crosses, so each is merged (and cached) on its own: before a `▁`-run,
//! and between two ASCII characters that sit side by side in no piece (a
//! merge across them would make a piece holding both). Llama 2 has no piece
//! with `\n` nor with a letter before `,`, so words come apart from the
//! punctuation and line breaks around them and repeat far more often.

use crate::models::char_joins::AsciiJoins;

/// `▁` in UTF-8.
pub(super) const SPACE: &[u8] = "\u{2581}".as_bytes();

impl AsciiJoins {
    /// Calls `segment` with the byte range of each segment of `bytes`, in
    /// order (none for empty text).
    pub(super) fn each_segment(&self, bytes: &[u8], mut segment: impl FnMut(usize, usize)) {
        let mut start = 0usize;
        for i in 1..bytes.len() {
            let (before, at) = (bytes[i - 1], bytes[i]);
            let cut = if at < 0x80 {
                before < 0x80 && !self.join(before, at)
            } else {
                // `▁` starts with 0xE2; a run is cut before its first `▁` only.
                at == SPACE[0] && bytes[i..].starts_with(SPACE) && !bytes[..i].ends_with(SPACE)
            };
            if cut {
                segment(start, i);
                start = i;
            }
        }
        if start < bytes.len() {
            segment(start, bytes.len());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(joins: &AsciiJoins, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        joins.each_segment(text.as_bytes(), |s, e| out.push(text[s..e].to_string()));
        out
    }

    #[test]
    fn cuts_before_space_runs_and_between_unjoined_ascii() {
        let joins = AsciiJoins::new(["ab", "▁a", "b,", "▁▁"].map(str::as_bytes));
        assert_eq!(
            segments(&joins, "▁ab,▁▁ab\nc▁é▁"),
            ["▁ab,", "▁▁ab", "\n", "c", "▁é", "▁"]
        );
        assert!(segments(&joins, "").is_empty());
        assert_eq!(segments(&joins, "x"), ["x"]);
        // non-ASCII neighbours are never cut apart (only before `▁`)
        assert_eq!(segments(&joins, "xéy"), ["xéy"]);
    }
}
