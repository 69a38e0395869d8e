//! Where tokens, words and characters of an [`Encoding`] meet: HF's
//! `sequence_ids`, `token_to_chars`, `char_to_token`, `word_to_tokens` and
//! the rest, read through the sequence ranges as HF reads them, with HF's
//! answers at the edges (special tokens, padding, empty sequences, an index
//! one past the end, windows that kept one range or none).

use std::ops::Range;

use super::encoding::Encoding;

impl Encoding {
    /// The number of input sequences (HF's `n_sequences`).
    pub fn n_sequences(&self) -> usize {
        self.sequence_ranges.len().max(1)
    }

    /// The tokens of sequence `sequence`: all of them when it has no range.
    fn sequence_range(&self, sequence: usize) -> Range<usize> {
        self.sequence_ranges
            .iter()
            .find(|(s, _)| *s == sequence)
            .map_or(0..self.len(), |(_, r)| r.clone())
    }

    /// The sequence of each token (HF's `sequence_ids`): each of the first
    /// `n_sequences` over its range, later ones over earlier ones.
    pub fn sequence_ids(&self) -> Vec<Option<u32>> {
        let mut ids = vec![None; self.len()];
        for sequence in 0..self.n_sequences() {
            let range = self.sequence_range(sequence);
            if let Some(slots) = ids.get_mut(range) {
                slots.fill(u32::try_from(sequence).ok());
            }
        }
        ids
    }

    /// The sequence whose range holds token `token`. As HF, one past the
    /// last token still belongs to sequence 0 when there are no ranges.
    pub fn token_to_sequence(&self, token: usize) -> Option<usize> {
        if token > self.len() {
            None
        } else if self.sequence_ranges.is_empty() {
            Some(0)
        } else {
            self.sequence_ranges
                .iter()
                .find(|(_, r)| r.contains(&token))
                .map(|(s, _)| *s)
        }
    }

    /// The word of token `token` within its sequence.
    pub fn token_to_word(&self, token: usize) -> Option<u32> {
        self.token_to_sequence(token)?;
        self.word_ids.get(token).copied().flatten()
    }

    /// The character offsets of token `token` within its sequence's text.
    pub fn token_to_chars(&self, token: usize) -> Option<(usize, usize)> {
        self.token_to_sequence(token)?;
        self.offsets.get(token).copied()
    }

    /// The tokens (start, end) of word `word` of sequence `sequence`. Like
    /// HF, the scan stops at the first later word.
    pub fn word_to_tokens(&self, word: u32, sequence: usize) -> Option<(usize, usize)> {
        let range = self.sequence_range(sequence);
        let words = self.word_ids.get(range.clone())?;
        let mut hits = words
            .iter()
            .enumerate()
            .take_while(|(_, w)| **w <= Some(word))
            .filter(|(_, w)| **w == Some(word))
            .map(|(i, _)| i);
        let first = hits.next()?;
        let last = hits.last().unwrap_or(first);
        Some((range.start + first, range.start + last + 1))
    }

    /// The character offsets of word `word` of sequence `sequence`.
    pub fn word_to_chars(&self, word: u32, sequence: usize) -> Option<(usize, usize)> {
        let (start, end) = self.word_to_tokens(word, sequence)?;
        Some((self.offsets.get(start)?.0, self.offsets.get(end - 1)?.1))
    }

    /// The first token of sequence `sequence` whose offsets contain
    /// character `pos`.
    pub fn char_to_token(&self, pos: usize, sequence: usize) -> Option<usize> {
        let range = self.sequence_range(sequence);
        let offsets = self.offsets.get(range.clone())?;
        let at = offsets.iter().position(|&(s, e)| s <= pos && pos < e)?;
        Some(range.start + at)
    }

