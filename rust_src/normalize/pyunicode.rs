//! Unicode character classes, `str.lower()` and NFD exactly as CPython 3.11 (Unicode 14.0).
//!
//! google-research/bert `tokenization.py` decides with `unicodedata` and `str` methods, and
//! Rust's std and crates follow other Unicode versions, so parity on any input needs
//! CPython's own data: `pyunicode_tables.rs`, generated from CPython 3.11 by
//! `tools/gen_pyunicode_tables.py`. ASCII never reaches a table. A question about a non-ASCII
//! char costs one binary search over the runs of its 256-code-point block (usually one or
//! two runs; above plane 1, over all the runs).

use super::pyunicode_tables as t;
use crate::pipeline::{Builder, Normalized, Span};

/// The value of the run containing `cp` in a range table: `starts` sorted from 0, `blocks` the
/// run each block of planes 0 and 1 starts in. The block narrows the binary search to its own
/// runs, usually one or two: 2 category lookups a char run at about 200 MB/s on Chinese
/// text with the block index, 125 MB/s searching all thousand runs.
#[inline]
fn range_value(starts: &[u32], values: &[u8], blocks: &[u16], cp: u32) -> u8 {
    let block = (cp >> t::BLOCK_SHIFT) as usize;
    // The run of `cp` lies between the runs its block and the next block start in.
    let (lo, hi) = match (blocks.get(block), blocks.get(block + 1)) {
        (Some(&lo), Some(&hi)) => (usize::from(lo), usize::from(hi) + 1),
        _ => (0, starts.len()),
    };
    let Some(candidates) = starts.get(lo..hi) else {
        return 0;
    };
    let run = lo + candidates.partition_point(|&s| s <= cp);
    values.get(run.wrapping_sub(1)).copied().unwrap_or(0)
}

/// The category flags (`t::CONTROL`, ...) of a non-ASCII char.
#[inline]
fn category_flags(c: char) -> u8 {
    let (starts, values, blocks) = (
        &t::CATEGORY_STARTS,
        &t::CATEGORY_VALUES,
        &t::CATEGORY_BLOCKS,
    );
    range_value(starts, values, blocks, c as u32)
}

/// Whether `c` is in category Cc or Cf, as CPython 3.11 (Unicode 14.0)
/// `unicodedata.category(c) in ("Cc", "Cf")`.
#[inline]
pub fn is_control(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_control()
    } else {
        category_flags(c) & t::CONTROL != 0
    }
}

/// Whether `c` is in category Zs, as CPython 3.11 (Unicode 14.0)
/// `unicodedata.category(c) == "Zs"`.
#[inline]
pub fn is_space_separator(c: char) -> bool {
    if c.is_ascii() {
        c == ' '
    } else {
        category_flags(c) & t::SPACE_SEPARATOR != 0
    }
}

/// Whether `c` is in category Mn, as CPython 3.11 (Unicode 14.0)
/// `unicodedata.category(c) == "Mn"`.
#[inline]
pub fn is_nonspacing_mark(c: char) -> bool {
    !c.is_ascii() && category_flags(c) & t::NONSPACING_MARK != 0
}

/// Whether `c` is in a category P*, as CPython 3.11 (Unicode 14.0)
/// `unicodedata.category(c).startswith("P")`. The ASCII symbols (S*: `$+<=>|~`, caret,
/// backquote) are not punctuation here.
#[inline]
pub fn is_punctuation(c: char) -> bool {
    if c.is_ascii() {
        matches!(c, '!'..='#' | '%'..='*' | ','..='/' | ':' | ';' | '?' | '@' | '['..=']' | '_')
            || matches!(c, '{' | '}')
    } else {
        category_flags(c) & t::PUNCTUATION != 0
    }
}

/// Whether `c` is whitespace, as CPython 3.11 (Unicode 14.0) `c.isspace()`: what
/// `str.split()` and `str.strip()` split on. Includes U+001C..U+001F and U+2028, which are
/// not Zs.
#[inline]
pub fn is_whitespace(c: char) -> bool {
    if c.is_ascii() {
        matches!(c, '\t'..='\r' | '\x1c'..='\x1f' | ' ')
    } else {
        category_flags(c) & t::WHITESPACE != 0
    }
}

