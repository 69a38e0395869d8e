//! Whether a tokenizer's encodings have their token strings or offsets
//! read. Making those on first read costs a second run of the pipeline, a
//! fifth to a third more than making them at once for a caller that reads
//! them every time (NER, question answering). So each encoding records, when
//! it is dropped, whether they were read, and a tokenizer whose recent
//! encodings were mostly read makes them at once until reads stop. Either
//! way the encodings are the same (see [`super::lazy`]); only the time
//! differs.

use std::sync::atomic::{AtomicI32, Ordering};

/// A score of recent encodings: up one for each whose strings or offsets
/// were read, down one for each that was not, within ±[`Self::LIMIT`].
#[derive(Debug, Default)]
pub struct DetailReads(AtomicI32);

impl DetailReads {
    /// How far the score goes either way: after this many encodings of one
    /// kind in a row, the tokenizer has changed course.
    const LIMIT: i32 = 16;

    /// Records one encoding, `read` or not.
    pub fn record(&self, read: bool) {
        let step = if read { 1 } else { -1 };
        let next = |score: i32| Some((score + step).clamp(-Self::LIMIT, Self::LIMIT));
        // The closure never returns None, so the update cannot fail.
        let _ = self
            .0
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, next);
    }

    /// Whether more recent encodings were read than not.
    pub fn read_mostly(&self) -> bool {
        self.0.load(Ordering::Relaxed) > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_recent_encodings_within_its_limit() {
        let reads = DetailReads::default();
        assert!(!reads.read_mostly());
        for _ in 0..100 {
            reads.record(true);
        }
        assert!(reads.read_mostly());
        for _ in 0..DetailReads::LIMIT {
            reads.record(false);
        }
        assert!(!reads.read_mostly());
    }
}
