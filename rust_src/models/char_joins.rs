//! Which adjacent characters sit side by side inside some token, so text
//! can be cut into segments that no merge crosses and each merged on its
//! own.
//!
//! Why a cut is exact. A merge across the boundary between characters `A`
//! and `B` makes a token that holds the bytes on both sides: a non-empty
//! suffix of `A`'s bytes (all of them, if the token reaches further left)
//! followed by a non-empty prefix of `B`'s. Every token's byte string is
//! read at each of its inner positions where a character may start (the
//! byte there is not a UTF-8 continuation byte): where whole characters
//! stand on both sides, the pair of code points is recorded; where either
//! side is a partial character (byte-level tokens such as `b"\xad\xe6"`,
//! the tail of one CJK character and the lead byte of the next), the
//! position's two bytes are recorded instead. In valid UTF-8 the whole
//! character a token holds before (after) such a position is the one the
//! text holds there, and the two bytes are always the last byte of `A` and
//! the first of `B`; so a boundary whose code-point pair and byte pair are
//! both unrecorded is crossed by no merge. Merging is then the same on
//! each side: BPE's order (lowest rank, leftmost on ties) only interleaves
//! the two sides' merges.
//!
//! Pairs of ASCII characters are kept exactly (2 KB); other pairs in a
//! hashed bit set of at least 32 bits per pair, one bit each (o200k: 21,123
//! pairs, 128 KB, so 2% of unjoined pairs are taken for joined, which only
//! keeps a segment whole); partial-character positions in a 256 x 256 bit
//! table (8 KB; o200k sets 166 of its bits). On
//! o200k this cuts 84% of the boundaries inside Chinese letter runs of the
//! shared corpora and 74% inside Japanese ones.

use crate::char_index::is_continuation;

/// For each ASCII byte, the set of ASCII bytes that follow it inside some
/// token. sentencepiece BPE cuts with this part alone (`bpe_spm/cuts.rs`):
/// cutting Llama 2's Japanese between characters too made it 14% slower,
/// one cached segment per character costing more than the merge lookups
/// it saves.
#[derive(Debug, Clone)]
pub struct AsciiJoins(Box<[u128; 128]>);

impl AsciiJoins {
    /// The joins of every token in `tokens` (all of them, whatever their
    /// type: a spare join only keeps a segment whole).
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut joins = AsciiJoins(Box::new([0u128; 128]));
        for token in tokens {
            joins.add(token);
        }
        joins
    }

    /// Records the ASCII pairs of `token`.
    fn add(&mut self, token: &[u8]) {
        for pair in token.windows(2) {
            if pair[0] < 0x80 && pair[1] < 0x80 {
                self.0[usize::from(pair[0])] |= 1 << pair[1];
            }
        }
    }

    /// Whether some token holds ASCII byte `a` followed by ASCII byte `b`.
    #[inline]
    pub fn join(&self, a: u8, b: u8) -> bool {
        self.0[usize::from(a & 0x7f)] >> (b & 0x7f) & 1 == 1
    }
}

/// Whether `byte` leads a character from U+3000 to U+9FFF: CJK punctuation,
/// kana and the common Han characters, whose runs the sentencepiece-style
/// models cut with [`CharJoins`] and merge without their segment cache.
pub fn is_cjk_lead(byte: u8) -> bool {
    (0xE3..=0xE9).contains(&byte)
}

/// The joins of every token of a vocabulary (see the module comment).
#[derive(Debug, Clone)]
pub struct CharJoins {
    ascii: AsciiJoins,
    /// Hashed pairs of whole characters (not both ASCII): one bit each.
    pairs: Box<[u64]>,
    /// `64 - log2(bits in pairs)`: the shift that leaves a hash's top bits.
    shift: u32,
    /// Bit `before * 256 + after` is set where some token has a partial
    /// character beside byte `before` followed by byte `after`.
    partial: Box<[u64; 1024]>,
}

/// Bits of [`CharJoins::pairs`] per recorded pair: few enough to stay in
/// the L2 cache for o200k, many enough that a false join is rare.
const BITS_PER_PAIR: usize = 32;