/// What CPython's Final_Sigma rule sees in `c`: `t::CASED`, `t::CASE_IGNORABLE` or
/// `t::CASE_OTHER`.
#[inline]
fn case_kind(c: char) -> u8 {
    match c {
        'A'..='Z' | 'a'..='z' => t::CASED,
        '\'' | '.' | ':' | '^' | '`' => t::CASE_IGNORABLE,
        _ if c.is_ascii() => t::CASE_OTHER,
        _ => range_value(&t::CASE_STARTS, &t::CASE_VALUES, &t::CASE_BLOCKS, c as u32),
    }
}

/// The mapping of `c` in a mapping table, when it has one: a packed value (see
/// `t::EXPANSION_BIT`).
#[inline]
fn mapping(keys: &[u32], values: &[u32], c: char) -> Option<u32> {
    let at = keys.binary_search(&(c as u32)).ok()?;
    values.get(at).copied()
}

/// Calls `f` on each char of the packed mapping `value`.
#[inline]
fn for_each_mapped(value: u32, expansions: &[char], mut f: impl FnMut(char)) {
    if value & t::EXPANSION_BIT == 0 {
        if let Some(c) = char::from_u32(value) {
            f(c);
        }
        return;
    }
    let start = ((value & !t::EXPANSION_BIT) >> 8) as usize;
    let len = (value & 0xFF) as usize;
    for &c in expansions.get(start..start + len).unwrap_or_default() {
        f(c);
    }
}

const CAPITAL_SIGMA: char = '\u{3A3}';

/// Whether the capital sigma between `before` and `after` is final, as CPython's
/// `handle_capital_sigma`: the first char before it that is not case-ignorable is cased, and
/// the first such char after it (if any) is not.
fn is_final_sigma(before: &str, after: &str) -> bool {
    first_is_cased(before.chars().rev()) && !first_is_cased(after.chars())
}

/// Whether the first char of `chars` that is not case-ignorable exists and is cased.
#[inline]
fn first_is_cased(mut chars: impl Iterator<Item = char>) -> bool {
    chars
        .find(|&c| case_kind(c) != t::CASE_IGNORABLE)
        .is_some_and(|c| case_kind(c) == t::CASED)
}

/// For each U+03A3 of `text` in order, whether it lowercases to final sigma. Each look back
/// or ahead stops at the nearest char that is not case-ignorable, and a sigma is such a char,
/// so the scans never overlap and the whole pass is linear.
fn final_sigmas(text: &str) -> Vec<bool> {
    text.match_indices(CAPITAL_SIGMA)
        .map(|(at, _)| {
            let before = text.get(..at).unwrap_or_default();
            let after = text
                .get(at + CAPITAL_SIGMA.len_utf8()..)
                .unwrap_or_default();
            is_final_sigma(before, after)
        })
        .collect()
}

/// The `str.lower()` mapping of a non-ASCII char other than U+03A3, if it changes. A bit per
/// block of 256 code points rules out most scripts (CJK, kana, Hangul, Indic, ...) before the
/// binary search over all mappings.
#[inline]
fn lower_mapping(c: char) -> Option<u32> {
    let block = (c as u32 >> t::BLOCK_SHIFT) as usize;
    let word = t::LOWER_BLOCK_BITS.get(block / 64)?;
    if word >> (block % 64) & 1 == 0 {
        return None;
    }
    mapping(&t::LOWER_KEYS, &t::LOWER_VALUES, c)
}

/// Whether `c` (non-ASCII) changes under `str.lower()`.
#[inline]
fn lowers(c: char) -> bool {
    c == CAPITAL_SIGMA || lower_mapping(c).is_some()
}

