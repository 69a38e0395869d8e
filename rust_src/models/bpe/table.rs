//! Open-addressing hash tables for the encoder's hot lookups: token bytes to
//! id and id pairs to merges. Keys are `u64`s (short tokens packed into one,
//! long ones hashed), so a probe is an integer compare instead of the
//! `memcmp` of a byte-slice map, which took a third of the encode time of
//! `FxHashMap<Box<[u8]>, u32>` on 1 KB documents.

/// A map from `u64` to `u64`, linear probing, at most half full, with one
/// tag byte per slot beside the slots (as hashbrown's control bytes): a probe
/// reads the dense tag array and touches a 16-byte slot only when its tag
/// matches. Most pair lookups in CJK text are misses, and without tags each
/// one cost a cache miss in the 8-16 MB slot array (tokkit ran Chinese at
/// 7 MB/s, below tiktoken, before the tags).
pub struct U64Map {
    tags: Vec<u8>,
    slots: Vec<(u64, u64)>,
    shift: u32,
}

impl U64Map {
    /// An empty map sized for `n` entries.
    pub fn with_capacity(n: usize) -> Self {
        let capacity = (n.max(4) * 2).next_power_of_two();
        U64Map {
            tags: vec![0; capacity],
            slots: vec![(0, 0); capacity],
            shift: 64 - capacity.trailing_zeros(),
        }
    }

    /// Home slot and tag of `key`. Fibonacci hashing: the high bits of the
    /// product mix every key bit; the seven bits below them make the tag.
    #[inline]
    fn place(&self, key: u64) -> (usize, u8) {
        let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let tag = 0x80 | ((h >> (self.shift - 7)) & 0x7f) as u8;
        ((h >> self.shift) as usize, tag)
    }

    /// Inserts or replaces; returns the previous value. The map must have been
    /// sized for every key inserted (it does not grow).
    pub fn insert(&mut self, key: u64, value: u64) -> Option<u64> {
        let mask = self.slots.len() - 1;
        let (mut i, tag) = self.place(key);
        loop {
            if self.tags[i] == 0 {
                self.tags[i] = tag;
                self.slots[i] = (key, value);
                return None;
            }
            if self.tags[i] == tag && self.slots[i].0 == key {
                return Some(std::mem::replace(&mut self.slots[i].1, value));
            }
            i = (i + 1) & mask;
        }
    }

    /// Every key and value, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.tags
            .iter()
            .zip(&self.slots)
            .filter(|(&tag, _)| tag != 0)
            .map(|(_, &slot)| slot)
    }

    /// The value of `key`.
    #[inline]
    pub fn get(&self, key: u64) -> Option<u64> {
        let mask = self.slots.len() - 1;
        let (mut i, tag) = self.place(key);
        loop {
            let t = self.tags[i];
            if t == tag {
                let (k, v) = self.slots[i];
                if k == key {
                    return Some(v);
                }
            } else if t == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }
}

/// Tokens and merges with a rank below this also go into a small front table
/// (16K slots, 256 KB: it stays in L2). BPE ranks follow frequency, so most
/// lookups end there; the full o200k table (8 MB) costs a cache miss per
/// lookup, which was half of the encode time on 1 KB documents.
pub const HOT_RANKS: u32 = 8192;

/// Longest token packed into a `u64` key (the eighth byte holds the length).
pub const SHORT: usize = 7;

/// The key of a token of 1..=7 bytes: its bytes little-endian, its length in
/// the top byte. Reads overlapping fixed-size chunks instead of a byte loop.
#[inline]
pub fn short_key(s: &[u8]) -> u64 {
    let len = s.len();
    let packed = match len {
        0 => 0,
        1 => u64::from(s[0]),
        2..=3 => {
            let a = u64::from(u16::from_le_bytes([s[0], s[1]]));
            let b = u64::from(u16::from_le_bytes([s[len - 2], s[len - 1]]));
            a | (b << (8 * (len - 2)))
        }
        _ => {
            let a = u64::from(u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
            let b = u64::from(u32::from_le_bytes([
                s[len - 4],
                s[len - 3],
                s[len - 2],
                s[len - 1],
            ]));
            a | (b << (8 * (len - 4)))
        }
    };
    packed | ((len as u64) << 56)
}

/// The key of a longer token: a 64-bit hash of its bytes (equal hashes of
/// different tokens are resolved by the caller).
#[inline]
pub fn long_key(s: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(s);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_distinct_and_exact() {
        let mut seen = std::collections::HashSet::new();
        let samples: Vec<Vec<u8>> = vec![
            vec![0],
            vec![0, 0],
            vec![1],
            vec![1, 0],
            vec![0, 1],
            b"abc".to_vec(),
            b"abcd".to_vec(),
            b"abcde".to_vec(),
            b"abcdef".to_vec(),
            b"abcdefg".to_vec(),
            vec![255; 7],
            vec![255; 6],
        ];
        for s in &samples {
            let k = short_key(s);
            assert!(seen.insert(k), "{s:?}");
            let mut expect = [0u8; 8];
            expect[..s.len()].copy_from_slice(s);
            expect[7] = s.len() as u8;
            assert_eq!(k, u64::from_le_bytes(expect));
        }
    }

    #[test]
    fn map_inserts_and_finds() {
        let mut m = U64Map::with_capacity(1000);
        for k in 0..1000u64 {
            assert_eq!(m.insert(k * 7, k), None);
        }
        assert_eq!(m.insert(0, 5), Some(0));
        for k in 1..1000u64 {
            assert_eq!(m.get(k * 7), Some(k));
        }
        assert_eq!(m.get(3), None);
        assert_eq!(m.get(0), Some(5));
        assert_eq!(m.insert(u64::MAX, 1), None);
        assert_eq!(m.get(u64::MAX), Some(1));
    }
}
