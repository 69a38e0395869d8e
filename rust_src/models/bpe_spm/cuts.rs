//! Where a segmentable model's text falls into segments that no merge
//! crosses, so each is merged (and cached) on its own: before a `▁`-run,
//! and between two ASCII characters that sit side by side in no piece (a
//! merge across them would make a piece holding both). Llama 2 has no piece
//! with `\n` nor with a letter before `,`, so words come apart from the
//! punctuation and line breaks around them and repeat far more often.
//! Segments holding Chinese or Japanese are flagged, to be cut further
//! between characters (see `SpmBpeModel::encode`).

use crate::models::char_joins::{is_cjk_lead, AsciiJoins};

/// `▁` in UTF-8.
pub(super) const SPACE: &[u8] = "\u{2581}".as_bytes();

impl AsciiJoins {
    /// Calls `segment` with the byte range of each segment of `bytes`, in
    /// order (none for empty text), and whether it holds a character that
    /// [`is_cjk_lead`] leads.
    pub(super) fn each_segment(&self, bytes: &[u8], mut segment: impl FnMut(usize, usize, bool)) {
        let mut start = 0usize;
        let mut cjk = bytes.first().copied().is_some_and(is_cjk_lead);
        for i in 1..bytes.len() {
            let (before, at) = (bytes[i - 1], bytes[i]);
            let (cut, lead) = if at < 0x80 {
                (before < 0x80 && !self.join(before, at), false)
            } else {
                // `▁` starts with 0xE2; a run is cut before its first `▁` only.
                let space = bytes[i..].starts_with(SPACE) && !bytes[..i].ends_with(SPACE);
                (space, is_cjk_lead(at))
            };
            if cut {
                segment(start, i, cjk);
                start = i;
                cjk = false;
            }
            cjk |= lead;
        }
        if start < bytes.len() {
            segment(start, bytes.len(), cjk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segments(joins: &AsciiJoins, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        joins.each_segment(text.as_bytes(), |s, e, cjk| {
            let segment = &text[s..e];
            assert_eq!(cjk, segment.bytes().any(is_cjk_lead), "{segment:?}");
            out.push(segment.to_string());
        });
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
        assert_eq!(segments(&joins, "中文▁あ\nb"), ["中文", "▁あ\n", "b"]);
    }
}