/// Lowercases the text, as CPython 3.11 (Unicode 14.0) `text.lower()`: full case mapping
/// (U+0130 becomes "i\u{307}") and the Final_Sigma rule for U+03A3. Every output char keeps
/// the span of the input char it came from.
pub fn lowercase(text: &mut Normalized) {
    let s = text.as_str();
    if s.is_ascii() {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            text.rewrite(|chars, out| {
                for (c, span) in chars {
                    out.push(c.to_ascii_lowercase(), span);
                }
            });
        }
        return;
    }
    // Most non-ASCII text without capitals (CJK, Arabic, ...) is left untouched, not copied.
    if !s
        .chars()
        .any(|c| c.is_ascii_uppercase() || (!c.is_ascii() && lowers(c)))
    {
        return;
    }
    let finals = final_sigmas(s);
    text.rewrite(|chars, out| {
        let mut finals = finals.into_iter();
        for (c, span) in chars {
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase(), span);
            } else if c == CAPITAL_SIGMA {
                let final_sigma = finals.next().unwrap_or(false);
                out.push(if final_sigma { '\u{3C2}' } else { '\u{3C3}' }, span);
            } else {
                match lower_mapping(c) {
                    Some(v) => for_each_mapped(v, &t::LOWER_EXPANSIONS, |l| out.push(l, span)),
                    None => out.push(c, span),
                }
            }
        }
    });
}

const HANGUL_S_BASE: u32 = 0xAC00;
const HANGUL_L_BASE: u32 = 0x1100;
const HANGUL_V_BASE: u32 = 0x1161;
const HANGUL_T_BASE: u32 = 0x11A7;
const HANGUL_T_COUNT: u32 = 28;
const HANGUL_N_COUNT: u32 = 21 * HANGUL_T_COUNT;
const HANGUL_S_COUNT: u32 = 19 * HANGUL_N_COUNT;

/// The syllable index of a precomposed Hangul syllable (Unicode 3.12, "Hangul Syllable
/// Decomposition"), or `None`.
#[inline]
fn hangul_index(c: char) -> Option<u32> {
    (c as u32)
        .checked_sub(HANGUL_S_BASE)
        .filter(|&i| i < HANGUL_S_COUNT)
}

/// The NFD property of a non-ASCII char that is not a Hangul syllable: its canonical
/// combining class, or `t::DECOMPOSES`.
#[inline]
fn nfd_prop(c: char) -> u8 {
    let (starts, values, blocks) = (
        &t::NFD_PROP_STARTS,
        &t::NFD_PROP_VALUES,
        &t::NFD_PROP_BLOCKS,
    );
    range_value(starts, values, blocks, c as u32)
}

/// Whether NFD changes `text`: some char decomposes, or two adjacent combining marks are out
/// of canonical order.
fn needs_nfd(text: &str) -> bool {
    let mut last_ccc = 0;
    for c in text.chars() {
        if c.is_ascii() {
            last_ccc = 0;
            continue;
        }
        if hangul_index(c).is_some() {
            return true;
        }
        let ccc = nfd_prop(c);
        if ccc == t::DECOMPOSES || (ccc != 0 && ccc < last_ccc) {
            return true;
        }
        last_ccc = ccc;
    }
    false
}

/// What `str.lower()` (when `lowercase`) and then NFD (when `decompose`)
/// make of the non-ASCII char `c`, each char with its canonical combining
/// class, before canonical ordering (which moves only chars of nonzero
/// class). Not for U+03A3, whose lowercase depends on its neighbours.
pub fn lower_and_decompose(c: char, lowercase: bool, decompose: bool, mut f: impl FnMut(char, u8)) {
    let mut nfd = |l: char| {
        if !decompose || l.is_ascii() {
            f(l, 0);
        } else if let Some(i) = hangul_index(l) {
            for cp in hangul_parts(i) {
                if let Some(d) = char::from_u32(cp) {
                    f(d, 0);
                }
            }
        } else {
            match nfd_prop(l) {
                t::DECOMPOSES => {
                    if let Some(v) = mapping(&t::NFD_KEYS, &t::NFD_VALUES, l) {
                        for_each_mapped(v, &t::NFD_EXPANSIONS, |d| f(d, nfd_prop(d)));
                    }
                }
                ccc => f(l, ccc),
            }
        }
    };
    match lower_mapping(c).filter(|_| lowercase) {
        Some(v) => for_each_mapped(v, &t::LOWER_EXPANSIONS, nfd),
        None => nfd(c),
    }
}