/// The code point and byte length of the UTF-8 character at the start of
/// `s`; `None` for anything that is not one (a cut, overlong or surrogate
/// sequence, a lone continuation byte, an empty slice).
#[inline]
fn next_char(s: &[u8]) -> Option<(u32, usize)> {
    let b0 = *s.first()?;
    if b0 < 0x80 {
        return Some((u32::from(b0), 1));
    }
    let (len, bits, min) = match b0 {
        0xC2..=0xDF => (2, b0 & 0x1F, 0x80),
        0xE0..=0xEF => (3, b0 & 0x0F, 0x800),
        0xF0..=0xF4 => (4, b0 & 0x07, 0x1_0000),
        _ => return None,
    };
    let tail = s.get(1..len)?;
    let mut cp = u32::from(bits);
    for &b in tail {
        if !is_continuation(b) {
            return None;
        }
        cp = (cp << 6) | u32::from(b & 0x3F);
    }
    let valid = cp >= min && cp <= 0x10_FFFF && !(0xD800..=0xDFFF).contains(&cp);
    valid.then_some((cp, len))
}

/// The character that ends exactly at the end of `s`, if whole bytes of
/// one stand there.
fn char_before(s: &[u8]) -> Option<u32> {
    let start = (s.len().saturating_sub(4)..s.len())
        .rev()
        .find(|&i| !is_continuation(s[i]))?;
    let (cp, len) = next_char(&s[start..])?;
    (start + len == s.len()).then_some(cp)
}

