//! The ids of many texts in one flat buffer: every text's ids end to end,
//! and `offsets[i]..offsets[i + 1]` the ids of text `i` (Arrow's list
//! layout, so NumPy and Arrow take the buffers as they are). A batch built
//! this way makes no list per text: a few allocations for the whole batch.

use crate::error::{Error, Result};
use crate::threads::parallel_chunks_in_order;
use crate::tokenizer::Encoding;

/// Ids of many texts end to end, with where each text's ids start.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FlatIds {
    /// Every text's ids, one after the other.
    pub ids: Vec<u32>,
    /// Where each text's ids start in `ids`, and the end of the last: one
    /// more than there are texts. `i64`, Arrow's large-list offsets.
    pub offsets: Vec<i64>,
    /// Segment ids beside `ids`, for encoders that have them.
    pub type_ids: Option<Vec<u32>>,
    /// 1 for a real token, 0 for padding, beside `ids`, for encoders that pad.
    pub attention_mask: Option<Vec<u32>>,
}

impl FlatIds {
    /// No texts yet: `offsets` holds the start of the first.
    fn empty() -> Self {
        FlatIds {
            offsets: vec![0],
            ..FlatIds::default()
        }
    }

    /// Appends one text's ids.
    fn push(&mut self, ids: &[u32]) -> Result<()> {
        self.ids.extend_from_slice(ids);
        let end = i64::try_from(self.ids.len())
            .map_err(|_| Error::InvalidArgument("too many ids for one batch".into()))?;
        self.offsets.push(end);
        Ok(())
    }

    /// The ids, type ids and attention mask of encodings (HF's `Encoding`),
    /// end to end.
    pub fn from_encodings<'a, I>(encodings: I) -> Result<Self>
    where
        I: IntoIterator<Item = &'a Encoding>,
        I::IntoIter: Clone,
    {
        let encodings = encodings.into_iter();
        let tokens = encodings.clone().map(Encoding::len).sum();
        let mut flat = FlatIds {
            ids: Vec::with_capacity(tokens),
            offsets: Vec::with_capacity(encodings.clone().count() + 1),
            type_ids: Some(Vec::with_capacity(tokens)),
            attention_mask: Some(Vec::with_capacity(tokens)),
        };
        flat.offsets.push(0);
        for e in encodings {
            flat.push(&e.ids)?;
            if let Some(t) = flat.type_ids.as_mut() {
                t.extend_from_slice(&e.type_ids);
            }
            if let Some(m) = flat.attention_mask.as_mut() {
                m.extend_from_slice(&e.attention_mask);
            }
        }
        Ok(flat)
    }
}

/// `encode` over `items` on `threads` threads (0: one per core), ids end to
/// end in item order. The calling thread appends finished chunks between
/// chunks it encodes itself (see [`parallel_chunks_in_order`]).
pub fn flat_ids<T: Sync>(
    threads: usize,
    items: &[T],
    encode: impl Fn(usize, &T) -> Result<Vec<u32>> + Sync + Send,
) -> Result<FlatIds> {
    let mut flat = FlatIds::empty();
    flat.offsets.reserve(items.len());
    parallel_chunks_in_order(threads, items, encode, |chunk| {
        chunk.iter().try_for_each(|ids| flat.push(ids))
    })?;
    Ok(flat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_follow_each_other_at_their_offsets() {
        let items: Vec<u32> = (0..500).collect();
        for threads in [1, 2, 3] {
            let flat = flat_ids(threads, &items, |_, &n| Ok((0..n % 7).collect())).unwrap();
            assert_eq!(flat.offsets.len(), items.len() + 1);
            for (i, &n) in items.iter().enumerate() {
                let (a, b) = (flat.offsets[i] as usize, flat.offsets[i + 1] as usize);
                assert_eq!(flat.ids[a..b], (0..n % 7).collect::<Vec<_>>()[..]);
            }
            assert_eq!(flat.type_ids, None);
        }
        let none = flat_ids(2, &[] as &[u32], |_, _| Ok(vec![])).unwrap();
        assert_eq!(none.offsets, vec![0]);
    }

    #[test]
    fn encodings_keep_their_columns() {
        let mut a = Encoding::with_capacity(2);
        a.ids = vec![5, 6];
        a.type_ids = vec![0, 1];
        a.attention_mask = vec![1, 0];
        let flat = FlatIds::from_encodings(&[a, Encoding::with_capacity(0)]).unwrap();
        assert_eq!(flat.ids, vec![5, 6]);
        assert_eq!(flat.offsets, vec![0, 2, 2]);
        assert_eq!(flat.type_ids, Some(vec![0, 1]));
        assert_eq!(flat.attention_mask, Some(vec![1, 0]));
    }
}
