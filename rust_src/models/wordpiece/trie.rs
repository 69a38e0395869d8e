//! A byte trie over the vocabulary, laid out flat so that a longest-match walk
//! touches no heap allocation: nodes are indices, children are a sorted slice.

use rustc_hash::FxHashMap;

const NO_TOKEN: u32 = u32::MAX;

/// One trie node: its token id (if a vocabulary entry ends here) and where its
/// children sit in the edge arrays.
#[derive(Debug, Clone, Copy)]
struct Node {
    token: u32,
    first_edge: u32,
    edge_count: u32,
}

/// Byte trie of token strings. The root's children are a direct 256-entry
/// table because every walk starts there.
#[derive(Debug, Clone)]
pub struct Trie {
    nodes: Vec<Node>,
    edge_bytes: Vec<u8>,
    edge_targets: Vec<u32>,
    root_children: Box<[u32; 256]>,
}

/// A trie node index.
pub type NodeId = u32;

/// The root node.
pub const ROOT: NodeId = 0;

impl Trie {
    /// Builds the trie of `tokens` (string, id). On duplicate strings the last id wins.
    pub fn new<'a>(tokens: impl IntoIterator<Item = (&'a str, u32)>) -> Self {
        // Build with hash maps, then freeze into flat sorted arrays.
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
        let mut nodes = Vec::with_capacity(ids.len());
        let mut edge_bytes = Vec::new();
        let mut edge_targets = Vec::new();
        for (node_children, &token) in children.iter().zip(&ids) {
            let mut edges: Vec<(u8, u32)> = node_children.iter().map(|(&b, &t)| (b, t)).collect();
            edges.sort_unstable();
            nodes.push(Node {
                token,
                first_edge: edge_bytes.len() as u32,
                edge_count: edges.len() as u32,
            });
            for (b, t) in edges {
                edge_bytes.push(b);
                edge_targets.push(t);
            }
        }
        let mut root_children = Box::new([NO_TOKEN; 256]);
        for (&b, &t) in &children[0] {
            root_children[b as usize] = t;
        }
        Trie {
            nodes,
            edge_bytes,
            edge_targets,
            root_children,
        }
    }

    /// The child of `node` along byte `b`.
    #[inline]
    pub fn child(&self, node: NodeId, b: u8) -> Option<NodeId> {
        if node == ROOT {
            let next = self.root_children[b as usize];
            return (next != NO_TOKEN).then_some(next);
        }
        let n = self.nodes.get(node as usize)?;
        let start = n.first_edge as usize;
        let bytes = self.edge_bytes.get(start..start + n.edge_count as usize)?;
        // Most nodes have a handful of children: a linear scan beats binary search there.
        let pos = if bytes.len() <= 8 {
            bytes.iter().position(|&x| x == b)?
        } else {
            bytes.binary_search(&b).ok()?
        };
        self.edge_targets.get(start + pos).copied()
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
        self.nodes
            .get(node as usize)
            .map(|n| n.token)
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
    fn many_children_use_binary_search() {
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
