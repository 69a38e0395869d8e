//! HF's `Sequence` normalizer: several normalizers, in order.

use crate::error::Result;
use crate::pipeline::{Normalized, Normalizer};

/// Runs each normalizer in turn.
pub struct Sequence(pub Vec<Box<dyn Normalizer>>);

impl Normalizer for Sequence {
    fn normalize(&self, text: &mut Normalized) -> Result<()> {
        for n in &self.0 {
            n.normalize(text)?;
        }
        Ok(())
    }
}
