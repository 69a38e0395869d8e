//! The token table of a byte-level BPE model: id to bytes (for decoding) and
//! bytes to id (for the whole-piece fast path).

use rustc_hash::FxHashMap;

use super::table::{long_key, short_key, U64Map, HOT_RANKS, SHORT};
use crate::error::{Error, Result};

/// Marks a byte, or an id slot, without a token.
pub const NO_ID: u32 = u32::MAX;

/// Words of [`Vocab::long_filter`] (2^20 bits).
const LONG_FILTER_WORDS: usize = 1 << 14;

/// The word and bit of `key` in [`Vocab::long_filter`]: its top 20 bits
/// (the table's own slot comes from a multiplied hash, so the two are not
/// the same bits).
#[inline]
fn filter_bit(key: u64) -> (usize, u64) {
    let slot = (key >> 44) as usize;
    (slot >> 6, 1 << (slot & 63))
}

/// Token bytes by id and ids by bytes.
pub struct Vocab {
    /// All token bytes, back to back.
    arena: Vec<u8>,
    /// `arena[offsets[id]..offsets[id + 1]]` are the bytes of `id`; an empty
    /// range is an id without a token (ranks may have gaps).
    offsets: Vec<u32>,
    /// Ids of tokens of at most [`SHORT`] bytes, by their packed bytes.
    short: U64Map,
    /// The entries of `short` with an id below [`HOT_RANKS`], looked up first.
    hot: U64Map,
    /// Ids of longer tokens, by the hash of their bytes.
    long: U64Map,
    /// One bit per 20-bit slice of a longer token's hash: a clear bit proves
    /// a piece is no token without a probe of `long`. Most long pieces (a
    /// Chinese clause, a Cyrillic word) are no token, and each probe of the
    /// 8 MB table was a cache miss; this filter is 128 KB.
    long_filter: Vec<u64>,
    /// Longer tokens whose hash another token already has (in practice none).
    collisions: FxHashMap<Box<[u8]>, u32>,
    /// Number of tokens.
    count: usize,
    /// The id of each single byte, [`NO_ID`] when the vocabulary lacks it.
    byte_ids: [u32; 256],
    /// The id of the empty token, [`NO_ID`] when there is none. HF and
    /// tiktoken load one (Whisper's files list `""`); encoding never makes
    /// it, but it decodes and is looked up like any token.
    empty: u32,
}

impl Vocab {
    /// Builds the table from `(bytes, id)` pairs. Repeated tokens (the
    /// empty one included) and repeated ids are refused.
    pub fn new(tokens: Vec<(Vec<u8>, u32)>) -> Result<Self> {
        let size = tokens
            .iter()
            .map(|&(_, id)| id as usize + 1)
            .max()
            .unwrap_or(0);
        if size > NO_ID as usize {
            return Err(Error::InvalidArgument(format!(
                "token id {} is too large",
                size - 1
            )));
        }
        let count = tokens.len();
        let shorts = tokens.iter().filter(|(b, _)| b.len() <= SHORT).count();
        let mut by_id: Vec<Option<Vec<u8>>> = vec![None; size];
        let mut byte_ids = [NO_ID; 256];
        let mut empty = NO_ID;
        for (bytes, id) in tokens {
            if bytes.is_empty() {
                if empty != NO_ID {
                    return Err(Error::InvalidArgument(format!(
                        "tokens {empty} and {id} are both empty"
                    )));
                }
                empty = id;
            }
            if let [b] = bytes[..] {
                byte_ids[b as usize] = id;
            }
            let slot = &mut by_id[id as usize];
            if slot.is_some() {
                return Err(Error::InvalidArgument(format!(
                    "two tokens have the id {id}"
                )));
            }
            *slot = Some(bytes);
        }
        let mut arena = Vec::new();
        let mut offsets = Vec::with_capacity(size + 1);
        offsets.push(0);
        for slot in &by_id {
            if let Some(bytes) = slot {
                arena.extend_from_slice(bytes);
            }
            let end = u32::try_from(arena.len())
                .map_err(|_| Error::InvalidArgument("vocabulary is too large".into()))?;
            offsets.push(end);
        }
        drop(by_id);
        let mut vocab = Vocab {
            arena,
            offsets,
            short: U64Map::with_capacity(shorts),
            hot: U64Map::with_capacity(HOT_RANKS as usize),
            long: U64Map::with_capacity(count - shorts),
            long_filter: Vec::new(),
            collisions: FxHashMap::default(),
            count,
            byte_ids,
            empty,
        };
        let mut long_filter = vec![0; LONG_FILTER_WORDS];
        for id in 0..size as u32 {
            let Some(bytes) = vocab.bytes(id).filter(|b| !b.is_empty()) else {
                continue;
            };
            let duplicate = if bytes.len() <= SHORT {
                let key = short_key(bytes);
                if id < HOT_RANKS {
                    vocab.hot.insert(key, u64::from(id));
                }
                vocab.short.insert(key, u64::from(id))
            } else {
                let key = long_key(bytes);
                let (word, bit) = filter_bit(key);
                long_filter[word] |= bit;
                match vocab.long.get(key) {
                    None => vocab.long.insert(key, u64::from(id)),
                    Some(other) if vocab.bytes(other as u32) == Some(bytes) => Some(other),
                    Some(_) => {
                        let bytes: Box<[u8]> = bytes.into();
                        vocab.collisions.insert(bytes, id).map(u64::from)
                    }
                }
            };
            if let Some(previous) = duplicate {
                return Err(Error::InvalidArgument(format!(
                    "tokens {previous} and {id} have the same bytes {:?}",
                    vocab.bytes(id).unwrap_or_default()
                )));
            }
        }
        vocab.long_filter = long_filter;
        Ok(vocab)
    }

