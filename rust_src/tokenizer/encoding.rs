//! The result of encoding one text (or pair): ids and everything aligned with them.

use std::ops::Range;

use super::tokens::Tokens;
use crate::char_index::CharIndex;
use crate::error::{Error, Result};

/// How deep overflowing windows may nest. Truncating to 0 tokens nests
/// them (HF keeps the windows of the encoding it moves into its one
/// window), and so does merging (`merge.rs`); each level is a recursion in padding, merging, pickling and
/// freeing, and a pickle, two levels of JSON for each, is read back only to
/// 128 levels of JSON.
pub const MAX_OVERFLOW_DEPTH: usize = 32;

/// Ids plus the per-token data HF's `Encoding` carries. All vectors have one
/// entry per token. Offsets are byte ranges of the original text until
/// [`Encoding::bytes_to_char_offsets`] turns them into char offsets, which
/// the tokenizer does before post-processing, as HF.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Encoding {
    /// Token ids.
    pub ids: Vec<u32>,
    /// Segment ids (0 for the first sequence, 1 for the second in BERT pairs).
    pub type_ids: Vec<u32>,
    /// Token strings.
    pub tokens: Tokens,
    /// (start, end) in the original text; (0, 0) for inserted special tokens.
    pub offsets: Vec<(usize, usize)>,
    /// 1 for tokens the post-processor added ([CLS], [SEP]).
    pub special_tokens_mask: Vec<u32>,
    /// 1 for real tokens, 0 for padding.
    pub attention_mask: Vec<u32>,
    /// Index of the pre-tokenized word each token came from.
    pub word_ids: Vec<Option<u32>>,
    /// What truncation cut off, as further encodings.
    pub overflowing: Vec<Encoding>,
    /// The tokens of each input sequence, by its index, as HF keeps them
    /// (its `sequence_ranges`, at most two, in the order set): post-processing
    /// sets them, and none means one sequence covering every token. Sequence
    /// ids and the alignment queries read them as HF does (`alignment.rs`).
    pub sequence_ranges: Vec<(usize, Range<usize>)>,
}

/// `n` copies of `value`, with room for `room` more.
fn filled<T: Clone>(value: T, n: usize, room: usize) -> Vec<T> {
    let mut column = Vec::with_capacity(n + room);
    column.resize(n, value);
    column
}

/// Which end to cut or pad.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Cut or pad at the end.
    Right,
    /// Cut or pad at the start.
    Left,
}

impl Encoding {
    /// An empty encoding with room for `tokens` tokens in every column.
    pub fn with_capacity(tokens: usize) -> Self {
        Encoding {
            ids: Vec::with_capacity(tokens),
            type_ids: Vec::with_capacity(tokens),
            tokens: Tokens::with_capacity(tokens),
            offsets: Vec::with_capacity(tokens),
            special_tokens_mask: Vec::with_capacity(tokens),
            attention_mask: Vec::with_capacity(tokens),
            word_ids: Vec::with_capacity(tokens),
            overflowing: Vec::new(),
            sequence_ranges: Vec::new(),
        }
    }

    /// The tokens of sequence `sequence` with `ids`, every token string
    /// empty, every offset (0, 0) and every word id `None`: the columns of
    /// [`Tokenizer::encode_lazy`](super::Tokenizer::encode_lazy), filled at
    /// once rather than token by token, each with room for `room` more
    /// tokens (the special tokens post-processing adds).
    pub fn placeholders(mut ids: Vec<u32>, sequence: u32, room: usize) -> Self {
        let n = ids.len();
        ids.reserve(room);
        Encoding {
            ids,
            type_ids: filled(sequence, n, room),
            tokens: Tokens::blank(n, room),
            offsets: filled((0, 0), n, room),
            special_tokens_mask: filled(0, n, room),
            attention_mask: filled(1, n, room),
            word_ids: filled(None, n, room),
            overflowing: Vec::new(),
            sequence_ranges: Vec::new(),
        }
    }

