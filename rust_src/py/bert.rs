//! BERT building blocks for `tokkit.bert` (FullTokenizer and friends): the
//! Python classes own the API, these do the work.

use std::path::{Path, PathBuf};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;
use rustc_hash::FxHashMap;

use super::arrays::{encode_arrays, TextBatch};
use super::batch::id_lists;
use super::id_ints::IdInts;
use super::text::Text;

use crate::formats::vocab_txt::{parse_vocab_txt, read_vocab_txt};
use crate::models::wordpiece::WordPiece;
use crate::normalize::bert::{BertCompat, BertNormalizer};
use crate::normalize::pyunicode;
use crate::pipeline::{Model, Normalized, Token};
use crate::pretokenize::bert::BertPreTokenizer;
use crate::tokenizer::Tokenizer;

fn parse_compat(compat: &str) -> PyResult<BertCompat> {
    match compat {
        "google" => Ok(BertCompat::Google),
        "hf" => Ok(BertCompat::Hf),
        other => Err(PyValueError::new_err(format!(
            "compat must be \"google\" or \"hf\", not {other:?}"
        ))),
    }
}

fn normalizer(
    compat: BertCompat,
    lowercase: bool,
    tokenize_chinese_chars: bool,
    strip_accents: Option<bool>,
) -> BertNormalizer {
    BertNormalizer {
        compat,
        clean_text: true,
        handle_chinese_chars: tokenize_chinese_chars,
        strip_accents: strip_accents.unwrap_or(lowercase),
        lowercase,
    }
}

/// Reads a Google `vocab.txt` as `{token: id}` in id order, with the given
/// reference's reading rules.
#[pyfunction]
#[pyo3(signature = (path, compat = "google"))]
pub fn read_vocab_txt_file(
    py: Python<'_>,
    path: PathBuf,
    compat: &str,
) -> PyResult<Vec<(String, u32)>> {
    let compat = parse_compat(compat)?;
    let vocab = py.detach(|| read_vocab_txt(&path, compat))?;
    Ok(in_id_order(vocab))
}

/// [`read_vocab_txt_file`] from the file's bytes (a pickled `FullTokenizer`
/// carries them).
#[pyfunction]
#[pyo3(signature = (data, compat = "google"))]
pub fn read_vocab_txt_bytes(
    py: Python<'_>,
    data: &[u8],
    compat: &str,
) -> PyResult<Vec<(String, u32)>> {
    let compat = parse_compat(compat)?;
    let name = Path::new("<vocab.txt bytes>");
    let vocab = py.detach(|| parse_vocab_txt(data, name, compat))?;
    Ok(in_id_order(vocab))
}

/// A vocabulary's entries sorted by id, so Python sees them in file order.
fn in_id_order(vocab: FxHashMap<String, u32>) -> Vec<(String, u32)> {
    let mut entries: Vec<(String, u32)> = vocab.into_iter().collect();
    entries.sort_unstable_by_key(|(_, id)| *id);
    entries
}

/// BasicTokenizer: normalisation and word splitting, no vocabulary.
#[pyclass(frozen, module = "tokkit._tokkit")]
pub struct BasicTokenizerCore {
    normalizer: BertNormalizer,
    pre_tokenizer: BertPreTokenizer,
}

impl BasicTokenizerCore {
    fn words(&self, text: &str) -> Vec<String> {
        let mut normalized = Normalized::new(text, false);
        self.normalizer.normalize(&mut normalized);
        let mut ranges = Vec::new();
        self.pre_tokenizer.split(normalized.as_str(), &mut ranges);
        ranges
            .into_iter()
            .map(|r| normalized.as_str()[r].to_owned())
            .collect()
    }
}

#[pymethods]
impl BasicTokenizerCore {
    #[new]
    #[pyo3(signature = (compat, lowercase, tokenize_chinese_chars, strip_accents))]
    fn new(
        compat: &str,
        lowercase: bool,
        tokenize_chinese_chars: bool,
        strip_accents: Option<bool>,
    ) -> PyResult<Self> {
        let compat = parse_compat(compat)?;
        Ok(BasicTokenizerCore {
            normalizer: normalizer(compat, lowercase, tokenize_chinese_chars, strip_accents),
            pre_tokenizer: BertPreTokenizer { compat },
        })
    }

    /// The words of `text`: cleaned, lowercased (if asked), split.
    fn tokenize(&self, py: Python<'_>, text: Text) -> Vec<String> {
        py.detach(|| self.words(&text))
    }
}

/// WordpieceTokenizer: whitespace split, then greedy longest-match-first.
#[pyclass(frozen, module = "tokkit._tokkit")]
pub struct WordPieceCore {
    model: WordPiece,
    compat: BertCompat,
}

