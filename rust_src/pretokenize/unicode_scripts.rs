//! HF's UnicodeScripts pre-tokenizer: a piece ends where the script changes.
//! Scripts are HF's own (sentencepiece's Unicode 9.0 table, with Hiragana,
//! Katakana and U+30FC counted as Han, [`super::unicode_scripts_table`]); a
//! character that table lacks, and the space, is "Any": it joins the piece
//! around it and never starts one, so Any characters before the first
//! scripted one are dropped, as HF drops them.

use std::ops::Range;

use super::unicode_scripts_table::SCRIPT_RANGES;
use crate::error::Result;
use crate::pipeline::PreTokenizer;

/// Cuts text between characters of different scripts.
pub struct UnicodeScripts;

/// The script class of `c`, or `None` for Any.
fn script(c: char) -> Option<u8> {
    if c == ' ' {
        return None;
    }
    let code = c as u32;
    let at = SCRIPT_RANGES.partition_point(|&(_, last, _)| last < code);
    SCRIPT_RANGES
        .get(at)
        .filter(|&&(first, _, _)| first <= code)
        .map(|&(_, _, class)| class)
}

impl PreTokenizer for UnicodeScripts {
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) -> Result<()> {
        let mut last = None;
        let mut start = None;
        for (at, c) in text.char_indices() {
            let Some(class) = script(c) else { continue };
            if last != Some(class) {
                if let Some(start) = start {
                    out.push(start..at);
                }
                start = Some(at);
                last = Some(class);
            }
        }
        if let Some(start) = start {
            out.push(start..text.len());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        UnicodeScripts.split(text, &mut out).unwrap();
        out.into_iter().map(|r| &text[r]).collect()
    }

    #[test]
    fn cuts_where_scripts_change() {
        // HF's own examples (pre_tokenizers/unicode_scripts/pre_tokenizer.rs)
        assert_eq!(pieces("どこで生れ。Yes"), ["どこで生れ", "。", "Yes"]);
        assert_eq!(
            pieces("Apples are りんご 林檎"),
            ["Apples are ", "りんご 林檎"]
        );
        // Any before the first scripted character is dropped
        assert_eq!(pieces("  ab"), ["ab"]);
        assert!(pieces("   ").is_empty());
        assert_eq!(script('ー'), script('京'));
        assert_eq!(script('a'), script('é'));
        assert_ne!(script('a'), script('0'));
    }
}