/// The code points of the jamo a Hangul syllable (by index) decomposes to.
fn hangul_parts(i: u32) -> impl Iterator<Item = u32> {
    let t = i % HANGUL_T_COUNT;
    [
        HANGUL_L_BASE + i / HANGUL_N_COUNT,
        HANGUL_V_BASE + i % HANGUL_N_COUNT / HANGUL_T_COUNT,
    ]
    .into_iter()
    .chain((t != 0).then_some(HANGUL_T_BASE + t))
}

/// Writes NFD output, holding back each run of combining marks (non-zero ccc) until a
/// starter ends it, so the run can be put in canonical order.
struct Reorderer<'a> {
    out: &'a mut Builder,
    /// The pending run: char, its span, its ccc.
    run: Vec<(char, Span, u8)>,
}

impl Reorderer<'_> {
    #[inline]
    fn push(&mut self, c: char, span: Span, ccc: u8) {
        if ccc == 0 {
            self.flush();
            self.out.push(c, span);
        } else {
            self.run.push((c, span, ccc));
        }
    }

    #[inline]
    fn push_code_point(&mut self, cp: u32, span: Span) {
        if let Some(c) = char::from_u32(cp) {
            self.push(c, span, 0);
        }
    }

    /// Emits the pending run in canonical order: a stable sort by ccc.
    fn flush(&mut self) {
        if self.run.len() > 1 {
            self.run.sort_by_key(|&(_, _, ccc)| ccc);
        }
        for &(c, span, _) in &self.run {
            self.out.push(c, span);
        }
        self.run.clear();
    }
}

