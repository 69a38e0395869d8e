//! A double-array byte trie over the vocabulary (Aoe 1989): a step from a
//! node is one addition and one comparison (`base[node] + byte`, checked
//! against `check`), with no allocation and no search among children.
//! Built once per vocabulary; a BERT vocabulary builds in a few milliseconds.

use std::collections::VecDeque;

use rustc_hash::FxHashMap;

const NO_TOKEN: u32 = u32::MAX;
const FREE: u32 = u32::MAX;

/// Byte trie of token strings, as a double array.
#[derive(Debug, Clone)]
pub struct Trie {
    /// Offset of a node's children: child along byte `b` sits at `base + b`.
    base: Vec<u32>,
    /// The parent of each slot (`FREE` when unused), which proves a child real.
    check: Vec<u32>,
    /// Token id ending at each slot, or `NO_TOKEN`.
    token: Vec<u32>,
}

/// A trie node index.
pub type NodeId = u32;

/// The root node.
pub const ROOT: NodeId = 0;

impl Trie {
    /// Builds the trie of `tokens` (string, id). On duplicate strings the last id wins.
    pub fn new<'a>(tokens: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        // A pointer trie first, then laid out breadth first into the double array.
        let mut children: Vec<FxHashMap<u8, u32>> = vec![FxHashMap::default()];
        let mut ids: Vec<u32> = vec![NO_TOKEN];
        for (token, id) in tokens {
            let mut node = 0usize;
            for &b in token.as_bytes() {
                let next = match children[node].get(&b) {
                    Some(&n) => n as usize,
                    None => {
                        let n = ids.len();
                        children.push(FxHashMap::default());
                        ids.push(NO_TOKEN);
                        children[node].insert(b, n as u32);
                        n
                    }
                };
                node = next;
            }
            ids[node] = id;
        }
        let mut trie = Trie {
            base: vec![0; 512],
            check: vec![FREE; 512],
            token: vec![NO_TOKEN; 512],
        };
        trie.check[0] = 0; // the root's slot is taken (no base is 0, so no child lands there)
        let mut slot_of = vec![0u32; ids.len()];
        let mut queue = VecDeque::from([0usize]);
        let mut first_free = 1usize;
        while let Some(node) = queue.pop_front() {
            let slot = slot_of[node] as usize;
            trie.token[slot] = ids[node];
            let mut kids: Vec<(u8, u32)> = children[node].iter().map(|(&b, &n)| (b, n)).collect();
            if kids.is_empty() {
                continue;
            }
            kids.sort_unstable();
            while trie.check.get(first_free).is_some_and(|&c| c != FREE) {
                first_free += 1;
            }
            let base = trie.find_base(&kids, first_free);
            trie.base[slot] = base as u32;
            for (b, child) in kids {
                let t = base + b as usize;
                trie.check[t] = slot as u32;
                slot_of[child as usize] = t as u32;
                queue.push_back(child as usize);
            }
        }
        trie
    }

    /// The smallest base >= 1, from `first_free` on, whose child slots are all free.
    fn find_base(&mut self, kids: &[(u8, u32)], first_free: usize) -> usize {
        let first_byte = kids.first().map_or(0, |k| k.0 as usize);
        let mut slot = first_free.max(first_byte + 1);
        loop {
            let base = slot - first_byte;
            if self.check.len() < base + 257 {
                let len = (base + 257).max(self.check.len() * 2);
                self.base.resize(len, 0);
                self.check.resize(len, FREE);
                self.token.resize(len, NO_TOKEN);
            }
            if kids
                .iter()
                .all(|&(b, _)| self.check[base + b as usize] == FREE)
            {
                return base;
            }
            slot += 1;
        }
    }

    /// The child of `node` along byte `b`.
    #[inline]
    pub fn child(&self, node: NodeId, b: u8) -> Option<NodeId> {
        let t = self.base.get(node as usize)?.wrapping_add(b as u32);
        (self.check.get(t as usize) == Some(&node)).then_some(t)
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
