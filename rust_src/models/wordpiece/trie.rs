//! A byte trie over the vocabulary whose edges live in one open-addressing
//! hash table keyed by (node, byte): a step is a multiply, a mask and
//! (almost always) one probe, with no allocation and no search among
//! children; the root's edges are a direct 256-entry table since every walk
//! starts there. Built in one pass over the vocabulary (a few milliseconds
//! for BERT's 30k entries; a double array took seconds to lay out).

const NO_TOKEN: u32 = u32::MAX;
const EMPTY: u64 = u64::MAX;

/// Byte trie of token strings.
#[derive(Debug, Clone)]
pub struct Trie {
    /// Edges: `(node << 8 | byte) << 32 | child`, `EMPTY` for free slots; key
    /// and child share one word so a probe touches one cache line.
    slots: Vec<u64>,
    /// Slot count minus one (a power of two minus one).
    mask: usize,
    /// Children of the root, by byte (`NO_TOKEN` when absent).
    root: Box<[u32; 256]>,
    /// Token id ending at each node, or `NO_TOKEN`.
    token: Vec<u32>,
}

/// A trie node index.
pub type NodeId = u32;

/// The root node.
pub const ROOT: NodeId = 0;

/// The key of the edge leaving `node` along `b`: 24 bits of node, 8 of byte
/// (the vocabulary is capped so that nodes fit, see [`MAX_VOCAB_BYTES`]).
#[inline]
fn edge_key(node: NodeId, b: u8) -> u64 {
    (u64::from(node & 0x00FF_FFFF) << 8) | u64::from(b)
}

/// Most bytes of vocabulary text the trie takes: node ids must fit 24 bits.
pub const MAX_VOCAB_BYTES: usize = 0x00FF_FFFF;

#[inline]
fn slot_of(key: u64, mask: usize) -> usize {
    // Fibonacci hashing: the high bits of the product are well mixed.
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize & mask
}

impl Trie {
    /// Builds the trie of `tokens` (string, id). On duplicate strings the last
    /// id wins. The caller keeps the total length under [`MAX_VOCAB_BYTES`].
    pub fn new<'a>(tokens: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        let tokens: Vec<(&str, u32)> = tokens.into_iter().collect();
        let bytes: usize = tokens
            .iter()
            .map(|(t, _)| t.len())
            .sum::<usize>()
            .min(MAX_VOCAB_BYTES);
        let capacity = (bytes * 2).next_power_of_two().max(16);
        let mut trie = Trie {
            slots: vec![EMPTY; capacity],
            mask: capacity - 1,
            root: Box::new([NO_TOKEN; 256]),
            token: vec![NO_TOKEN],
        };
        for (token, id) in tokens {
            let mut node = ROOT;
            for &b in token.as_bytes() {
                node = match trie.child(node, b) {
                    Some(next) => next,
                    None => trie.add_child(node, b),
                };
            }
            trie.token[node as usize] = id;
        }
        trie
    }

    fn add_child(&mut self, node: NodeId, b: u8) -> NodeId {
        let child = self.token.len() as u32;
        self.token.push(NO_TOKEN);
        if node == ROOT {
            self.root[b as usize] = child;
            return child;
        }
        // At most one edge per vocabulary byte, and the table has twice that
        // many slots, so a free slot always exists.
        let key = edge_key(node, b);
        let mut slot = slot_of(key, self.mask);
        while self.slots[slot] != EMPTY {
            slot = (slot + 1) & self.mask;
        }
        self.slots[slot] = (key << 32) | u64::from(child);
        child
    }

    /// The child of `node` along byte `b`.
    #[inline]
    pub fn child(&self, node: NodeId, b: u8) -> Option<NodeId> {
        if node == ROOT {
            let next = self.root[b as usize];
            return (next != NO_TOKEN).then_some(next);
        }
        let key = edge_key(node, b);
        let mut slot = slot_of(key, self.mask);
        loop {
            let entry = *self.slots.get(slot)?;
            if entry >> 32 == key {
                return Some(entry as u32);
            }
            if entry == EMPTY {
                return None;
            }
            slot = (slot + 1) & self.mask;
        }
    }

    /// The node reached from `node` by walking `bytes`.
    pub fn walk(&self, mut node: NodeId, bytes: &[u8]) -> Option<NodeId> {
        for &b in bytes {
            node = self.child(node, b)?;
        }
        Some(node)
    }

    /// The token id stored at `node`, if a vocabulary entry ends there.
    #[inline]
    pub fn token(&self, node: NodeId) -> Option<u32> {
        self.token
            .get(node as usize)
            .copied()
            .filter(|&t| t != NO_TOKEN)
    }

    /// The longest vocabulary entry that starts `bytes` when walking from
    /// `from`: `(id, length in bytes)`.
    #[inline]
    pub fn longest_match(&self, from: NodeId, bytes: &[u8]) -> Option<(u32, usize)> {
        let mut node = from;
        let mut best = None;
        for (i, &b) in bytes.iter().enumerate() {
            match self.child(node, b) {
                Some(next) => node = next,
                None => break,
            }
            if let Some(id) = self.token(node) {
                best = Some((id, i + 1));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_token_is_found_and_nothing_else() {
        let words = [
            "a", "ab", "abc", "b", "ba", "zz", "##a", "##ab", "é", "éé", "日本",
        ];
        let trie = Trie::new(words.iter().enumerate().map(|(i, w)| (*w, i as u32)));
        for (i, w) in words.iter().enumerate() {
            let node = trie.walk(ROOT, w.as_bytes()).unwrap();
            assert_eq!(trie.token(node), Some(i as u32), "{w}");
        }
        for absent in ["c", "abd", "##b", "z", "日"] {
            let found = trie
                .walk(ROOT, absent.as_bytes())
                .and_then(|n| trie.token(n));
            assert_eq!(found, None, "{absent}");
        }
    }

    #[test]
    fn longest_match_prefers_longest() {
        let trie = Trie::new([("a", 0), ("ab", 1), ("abcd", 2)]);
        assert_eq!(trie.longest_match(ROOT, b"abc"), Some((1, 2)));
        assert_eq!(trie.longest_match(ROOT, b"abcde"), Some((2, 4)));
        assert_eq!(trie.longest_match(ROOT, b"b"), None);
    }

    #[test]
    fn walk_then_match_from_inner_node() {
        let trie = Trie::new([("##x", 0), ("##xy", 1), ("x", 2)]);
        let cont = trie.walk(ROOT, b"##").unwrap();
        assert_eq!(trie.token(cont), None);
        assert_eq!(trie.longest_match(cont, b"xyz"), Some((1, 2)));
    }

    #[test]
    fn many_children_share_the_array() {
        let tokens: Vec<String> = (b'a'..=b'z').map(|c| format!("q{}", c as char)).collect();
        let trie = Trie::new(
            tokens
                .iter()
                .enumerate()
                .map(|(i, t)| (t.as_str(), i as u32)),
        );
        assert_eq!(trie.longest_match(ROOT, b"qz"), Some((25, 2)));
        assert_eq!(trie.longest_match(ROOT, b"qa"), Some((0, 2)));
    }
}
