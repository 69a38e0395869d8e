//! Characters that form an extended grapheme cluster of their own whenever
//! their neighbours are such characters too, told without running the
//! segmenter (UAX #29): between two of them only rule GB999 applies, a
//! boundary. HF's `Precompiled` looks up the cluster around every character
//! a rule touches, and in Chinese text those are full-width punctuation
//! between ideographs (ruT5's tokenizer.json, 1 KB documents, ids only: the
//! segmenter around them was a tenth of encode).

/// Whether `c` has Grapheme_Cluster_Break Other, Control or LF and is
/// neither Extended_Pictographic nor an Indic conjunct consonant: ASCII but
/// CR (LF and the controls break on both sides, rules GB4 and GB5, unless CR
/// comes before LF), Latin-1 from U+00C0, Cyrillic letters, CJK punctuation
/// and kana, ideographs and full-width forms. None is Prepend, Extend, ZWJ,
/// SpacingMark, Regional Indicator or Hangul, so no rule but GB999 sees it
/// (the test below checks the ranges against the segmenter).
fn breaks_around(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00..=0x0C
            | 0x0E..=0x7E
            | 0xC0..=0xFF
            | 0x0400..=0x0482
            | 0x048A..=0x052F
            | 0x3000..=0x3002
            | 0x3041..=0x3096
            | 0x30A1..=0x30FA
            | 0x30FC
            | 0x4E00..=0x9FFF
            | 0xFF01..=0xFF5E
    )
}

/// Whether the character at byte `at` of `text` is a cluster of its own:
/// it and the characters beside it are all [`breaks_around`] (the text's
/// ends count as such).
pub fn is_lone_cluster(text: &str, at: usize) -> bool {
    let (Some(before), Some(rest)) = (text.get(..at), text.get(at..)) else {
        return false;
    };
    let mut after = rest.chars();
    let is = |c: Option<char>| c.is_none_or(breaks_around);
    let this = after.next();
    this.is_some() && is(this) && is(after.next()) && is(before.chars().next_back())
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_segmentation::UnicodeSegmentation;

    #[test]
    fn agrees_with_the_segmenter() {
        // Every char of the ranges beside others of them, and beside
        // chars that join clusters (combining marks, ZWJ, Hangul, CR).
        let chars: Vec<char> = (0u32..0x1_0000)
            .filter_map(char::from_u32)
            .filter(|&c| breaks_around(c))
            .collect();
        let joiners = [
            '\u{301}',
            '\u{200d}',
            '\r',
            '\u{1100}',
            '\u{ac00}',
            '\u{1f1e6}',
        ];
        for (i, &c) in chars.iter().enumerate() {
            let next = chars[(i * 7919 + 1) % chars.len()];
            let joiner = joiners[i % joiners.len()];
            for text in [
                format!("{c}"),
                format!("a{c}{next}"),
                format!("{c}{joiner}"),
                format!("{joiner}{c}"),
                format!("{next}{c}{joiner}a"),
            ] {
                let clusters: Vec<(usize, &str)> = text.grapheme_indices(true).collect();
                for (at, ch) in text.char_indices() {
                    let alone = clusters
                        .iter()
                        .any(|&(s, g)| s == at && g.len() == ch.len_utf8());
                    if is_lone_cluster(&text, at) {
                        assert!(alone, "{text:?} at {at}");
                    }
                }
            }
        }
    }
}