    /// Number of tokens.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there is no token.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Appends one token.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        id: u32,
        token: &str,
        offsets: (usize, usize),
        type_id: u32,
        word: Option<u32>,
        special: bool,
    ) {
        self.ids.push(id);
        self.tokens.push(token);
        self.offsets.push(offsets);
        self.type_ids.push(type_id);
        self.word_ids.push(word);
        self.special_tokens_mask.push(u32::from(special));
        self.attention_mask.push(1);
    }

    /// Marks every token as sequence `sequence` (HF's `set_sequence_id`;
    /// the overflowing windows keep theirs, as in HF).
    pub fn set_sequence(&mut self, sequence: usize) {
        self.set_range(sequence, 0..self.len());
    }

    /// Forgets the ranges of other sequences than `sequence`: HF's
    /// BertProcessing and RobertaProcessing build each part anew, where
    /// the other post-processors keep what the input carried.
    pub fn keep_only_sequence(&mut self, sequence: usize) {
        self.sequence_ranges.retain(|(s, _)| *s == sequence);
    }

    /// Sets the range of `sequence`, replacing any it had.
    fn set_range(&mut self, sequence: usize, range: Range<usize>) {
        match self
            .sequence_ranges
            .iter_mut()
            .find(|(s, _)| *s == sequence)
        {
            Some((_, r)) => *r = range,
            None => self.sequence_ranges.push((sequence, range)),
        }
    }

    /// Appends `other` after `self`; its sequence ranges move with its
    /// tokens and replace any of `self` for the same sequence. This is
    /// HF's `merge_with` without growing offsets for the pipeline's parts,
    /// which have no windows yet; [`Encoding::merge_with`] combines windows
    /// as HF does.
    pub fn extend(&mut self, other: Encoding) {
        // Into nothing (where a template starts), `other` moves whole:
        // post-processing, mostly copying these columns, was 7-9% of ruT5's
        // tokenizer.json encode (1 KB documents, ids only).
        if self.is_empty() && self.sequence_ranges.is_empty() && self.overflowing.is_empty() {
            *self = other;
            return;
        }
        let shift = self.len();
        for (sequence, range) in other.sequence_ranges {
            self.set_range(sequence, range.start + shift..range.end + shift);
        }
        self.ids.extend(other.ids);
        self.type_ids.extend(other.type_ids);
        self.tokens.extend(&other.tokens);
        self.offsets.extend(other.offsets);
        self.special_tokens_mask.extend(other.special_tokens_mask);
        self.attention_mask.extend(other.attention_mask);
        self.word_ids.extend(other.word_ids);
        self.overflowing.extend(other.overflowing);
    }

    /// `front` then `self`, as `front.extend(self)` makes them, moving
    /// `self`'s columns in place: a post-processor puts a few special
    /// tokens before a long sequence, which need not be copied into new
    /// columns (with the room [`Encoding::placeholders`] leaves, nothing
    /// is allocated).
    pub fn prepend(&mut self, mut front: Encoding) {
        let shift = front.len();
        for (sequence, range) in std::mem::take(&mut self.sequence_ranges) {
            front.set_range(sequence, range.start + shift..range.end + shift);
        }
        self.sequence_ranges = front.sequence_ranges;
        self.ids.splice(0..0, front.ids);
        self.type_ids.splice(0..0, front.type_ids);
        self.tokens.prepend(&front.tokens);
        self.offsets.splice(0..0, front.offsets);
        self.special_tokens_mask
            .splice(0..0, front.special_tokens_mask);
        self.attention_mask.splice(0..0, front.attention_mask);
        self.word_ids.splice(0..0, front.word_ids);
        self.overflowing.splice(0..0, front.overflowing);
    }

    /// Tokens `range` as a new encoding (no overflow).
    fn slice(&self, range: std::ops::Range<usize>) -> Encoding {
        Encoding {
            ids: self.ids[range.clone()].to_vec(),
            type_ids: self.type_ids[range.clone()].to_vec(),
            tokens: self.tokens.slice(range.clone()),
            offsets: self.offsets[range.clone()].to_vec(),
            special_tokens_mask: self.special_tokens_mask[range.clone()].to_vec(),
            attention_mask: self.attention_mask[range.clone()].to_vec(),
            word_ids: self.word_ids[range].to_vec(),
            overflowing: Vec::new(),
            // HF's truncation drops the ranges
            sequence_ranges: Vec::new(),
        }
    }

    /// Keeps at most `max_len` tokens; what is cut goes to `overflowing` as
    /// windows of `max_len` tokens overlapping by `stride`, as HF does
    /// (which panics where this refuses a stride of `max_len` or more). At
    /// `max_len` 0 the whole encoding, its windows with it, becomes the one
    /// window, nested a level deeper each time: past
    /// [`MAX_OVERFLOW_DEPTH`] levels that is refused.
    pub fn truncate(&mut self, max_len: usize, stride: usize, side: Side) -> Result<()> {
        let len = self.len();
        if len <= max_len {
            return Ok(());
        }
        if max_len == 0 {
            if self.overflow_depth() >= MAX_OVERFLOW_DEPTH {
                return Err(Error::InvalidArgument(format!(
                    "truncating to 0 tokens nests the encoding in its overflowing windows, \
                     and it is nested {MAX_OVERFLOW_DEPTH} deep already"
                )));
            }
            let all = std::mem::take(self);
            self.overflowing.push(all);
            return Ok(());
        }
        if stride >= max_len {
            return Err(Error::InvalidArgument(format!(
                "truncation stride ({stride}) must be smaller than the length kept \
                 ({max_len}); a tokenizer keeps max_length minus its special tokens"
            )));
        }
        let step = max_len - stride;
        let mut windows: Vec<std::ops::Range<usize>> = Vec::new();
        match side {
            Side::Right => {
                let mut start = 0;
                loop {
                    let end = (start + max_len).min(len);
                    windows.push(start..end);
                    if end == len {
                        break;
                    }
                    start += step;
                }
            }
            Side::Left => {
                let mut end = len;
                loop {
                    let start = end.saturating_sub(max_len);
                    windows.push(start..end);
                    if start == 0 {
                        break;
                    }
                    end -= step.min(end);
                }
            }
        }
        let mut parts = windows.into_iter().map(|w| self.slice(w));
        let Some(first) = parts.next() else {
            return Ok(());
        };
        let overflowing: Vec<Encoding> = parts.collect();
        *self = Encoding {
            overflowing,
            ..first
        };
        Ok(())
    }

    /// How deep overflowing windows nest within windows (0 without any).
    pub fn overflow_depth(&self) -> usize {
        (self.overflowing.iter())
            .map(|o| o.overflow_depth() + 1)
            .max()
            .unwrap_or(0)
    }

    /// Pads to `target` tokens with `pad_id`/`pad_token`, on `side`.
    pub fn pad(
        &mut self,
        target: usize,
        pad_id: u32,
        pad_type_id: u32,
        pad_token: &str,
        side: Side,
    ) {
        for overflow in &mut self.overflowing {
            overflow.pad(target, pad_id, pad_type_id, pad_token, side);
        }
        let missing = target.saturating_sub(self.len());
        if missing == 0 {
            return;
        }
        fn fill<T: Clone>(v: &mut Vec<T>, n: usize, value: T, side: Side) {
            match side {
                Side::Right => v.extend(std::iter::repeat_n(value, n)),
                Side::Left => {
                    v.splice(0..0, std::iter::repeat_n(value, n));
                }
            }
        }
        fill(&mut self.ids, missing, pad_id, side);
        fill(&mut self.type_ids, missing, pad_type_id, side);
        self.tokens.pad(missing, pad_token, side);
        fill(&mut self.offsets, missing, (0, 0), side);
        fill(&mut self.special_tokens_mask, missing, 1, side);
        fill(&mut self.attention_mask, missing, 0, side);
        fill(&mut self.word_ids, missing, None, side);
        if side == Side::Left {
            for (_, range) in &mut self.sequence_ranges {
                *range = range.start + missing..range.end + missing;
            }
        }
    }

    /// Turns byte offsets into char offsets of `text` (what Python indexes by).
    pub fn bytes_to_char_offsets(&mut self, text: &str) {
        if text.is_ascii() {
            return;
        }
        let index = CharIndex::new(text);
        for offset in &mut self.offsets {
            *offset = (index.of(offset.0), index.of(offset.1));
        }
        for overflow in &mut self.overflowing {
            overflow.bytes_to_char_offsets(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(n: u32) -> Encoding {
        let mut e = Encoding::default();
        for i in 0..n {
            e.push(
                i,
                &i.to_string(),
                (i as usize, i as usize + 1),
                0,
                Some(i),
                false,
            );
        }
        e
    }

    #[test]
    fn truncate_right_with_stride_makes_overlapping_windows() {
        let mut e = enc(7);
        e.truncate(3, 1, Side::Right).unwrap();
        assert_eq!(e.ids, [0, 1, 2]);
        let rest: Vec<Vec<u32>> = e.overflowing.iter().map(|o| o.ids.clone()).collect();
        assert_eq!(rest, [vec![2, 3, 4], vec![4, 5, 6]]);
    }

    #[test]
    fn truncate_refuses_a_stride_not_below_the_length_kept() {
        let mut e = enc(7);
        let error = e.truncate(3, 3, Side::Left).unwrap_err();
        assert!(error.to_string().contains("stride (3)"), "{error}");
        assert_eq!(e, enc(7));
        // nothing to cut: HF asks nothing of the stride
        e.truncate(7, 9, Side::Left).unwrap();
        assert_eq!(e, enc(7));
    }

    #[test]
    fn truncating_to_nothing_nests_the_whole_encoding_only_so_deep() {
        let mut e = enc(3);
        e.truncate(1, 0, Side::Right).unwrap();
        e.truncate(0, 0, Side::Right).unwrap();
        assert!(e.is_empty());
        assert_eq!(e.overflowing[0].ids, [0]);
        assert_eq!(e.overflowing[0].overflowing.len(), 2);
        assert_eq!(e.overflow_depth(), 2);
        for _ in 2..MAX_OVERFLOW_DEPTH {
            e.pad(1, 0, 0, "[PAD]", Side::Right);
            e.truncate(0, 0, Side::Right).unwrap();
        }
        e.pad(1, 0, 0, "[PAD]", Side::Right);
        assert!(e.truncate(0, 0, Side::Right).is_err());
        assert_eq!(e.overflow_depth(), MAX_OVERFLOW_DEPTH);
    }

    #[test]
    fn pad_left_and_right() {
        let mut e = enc(2);
        e.pad(4, 9, 0, "[PAD]", Side::Left);
        assert_eq!(e.ids, [9, 9, 0, 1]);
        assert_eq!(e.attention_mask, [0, 0, 1, 1]);
        assert_eq!(
            e.tokens.iter().collect::<Vec<_>>(),
            ["[PAD]", "[PAD]", "0", "1"]
        );
        let mut e = enc(2);
        e.pad(3, 9, 0, "[PAD]", Side::Right);
        assert_eq!(e.ids, [0, 1, 9]);
    }

    #[test]
    fn char_offsets() {
        let mut e = Encoding::default();
        e.push(0, "é", (0, 2), 0, None, false);
        e.push(1, "x", (2, 3), 0, None, false);
        e.bytes_to_char_offsets("éx");
        assert_eq!(e.offsets, [(0, 1), (1, 2)]);
    }
}
