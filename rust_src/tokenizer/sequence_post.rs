//! HF's `Sequence` post-processor: each step gets the parts the one before
//! it left (a `ByteLevel` step leaves the sequences apart, a template merges
//! them), as HF chains `process_encodings`.

use super::encoding::Encoding;
use super::post_process::PostProcessor;

/// Post-processors run in turn.
pub struct PostProcessorSequence(pub Vec<Box<dyn PostProcessor>>);

impl PostProcessor for PostProcessorSequence {
    fn added_tokens(&self, is_pair: bool) -> usize {
        self.0.iter().map(|p| p.added_tokens(is_pair)).sum()
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
