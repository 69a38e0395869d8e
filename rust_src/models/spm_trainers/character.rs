//! sentencepiece's CHAR learner (`char_model_trainer.cc`): every required
//! character is a piece, scored by its log relative frequency.

use crate::error::Result;
use crate::models::spm_trainers::{log_count, room};
use crate::train::spm::meta::MetaPieces;
use crate::train::spm::options::SpmOptions;

/// The characters of `required_chars` (sorted by count, highest first, then
/// by character, as `LoadSentences` leaves them), as many as the vocabulary
/// holds, each scored `ln(count) - ln(total)` in `f32`. The model's size is
/// then the pieces found, not `vocab_size` (spm_train's rule for CHAR).
pub fn learn(
    required_chars: &[(char, u64)],
    meta: &MetaPieces,
    options: &SpmOptions,
) -> Result<Vec<(String, f32)>> {
    let limit = room(options, meta, 0)?;
    let total: u64 = required_chars.iter().map(|(_, n)| n).sum();
    let log_total = log_count(total);
    Ok((required_chars.iter().take(limit))
        .map(|&(c, n)| (c.to_string(), log_count(n) - log_total))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_by_count_with_log_frequencies() {
        let options = SpmOptions {
            vocab_size: 5,
            ..SpmOptions::default()
        };
        let meta = MetaPieces::new(&options).unwrap();
        let chars = [('▁', 4), ('a', 2), ('b', 1), ('c', 1)];
        let got = learn(&chars, &meta, &options).unwrap();
        // Three meta pieces leave two ids.
        assert_eq!(got.len(), 2);
        assert_eq!(got[0], ("▁".to_string(), (4f32).ln() - (8f32).ln()));
        assert_eq!(got[1].0, "a");
        assert!((got[1].1 - (0.25f32).ln()).abs() < 1e-6);
    }
}
