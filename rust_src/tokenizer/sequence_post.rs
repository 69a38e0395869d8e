//! HF's `Sequence` post-processor: each step gets the parts the one before
//! it left (a `ByteLevel` step leaves the sequences apart, a template merges
//! them), as HF chains `process_encodings`.

use std::ops::Range;

use super::encoding::Encoding;
use super::post_process::{append_ids, PostProcessor};

/// Post-processors run in turn.
pub struct PostProcessorSequence(pub Vec<Box<dyn PostProcessor>>);

impl PostProcessor for PostProcessorSequence {
    fn added_tokens(&self, is_pair: bool) -> usize {
        self.0.iter().map(|p| p.added_tokens(is_pair)).sum()
    }

    /// Each step's ids from the step before's, all of which it takes as its
    /// one sequence (as `process` hands a step the parts the one before left:
    /// one, for one text); `None` where a step cannot tell.
    fn process_ids(
        &self,
        sequence: &[u32],
        add_special_tokens: bool,
        out: &mut Vec<u32>,
    ) -> Option<Range<usize>> {
        let mut ids = sequence.to_vec();
        let mut range = 0..ids.len();
        let mut next = Vec::new();
        for step in &self.0 {
            next.clear();
            let inner = step.process_ids(&ids, add_special_tokens, &mut next)?;
            range = inner.start + range.start..inner.start + range.end;
            std::mem::swap(&mut ids, &mut next);
        }
        let all = append_ids(&ids, out);
        Some(all.start + range.start..all.start + range.end)
    }

    fn process_parts(
        &self,
        parts: Vec<Encoding>,
        add_special_tokens: bool,
        windows: [bool; 2],
    ) -> Vec<Encoding> {
        self.0.iter().fold(parts, |parts, step| {
            step.process_parts(parts, add_special_tokens, windows)
        })
    }
}
