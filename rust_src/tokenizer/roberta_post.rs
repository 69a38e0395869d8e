//! HF's RobertaProcessing (RoBERTa, BART, Longformer, CLIP): `<s> A </s>`
//! and `<s> A </s> </s> B </s>`, every type id 0, offsets trimmed as
//! ByteLevel's post-processor trims them.

use std::ops::Range;

use super::byte_level_post::trim_offsets;
use super::encoding::Encoding;
use super::post_process::{append_ids, PostProcessor};

/// RobertaProcessing.
pub struct RobertaPost {
    /// The token opening the first sequence (`<s>`) and its id.
    pub cls: (String, u32),
    /// The token closing each sequence and opening the second (`</s>`).
    pub sep: (String, u32),
    /// Shrink offsets to exclude leading and trailing spaces.
    pub trim_offsets: bool,
    /// Keep a single leading space of a sequence's first token when trimming.
    pub add_prefix_space: bool,
}

impl PostProcessor for RobertaPost {
    fn added_tokens(&self, is_pair: bool) -> usize {
        if is_pair {
            4
        } else {
            2
        }
    }

    /// `<s> A </s>` (`A` alone without special tokens).
    fn process_ids(
        &self,
        sequence: &[u32],
        add_special_tokens: bool,
        out: &mut Vec<u32>,
    ) -> Option<Range<usize>> {
        if add_special_tokens {
            out.push(self.cls.1);
        }
        let range = append_ids(sequence, out);
        if add_special_tokens {
            out.push(self.sep.1);
        }
        Some(range)
    }

    fn process_parts(
        &self,
        parts: Vec<Encoding>,
        add_special_tokens: bool,
        windows: [bool; 2],
    ) -> Vec<Encoding> {
        let mut out = Vec::with_capacity(parts.len());
        for (i, mut seq) in parts.into_iter().enumerate() {
            if self.trim_offsets {
                trim_offsets(&mut seq, self.add_prefix_space);
            }
            // HF zeroes the type ids of the sequences; a window cut off by
            // truncation keeps its own unless it is wrapped in special tokens.
            if add_special_tokens || !windows.get(i).copied().unwrap_or(false) {
                seq.type_ids.fill(0);
            }
            if !add_special_tokens {
                out.push(seq);
                continue;
            }
            let (open, open_id) = if i == 0 { &self.cls } else { &self.sep };
            seq.keep_only_sequence(i);
            let mut part = Encoding::with_capacity(seq.len() + 2);
            part.push(*open_id, open, (0, 0), 0, None, true);
            part.extend(seq);
            part.push(self.sep.1, &self.sep.0, (0, 0), 0, None, true);
            out.push(part);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(tokens: &[&str], sequence: u32) -> Encoding {
        let mut e = Encoding::default();
        let mut at = 0;
        for (i, t) in tokens.iter().enumerate() {
            let end = at + t.chars().count();
            e.push(i as u32 + 10, t, (at, end), sequence, Some(i as u32), false);
            at = end;
        }
        e.set_sequence(sequence as usize);
        e
    }

    fn roberta(trim_offsets: bool) -> RobertaPost {
        RobertaPost {
            cls: ("<s>".into(), 0),
            sep: ("</s>".into(), 2),
            trim_offsets,
            add_prefix_space: false,
        }
    }

    #[test]
    fn pair_is_wrapped_and_all_type_ids_are_zero() {
        let out = roberta(false).process(
            sequence(&["a", "Ġb"], 0),
            Some(sequence(&["c"], 1)),
            true,
            [false; 2],
        );
        assert_eq!(out.ids, [0, 10, 11, 2, 2, 10, 2]);
        assert_eq!(out.type_ids, [0; 7]);
        assert_eq!(out.special_tokens_mask, [1, 0, 0, 1, 1, 0, 1]);
        assert_eq!(out.sequence_ranges, [(0, 1..3), (1, 5..6)]);
    }

    #[test]
    fn trimming_drops_the_leading_space_from_offsets() {
        let out = roberta(true).process(sequence(&["a", "Ġb"], 0), None, false, [false; 2]);
        assert_eq!(out.offsets, [(0, 1), (2, 3)]);
    }

    #[test]
    fn a_bare_window_keeps_its_type_ids() {
        let out = roberta(false).process(
            sequence(&["a"], 0),
            Some(sequence(&["c"], 1)),
            false,
            [false, true],
        );
        assert_eq!(out.type_ids, [0, 1]);
    }
}