#[inline]
fn pair_hash(a: u32, b: u32) -> u64 {
    ((u64::from(a) << 21) | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl CharJoins {
    /// The joins of every token in `tokens` (all of them, whatever their
    /// type: a spare join only keeps a segment whole).
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut ascii = AsciiJoins::new([]);
        let mut partial = Box::new([0u64; 1024]);
        let mut pairs = Vec::new();
        for token in tokens {
            ascii.add(token);
            for k in 1..token.len() {
                let (before, after) = (token[k - 1], token[k]);
                if is_continuation(after) {
                    continue;
                }
                if before < 0x80 && after < 0x80 {
                    continue;
                }
                match (char_before(&token[..k]), next_char(&token[k..])) {
                    (Some(a), Some((b, _))) => pairs.push((a, b)),
                    _ => {
                        let bit = usize::from(before) * 256 + usize::from(after);
                        partial[bit / 64] |= 1 << (bit % 64);
                    }
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        let bits = (pairs.len() * BITS_PER_PAIR).next_power_of_two().max(64);
        let shift = 64 - bits.trailing_zeros();
        let mut set = vec![0u64; bits / 64].into_boxed_slice();
        for &(a, b) in &pairs {
            let bit = (pair_hash(a, b) >> shift) as usize;
            set[bit / 64] |= 1 << (bit % 64);
        }
        CharJoins {
            ascii,
            pairs: set,
            shift,
            partial,
        }
    }

    /// Whether some token may hold character `a` (whose last byte is
    /// `a_last`) followed by character `b` (whose first byte is `b_first`).
    #[inline]
    fn joined(&self, a: u32, a_last: u8, b: u32, b_first: u8) -> bool {
        if a < 0x80 && b < 0x80 {
            return self.ascii.join(a as u8, b as u8);
        }
        let byte_pair = usize::from(a_last) * 256 + usize::from(b_first);
        if self.partial[byte_pair / 64] >> (byte_pair % 64) & 1 == 1 {
            return true;
        }
        let bit = (pair_hash(a, b) >> self.shift) as usize;
        self.pairs[bit / 64] >> (bit % 64) & 1 == 1
    }

    /// The end of the segment of `bytes` that starts at `start`: the first
    /// boundary after it between two characters no token joins, or the end
    /// (also where the bytes stop being UTF-8).
    #[inline]
    pub fn segment_end(&self, bytes: &[u8], start: usize) -> usize {
        let Some((mut a, len)) = bytes.get(start..).and_then(next_char) else {
            return bytes.len();
        };
        let mut at = start + len;
        while at < bytes.len() {
            let Some((b, len)) = next_char(&bytes[at..]) else {
                return bytes.len();
            };
            if !self.joined(a, bytes[at - 1], b, bytes[at]) {
                return at;
            }
            a = b;
            at += len;
        }
        bytes.len()
    }

    /// The segments of `bytes[start..end]` as `(start, end)`, in order:
    /// [`CharJoins::segment_end`] from each start on, never past `end`.
    pub fn segments<'a>(
        &'a self,
        bytes: &'a [u8],
        start: usize,
        end: usize,
    ) -> impl Iterator<Item = (usize, usize)> + 'a {
        let bytes = bytes.get(..end).unwrap_or(bytes);
        let mut at = start;
        std::iter::from_fn(move || {
            (at < bytes.len()).then(|| {
                let from = at;
                at = self.segment_end(bytes, at);
                (from, at)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::bpe::merge::Scratch;
    use crate::models::bpe::BpeModel;
    use crate::models::rng::Rng;
    use std::collections::{HashMap, HashSet};

    fn segments(joins: &CharJoins, text: &[u8]) -> Vec<Vec<u8>> {
        (joins.segments(text, 0, text.len()))
            .map(|(start, end)| text[start..end].to_vec())
            .collect()
    }

    fn strs(joins: &CharJoins, text: &str) -> Vec<String> {
        segments(joins, text.as_bytes())
            .into_iter()
            .map(|s| String::from_utf8(s).unwrap())
            .collect()
    }

    fn of(tokens: &[&[u8]]) -> CharJoins {
        CharJoins::new(tokens.iter().copied())
    }

    #[test]
    fn next_char_reads_utf8_and_refuses_the_rest() {
        for c in ['a', 'é', '中', '\u{ffff}', '😀', '\u{10ffff}'] {
            let s = c.to_string();
            assert_eq!(next_char(s.as_bytes()), Some((c as u32, s.len())));
        }
        let bad: [&[u8]; 8] = [
            &[],
            &[0x80],
            &[0xE4, 0xB8],
            &[0xC0, 0x80],
            &[0xE0, 0x80, 0x80],
            &[0xED, 0xA0, 0x80],
            &[0xF4, 0x90, 0x80, 0x80],
            &[0xE4, 0x41, 0x80],
        ];
        for s in bad {
            assert_eq!(next_char(s), None, "{s:?}");
        }
        assert_eq!(char_before("x中".as_bytes()), Some('中' as u32));
        assert_eq!(char_before(&"中".as_bytes()[1..]), None);
        assert_eq!(char_before("a😀".as_bytes()), Some('😀' as u32));
    }

    #[test]
    fn cuts_between_whole_characters_no_token_joins() {
        let joins = of(&[
            b"ab",
            "中文".as_bytes(),
            "文😀".as_bytes(),
            " 的".as_bytes(),
        ]);
        assert_eq!(
            strs(&joins, "abc中文字 的"),
            ["ab", "c", "中文", "字", " 的"]
        );
        assert_eq!(strs(&joins, "中文😀😀x"), ["中文😀", "😀", "x"]);
        assert_eq!(strs(&joins, "x"), ["x"]);
        assert!(strs(&joins, "").is_empty());
        // the order matters: 文中 is in no token
        assert_eq!(strs(&joins, "文中"), ["文", "中"]);
    }

    #[test]
    fn partial_characters_in_tokens_keep_their_boundaries() {
        // 中 is E4 B8 AD, 文 E6 96 87, 字 E5 AD 97, 😀 F0 9F 98 80.
        // The tail of 中 with the lead byte of 文: every character ending in
        // AD stays joined to every character starting with E6.
        let tail_lead = of(&[&[0xAD, 0xE6]]);
        assert_eq!(strs(&tail_lead, "中文"), ["中文"]);
        assert_eq!(strs(&tail_lead, "文中"), ["文", "中"]);
        // A whole character then a cut one, and a cut one then a whole one.
        let whole_then_cut = of(&[&[0xE4, 0xB8, 0xAD, 0xE6, 0x96]]);
        assert_eq!(strs(&whole_then_cut, "中文"), ["中文"]);
        let cut_then_whole = of(&[&[0x98, 0x80, 0xE5, 0xAD, 0x97]]);
        assert_eq!(strs(&cut_then_whole, "😀字"), ["😀字"]);
        assert_eq!(strs(&cut_then_whole, "字😀"), ["字", "😀"]);
        // ASCII beside a cut character.
        let space_lead = of(&[&[b' ', 0xF0, 0x9F]]);
        assert_eq!(strs(&space_lead, "a 😀 中"), ["a", " 😀", " ", "中"]);
        // A token inside one character never joins two.
        let inside = of(&[&[0xB8, 0xAD], &[0xE4, 0xB8]]);
        assert_eq!(strs(&inside, "中中"), ["中", "中"]);
    }

    #[test]
    fn four_byte_characters_pair_like_others() {
        let joins = of(&["😀😃".as_bytes(), "𠀀中".as_bytes()]);
        assert_eq!(strs(&joins, "😀😃😀𠀀中"), ["😀😃", "😀", "𠀀中"]);
    }

    #[test]
    fn bytes_that_stop_being_utf8_end_the_cutting() {
        let joins = of(&[]);
        let mut text = b"ab".to_vec();
        text.extend([0xE4, 0xB8]);
        text.extend(b"cd");
        assert_eq!(segments(&joins, &text), [b"a".to_vec(), text[1..].to_vec()]);
    }

    /// Every boundary inside a token is joined: the hashed set has no false
    /// "unjoined", on many pairs (false joins are allowed).
    #[test]
    fn every_recorded_pair_is_joined() {
        let chars: Vec<char> = (0x4E00..0x4E00 + 3000)
            .chain(0x1F600..0x1F650)
            .chain(0x20000..0x20100)
            .chain(0x20..0x7F)
            .filter_map(char::from_u32)
            .collect();
        let mut rng = Rng::new(1);
        let mut next = || chars[rng.below(chars.len())];
        let tokens: Vec<String> = (0..20_000)
            .map(|_| (0..3).map(|_| next()).collect())
            .collect();
        let joins = CharJoins::new(tokens.iter().map(|t| t.as_bytes()));
        for t in &tokens {
            assert_eq!(strs(&joins, t).len(), 1, "{t}");
        }
        let unjoined = (0..20_000)
            .filter(|_| {
                let (a, b) = (next(), next());
                !(a.is_ascii() && b.is_ascii()) && strs(&joins, &format!("{a}{b}")).len() == 2
            })
            .count();
        assert!(unjoined > 15_000, "{unjoined}");
    }

    /// tiktoken's encoding of one piece, literally: the piece itself if it
    /// is a token, else its bytes merged lowest rank first, leftmost on ties.
    fn tiktoken_reference(ranks: &HashMap<Vec<u8>, u32>, piece: &[u8]) -> Vec<u32> {
        if let Some(&rank) = ranks.get(piece) {
            return vec![rank];
        }
        let mut parts: Vec<Vec<u8>> = piece.iter().map(|&b| vec![b]).collect();
        loop {
            let best = (1..parts.len())
                .filter_map(|i| {
                    let joined = [parts[i - 1].as_slice(), &parts[i]].concat();
                    ranks.get(&joined).map(|&r| (r, i))
                })
                .min();
            let Some((_, i)) = best else { break };
            let right = parts.remove(i);
            parts[i - 1].extend(right);
        }
        parts.iter().map(|p| ranks[p]).collect()
    }

    /// Byte-level BPE cut by the joins gives tiktoken's tokens: tokens are
    /// random byte ranges of random text (so many hold partial characters
    /// on one or both sides of a boundary, 4-byte ones included) with
    /// random ranks.
    #[test]
    fn cut_pieces_merge_as_whole_ones() {
        let alphabet: Vec<char> = "ab é中文ж\u{800}\u{ffff}😀𠀀".chars().collect();
        let mut rng = Rng::new(11);
        let mut below = |n: usize| rng.below(n);
        let mut cut = 0;
        for round in 0..30 {
            let text = |below: &mut dyn FnMut(usize) -> usize, n: usize| -> String {
                (0..n).map(|_| alphabet[below(alphabet.len())]).collect()
            };
            let mut tokens: Vec<Vec<u8>> = (0..=255u8).map(|b| vec![b]).collect();
            let mut seen: HashSet<Vec<u8>> = tokens.iter().cloned().collect();
            for _ in 0..30 {
                let t = text(&mut below, 5);
                let b = t.as_bytes();
                for _ in 0..5 {
                    let i = below(b.len() - 1);
                    let j = (i + 2 + below(6)).min(b.len());
                    if seen.insert(b[i..j].to_vec()) {
                        tokens.push(b[i..j].to_vec());
                    }
                }
            }
            let mut order: Vec<u32> = (256..tokens.len() as u32).collect();
            for i in (1..order.len()).rev() {
                order.swap(i, below(i + 1));
            }
            let ranks: Vec<(Vec<u8>, u32)> = tokens
                .into_iter()
                .enumerate()
                .map(|(i, t)| (t, if i < 256 { i as u32 } else { order[i - 256] }))
                .collect();
            let by_bytes: HashMap<Vec<u8>, u32> = ranks.iter().cloned().collect();
            let joins = CharJoins::new(ranks.iter().map(|(t, _)| t.as_slice()));
            let model = BpeModel::from_ranks(ranks).unwrap();
            let mut scratch = Scratch::default();
            for _ in 0..300 {
                let n = 1 + below(25);
                let t = text(&mut below, n);
                cut += segments(&joins, t.as_bytes()).len() - 1;
                let mut ids = Vec::new();
                model
                    .encode_piece(t.as_bytes(), &mut scratch, &mut ids)
                    .unwrap();
                assert_eq!(
                    ids,
                    tiktoken_reference(&by_bytes, t.as_bytes()),
                    "round {round}: {t:?}"
                );
            }
        }
        assert!(cut > 10_000, "{cut} cuts");
    }
}