    /// The word of sequence `sequence` that character `pos` is in.
    pub fn char_to_word(&self, pos: usize, sequence: usize) -> Option<u32> {
        self.token_to_word(self.char_to_token(pos, sequence)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::encoding::Side;

    /// `[CLS] hello world [SEP] again [SEP] <pad>` as BERT gives it for the
    /// pair ("hello world", "again") padded to 7, written out by hand.
    fn bert_pair() -> Encoding {
        let mut e = Encoding::with_capacity(7);
        e.push(101, "[CLS]", (0, 0), 0, None, true);
        e.push(7592, "hello", (0, 5), 0, Some(0), false);
        e.push(2088, "world", (6, 11), 0, Some(1), false);
        e.push(102, "[SEP]", (0, 0), 0, None, true);
        e.push(2153, "again", (0, 5), 1, Some(0), false);
        e.push(102, "[SEP]", (0, 0), 1, None, true);
        e.sequence_ranges = vec![(0, 1..3), (1, 4..5)];
        e.pad(7, 0, 0, "[PAD]", Side::Right);
        e
    }

    #[test]
    fn pair_positions_resolve_within_their_sequence() {
        let e = bert_pair();
        assert_eq!(e.n_sequences(), 2);
        let ids = [None, Some(0), Some(0), None, Some(1), None, None];
        assert_eq!(e.sequence_ids(), ids);
        assert_eq!(e.sequence_range(0), 1..3);
        assert_eq!(e.sequence_range(1), 4..5);
        assert_eq!(e.sequence_range(2), 0..7);
        assert_eq!(e.token_to_sequence(0), None);
        assert_eq!(e.token_to_sequence(4), Some(1));
        assert_eq!(e.token_to_sequence(7), None);
        assert_eq!(e.token_to_word(2), Some(1));
        assert_eq!(e.token_to_word(3), None);
        assert_eq!(e.token_to_chars(4), Some((0, 5)));
        assert_eq!(e.token_to_chars(6), None);
        assert_eq!(e.char_to_token(3, 0), Some(1));
        assert_eq!(e.char_to_token(3, 1), Some(4));
        assert_eq!(e.char_to_token(5, 0), None);
        assert_eq!(e.char_to_word(7, 0), Some(1));
        assert_eq!(e.word_to_tokens(1, 0), Some((2, 3)));
        assert_eq!(e.word_to_tokens(0, 1), Some((4, 5)));
        assert_eq!(e.word_to_tokens(1, 1), None);
        assert_eq!(e.word_to_chars(1, 0), Some((6, 11)));
    }

    #[test]
    fn one_text_without_ranges_is_all_sequence_zero() {
        let mut e = Encoding::with_capacity(3);
        e.push(5, "un", (0, 2), 0, Some(0), false);
        e.push(6, "##able", (2, 6), 0, Some(0), false);
        e.pad(3, 0, 0, "[PAD]", Side::Left);
        assert_eq!(e.sequence_ids(), vec![Some(0); 3]);
        assert_eq!(e.n_sequences(), 1);
        // one past the end is still sequence 0, as in HF
        assert_eq!(e.token_to_sequence(3), Some(0));
        assert_eq!(e.token_to_sequence(4), None);
        assert_eq!(e.word_to_tokens(0, 0), Some((1, 3)));
        assert_eq!(e.word_to_chars(0, 5), Some((0, 6)));
        assert_eq!(e.char_to_token(2, 1), Some(2));
    }

    #[test]
    fn ranges_move_with_merging_and_left_padding() {
        let mut a = Encoding::with_capacity(2);
        a.push(1, "a", (0, 1), 0, Some(0), false);
        a.push(2, "b", (2, 3), 0, Some(1), false);
        let mut b = Encoding::with_capacity(1);
        b.push(3, "c", (0, 1), 1, Some(0), false);
        b.set_sequence(1);
        // a window that kept only the second sequence's range, as HF makes
        // one for a pair without a post-processor: one sequence, whose
        // range is everything, yet its first tokens are in no range
        a.extend(b);
        assert_eq!(a.sequence_ranges, [(1, 2..3)]);
        assert_eq!(a.n_sequences(), 1);
        assert_eq!(a.sequence_ids(), [Some(0); 3]);
        assert_eq!(a.token_to_sequence(0), None);
        assert_eq!(a.token_to_sequence(2), Some(1));
        a.pad(5, 0, 0, "[PAD]", Side::Left);
        assert_eq!(a.sequence_ranges, [(1, 4..5)]);
        assert_eq!(a.char_to_token(0, 1), Some(4));
    }
}
