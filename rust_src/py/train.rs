//! Training from Python: `tokkit.WordPieceTrainer`, `tokkit.BpeTrainer`,
//! `tokkit.count_words` and `tokkit.WordCounts`. Only argument conversion:
//! the runs are [`crate::train::run`]'s.

use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use serde::{Deserialize, Serialize};

use super::text::Text;
use crate::error::{Error, Result};
use crate::formats::spm_model::ModelType;
use crate::models::bpe::trainer::BpeTrainerOptions;
use crate::models::wordpiece::trainer::WordPieceTrainerOptions;
use crate::train::recipes::bpe::BpeRun;
use crate::train::recipes::spm::SpmRun;
use crate::train::recipes::wordpiece::WordPieceRun;
use crate::train::run::{count_files, train, Algorithm, Report, Source};
use crate::train::split::WordSplit;
use crate::train::spm::SpmOptions;
use crate::train::{count_texts, CorpusOptions, WordCounts};

/// Word counts, and the split that made them (`None` when read from a
/// counts file, which does not say).
#[pyclass(name = "WordCounts", module = "tokkit._tokkit", from_py_object)]
#[derive(Clone, Default)]
pub struct PyWordCounts {
    counts: WordCounts,
    split: Option<WordSplit>,
}

/// The first line of a pickled `WordCounts`: the corpus figures and the
/// split, before the `word<TAB>count` lines.
#[derive(Serialize, Deserialize)]
struct StateHeader {
    lines: u64,
    bytes: u64,
    skipped_lines: u64,
    split: Option<WordSplit>,
}

#[pymethods]
impl PyWordCounts {
    #[new]
    fn new() -> Self {
        PyWordCounts::default()
    }

    fn __len__(&self) -> usize {
        self.counts.words.len()
    }

    fn __contains__(&self, word: &str) -> bool {
        self.counts.words.get(word).is_some()
    }

    fn __getitem__(&self, word: &str) -> PyResult<u64> {
        self.counts
            .words
            .get(word)
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(word.to_owned()))
    }

    fn __eq__(&self, other: &Self) -> bool {
        self.counts == other.counts && self.split == other.split
    }

    /// Counts of both: shards counted apart add up to the whole.
    fn __add__(&self, py: Python<'_>, other: &Self) -> PyResult<Self> {
        let split = match (&self.split, &other.split) {
            (Some(a), Some(b)) if a != b => {
                return Err(Error::InvalidArgument(
                    "cannot add counts made with different normalizers or pre-tokenizers".into(),
                )
                .into())
            }
            (Some(a), _) => Some(a.clone()),
            (None, b) => b.clone(),
        };
        let counts = py.detach(|| {
            let mut counts = self.counts.clone();
            counts.merge(other.counts.clone());
            counts
        });
        Ok(PyWordCounts { counts, split })
    }

    /// `(word, count)` pairs sorted by word.
    fn items(&self) -> Vec<(String, u64)> {
        self.counts
            .sorted()
            .into_iter()
            .map(|(w, c)| (w.to_owned(), c))
            .collect()
    }

    /// Lines (or texts) read.
    #[getter]
    fn lines(&self) -> u64 {
        self.counts.lines
    }

    /// Bytes read.
    #[getter]
    fn bytes(&self) -> u64 {
        self.counts.bytes
    }

    /// Lines skipped as invalid UTF-8.
    #[getter]
    fn skipped_lines(&self) -> u64 {
        self.counts.skipped_lines
    }

    /// Writes `word<TAB>count` lines (sentencepiece's counts format).
    fn save(&self, py: Python<'_>, path: PathBuf) -> PyResult<()> {
        Ok(py.detach(|| self.counts.save(&path))?)
    }

    /// Reads a `word<TAB>count` file.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let counts = py.detach(|| WordCounts::load(&path))?;
        Ok(PyWordCounts {
            counts,
            split: None,
        })
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let header = StateHeader {
            lines: self.counts.lines,
            bytes: self.counts.bytes,
            skipped_lines: self.counts.skipped_lines,
            split: self.split.clone(),
        };
        let mut state = serde_json::to_string(&header)
            .map_err(|e| Error::InvalidArgument(format!("cannot pickle WordCounts: {e}")))?;
        state.push('\n');
        state.push_str(&self.counts.to_tsv());
        Ok(PyBytes::new(py, state.as_bytes()))
    }

    fn __setstate__(&mut self, py: Python<'_>, state: &[u8]) -> PyResult<()> {
        let bad = || Error::InvalidArgument("not a pickled WordCounts".into());
        let text = std::str::from_utf8(state).map_err(|_| bad())?;
        let (header, tsv) = text.split_once('\n').ok_or_else(bad)?;
        let header: StateHeader = serde_json::from_str(header).map_err(|_| bad())?;
        let mut counts = py.detach(|| WordCounts::from_tsv(tsv))?;
        counts.lines = header.lines;
        counts.bytes = header.bytes;
        counts.skipped_lines = header.skipped_lines;
        *self = PyWordCounts {
            counts,
            split: header.split,
        };
        Ok(())
    }

    fn __repr__(&self) -> String {
        format!(
            "WordCounts({} distinct words, {} lines, {} bytes)",
            self.counts.words.len(),
            self.counts.lines,
            self.counts.bytes
        )
    }
}

