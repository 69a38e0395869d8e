//! What may be a sentencepiece piece, and how a normalized sentence is cut
//! into whitespace-delimited words (google/sentencepiece
//! `trainer_interface.cc` `IsValidSentencePiece`, `model_interface.cc`
//! `SplitIntoWords`, as in the 0.2.3 release).

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use unicode_script::{Script, UnicodeScript};

use crate::train::spm::options::SpmOptions;
use crate::train::spm::sentences::sort_texts_by_count;

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
    own_class(c, options).unwrap_or(prev)
}

/// The script class of `c` when it has one of its own; `None` when it takes
/// the class before it (a combining mark).
fn own_class(c: char, options: &SpmOptions) -> Option<Option<Script>> {
    if !options.split_by_number && is_decimal_digit(c) {
        return Some(None);
    }
    match c.script() {
        Script::Hiragana | Script::Katakana => Some(Some(Script::Han)),
        _ if c == '\u{30fc}' => Some(Some(Script::Han)),
        Script::Inherited => None,
        s => Some(Some(s)),
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

/// What [`is_valid_piece`] asks of a string, kept so that the answer for
/// two strings joined comes from theirs without reading either: a BPE
/// learner keeps one per symbol and tests each new pair in constant time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PieceShape {
    chars: usize,
    /// Holds a character no piece may hold.
    reserved: bool,
    digit: bool,
    all_ws: bool,
    first_ws: bool,
    last_ws: bool,
    /// A `▁` after the first character.
    ws_after_first: bool,
    /// A `▁` before the last character.
    ws_before_last: bool,
    /// No two neighbouring script classes differ.
    one_script: bool,
    /// The classes of the first and the last character with a class of its
    /// own ([`own_class`]); `None` when no character has one.
    first_class: Option<Option<Script>>,
    last_class: Option<Option<Script>>,
}

impl PieceShape {
    /// The shape of the one-character string `c`.
    pub fn of_char(c: char, options: &SpmOptions) -> Self {
        let ws = c == WS;
        let class = if ws { None } else { own_class(c, options) };
        PieceShape {
            chars: 1,
            reserved: matches!(c, UNK_CHAR | '\0' | BOUNDARY | ' '),
            digit: !ws && is_decimal_digit(c),
            all_ws: ws,
            first_ws: ws,
            last_ws: ws,
            ws_after_first: false,
            ws_before_last: false,
            one_script: true,
            first_class: class,
            last_class: class,
        }
    }

    /// The shape of this string followed by `next`. A character that takes
    /// the class before it takes, at the start of `next`, this string's
    /// last: only `next`'s first character with a class of its own meets
    /// this string's last one.
    pub fn join(&self, next: &PieceShape) -> Self {
        let clash = match (self.last_class, next.first_class) {
            (Some(Some(a)), Some(Some(b))) => a != b,
            _ => false,
        };
        PieceShape {
            chars: self.chars + next.chars,
            reserved: self.reserved || next.reserved,
            digit: self.digit || next.digit,
            all_ws: self.all_ws && next.all_ws,
            first_ws: self.first_ws,
            last_ws: next.last_ws,
            ws_after_first: self.ws_after_first || next.first_ws || next.ws_after_first,
            ws_before_last: self.ws_before_last || self.last_ws || next.ws_before_last,
            one_script: self.one_script && next.one_script && !clash,
            first_class: self.first_class.or(next.first_class),
            last_class: next.last_class.or(self.last_class),
        }
    }

    /// Length in characters.
    pub fn chars(&self) -> usize {
        self.chars
    }

    /// Whether the string may be a piece: [`is_valid_piece`] of it.
    pub fn is_valid(&self, options: &SpmOptions) -> bool {
        if self.chars == 0 || self.chars > options.max_piece_length || self.reserved {
            return false;
        }
        let long = self.chars > 1;
        let misplaced_ws = !(options.allow_whitespace_only_pieces && self.all_ws)
            && match (
                options.treat_whitespace_as_suffix,
                options.split_by_whitespace,
            ) {
                (true, true) => self.ws_before_last,
                (true, false) => self.first_ws && long,
                (false, true) => self.ws_after_first,
                (false, false) => self.last_ws && long,
            };
        let split_digit = options.split_digits && self.digit && long;
        let mixed_scripts = options.split_by_unicode_script && !self.one_script;
        !(misplaced_ws || split_digit || mixed_scripts)
    }
}

/// Cuts normalized `text` into words at `▁`: each word starts with its `▁`
/// (ends with it, with `suffix`). With `ws_only`, a run of `▁` stays
/// together. The cuts are found by searching for the mark's bytes, not by
/// decoding every character: splitting was most of counting the words.
pub fn split_into_words(text: &str, suffix: bool, ws_only: bool) -> impl Iterator<Item = &str> {
    const MARK: &[u8] = "\u{2581}".as_bytes();
    let bytes = text.as_bytes();
    let mark_at = move |at: usize| bytes.get(at..at + MARK.len()) == Some(MARK);
    let cuts = memchr::memmem::find_iter(bytes, MARK).filter_map(move |at| {
        if suffix {
            // After each mark, or after the last of a run.
            let end = at + MARK.len();
            (end < bytes.len() && !(ws_only && mark_at(end))).then_some(end)
        } else {
            // Before each mark, or before the first of a run. UTF-8 never
            // ends another character with the mark's bytes.
            let after_mark = at >= MARK.len() && mark_at(at - MARK.len());
            (at > 0 && !(ws_only && after_mark)).then_some(at)
        }
    });
    let mut start = 0;
    (cuts.chain((!text.is_empty()).then_some(text.len()))).map(move |end| {
        let word = &text[start..end];
        start = end;
        word
    })
}

/// The words a learner runs on (sentencepiece's
/// `SplitSentencesByWhitespace`): with `split_by_whitespace`, the sentences
/// cut into words ([`count_sentence_words`]); without, the sentences whole.
pub fn learning_words<'a>(
    sentences: &'a [(String, u64)],
    options: &SpmOptions,
) -> Vec<(&'a str, u64)> {
    if !options.split_by_whitespace {
        return sentences.iter().map(|(s, n)| (s.as_str(), *n)).collect();
    }
    count_sentence_words(
        sentences,
        options.treat_whitespace_as_suffix,
        options.allow_whitespace_only_pieces,
    )
}

