//! Truncation and padding, with HF's semantics (`truncate_encodings`,
//! `pad_encodings`).

use super::encoding::{Encoding, Side};
use crate::error::{Error, Result};

/// Which sequence of a pair gives up tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TruncationStrategy {
    /// Cut the longer one first, then both evenly.
    LongestFirst,
    /// Cut only the first sequence.
    OnlyFirst,
    /// Cut only the second sequence.
    OnlySecond,
}

/// HF's `TruncationParams`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation {
    /// Most tokens in the final encoding, special tokens included.
    pub max_length: usize,
    /// Overlap between the overflowing windows.
    pub stride: usize,
    /// Which sequence to cut.
    pub strategy: TruncationStrategy,
    /// Which end to cut.
    pub side: Side,
}

/// How long padded encodings are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaddingLength {
    /// As long as the longest encoding of the batch.
    BatchLongest,
    /// Exactly this many tokens (longer encodings are left alone).
    Fixed(usize),
}

/// HF's `PaddingParams`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Padding {
    /// Target length.
    pub length: PaddingLength,
    /// Round the length up to a multiple of this.
    pub pad_to_multiple_of: Option<usize>,
    /// Pad id.
    pub pad_id: u32,
    /// Segment id of padding.
    pub pad_type_id: u32,
    /// Pad token string.
    pub pad_token: String,
    /// Which end to pad.
    pub side: Side,
}

impl Truncation {
    /// Cuts `first` (and `second`) so that, with `reserved` special tokens,
    /// at most `max_length` tokens remain.
    pub fn apply(
        &self,
        first: &mut Encoding,
        second: Option<&mut Encoding>,
        reserved: usize,
    ) -> Result<()> {
        let max_length = self.max_length.saturating_sub(reserved);
        let cut = |e: &mut Encoding, len: usize| e.truncate(len, self.stride, self.side);
        let total = first.len() + second.as_ref().map_or(0, |e| e.len());
        if max_length == 0 {
            cut(first, 0)?;
            if let Some(second) = second {
                cut(second, 0)?;
            }
            return Ok(());
        }
        if total <= max_length {
            return Ok(());
        }
        let to_remove = total - max_length;
        match (self.strategy, second) {
            (TruncationStrategy::LongestFirst, Some(second)) => {
                let (mut short, mut long) = (first.len(), second.len());
                let swapped = short > long;
                if swapped {
                    std::mem::swap(&mut short, &mut long);
                }
                long = if short > max_length {
                    short
                } else {
                    short.max(max_length - short)
                };
                if short + long > max_length {
                    short = max_length / 2;
                    long = short + max_length % 2;
                }
                if swapped {
                    std::mem::swap(&mut short, &mut long);
                }
                cut(first, short)?;
                cut(second, long)
            }
            (TruncationStrategy::LongestFirst, None) => cut(first, first.len() - to_remove),
            (TruncationStrategy::OnlyFirst, _) => cut_exactly(first, to_remove, cut),
            (TruncationStrategy::OnlySecond, Some(second)) => cut_exactly(second, to_remove, cut),
            (TruncationStrategy::OnlySecond, None) => Err(Error::InvalidArgument(
                "truncation strategy only_second needs a second sequence".into(),
            )),
        }
    }
}

fn cut_exactly(
    target: &mut Encoding,
    to_remove: usize,
    cut: impl Fn(&mut Encoding, usize) -> Result<()>,
) -> Result<()> {
    if target.len() > to_remove {
        let keep = target.len() - to_remove;
        cut(target, keep)
    } else {
        Err(Error::InvalidArgument(
            "the sequence to truncate is shorter than what must be removed".into(),
        ))
    }
}

/// The longest padding tokkit makes: 2^24 tokens, past any model's context.
/// A padded token costs some 40 bytes in an encoding and as much again in
/// its Python lists, so this bounds a padded encoding near 1.5 GB, where a
/// length near 2^32 (from a file or an argument) made the allocator abort
/// the process. HF takes any length and aborts likewise.
pub const MAX_PADDED_LENGTH: usize = 1 << 24;

impl Padding {
    /// Refuses a fixed length or a multiple beyond [`MAX_PADDED_LENGTH`].
    pub fn check(&self) -> Result<()> {
        let fixed = match self.length {
            PaddingLength::Fixed(n) => Some(("length", n)),
            PaddingLength::BatchLongest => None,
        };
        let multiple = self.pad_to_multiple_of.map(|n| ("pad_to_multiple_of", n));
        match fixed
            .into_iter()
            .chain(multiple)
            .find(|&(_, n)| n > MAX_PADDED_LENGTH)
        {
            Some((name, n)) => Err(Error::InvalidArgument(format!(
                "padding {name} {n} is more than the {MAX_PADDED_LENGTH} tokens tokkit pads to"
            ))),
            None => Ok(()),
        }
    }

    /// The length [`Self::apply`] pads a batch of encodings of `lengths` to.
    pub fn target(&self, lengths: impl Iterator<Item = usize>) -> usize {
        let mut length = match self.length {
            PaddingLength::Fixed(n) => n,
            PaddingLength::BatchLongest => lengths.max().unwrap_or(0),
        };
        if let Some(multiple) = self.pad_to_multiple_of.filter(|&m| m > 0) {
            if length % multiple > 0 {
                length += multiple - length % multiple;
            }
        }
        length
    }

    /// Pads every encoding of a batch.
    pub fn apply(&self, encodings: &mut [Encoding]) {
        let length = self.target(encodings.iter().map(Encoding::len));
        for encoding in encodings {
            encoding.pad(
                length,
                self.pad_id,
                self.pad_type_id,
                &self.pad_token,
                self.side,
            );
        }
    }
}