/// How a trainer cuts text into words (an opaque [`WordSplit`]).
#[pyclass(name = "WordSplit", module = "tokkit._tokkit", frozen, from_py_object)]
#[derive(Clone)]
pub struct PyWordSplit(WordSplit);

#[pymethods]
impl PyWordSplit {
    /// Whole lines: what sentencepiece trainers count.
    #[staticmethod]
    fn lines() -> Self {
        PyWordSplit(WordSplit::lines())
    }

    /// The split named by a normalizer, a pre-tokenizer and a pattern.
    #[staticmethod]
    #[pyo3(signature = (normalizer, pre_tokenizer, pattern, byte_level))]
    fn named(
        normalizer: Option<String>,
        pre_tokenizer: Option<String>,
        pattern: Option<String>,
        byte_level: bool,
    ) -> PyResult<Self> {
        Ok(PyWordSplit(WordSplit::named(
            normalizer.as_deref(),
            pre_tokenizer.as_deref(),
            pattern.as_deref(),
            byte_level,
        )?))
    }

    /// HF's BERT normalisation and split.
    #[staticmethod]
    fn bert(lowercase: bool) -> Self {
        PyWordSplit(WordSplit::bert(lowercase))
    }
}

/// The words of `files` as `split` cuts them.
#[pyfunction]
#[pyo3(signature = (files, split, skip_invalid, num_threads, progress))]
pub fn count_file_words(
    py: Python<'_>,
    files: Vec<PathBuf>,
    split: PyWordSplit,
    skip_invalid: bool,
    num_threads: Option<usize>,
    progress: bool,
) -> PyResult<PyWordCounts> {
    let options = CorpusOptions {
        skip_invalid,
        num_threads,
        progress,
    };
    let counts = py.detach(|| count_files(&files, &split.0, &options))?;
    Ok(PyWordCounts {
        counts,
        split: Some(split.0),
    })
}

/// The words of `texts` (each one whole sequence) as `split` cuts them.
#[pyfunction]
#[pyo3(signature = (texts, split, num_threads))]
pub fn count_text_words(
    py: Python<'_>,
    texts: Vec<Text>,
    split: PyWordSplit,
    num_threads: Option<usize>,
) -> PyResult<PyWordCounts> {
    let counts = py.detach(|| -> Result<WordCounts> {
        let splitter = split.0.splitter()?;
        count_texts(&texts, &splitter, num_threads.unwrap_or(0))
    })?;
    Ok(PyWordCounts {
        counts,
        split: Some(split.0),
    })
}

/// Files to read, or counts made already.
// Made once per call and moved into the run: its size does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(FromPyObject)]
pub enum PySource {
    Counts(PyWordCounts),
    Files(Vec<PathBuf>),
}

/// Runs `algorithm` on `source` without the GIL; counts made with another
/// split than the algorithm's are refused.
fn run<A: Algorithm + Sync>(
    py: Python<'_>,
    algorithm: &A,
    source: PySource,
    output_dir: &Path,
    corpus: &CorpusOptions,
) -> PyResult<Report> {
    if let PySource::Counts(PyWordCounts {
        split: Some(split), ..
    }) = &source
    {
        if split != algorithm.split() {
            return Err(Error::InvalidArgument(
                "these counts were made with another normalizer or pre-tokenizer than this \
                 trainer's: count with the trainer's own settings"
                    .into(),
            )
            .into());
        }
    }
    Ok(py.detach(|| {
        let source = match source {
            PySource::Files(ref files) => Source::Files(files, corpus),
            PySource::Counts(counts) => Source::Counts(counts.counts),
        };
        train(
            algorithm,
            source,
            output_dir,
            corpus.num_threads.unwrap_or(0),
        )
    })?)
}

