//! What may be a sentencepiece piece, and how a normalized sentence is cut
//! into whitespace-delimited words (google/sentencepiece
//! `trainer_interface.cc` `IsValidSentencePiece`, `model_interface.cc`
//! `SplitIntoWords`, as in the 0.2.3 release).

use unicode_script::{Script, UnicodeScript};

use crate::train::spm::options::SpmOptions;

/// The whitespace mark of normalized text.
pub const WS: char = '\u{2581}';
/// Stands for every character outside the trained alphabet (`kUNKChar`).
pub const UNK_CHAR: char = '\u{2585}';
/// What meta pieces in the text are replaced by (sentencepiece 0.2.3's
/// pre-tokenization boundary, U+001F): never inside a piece.
pub const BOUNDARY: char = '\u{1f}';

fn is_decimal_digit(c: char) -> bool {
    c.is_ascii_digit() || ('\u{ff10}'..='\u{ff19}').contains(&c)
}

/// The script class a piece may not mix: kana count as Han, combining marks
/// take the script before them, and `None` goes with anything.
fn script_class(c: char, prev: Option<Script>, options: &SpmOptions) -> Option<Script> {
    if !options.split_by_number && is_decimal_digit(c) {
        return None;
    }
    match c.script() {
        Script::Hiragana | Script::Katakana => Some(Script::Han),
        _ if c == '\u{30fc}' => Some(Script::Han),
        Script::Inherited => prev,
        s => Some(s),
    }
}

/// sentencepiece's test for a candidate piece `chars`: its length, no
/// reserved characters, `▁` only where the whitespace options allow it, one
/// digit at most with `split_digits`, one script with
/// `split_by_unicode_script`.
pub fn is_valid_piece(chars: &[char], options: &SpmOptions) -> bool {
    if chars.is_empty() || chars.len() > options.max_piece_length {
        return false;
    }
    let all_ws = chars.iter().all(|&c| c == WS);
    let last = chars.len() - 1;
    let mut prev: Option<Script> = None;
    for (pos, &c) in chars.iter().enumerate() {
        if matches!(c, UNK_CHAR | '\0' | BOUNDARY | ' ') {
            return false;
        }
        if c == WS {
            if !options.allow_whitespace_only_pieces || !all_ws {
                let misplaced = if options.treat_whitespace_as_suffix {
                    if options.split_by_whitespace {
                        pos < last
                    } else {
                        pos < last && pos == 0
                    }
                } else if options.split_by_whitespace {
                    pos > 0
                } else {
                    pos > 0 && pos == last
                };
                if misplaced {
                    return false;
                }
            }
            continue;
        }
        let script = script_class(c, prev, options);
        if options.split_digits && is_decimal_digit(c) && chars.len() > 1 {
            return false;
        }
        if options.split_by_unicode_script {
            if let (Some(s), Some(p)) = (script, prev) {
                if s != p {
                    return false;
                }
            }
        }
        prev = script;
    }
    true
}

/// Cuts normalized `text` into words at `▁`: each word starts with its `▁`
/// (ends with it, with `suffix`). With `ws_only`, a run of `▁` stays
/// together.
pub fn split_into_words(text: &str, suffix: bool, ws_only: bool) -> Vec<&str> {
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut in_ws = false;
    if suffix {
        if !text.is_empty() {
            words.push((0, 0));
        }
        for (i, c) in text.char_indices() {
            let is_ws = c == WS;
            if is_ws {
                in_ws = true;
            } else if in_ws {
                if ws_only {
                    words.push((i, i));
                }
                in_ws = false;
            }
            let end = i + c.len_utf8();
            if let Some(last) = words.last_mut() {
                last.1 = end;
            }
            if end < text.len() && is_ws && !ws_only {
                words.push((end, end));
            }
        }
    } else {
        for (i, c) in text.char_indices() {
            let is_ws = c == WS;
            if i == 0 || (is_ws && (!in_ws || !ws_only)) {
                words.push((i, i));
                in_ws = true;
            }
            if in_ws && !is_ws {
                in_ws = false;
            }
            if let Some(last) = words.last_mut() {
                last.1 = i + c.len_utf8();
            }
        }
    }
    words.into_iter().map(|(a, b)| &text[a..b]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(piece: &str, options: &SpmOptions) -> bool {
        is_valid_piece(&piece.chars().collect::<Vec<_>>(), options)
    }

    #[test]
    fn words_as_sentencepiece_cuts_them() {
        // Cases from sentencepiece's model_interface_test.cc.
        assert_eq!(
            split_into_words("▁this▁is▁a▁pen", false, false),
            ["▁this", "▁is", "▁a", "▁pen"]
        );
        assert_eq!(
            split_into_words("this▁is▁a▁pen", false, false),
            ["this", "▁is", "▁a", "▁pen"]
        );
        assert_eq!(
            split_into_words("▁this▁▁is", false, false),
            ["▁this", "▁", "▁is"]
        );
        assert!(split_into_words("", false, false).is_empty());
        assert_eq!(
            split_into_words("this▁is▁a▁pen▁", true, false),
            ["this▁", "is▁", "a▁", "pen▁"]
        );
        assert_eq!(
            split_into_words("▁this▁▁is", false, true),
            ["▁this", "▁▁is"]
        );
        assert_eq!(split_into_words("this▁▁is▁", true, true), ["this▁▁", "is▁"]);
    }

    #[test]
    fn pieces_follow_the_whitespace_and_script_rules() {
        let options = SpmOptions::default();
        assert!(valid("▁hello", &options));
        assert!(!valid("he▁llo", &options));
        assert!(!valid("hello▁", &options));
        assert!(!valid("ab\u{2585}", &options));
        assert!(!valid("abcdefghijklmnopq", &options));
        assert!(!valid("aあ", &options));
        assert!(valid("漢字かなカナー", &options));
        assert!(!valid("a1", &options));
        assert!(valid("e\u{301}", &options));
        let numbers_free = SpmOptions {
            split_by_number: false,
            ..SpmOptions::default()
        };
        assert!(valid("a1", &numbers_free));
        let digits = SpmOptions {
            split_digits: true,
            ..SpmOptions::default()
        };
        assert!(!valid("12", &digits));
        assert!(valid("1", &digits));
        let suffix = SpmOptions {
            treat_whitespace_as_suffix: true,
            ..SpmOptions::default()
        };
        assert!(valid("hello▁", &suffix));
        assert!(!valid("▁hello", &suffix));
        let ws_only = SpmOptions {
            allow_whitespace_only_pieces: true,
            ..SpmOptions::default()
        };
        assert!(valid("▁▁▁", &ws_only));
        assert!(!valid("▁▁▁", &options));
    }
}
