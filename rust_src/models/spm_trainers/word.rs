//! sentencepiece's WORD learner (`word_model_trainer.cc`): the most frequent
//! whitespace-delimited words are the pieces, scored by log relative
//! frequency.

use crate::error::Result;
use crate::models::spm_trainers::{log_count, room};
use crate::train::spm::meta::MetaPieces;
use crate::train::spm::options::SpmOptions;
use crate::train::spm::pieces::{count_sentence_words, UNK_CHAR};

/// The words of `sentences` (normalized, with counts), most frequent first
/// (then by bytes), as many as the vocabulary holds, each scored
/// `ln(count) - ln(total)` in `f32` where the total counts every word. Words
/// holding the unknown mark are skipped (but counted in the total).
///
/// Words are cut with `▁` as a prefix whatever `treat_whitespace_as_suffix`
/// says: sentencepiece's WORD trainer calls `SplitIntoWords` with its
/// defaults.
pub fn learn(
    sentences: &[(String, u64)],
    meta: &MetaPieces,
    options: &SpmOptions,
) -> Result<Vec<(String, f32)>> {
    let limit = room(options, meta, 0)?;
    let sorted = count_sentence_words(sentences, false, false);
    let total: u64 = sorted.iter().map(|(_, n)| n).sum();
    let log_total = log_count(total);
    Ok((sorted.into_iter())
        .filter(|(word, _)| !word.contains(UNK_CHAR))
        .take(limit)
        .map(|(word, n)| (word.to_string(), log_count(n) - log_total))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequent_words_first_and_unknown_ones_skipped() {
        let options = SpmOptions {
            vocab_size: 6,
            treat_whitespace_as_suffix: true,
            ..SpmOptions::default()
        };
        let meta = MetaPieces::new(&options).unwrap();
        let sentences = vec![("▁b▁a▁\u{2585}x".to_string(), 3), ("▁a▁c".to_string(), 1)];
        let got = learn(&sentences, &meta, &options).unwrap();
        let names: Vec<&str> = got.iter().map(|(w, _)| w.as_str()).collect();
        // ▁a 4, ▁b 3, ▁▅x 3 (skipped), ▁c 1; the total is 11.
        assert_eq!(names, ["▁a", "▁b", "▁c"]);
        assert_eq!(got[0].1, (4f32).ln() - (11f32).ln());
    }
}
