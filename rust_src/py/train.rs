//! Training from Python: `tokkit.WordPieceTrainer` and `tokkit train`.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::error::{Error, Result};
use crate::formats::atomic::write_atomic;
use crate::formats::hf_json::wordpiece_tokenizer_json;
use crate::formats::vocab_txt::write_vocab_txt;
use crate::models::wordpiece::trainer::{train, WordPieceTrainerOptions};
use crate::normalize::bert::{BertCompat, BertNormalizer};
use crate::pipeline::Normalized;
use crate::pretokenize::bert::BertPreTokenizer;
use crate::train::{count_words, CorpusOptions, WordCounts};

/// What a training run produced, for the summary.
struct Trained {
    tokens: Vec<String>,
    counts: WordCounts,
}

#[allow(clippy::too_many_arguments)]
fn run(
    files: &[PathBuf],
    output_dir: &std::path::Path,
    options: &WordPieceTrainerOptions,
    unk_token: &str,
    lowercase: bool,
    corpus: &CorpusOptions,
) -> Result<Trained> {
    if !options.special_tokens.iter().any(|t| t == unk_token) {
        return Err(Error::InvalidArgument(format!(
            "the unknown token {unk_token:?} must be one of the special tokens"
        )));
    }
    // The words the tokenizer.json written below will see: HF's BERT pipeline.
    let normalizer = BertNormalizer::new(BertCompat::Hf, lowercase);
    let pre_tokenizer = BertPreTokenizer {
        compat: BertCompat::Hf,
    };
    let split = |line: &str, emit: &mut dyn FnMut(&str)| {
        let mut text = Normalized::new(line, false);
        normalizer.normalize(&mut text);
        let mut ranges = Vec::new();
        pre_tokenizer.split(text.as_str(), &mut ranges);
        for r in ranges {
            emit(&text.as_str()[r]);
        }
    };
    let counts = count_words(files, &split, corpus)?;
    let tokens = train(&counts, options)?;
    std::fs::create_dir_all(output_dir).map_err(|e| Error::io(output_dir, e))?;
    let json = wordpiece_tokenizer_json(&tokens, &options.special_tokens, unk_token, lowercase)?;
    let json = serde_json::to_vec_pretty(&json)
        .map_err(|e| Error::InvalidArgument(format!("cannot serialise tokenizer.json: {e}")))?;
    // Both files are written to temporaries and renamed: a failure leaves
    // nothing half-written.
    write_vocab_txt(&output_dir.join("vocab.txt"), &tokens)?;
    write_atomic(&output_dir.join("tokenizer.json"), &json)?;
    Ok(Trained { tokens, counts })
}

/// Trains a WordPiece vocabulary on `files` and writes `vocab.txt` and
/// `tokenizer.json` into `output_dir`; returns a summary dict.
#[pyfunction]
#[pyo3(signature = (files, output_dir, vocab_size, min_frequency, lowercase, special_tokens, unk_token, limit_alphabet, skip_invalid, num_threads, progress))]
#[allow(clippy::too_many_arguments)]
pub fn train_wordpiece<'py>(
    py: Python<'py>,
    files: Vec<PathBuf>,
    output_dir: PathBuf,
    vocab_size: usize,
    min_frequency: u64,
    lowercase: bool,
    special_tokens: Vec<String>,
    unk_token: String,
    limit_alphabet: Option<usize>,
    skip_invalid: bool,
    num_threads: Option<usize>,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let options = WordPieceTrainerOptions {
        vocab_size,
        min_frequency,
        special_tokens: special_tokens.clone(),
        limit_alphabet,
        continuing_subword_prefix: "##".to_owned(),
        progress,
    };
    let corpus = CorpusOptions {
        skip_invalid,
        num_threads,
        progress,
    };
    let trained = py.detach(|| {
        run(
            &files,
            &output_dir,
            &options,
            &unk_token,
            lowercase,
            &corpus,
        )
    })?;
    let alphabet = trained.tokens[special_tokens.len().min(trained.tokens.len())..]
        .iter()
        .filter(|t| t.strip_prefix("##").unwrap_or(t).chars().count() == 1)
        .count();
    let summary = PyDict::new(py);
    summary.set_item("vocab_size", trained.tokens.len())?;
    summary.set_item("alphabet_size", alphabet)?;
    summary.set_item("special_tokens", special_tokens.len())?;
    summary.set_item("distinct_words", trained.counts.words.len())?;
    summary.set_item("lines", trained.counts.lines)?;
    summary.set_item("bytes", trained.counts.bytes)?;
    summary.set_item("skipped_lines", trained.counts.skipped_lines)?;
    summary.set_item("vocab_file", output_dir.join("vocab.txt"))?;
    summary.set_item("tokenizer_file", output_dir.join("tokenizer.json"))?;
    Ok(summary)
}
