//! Ids as a vocabulary file numbers them, mapped onto `0..n` for the models'
//! tables. The models index arrays by id, so a file with one id near 2^32
//! would make them allocate by that number instead of by the file's size;
//! a file whose ids are not exactly `0..n` is numbered `0..n` in id order
//! for the model and mapped back at its edges.

use std::ops::Range;

use crate::error::Result;
use crate::pipeline::{Model, Token};

/// The ids of a vocabulary whose ids are not `0..n`, sorted: the model's id
/// `i` stands for the file's id `ids[i]`. The order is kept, so a model that
/// ranks tokens by id (tiktoken) ranks them the same way.
#[derive(Debug, Clone)]
pub struct IdMap {
    ids: Vec<u32>,
}

impl IdMap {
    /// The map of a vocabulary with these ids (repeats allowed), or `None`
    /// when they are already `0..n`.
    pub fn new(ids: impl IntoIterator<Item = u32>) -> Option<Self> {
        let mut ids: Vec<u32> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let dense = ids
            .last()
            .is_none_or(|&last| last as usize + 1 == ids.len());
        (!dense).then_some(IdMap { ids })
    }

    /// The model's id of file id `id`, if the file has it.
    #[inline]
    pub fn to_model(&self, id: u32) -> Option<u32> {
        // At most `u32::MAX + 1` distinct ids fit a u32 each, and the
        // position of any of them below that fits a u32.
        self.ids.binary_search(&id).ok().map(|i| i as u32)
    }

    /// The file's id of model id `id`.
    #[inline]
    pub fn to_file(&self, id: u32) -> u32 {
        self.ids.get(id as usize).copied().unwrap_or(id)
    }
}

/// Renumbers the ids of `vocab` to `0..n` when they are not already, and
/// returns the map back to the file's ids.
pub fn compact<T>(vocab: &mut [(T, u32)]) -> Option<IdMap> {
    let map = IdMap::new(vocab.iter().map(|&(_, id)| id))?;
    for (_, id) in vocab.iter_mut() {
        if let Some(i) = map.to_model(*id) {
            *id = i;
        }
    }
    Some(map)
}

/// A model built on `0..n` ids that speaks the file's ids.
pub struct FileIds {
    model: Box<dyn Model>,
    ids: IdMap,
}

impl FileIds {
    /// `model` with its ids mapped by `ids`; `model` itself when there is
    /// nothing to map.
    pub fn wrap(model: Box<dyn Model>, ids: Option<IdMap>) -> Box<dyn Model> {
        match ids {
            None => model,
            Some(ids) => Box::new(FileIds { model, ids }),
        }
    }
}

impl Model for FileIds {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        let first = out.len();
        self.model.tokenize(piece, out)?;
        for token in &mut out[first..] {
            token.id = self.ids.to_file(token.id);
        }
        Ok(())
    }

    fn tokenize_ids(&self, text: &str, pieces: &[Range<usize>], out: &mut Vec<u32>) -> Result<()> {
        let first = out.len();
        self.model.tokenize_ids(text, pieces, out)?;
        for id in &mut out[first..] {
            *id = self.ids.to_file(*id);
        }
        Ok(())
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.model.token_to_id(token).map(|id| self.ids.to_file(id))
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.model.id_to_token(self.ids.to_model(id)?)
    }

    fn vocab_size(&self) -> usize {
        self.model.vocab_size()
    }

    fn vocab(&self) -> Vec<(&str, u32)> {
        let mut vocab = self.model.vocab();
        for (_, id) in &mut vocab {
            *id = self.ids.to_file(*id);
        }
        vocab
    }

    fn named_by_text(&self, id: u32) -> bool {
        self.ids
            .to_model(id)
            .is_some_and(|id| self.model.named_by_text(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_ids_need_no_map() {
        assert!(IdMap::new([2, 0, 1]).is_none());
        assert!(IdMap::new([]).is_none());
        assert!(IdMap::new([0, 0, 1]).is_none());
    }

    #[test]
    fn sparse_ids_keep_their_order() {
        let mut vocab = vec![("b", u32::MAX), ("a", 7), ("c", 1_000_000_000)];
        let map = compact(&mut vocab).unwrap();
        assert_eq!(vocab, vec![("b", 2), ("a", 0), ("c", 1)]);
        assert_eq!(map.to_file(2), u32::MAX);
        assert_eq!(map.to_model(1_000_000_000), Some(1));
        assert_eq!(map.to_model(8), None);
    }
}
