//! A WordPiece run: BERT's normalisation and splitting as HF's BERT pipeline
//! does them, the likelihood learner, `vocab.txt` and `tokenizer.json`.

use std::path::Path;

use crate::error::{Error, Result};
use crate::formats::atomic::Staged;
use crate::formats::hf_json_write::wordpiece_tokenizer_json;
use crate::formats::vocab_txt::write_vocab_txt;
use crate::models::wordpiece::trainer::{train, WordPieceTrainerOptions};
use crate::train::run::{Algorithm, Report};
use crate::train::split::WordSplit;
use crate::train::WordCounts;

/// WordPiece training with BERT's pipeline.
pub struct WordPieceRun {
    options: WordPieceTrainerOptions,
    unk_token: String,
    lowercase: bool,
    split: WordSplit,
}

impl WordPieceRun {
    /// A run learning with `options`; `unk_token` must be one of the special
    /// tokens.
    pub fn new(options: WordPieceTrainerOptions, unk_token: &str, lowercase: bool) -> Result<Self> {
        if !options.special_tokens.iter().any(|t| t == unk_token) {
            return Err(Error::InvalidArgument(format!(
                "the unknown token {unk_token:?} must be one of the special tokens"
            )));
        }
        Ok(WordPieceRun {
            options,
            unk_token: unk_token.to_owned(),
            lowercase,
            split: WordSplit::bert(lowercase),
        })
    }
}

impl Algorithm for WordPieceRun {
    type Learned = Vec<String>;

    fn split(&self) -> &WordSplit {
        &self.split
    }

    fn learn(&self, counts: &WordCounts) -> Result<Vec<String>> {
        train(counts, &self.options)
    }

    fn write(
        &self,
        tokens: &Vec<String>,
        _counts: &WordCounts,
        dir: &Path,
        files: &mut Staged,
        report: &mut Report,
    ) -> Result<()> {
        let specials = &self.options.special_tokens;
        let json = wordpiece_tokenizer_json(tokens, specials, &self.unk_token, self.lowercase)?;
        let json = serde_json::to_vec_pretty(&json)
            .map_err(|e| Error::InvalidArgument(format!("cannot serialise tokenizer.json: {e}")))?;
        let vocab = dir.join("vocab.txt");
        let tokenizer = dir.join("tokenizer.json");
        write_vocab_txt(files, &vocab, tokens)?;
        files.write(&tokenizer, &json)?;
        report.files = vec![("vocab".into(), vocab), ("tokenizer".into(), tokenizer)];
        report.vocab_size = tokens.len();
        report.special_tokens = specials
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len();
        let prefix = &self.options.continuing_subword_prefix;
        report.alphabet_size = tokens[report.special_tokens.min(tokens.len())..]
            .iter()
            .filter(|t| t.strip_prefix(prefix.as_str()).unwrap_or(t).chars().count() == 1)
            .count();
        Ok(())
    }
}