/// The words of `sentences` (each with its count), cut by
/// [`split_into_words`], their counts summed and sorted as sentencepiece's
/// `Sorted`. Counted on the current rayon pool.
pub fn count_sentence_words(
    sentences: &[(String, u64)],
    suffix: bool,
    ws_only: bool,
) -> Vec<(&str, u64)> {
    let counts = (sentences.par_iter())
        .fold(
            FxHashMap::default,
            |mut counts: FxHashMap<&str, u64>, (sentence, count)| {
                for word in split_into_words(sentence, suffix, ws_only) {
                    *counts.entry(word).or_default() += count;
                }
                counts
            },
        )
        .reduce(FxHashMap::default, |a, b| {
            let (mut big, small) = if a.len() >= b.len() { (a, b) } else { (b, a) };
            for (word, count) in small {
                *big.entry(word).or_default() += count;
            }
            big
        });
    let mut words: Vec<(&str, u64)> = counts.into_iter().collect();
    sort_texts_by_count(&mut words);
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid(piece: &str, options: &SpmOptions) -> bool {
        is_valid_piece(&piece.chars().collect::<Vec<_>>(), options)
    }

    fn split_into_words(text: &str, suffix: bool, ws_only: bool) -> Vec<&str> {
        super::split_into_words(text, suffix, ws_only).collect()
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

    /// sentencepiece's `SplitIntoWords`, a character at a time.
    fn split_by_characters(text: &str, suffix: bool, ws_only: bool) -> Vec<&str> {
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

    #[test]
    fn cutting_at_the_marks_bytes_cuts_as_a_character_walk() {
        // Every string of up to seven characters from a small alphabet of
        // one-, two- and three-byte characters around the mark.
        let alphabet = ['a', 'é', WS, 'あ'];
        let mut texts = vec![String::new()];
        let mut last = texts.clone();
        for _ in 0..7 {
            last = (last.iter())
                .flat_map(|t| alphabet.iter().map(move |&c| format!("{t}{c}")))
                .collect();
            texts.extend(last.iter().cloned());
        }
        for text in &texts {
            for (suffix, ws_only) in [(false, false), (false, true), (true, false), (true, true)] {
                assert_eq!(
                    split_into_words(text, suffix, ws_only),
                    split_by_characters(text, suffix, ws_only),
                    "{text:?} suffix {suffix} ws_only {ws_only}"
                );
            }
        }
    }

    #[test]
    fn shapes_join_to_the_validity_of_the_joined_string() {
        // Every class of character the rules tell apart: Latin, Han, kana,
        // the prolonged sound mark, a combining mark, ASCII and full-width
        // digits, punctuation, `▁`, and the reserved characters.
        let alphabet = [
            'a', '中', 'あ', 'ー', '\u{301}', '1', '\u{ff11}', ',', WS, UNK_CHAR, '\0', BOUNDARY,
            ' ',
        ];
        let mut rng = crate::models::rng::Rng::new(11);
        for bits in 0..64u32 {
            let options = SpmOptions {
                max_piece_length: 5,
                split_digits: bits & 1 != 0,
                split_by_whitespace: bits & 2 != 0,
                split_by_unicode_script: bits & 4 != 0,
                split_by_number: bits & 8 != 0,
                treat_whitespace_as_suffix: bits & 16 != 0,
                allow_whitespace_only_pieces: bits & 32 != 0,
                ..SpmOptions::default()
            };
            for _ in 0..3000 {
                let len = 1 + (rng.next_u64() % 6) as usize;
                let chars: Vec<char> = (0..len)
                    .map(|_| alphabet[(rng.next_u64() % alphabet.len() as u64) as usize])
                    .collect();
                let shape = |part: &[char]| {
                    (part.iter().map(|&c| PieceShape::of_char(c, &options)))
                        .reduce(|a, b| a.join(&b))
                        .unwrap()
                };
                let expected = is_valid_piece(&chars, &options);
                for cut in 1..len {
                    let joined = shape(&chars[..cut]).join(&shape(&chars[cut..]));
                    assert_eq!(
                        joined,
                        shape(&chars),
                        "{chars:?} cut at {cut}, options {bits}"
                    );
                }
                assert_eq!(
                    shape(&chars).is_valid(&options),
                    expected,
                    "{chars:?}, options {bits}"
                );
            }
        }
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