    /// The id of the token made of exactly `bytes`.
    #[inline]
    pub fn id(&self, bytes: &[u8]) -> Option<u32> {
        if bytes.len() <= SHORT {
            if bytes.is_empty() {
                return (self.empty != NO_ID).then_some(self.empty);
            }
            let key = short_key(bytes);
            if let Some(id) = self.hot.get(key) {
                return Some(id as u32);
            }
            return self.short.get(key).map(|v| v as u32);
        }
        let key = long_key(bytes);
        let (word, bit) = filter_bit(key);
        if self.long_filter[word] & bit == 0 {
            return None;
        }
        if let Some(id) = self.long.get(key) {
            if self.bytes(id as u32) == Some(bytes) {
                return Some(id as u32);
            }
        }
        if self.collisions.is_empty() {
            return None;
        }
        self.collisions.get(bytes).copied()
    }

    /// The id of the one-byte token `b`, [`NO_ID`] when there is none.
    #[inline]
    pub fn byte_id(&self, b: u8) -> u32 {
        self.byte_ids[b as usize]
    }

    /// The bytes of token `id`.
    #[inline]
    pub fn bytes(&self, id: u32) -> Option<&[u8]> {
        let start = *self.offsets.get(id as usize)? as usize;
        let end = *self.offsets.get(id as usize + 1)? as usize;
        if start == end && id != self.empty {
            return None;
        }
        self.arena.get(start..end)
    }

    /// One past the largest id.
    pub fn size(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Number of tokens (ids with bytes).
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there are no tokens.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every `(id, bytes)`, by increasing id.
    pub fn iter(&self) -> impl Iterator<Item = (u32, &[u8])> + '_ {
        (0..self.size() as u32).filter_map(|id| self.bytes(id).map(|b| (id, b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_and_gaps() {
        let v = Vocab::new(vec![(b"a".to_vec(), 0), (b"ab".to_vec(), 3)]).unwrap();
        assert_eq!(v.id(b"ab"), Some(3));
        assert_eq!(v.bytes(3), Some(&b"ab"[..]));
        assert_eq!(v.bytes(1), None);
        assert_eq!(v.bytes(9), None);
        assert_eq!(v.byte_id(b'a'), 0);
        assert_eq!(v.byte_id(b'b'), NO_ID);
        assert_eq!(v.size(), 4);
        assert_eq!(v.len(), 2);
        assert_eq!(v.iter().count(), 2);
    }

    #[test]
    fn an_empty_token_is_looked_up_both_ways() {
        let v = Vocab::new(vec![(b"a".to_vec(), 0), (Vec::new(), 2)]).unwrap();
        assert_eq!(v.id(b""), Some(2));
        assert_eq!(v.bytes(2), Some(&b""[..]));
        assert_eq!(v.bytes(1), None);
        assert_eq!(v.iter().count(), 2);
        let none = Vocab::new(vec![(b"a".to_vec(), 0)]).unwrap();
        assert_eq!(none.id(b""), None);
    }

    #[test]
    fn refuses_duplicates() {
        assert!(Vocab::new(vec![(b"a".to_vec(), 0), (b"a".to_vec(), 1)]).is_err());
        assert!(Vocab::new(vec![(b"a".to_vec(), 0), (b"b".to_vec(), 0)]).is_err());
        assert!(Vocab::new(vec![(Vec::new(), 0), (Vec::new(), 1)]).is_err());
        let long = b"a long token".to_vec();
        assert!(Vocab::new(vec![(long.clone(), 0), (long.clone(), 1)]).is_err());
        let v = Vocab::new(vec![(long.clone(), 0), (b"another long one".to_vec(), 1)]).unwrap();
        assert_eq!(v.id(&long), Some(0));
        assert_eq!(v.id(b"another long one"), Some(1));
        assert_eq!(v.id(b"not a token at all"), None);
    }
}