fn summary<'py>(py: Python<'py>, report: &Report) -> PyResult<Bound<'py, PyDict>> {
    let summary = PyDict::new(py);
    summary.set_item("vocab_size", report.vocab_size)?;
    summary.set_item("alphabet_size", report.alphabet_size)?;
    summary.set_item("special_tokens", report.special_tokens)?;
    if let Some(merges) = report.merges {
        summary.set_item("merges", merges)?;
    }
    summary.set_item("distinct_words", report.distinct_words)?;
    summary.set_item("lines", report.lines)?;
    summary.set_item("bytes", report.bytes)?;
    summary.set_item("skipped_lines", report.skipped_lines)?;
    let files = PyDict::new(py);
    for (kind, path) in &report.files {
        files.set_item(kind, path)?;
        summary.set_item(format!("{kind}_file"), path)?;
    }
    summary.set_item("files", files)?;
    summary.set_item("notes", report.notes.clone())?;
    if let Some(agreement) = report.tiktoken_agreement {
        summary.set_item("tiktoken_agreement", agreement)?;
    }
    if let Some(pattern) = &report.pattern {
        summary.set_item("pattern", pattern)?;
    }
    summary.set_item("counting_seconds", report.counting_seconds)?;
    summary.set_item("learning_seconds", report.learning_seconds)?;
    summary.set_item("writing_seconds", report.writing_seconds)?;
    Ok(summary)
}

/// Trains a WordPiece vocabulary and writes `vocab.txt` and
/// `tokenizer.json` into `output_dir`; returns a summary dict.
#[pyfunction]
#[pyo3(signature = (source, output_dir, vocab_size, min_frequency, lowercase, special_tokens, unk_token, limit_alphabet, skip_invalid, num_threads, progress))]
#[allow(clippy::too_many_arguments)]
pub fn train_wordpiece<'py>(
    py: Python<'py>,
    source: PySource,
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
        special_tokens,
        limit_alphabet,
        continuing_subword_prefix: "##".to_owned(),
        progress,
    };
    let algorithm = WordPieceRun::new(options, &unk_token, lowercase)?;
    let corpus = CorpusOptions {
        skip_invalid,
        num_threads,
        progress,
    };
    let report = run(py, &algorithm, source, &output_dir, &corpus)?;
    summary(py, &report)
}

/// Trains a BPE vocabulary (byte-level when the split is) and writes its
/// files into `output_dir`; returns a summary dict.
#[pyfunction]
#[pyo3(signature = (source, output_dir, vocab_size, min_frequency, special_tokens, limit_alphabet, initial_alphabet, max_token_length, continuing_subword_prefix, end_of_word_suffix, split, skip_invalid, num_threads, progress))]
#[allow(clippy::too_many_arguments)]
pub fn train_bpe<'py>(
    py: Python<'py>,
    source: PySource,
    output_dir: PathBuf,
    vocab_size: usize,
    min_frequency: u64,
    special_tokens: Vec<String>,
    limit_alphabet: Option<usize>,
    initial_alphabet: Vec<char>,
    max_token_length: Option<usize>,
    continuing_subword_prefix: Option<String>,
    end_of_word_suffix: Option<String>,
    split: PyWordSplit,
    skip_invalid: bool,
    num_threads: Option<usize>,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let options = BpeTrainerOptions {
        vocab_size,
        min_frequency,
        special_tokens,
        limit_alphabet,
        initial_alphabet,
        max_token_length,
        continuing_subword_prefix,
        end_of_word_suffix,
        progress,
    };
    let algorithm = BpeRun::new(options, split.0, num_threads.unwrap_or(0));
    let corpus = CorpusOptions {
        skip_invalid,
        num_threads,
        progress,
    };
    let report = run(py, &algorithm, source, &output_dir, &corpus)?;
    summary(py, &report)
}

