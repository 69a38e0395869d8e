//! Merging encodings into one, as HF's `Encoding.merge` does: the tokens
//! one after another, offsets shifted past the previous encoding's when
//! asked, and the overflowing windows combined each with each.

use super::encoding::{Encoding, MAX_OVERFLOW_DEPTH};
use crate::error::{Error, Result};

/// The most a merge makes, in tokens (some 50 bytes each in an encoding),
/// each encoding counting as `ENCODING_COST` more: about 200 MB. HF
/// combines the windows each with each, so merging encodings that have
/// windows doubles their count with every one: forty encodings of one
/// window each would be 2^40 encodings, where HF runs out of memory and
/// aborts.
pub const MAX_MERGED_TOKENS: usize = 1 << 22;

/// What one encoding costs beyond its tokens, in tokens: its columns' own
/// allocations, some 400 bytes.
const ENCODING_COST: usize = 8;

impl Encoding {
    /// The encodings one after another (HF's `Encoding::merge`).
    pub fn merge(encodings: Vec<Encoding>, growing_offsets: bool) -> Result<Encoding> {
        let mut merged = Encoding::default();
        for encoding in encodings {
            merged.merge_with(encoding, growing_offsets)?;
        }
        Ok(merged)
    }

    /// Appends `other` (HF's `merge_with`): its sequence ranges move with
    /// its tokens and replace any of `self` for the same sequence; with
    /// `growing_offsets` its offsets start where `self`'s last token ends.
    /// The windows become every window of `self` followed by `other` and
    /// by each window of `other`, then `self` followed by each window of
    /// `other`. Refused when that makes more than [`MAX_MERGED_TOKENS`]
    /// would allow, or windows nested deeper than [`MAX_OVERFLOW_DEPTH`].
    pub fn merge_with(&mut self, other: Encoding, growing_offsets: bool) -> Result<()> {
        let mut budget = MAX_MERGED_TOKENS;
        match merged_depth(self, &other, &mut budget) {
            None => Err(Error::InvalidArgument(format!(
                "merging these encodings combines their overflowing windows each with each, \
                 into more than the {MAX_MERGED_TOKENS} tokens tokkit merges into one"
            ))),
            Some(depth) if depth > MAX_OVERFLOW_DEPTH => Err(Error::InvalidArgument(format!(
                "merging these encodings nests their overflowing windows {depth} deep, \
                 more than the {MAX_OVERFLOW_DEPTH} levels tokkit makes"
            ))),
            Some(_) => {
                self.merge_unchecked(other, growing_offsets);
                Ok(())
            }
        }
    }

    /// [`Self::merge_with`] once the size is known to fit.
    fn merge_unchecked(&mut self, mut other: Encoding, growing_offsets: bool) {
        let mut windows = Vec::new();
        for own in &self.overflowing {
            let mut window = own.clone();
            window.merge_unchecked(other.clone(), growing_offsets);
            windows.push(window);
            for theirs in &other.overflowing {
                let mut window = own.clone();
                window.merge_unchecked(theirs.clone(), growing_offsets);
                windows.push(window);
            }
        }
        for theirs in &other.overflowing {
            let mut window = self.clone();
            window.merge_unchecked(theirs.clone(), growing_offsets);
            windows.push(window);
        }
        if growing_offsets {
            let shift = self.offsets.last().map_or(0, |o| o.1);
            for (start, end) in &mut other.offsets {
                *start = start.saturating_add(shift);
                *end = end.saturating_add(shift);
            }
        }
        other.overflowing.clear();
        self.extend(other);
        self.overflowing = windows;
    }
}

/// How deep the windows of `b` merged into `a` nest, if the merge costs at
/// most `budget` (see [`MAX_MERGED_TOKENS`]), taking the cost from
/// `budget`. It stops as soon as the cost does not fit, so counting never
/// takes longer than the budget; merging nests windows as deep as both
/// encodings' together, so the recursion is as deep at most.
fn merged_depth(a: &Encoding, b: &Encoding, budget: &mut usize) -> Option<usize> {
    *budget = budget.checked_sub(a.len() + b.len() + ENCODING_COST)?;
    let mut depth = 0;
    for own in &a.overflowing {
        depth = depth.max(merged_depth(own, b, budget)? + 1);
        for theirs in &b.overflowing {
            depth = depth.max(merged_depth(own, theirs, budget)? + 1);
        }
    }
    for theirs in &b.overflowing {
        depth = depth.max(merged_depth(a, theirs, budget)? + 1);
    }
    Some(depth)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::encoding::Side;

    fn word(id: u32, text: &str) -> Encoding {
        let mut e = Encoding::default();
        e.push(id, text, (0, text.len()), id, Some(0), false);
        e
    }

    /// HF's own test of `merge_with`, and what `merge` makes of the same.
    #[test]
    fn offsets_grow_from_the_last_token() {
        let merged = Encoding::merge(vec![word(1, "Hello "), word(2, "World!")], true).unwrap();
        assert_eq!(merged.ids, [1, 2]);
        assert_eq!(merged.type_ids, [1, 2]);
        assert_eq!(merged.offsets, [(0, 6), (6, 12)]);
        let flat = Encoding::merge(vec![word(1, "Hello "), word(2, "World!")], false).unwrap();
        assert_eq!(flat.offsets, [(0, 6), (0, 6)]);
    }

    #[test]
    fn windows_combine_each_with_each() {
        let mut a = word(1, "a");
        a.push(2, "b", (1, 2), 0, Some(1), false);
        a.truncate(1, 0, Side::Right).unwrap();
        let mut b = word(3, "c");
        b.push(4, "d", (1, 2), 0, Some(1), false);
        b.truncate(1, 0, Side::Right).unwrap();
        a.merge_with(b, false).unwrap();
        assert_eq!(a.ids, [1, 3]);
        let windows: Vec<&[u32]> = a.overflowing.iter().map(|w| &w.ids[..]).collect();
        assert_eq!(windows, [&[2, 3][..], &[2, 4], &[1, 4]]);
    }

    #[test]
    fn merging_nests_windows_as_deep_as_both_and_only_so_deep() {
        let mut nested = word(1, "a");
        for _ in 0..MAX_OVERFLOW_DEPTH {
            nested.truncate(0, 0, Side::Right).unwrap();
            nested.pad(1, 0, 0, "[PAD]", Side::Right);
        }
        assert_eq!(nested.overflow_depth(), MAX_OVERFLOW_DEPTH);
        let mut copy = nested.clone();
        copy.merge_with(word(2, "b"), false).unwrap();
        assert_eq!(copy.overflow_depth(), MAX_OVERFLOW_DEPTH);
        let mut windowed = word(2, "b");
        windowed.push(3, "c", (1, 2), 0, Some(1), false);
        windowed.truncate(1, 0, Side::Right).unwrap();
        let error = nested.merge_with(windowed, false).unwrap_err();
        assert!(error.to_string().contains("33 deep"), "{error}");
    }

    #[test]
    fn a_merge_past_the_budget_is_refused_before_it_is_made() {
        let mut one = word(1, "a");
        one.push(2, "b", (1, 2), 0, Some(1), false);
        one.truncate(1, 0, Side::Right).unwrap();
        let error = Encoding::merge(vec![one; 40], false).unwrap_err();
        assert!(error.to_string().contains("each with each"), "{error}");
    }
}