/// Normalizes the text to NFD, as CPython 3.11 (Unicode 14.0)
/// `unicodedata.normalize("NFD", text)`: full canonical decomposition (Hangul syllables
/// algorithmically), then canonical ordering. Every char a decomposition produces carries the
/// span of the char it came from. All-ASCII text, or text NFD leaves alone, is not copied.
pub fn nfd(text: &mut Normalized) {
    let s = text.as_str();
    if s.is_ascii() || !needs_nfd(s) {
        return;
    }
    text.rewrite(|chars, out| {
        let mut r = Reorderer {
            out,
            run: Vec::new(),
        };
        for (c, span) in chars {
            if c.is_ascii() {
                r.push(c, span, 0);
            } else if let Some(i) = hangul_index(c) {
                for cp in hangul_parts(i) {
                    r.push_code_point(cp, span);
                }
            } else {
                match nfd_prop(c) {
                    t::DECOMPOSES => {
                        if let Some(v) = mapping(&t::NFD_KEYS, &t::NFD_VALUES, c) {
                            // Decompositions are full: their chars never decompose again.
                            for_each_mapped(v, &t::NFD_EXPANSIONS, |d| {
                                r.push(d, span, nfd_prop(d))
                            });
                        }
                    }
                    ccc => r.push(c, span, ccc),
                }
            }
        }
        r.flush();
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lower(s: &str) -> String {
        let mut n = Normalized::new(s, false);
        lowercase(&mut n);
        n.as_str().to_owned()
    }

    fn decompose(s: &str) -> String {
        let mut n = Normalized::new(s, false);
        nfd(&mut n);
        n.as_str().to_owned()
    }

    #[test]
    fn final_sigma_follows_cpython() {
        assert_eq!(lower("ΑΣ"), "ας");
        assert_eq!(lower("ΑΣ."), "ας.");
        assert_eq!(lower("ΑΣΑ"), "ασα");
        assert_eq!(lower("Σ"), "σ");
        assert_eq!(lower("ΑΣ'Α"), "ασ'α");
        assert_eq!(lower("Α'Σ"), "α'ς");
        assert_eq!(lower("1Σ"), "1σ");
        assert_eq!(lower("ΟΔΟΣ ΣΑ"), "οδος σα");
    }

    #[test]
    fn lowercase_maps_fully() {
        assert_eq!(lower("\u{130}"), "i\u{307}");
        assert_eq!(lower("ÀÉÎ Straße"), "àéî straße");
        assert_eq!(lower("ABC def"), "abc def");
        // U+1E9E LATIN CAPITAL LETTER SHARP S lowercases to ß.
        assert_eq!(lower("\u{1E9E}"), "ß");
        assert_eq!(lower("中文"), "中文");
    }

    #[test]
    fn lowercase_keeps_spans() {
        let mut n = Normalized::new("a\u{130}B", true);
        lowercase(&mut n);
        assert_eq!(n.as_str(), "ai\u{307}b");
        // 'i' (byte 1) and U+0307 (bytes 2..4) both come from U+0130 at bytes 1..3.
        assert_eq!(n.original_range(1..2), Some(1..3));
        assert_eq!(n.original_range(2..4), Some(1..3));
        assert_eq!(n.original_range(4..5), Some(3..4));
    }

    #[test]
    fn nfd_decomposes_and_orders() {
        assert_eq!(decompose("é"), "e\u{301}");
        assert_eq!(decompose("한"), "\u{1112}\u{1161}\u{11AB}");
        assert_eq!(decompose("\u{AC00}"), "\u{1100}\u{1161}");
        assert_eq!(decompose("a\u{301}\u{316}"), "a\u{316}\u{301}");
        // U+1E69 (s with dot below and dot above) decomposes recursively.
        assert_eq!(decompose("\u{1E69}"), "s\u{323}\u{307}");
        // U+212B ANGSTROM SIGN -> U+00C5 -> A + ring.
        assert_eq!(decompose("\u{212B}"), "A\u{30A}");
        // Equal classes keep their order (stable).
        assert_eq!(decompose("a\u{301}\u{300}"), "a\u{301}\u{300}");
        assert_eq!(decompose("plain"), "plain");
    }

    #[test]
    fn nfd_keeps_spans() {
        let mut n = Normalized::new("xé\u{316}", true);
        nfd(&mut n);
        assert_eq!(n.as_str(), "xe\u{316}\u{301}");
        assert_eq!(n.original_range(1..2), Some(1..3));
        assert_eq!(n.original_range(2..4), Some(3..5));
        assert_eq!(n.original_range(4..6), Some(1..3));
    }

    #[test]
    fn long_runs_stay_exact() {
        let ignorables = "'".repeat(100_000);
        let text = format!("Α{ignorables}ΣΣ{ignorables}Σ");
        assert_eq!(lower(&text), format!("α{ignorables}σσ{ignorables}ς"));
        let marks = "\u{301}\u{316}".repeat(50_000);
        let sorted = format!("a{}{}", "\u{316}".repeat(50_000), "\u{301}".repeat(50_000));
        assert_eq!(decompose(&format!("a{marks}")), sorted);
    }

    #[test]
    fn categories_follow_unicode_14() {
        // U+2028 LINE SEPARATOR is Zl: whitespace for str.isspace, not Zs.
        assert!(is_whitespace('\u{2028}') && !is_space_separator('\u{2028}'));
        assert!(is_whitespace('\u{A0}') && is_space_separator('\u{A0}'));
        assert!(is_control('\u{200B}') && !is_whitespace('\u{200B}'));
        assert!(!is_control('\u{E000}') && !is_punctuation('\u{E000}'));
        assert!(is_control('\t') && is_whitespace('\t') && !is_space_separator('\t'));
        assert!(is_whitespace('\x1f') && is_control('\x1f'));
        assert!(is_nonspacing_mark('\u{301}') && !is_nonspacing_mark('a'));
        assert!(is_punctuation('-') && is_punctuation('\u{3001}') && !is_punctuation('$'));
        assert!(!is_punctuation('^') && !is_punctuation('+'));
        // U+11F43 KAWI DANDA (Po) arrived in Unicode 15: unassigned in 14.0.
        assert!(!is_punctuation('\u{11F43}') && !is_control('\u{11F43}'));
        // U+2E5D OBLIQUE HYPHEN (Pd) arrived in Unicode 14.0.
        assert!(is_punctuation('\u{2E5D}'));
    }
}
