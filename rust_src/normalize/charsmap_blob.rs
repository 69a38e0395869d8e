//! The layout of a `precompiled_charsmap` blob (a little-endian `u32` trie
//! size, a darts-clone double array of `u32` units, NUL-terminated
//! replacement strings) and the checks sentencepiece 0.2.3 makes of it
//! before loading a model. HF's `Precompiled` reads the same blob but checks
//! less, so these run on sentencepiece's load path only.

/// Marks a unit that holds a value (an offset into the strings) instead of
/// a node.
pub const VALUE: u32 = 1 << 31;

/// The unit's label, with [`VALUE`] so that no value unit matches a byte.
#[inline]
pub fn label(unit: u32) -> u32 {
    unit & (VALUE | 0xff)
}

/// Whether the node has a value (at its base).
#[inline]
pub fn has_leaf(unit: u32) -> bool {
    (unit >> 8) & 1 == 1
}

/// What a node's index is XORed with to reach its children.
#[inline]
pub fn offset(unit: u32) -> usize {
    ((unit >> 10) << ((unit & (1 << 9)) >> 6)) as usize
}

/// sentencepiece's refusal of a blob, in its words, or `None` when it loads
/// it. Each unit is checked on its own, reachable or not: a value must point
/// into the strings, a node's children and value must lie in the array, a
/// node's value must be a value unit, and the root is a node with children
/// and no value.
pub fn sentencepiece_refusal(blob: &[u8]) -> Option<&'static str> {
    let header: [u8; 4] = match blob.get(..4) {
        Some(h) if blob.len() > 4 => h.try_into().ok()?,
        _ => return Some("Blob for normalization rule is broken."),
    };
    let trie_size = u32::from_le_bytes(header) as usize;
    let rest = &blob[4..];
    if trie_size >= rest.len() {
        return Some("Trie data size exceeds the input blob size.");
    }
    if trie_size == 0 || !trie_size.is_multiple_of(1024) {
        return Some("Trie data size is not divisible by 1024.");
    }
    let (trie, strings) = rest.split_at(trie_size);
    if strings.last() != Some(&0) {
        return Some("normalized block must be null terminated.");
    }
    let units: Vec<u32> = trie
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let root_ok = units
        .first()
        .is_some_and(|&root| label(root) == 0 && !has_leaf(root) && offset(root) != 0);
    let unit_ok = |(i, &unit): (usize, &u32)| {
        if unit & VALUE != 0 {
            return ((unit & !VALUE) as usize) < strings.len();
        }
        let base = i ^ offset(unit);
        match units.get(base) {
            None => false,
            Some(&leaf) => !has_leaf(unit) || leaf & VALUE != 0,
        }
    };
    if !root_ok || !units.iter().enumerate().all(unit_ok) {
        return Some("precompiled_charsmap is invalid.");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 256-unit trie mapping "a" to the string at `value`, then `strings`.
    fn blob(value: u32, strings: &[u8]) -> Vec<u8> {
        let mut units = vec![0u32; 256];
        units[0] = 1 << 10;
        let a = 1 ^ 0x61;
        units[a] = 0x61 | (1 << 8) | (0x80 << 10);
        units[a ^ 0x80] = VALUE | value;
        let mut out = 1024u32.to_le_bytes().to_vec();
        out.extend(units.iter().flat_map(|u| u.to_le_bytes()));
        out.extend_from_slice(strings);
        out
    }

    #[test]
    fn a_well_formed_blob_loads() {
        assert_eq!(sentencepiece_refusal(&blob(0, b"b\0")), None);
        assert_eq!(sentencepiece_refusal(&blob(1, b"b\0")), None);
    }

    #[test]
    fn sentencepiece_refusals() {
        let refusal = |b: &[u8]| sentencepiece_refusal(b).unwrap_or_default();
        assert!(refusal(&[1, 0, 0, 0]).contains("broken"));
        let mut wrong_size = blob(0, b"b\0");
        wrong_size[..4].copy_from_slice(&1023u32.to_le_bytes());
        assert!(refusal(&wrong_size).contains("divisible"));
        wrong_size[..4].copy_from_slice(&1026u32.to_le_bytes());
        assert!(refusal(&wrong_size).contains("exceeds"));
        assert!(refusal(&blob(0, b"b")).contains("null terminated"));
        assert!(refusal(&blob(2, b"b\0")).contains("invalid"));
        let mut no_root = blob(0, b"b\0");
        no_root[4..8].copy_from_slice(&[0; 4]);
        assert!(refusal(&no_root).contains("invalid"));
    }
}
