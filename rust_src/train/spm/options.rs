//! The options of a sentencepiece-style training run: `spm_train`'s
//! `TrainerSpec` and `NormalizerSpec` fields that change what is learned,
//! with spm_train's defaults and its range checks (google/sentencepiece
//! `src/sentencepiece_model.proto`, `trainer_interface.cc` `VerifySpec`).

use crate::error::{Error, Result};
use crate::formats::spm_model::ModelType;

/// Everything a sentencepiece-style trainer is told.
#[derive(Debug, Clone, PartialEq)]
pub struct SpmOptions {
    /// Unigram, BPE, CHAR or WORD.
    pub model_type: ModelType,
    /// Pieces in the model, meta pieces included.
    pub vocab_size: u32,
    /// Share of character occurrences the alphabet must cover (0.98..=1).
    pub character_coverage: f32,
    /// Longest piece, in characters.
    pub max_piece_length: usize,
    /// Share of pieces each Unigram pruning round keeps.
    pub shrinking_factor: f32,
    /// EM rounds between two prunings.
    pub num_sub_iterations: u32,
    /// Substrings the Unigram seed vocabulary keeps.
    pub seed_size: usize,
    /// Unknown characters are spelled as `<0xNN>` byte pieces.
    pub byte_fallback: bool,
    /// Every digit is a piece of its own.
    pub split_digits: bool,
    /// Pieces never cross a whitespace.
    pub split_by_whitespace: bool,
    /// Pieces never mix Unicode scripts.
    pub split_by_unicode_script: bool,
    /// Digits count as a script of their own.
    pub split_by_number: bool,
    /// `▁` ends a piece instead of starting it.
    pub treat_whitespace_as_suffix: bool,
    /// Runs of `▁` may be pieces.
    pub allow_whitespace_only_pieces: bool,
    /// Normalization rule: `nmt_nfkc`, `nfkc`, `nmt_nfkc_cf`, `nfkc_cf` or
    /// `identity`.
    pub normalization: String,
    /// A `▁` is put before the text.
    pub add_dummy_prefix: bool,
    /// Leading, trailing and repeated whitespace is dropped.
    pub remove_extra_whitespaces: bool,
    /// Pieces always cut out of the text whole.
    pub user_defined_symbols: Vec<String>,
    /// Pieces never produced from text (`<sep>`, `<cls>`...).
    pub control_symbols: Vec<String>,
    /// Id of the unknown piece (required).
    pub unk_id: i32,
    /// Id of the begin-of-sentence piece, -1 for none.
    pub bos_id: i32,
    /// Id of the end-of-sentence piece, -1 for none.
    pub eos_id: i32,
    /// Id of the padding piece, -1 for none.
    pub pad_id: i32,
    /// Spelling of the unknown piece.
    pub unk_piece: String,
    /// Spelling of the begin-of-sentence piece.
    pub bos_piece: String,
    /// Spelling of the end-of-sentence piece.
    pub eos_piece: String,
    /// Spelling of the padding piece.
    pub pad_piece: String,
    /// What decoding writes for an unknown piece.
    pub unk_surface: String,
    /// Lines kept for training, 0 for all.
    pub input_sentence_size: u64,
    /// With `input_sentence_size`, lines are sampled over the whole corpus
    /// (fixed seed) instead of taken from its start.
    pub shuffle_input_sentence: bool,
    /// Worker threads; `None` for all cores.
    pub num_threads: Option<usize>,
}

impl Default for SpmOptions {
    /// spm_train's defaults.
    fn default() -> Self {
        SpmOptions {
            model_type: ModelType::Unigram,
            vocab_size: 8000,
            character_coverage: 0.9995,
            max_piece_length: 16,
            shrinking_factor: 0.75,
            num_sub_iterations: 2,
            seed_size: 1_000_000,
            byte_fallback: false,
            split_digits: false,
            split_by_whitespace: true,
            split_by_unicode_script: true,
            split_by_number: true,
            treat_whitespace_as_suffix: false,
            allow_whitespace_only_pieces: false,
            normalization: "nmt_nfkc".into(),
            add_dummy_prefix: true,
            remove_extra_whitespaces: true,
            user_defined_symbols: Vec::new(),
            control_symbols: Vec::new(),
            unk_id: 0,
            bos_id: 1,
            eos_id: 2,
            pad_id: -1,
            unk_piece: "<unk>".into(),
            bos_piece: "<s>".into(),
            eos_piece: "</s>".into(),
            pad_piece: "<pad>".into(),
            unk_surface: " \u{2047} ".into(),
            input_sentence_size: 0,
            shuffle_input_sentence: true,
            num_threads: None,
        }
    }
}

/// The normalization rules spm_train knows by name.
pub const NORMALIZATIONS: [&str; 5] = ["nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf", "identity"];

impl SpmOptions {
    /// spm_train's range checks, with messages that name the option.
    pub fn verify(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::InvalidArgument(msg));
        if self.vocab_size == 0 {
            return bad("vocab_size must be positive".into());
        }
        if !(0.98..=1.0).contains(&self.character_coverage) {
            return bad(format!(
                "character_coverage must be within 0.98..=1.0, not {}",
                self.character_coverage
            ));
        }
        if !(1..=512).contains(&self.max_piece_length) {
            return bad(format!(
                "max_piece_length must be within 1..=512, not {}",
                self.max_piece_length
            ));
        }
        if !(1..=10).contains(&self.num_sub_iterations) {
            return bad(format!(
                "num_sub_iterations must be within 1..=10, not {}",
                self.num_sub_iterations
            ));
        }
        if !(0.5..=0.95).contains(&self.shrinking_factor) {
            return bad(format!(
                "shrinking_factor must be within 0.5..=0.95, not {}",
                self.shrinking_factor
            ));
        }
        if self.seed_size == 0 {
            return bad("seed_size must be positive".into());
        }
        if self.input_sentence_size != 0 && self.input_sentence_size <= 100 {
            return bad(format!(
                "input_sentence_size must be 0 (all) or more than 100, not {}",
                self.input_sentence_size
            ));
        }
        if !NORMALIZATIONS.contains(&self.normalization.as_str()) {
            return bad(format!(
                "unknown normalization {:?}; expected one of {}",
                self.normalization,
                NORMALIZATIONS.join(", ")
            ));
        }
        for (name, piece) in [
            ("unk_piece", &self.unk_piece),
            ("bos_piece", &self.bos_piece),
            ("eos_piece", &self.eos_piece),
            ("pad_piece", &self.pad_piece),
        ] {
            if piece.is_empty() {
                return bad(format!("{name} must not be empty"));
            }
        }
        Ok(())
    }

    /// `spm_train --model_type` spelling of the algorithm.
    pub fn model_type_name(&self) -> &'static str {
        match self.model_type {
            ModelType::Unigram => "unigram",
            ModelType::Bpe => "bpe",
            ModelType::Char => "char",
            ModelType::Word => "word",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_out_of_range_values_name_the_option() {
        assert!(SpmOptions::default().verify().is_ok());
        let low = SpmOptions {
            character_coverage: 0.5,
            ..SpmOptions::default()
        };
        let message = low.verify().unwrap_err().to_string();
        assert!(message.contains("character_coverage"), "{message}");
        let few = SpmOptions {
            input_sentence_size: 50,
            ..SpmOptions::default()
        };
        assert!(few.verify().is_err());
        let rule = SpmOptions {
            normalization: "nfd".into(),
            ..SpmOptions::default()
        };
        assert!(rule.verify().unwrap_err().to_string().contains("nmt_nfkc"));
    }
}