/// `options` (spm_train's option names) as [`SpmOptions`]; unknown names are
/// refused.
fn spm_options(model_type: &str, options: &Bound<'_, PyDict>) -> PyResult<SpmOptions> {
    let mut o = SpmOptions {
        model_type: match model_type {
            "unigram" => ModelType::Unigram,
            "bpe" => ModelType::Bpe,
            "char" => ModelType::Char,
            "word" => ModelType::Word,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown model_type {other:?}: use unigram, bpe, char or word"
                ))
                .into())
            }
        },
        ..SpmOptions::default()
    };
    for (key, value) in options.iter() {
        let key: String = key.extract()?;
        match key.as_str() {
            "vocab_size" => o.vocab_size = value.extract()?,
            "character_coverage" => o.character_coverage = value.extract()?,
            "max_piece_length" => o.max_piece_length = value.extract()?,
            "shrinking_factor" => o.shrinking_factor = value.extract()?,
            "num_sub_iterations" => o.num_sub_iterations = value.extract()?,
            "seed_size" => o.seed_size = value.extract()?,
            "byte_fallback" => o.byte_fallback = value.extract()?,
            "split_digits" => o.split_digits = value.extract()?,
            "split_by_whitespace" => o.split_by_whitespace = value.extract()?,
            "split_by_unicode_script" => o.split_by_unicode_script = value.extract()?,
            "split_by_number" => o.split_by_number = value.extract()?,
            "treat_whitespace_as_suffix" => o.treat_whitespace_as_suffix = value.extract()?,
            "allow_whitespace_only_pieces" => o.allow_whitespace_only_pieces = value.extract()?,
            "normalization" => o.normalization = value.extract()?,
            "add_dummy_prefix" => o.add_dummy_prefix = value.extract()?,
            "remove_extra_whitespaces" => o.remove_extra_whitespaces = value.extract()?,
            "user_defined_symbols" => o.user_defined_symbols = value.extract()?,
            "control_symbols" => o.control_symbols = value.extract()?,
            "unk_id" => o.unk_id = value.extract()?,
            "bos_id" => o.bos_id = value.extract()?,
            "eos_id" => o.eos_id = value.extract()?,
            "pad_id" => o.pad_id = value.extract()?,
            "unk_piece" => o.unk_piece = value.extract()?,
            "bos_piece" => o.bos_piece = value.extract()?,
            "eos_piece" => o.eos_piece = value.extract()?,
            "pad_piece" => o.pad_piece = value.extract()?,
            "unk_surface" => o.unk_surface = value.extract()?,
            "input_sentence_size" => o.input_sentence_size = value.extract()?,
            "shuffle_input_sentence" => o.shuffle_input_sentence = value.extract()?,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown sentencepiece option {other:?}"
                ))
                .into())
            }
        }
    }
    Ok(o)
}

/// Checks sentencepiece options as training would (names, ranges, meta
/// piece ids) without training, so a trainer refuses them when made.
#[pyfunction]
pub fn check_spm_options(model_type: &str, options: &Bound<'_, PyDict>) -> PyResult<()> {
    SpmRun::new(spm_options(model_type, options)?, false)?;
    Ok(())
}

/// Trains a sentencepiece model (`model_type` unigram, bpe, char or word)
/// and writes `spm.model`, `spm.vocab` and `tokenizer.json` into
/// `output_dir`; returns a summary dict.
#[pyfunction]
#[pyo3(signature = (source, output_dir, model_type, options, skip_invalid, num_threads, progress))]
#[allow(clippy::too_many_arguments)]
pub fn train_spm<'py>(
    py: Python<'py>,
    source: PySource,
    output_dir: PathBuf,
    model_type: &str,
    options: &Bound<'py, PyDict>,
    skip_invalid: bool,
    num_threads: Option<usize>,
    progress: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let mut options = spm_options(model_type, options)?;
    options.num_threads = num_threads;
    let mut algorithm = SpmRun::new(options, progress)?;
    if let PySource::Files(files) = &source {
        algorithm = algorithm.reading(files, skip_invalid);
    }
    let corpus = CorpusOptions {
        skip_invalid,
        num_threads,
        progress,
    };
    let report = run(py, &algorithm, source, &output_dir, &corpus)?;
    summary(py, &report)
}
