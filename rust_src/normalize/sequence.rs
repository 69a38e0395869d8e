//! HF's `Sequence` normalizer: several normalizers, in order.

use super::check_normalized_size;
use crate::error::Result;
use crate::pipeline::{Normalized, Normalizer};

/// Runs each normalizer in turn.
pub struct Sequence(pub Vec<Box<dyn Normalizer>>);

impl Normalizer for Sequence {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        for n in &self.0 {
            n.normalize(text)?;
            // Each step may multiply the text; stop before the next does.
            check_normalized_size(text, text.as_str().len(), "Sequence")?;
        }
        Ok(())
    }

    fn reads_origins(&self) -> bool {
        self.0.iter().any(|n| n.reads_origins())
    }

    /// Every step after the first reads text an earlier one may have changed.
    fn reads_moved_origins(&self) -> bool {
        let after_first = self.0.iter().skip(1).any(|n| n.reads_origins());
        after_first || self.0.iter().any(|n| n.reads_moved_origins())
    }
}