#[pymethods]
impl WordPieceCore {
    #[new]
    #[pyo3(signature = (vocab, unk_token, max_input_chars_per_word, compat))]
    fn new(
        vocab: FxHashMap<String, u32>,
        unk_token: &str,
        max_input_chars_per_word: usize,
        compat: &str,
    ) -> PyResult<Self> {
        let compat = parse_compat(compat)?;
        Ok(WordPieceCore {
            model: WordPiece::new(vocab, unk_token, "##", max_input_chars_per_word)?,
            compat,
        })
    }

    /// Token strings of `text` (split on whitespace, no normalisation).
    fn tokenize(&self, py: Python<'_>, text: Text) -> PyResult<Vec<String>> {
        py.detach(|| {
            let mut out = Vec::new();
            let mut tokens: Vec<Token> = Vec::new();
            let words: Vec<&str> = match self.compat {
                BertCompat::Google => text.split(pyunicode::is_whitespace).collect(),
                BertCompat::Hf => text.split(char::is_whitespace).collect(),
            };
            for word in words.into_iter().filter(|w| !w.is_empty()) {
                tokens.clear();
                match self.model.tokenize(word, &mut tokens) {
                    Ok(()) => out.extend(
                        tokens
                            .iter()
                            .map(|t| self.model.id_to_token(t.id).unwrap_or_default().to_owned()),
                    ),
                    // Google's WordpieceTokenizer returns the unk string even
                    // when the vocabulary lacks it.
                    Err(_) => out.push(self.model.unk_token().to_owned()),
                }
            }
            Ok(out)
        })
    }
}

/// FullTokenizer's pipeline: BasicTokenizer then WordPiece, in one call.
#[pyclass(frozen, module = "tokkit._tokkit")]
pub struct BertPipeline {
    tokenizer: Tokenizer,
    ints: IdInts,
}

#[pymethods]
impl BertPipeline {
    #[new]
    #[pyo3(signature = (vocab, compat, lowercase, tokenize_chinese_chars, strip_accents, unk_token, max_input_chars_per_word))]
    fn new(
        vocab: FxHashMap<String, u32>,
        compat: &str,
        lowercase: bool,
        tokenize_chinese_chars: bool,
        strip_accents: Option<bool>,
        unk_token: &str,
        max_input_chars_per_word: usize,
    ) -> PyResult<Self> {
        let compat = parse_compat(compat)?;
        let ints = IdInts::new(vocab.len());
        let model = WordPiece::new(vocab, unk_token, "##", max_input_chars_per_word)?;
        let tokenizer = Tokenizer::new(Box::new(model))
            .with_normalizer(Box::new(normalizer(
                compat,
                lowercase,
                tokenize_chinese_chars,
                strip_accents,
            )))
            .with_pre_tokenizer(Box::new(BertPreTokenizer { compat }));
        Ok(BertPipeline { tokenizer, ints })
    }

    /// Token ids of `text`.
    fn encode<'py>(&self, py: Python<'py>, text: Text) -> PyResult<Bound<'py, PyList>> {
        let ids = py.detach(|| self.tokenizer.encode_ids(&text))?;
        self.ints.list(py, &ids)
    }

    /// Token strings of `text`.
    fn tokenize(&self, py: Python<'_>, text: Text) -> PyResult<Vec<String>> {
        let ids = py.detach(|| self.tokenizer.encode_ids(&text))?;
        let model = self.tokenizer.model();
        Ok(ids
            .iter()
            .map(|&id| model.id_to_token(id).unwrap_or_default().to_owned())
            .collect())
    }

    /// Token ids of many texts, in parallel, as flat arrays
    /// (`tokkit.BatchArrays`).
    #[pyo3(signature = (texts, num_threads = None))]
    fn encode_batch_arrays<'py>(
        &self,
        py: Python<'py>,
        texts: TextBatch,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let strs = texts.strs()?;
        encode_arrays(py, &strs, num_threads.unwrap_or(0), |_, t| {
            self.tokenizer.encode_ids(t)
        })
    }

    /// Token ids of many texts, in parallel.
    #[pyo3(signature = (texts, num_threads = None))]
    fn encode_batch(
        &self,
        py: Python<'_>,
        texts: Vec<Text>,
        num_threads: Option<usize>,
    ) -> PyResult<Py<PyList>> {
        let threads = num_threads.unwrap_or(0);
        id_lists(py, &self.ints, threads, &texts, |_, t| {
            self.tokenizer.encode_ids(t)
        })
    }
}
