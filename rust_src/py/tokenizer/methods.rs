//! The Python methods of `tokkit.Tokenizer`, in one `#[pymethods]` block:
//! pyo3 takes one per class (without its `multiple-pymethods` feature).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use super::added::vocab;
use super::encode::{Batch, TextOrWords};
use super::serialize::PickleState;
use super::settings::{padding, padding_dict, truncation, truncation_dict};
use super::PyTokenizer;
use crate::flat_ids::FlatIds;
use crate::formats::atomic::write_atomic;
use crate::formats::hf_json_save::to_text;
use crate::py::added_token::PyAddedToken;
use crate::py::arrays::{batch_arrays, TextBatch};
use crate::py::encoding::PyEncoding;
use crate::py::text::Text;
use crate::tokenizer::source::Source;
use crate::tokenizer::Input;

#[pymethods]
impl PyTokenizer {
    /// Loads a Hugging Face tokenizer.json.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        Ok(PyTokenizer::wrap(py.detach(|| Source::read_json(&path))?))
    }

    /// Loads a Hugging Face tokenizer.json from its text.
    #[staticmethod]
    fn from_str(py: Python<'_>, json: &str) -> PyResult<Self> {
        let name = Path::new("<tokenizer.json string>");
        let source = Source::Json(json.as_bytes().into());
        let tokenizer = py.detach(|| source.build_named(&[name]))?;
        Ok(PyTokenizer::wrap((source, tokenizer)))
    }

    /// Loads a Hugging Face tokenizer.json from its bytes.
    #[staticmethod]
    fn from_buffer(py: Python<'_>, buffer: &[u8]) -> PyResult<Self> {
        let name = Path::new("<tokenizer.json buffer>");
        let source = Source::Json(buffer.into());
        let tokenizer = py.detach(|| source.build_named(&[name]))?;
        Ok(PyTokenizer::wrap((source, tokenizer)))
    }

    /// GPT-2 from `encoder.json`/`vocab.json` and `vocab.bpe`/`merges.txt`
    /// (as HF's `ByteLevelBPETokenizer(vocab, merges)`).
    #[staticmethod]
    fn from_gpt2(py: Python<'_>, vocab_json: PathBuf, merges_txt: PathBuf) -> PyResult<Self> {
        let built = py.detach(|| Source::read_gpt2(&vocab_json, &merges_txt))?;
        Ok(PyTokenizer::wrap(built))
    }

    /// Loads a sentencepiece `.model` (ids as sentencepiece gives them).
    #[staticmethod]
    fn from_sentencepiece(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        Ok(PyTokenizer::wrap(
            py.detach(|| Source::read_sentencepiece(&path))?,
        ))
    }

    /// Rebuilds a pickled tokenizer: the [`Source`] kind and files, then the
    /// truncation and padding it had (see [`Self::__reduce__`]).
    #[staticmethod]
    fn _from_state(
        py: Python<'_>,
        kind: &str,
        files: Vec<Vec<u8>>,
        settings: &str,
        edits: &str,
    ) -> PyResult<Self> {
        PyTokenizer::rebuild(py, kind, files, settings, edits)
    }

    /// Pickles as `Tokenizer._from_state(kind, files, settings, edits)`:
    /// the bytes of the files it was loaded from, its current truncation
    /// and padding, and the tokens added since, as JSON. Nothing an encode
    /// call does changes them, so the pickle (and a `datasets` fingerprint
    /// of it) stays the same.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<PickleState<'py>> {
        self.pickle_state(py)
    }

    /// Adds tokens (str or AddedToken); returns how many HF counts as
    /// added: not the empty ones, nor those already added as they are.
    fn add_tokens(&self, tokens: &Bound<'_, PyList>) -> PyResult<usize> {
        self.add(tokens, false)
    }

    /// Adds special tokens (str or AddedToken, made special); returns how
    /// many HF counts as added.
    fn add_special_tokens(&self, tokens: &Bound<'_, PyList>) -> PyResult<usize> {
        self.add(tokens, true)
    }

    /// The added tokens by id, in id order.
    fn get_added_tokens_decoder(&self) -> std::collections::BTreeMap<u32, PyAddedToken> {
        let tokenizer = self.tokenizer();
        let tokens = tokenizer.added_tokens().tokens();
        tokens
            .map(|t| (t.id, PyAddedToken::from_token(t)))
            .collect()
    }

    /// Whether special added tokens are tokenized as text instead of being
    /// found whole.
    #[getter]
    fn get_encode_special_tokens(&self) -> bool {
        self.tokenizer().encode_special_tokens()
    }

    #[setter]
    fn set_encode_special_tokens(&self, py: Python<'_>, value: bool) -> PyResult<()> {
        self.edit(py, |current, edits| {
            let mut tokenizer = current.clone();
            tokenizer.set_encode_special_tokens(value);
            edits.encode_special_tokens = value;
            Ok((tokenizer, ()))
        })
    }

    /// The tokenizer.json HF would write, as text.
    #[pyo3(signature = (pretty = false))]
    fn to_str(&self, py: Python<'_>, pretty: bool) -> PyResult<String> {
        Ok(py.detach(|| to_text(&self.json()?, pretty))?)
    }

    /// Writes the tokenizer.json HF would write to `path` (atomically).
    #[pyo3(signature = (path, pretty = true))]
    fn save(&self, py: Python<'_>, path: PathBuf, pretty: bool) -> PyResult<()> {
        Ok(py.detach(|| write_atomic(&path, to_text(&self.json()?, pretty)?.as_bytes()))?)
    }

    /// Encodes a text, or a pair of texts; with `is_pretokenized`, lists of
    /// words, each encoded on its own (HF's signature and order).
    #[pyo3(signature = (sequence, pair = None, is_pretokenized = false, add_special_tokens = true))]
    fn encode(
        &self,
        py: Python<'_>,
        sequence: &Bound<'_, PyAny>,
        pair: Option<&Bound<'_, PyAny>>,
        is_pretokenized: bool,
        add_special_tokens: bool,
    ) -> PyResult<PyEncoding> {
        let first = TextOrWords::extract(sequence, is_pretokenized)?;
        let second = pair
            .map(|p| TextOrWords::extract(p, is_pretokenized))
            .transpose()?;
        let options = self.options();
        let inner = py.detach(|| {
            let second = second.as_ref().map(TextOrWords::input);
            self.tokenizer()
                .encode_lazy(first.input(), second, add_special_tokens, &options)
        })?;
        Ok(PyEncoding::new(inner, &self.ints))
    }

    /// Encodes many inputs (sequences or pairs of them) in parallel.
    #[pyo3(signature = (inputs, is_pretokenized = false, add_special_tokens = true, num_threads = None))]
    fn encode_batch(
        &self,
        py: Python<'_>,
        inputs: Vec<Bound<'_, PyAny>>,
        is_pretokenized: bool,
        add_special_tokens: bool,
        num_threads: Option<usize>,
    ) -> PyResult<Vec<Py<PyEncoding>>> {
        let batch = Batch {
            is_pretokenized,
            add_special_tokens,
            num_threads,
        };
        self.listed_encodings(py, &inputs, batch)
    }

    /// [`Self::encode_batch`], with the ids, type ids and attention masks of
    /// its encodings also as flat arrays (`tokkit.BatchArrays`) from the same
    /// run: for callers that read those columns of every encoding
    /// (transformers), without a Python list per encoding and column.
    #[pyo3(signature = (inputs, is_pretokenized = false, add_special_tokens = true, num_threads = None))]
    fn encode_batch_columns<'py>(
        &self,
        py: Python<'py>,
        inputs: Vec<Bound<'py, PyAny>>,
        is_pretokenized: bool,
        add_special_tokens: bool,
        num_threads: Option<usize>,
    ) -> PyResult<(Vec<PyEncoding>, Bound<'py, PyAny>)> {
        let batch = Batch {
            is_pretokenized,
            add_special_tokens,
            num_threads,
        };
        let encodings = self.encodings(py, &inputs, batch)?;
        let flat = py.detach(|| FlatIds::from_encodings(encodings.iter().map(|e| e.columns())))?;
        let wrap = |e| PyEncoding::new(e, &self.ints);
        let encodings = encodings.into_iter().map(wrap).collect();
        Ok((encodings, batch_arrays(py, flat)?))
    }

    /// Encodes many texts in parallel, as [`Self::encode_batch`] does (with
    /// the truncation and padding set), into flat arrays of ids, type ids
    /// and attention mask (`tokkit.BatchArrays`).
    #[pyo3(signature = (texts, add_special_tokens = true, num_threads = None))]
    fn encode_batch_arrays<'py>(
        &self,
        py: Python<'py>,
        texts: TextBatch,
        add_special_tokens: bool,
        num_threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let strs = texts.strs()?;
        let options = self.options();
        let flat = py.detach(|| {
            let inputs: Vec<(Input<'_, &str>, _)> =
                strs.iter().map(|t| (Input::Text(t), None)).collect();
            let encodings = self.tokenizer().encode_batch_lazy(
                &inputs,
                add_special_tokens,
                &options,
                num_threads,
            )?;
            FlatIds::from_encodings(encodings.iter().map(|e| e.columns()))
        })?;
        batch_arrays(py, flat)
    }

    /// Truncates, post-processes (adding special tokens) and pads
    /// encodings, as `encode` does after the pipeline.
    #[pyo3(signature = (encoding, pair = None, add_special_tokens = true))]
    fn post_process(
        &self,
        py: Python<'_>,
        encoding: &PyEncoding,
        pair: Option<&PyEncoding>,
        add_special_tokens: bool,
    ) -> PyResult<PyEncoding> {
        let a = encoding.full(py)?.clone();
        let b = pair.map(|p| p.full(py).cloned()).transpose()?;
        let options = self.options();
        let tokenizer = self.tokenizer();
        let inner = py.detach(|| tokenizer.post_process(a, b, add_special_tokens, &options))?;
        Ok(PyEncoding::new(inner.into(), &self.ints))
    }

    /// The number of ids `encode(text, add_special_tokens=...)` gives,
    /// counted without building them.
    #[pyo3(signature = (text, add_special_tokens = true))]
    fn count_tokens(
        &self,
        py: Python<'_>,
        text: Text,
        add_special_tokens: bool,
    ) -> PyResult<usize> {
        let options = self.options();
        let tokenizer = self.tokenizer();
        Ok(py.detach(|| tokenizer.count_tokens(&text, add_special_tokens, &options))?)
    }

    /// [`Self::count_tokens`] of many texts, in parallel.
    #[pyo3(signature = (texts, add_special_tokens = true, num_threads = None))]
    fn count_tokens_batch(
        &self,
        py: Python<'_>,
        texts: TextBatch,
        add_special_tokens: bool,
        num_threads: Option<usize>,
    ) -> PyResult<Vec<usize>> {
        let strs = texts.strs()?;
        let options = self.options();
        let tokenizer = self.tokenizer();
        Ok(py.detach(|| {
            tokenizer.count_tokens_batch(&strs, add_special_tokens, &options, num_threads)
        })?)
    }

    /// Text of `ids`.
    #[pyo3(signature = (ids, skip_special_tokens = true))]
    fn decode(&self, py: Python<'_>, ids: Vec<u32>, skip_special_tokens: bool) -> PyResult<String> {
        Ok(py.detach(|| self.tokenizer().decode(&ids, skip_special_tokens))?)
    }

    /// Texts of many id lists.
    #[pyo3(signature = (sequences, skip_special_tokens = true))]
    fn decode_batch(
        &self,
        py: Python<'_>,
        sequences: Vec<Vec<u32>>,
        skip_special_tokens: bool,
    ) -> PyResult<Vec<String>> {
        let texts = py.detach(|| {
            sequences
                .iter()
                .map(|ids| self.tokenizer().decode(ids, skip_special_tokens))
                .collect::<crate::error::Result<Vec<String>>>()
        });
        Ok(texts?)
    }

    /// How many special tokens post-processing adds to one text, or to a
    /// pair.
    #[pyo3(signature = (is_pair))]
    fn num_special_tokens_to_add(&self, is_pair: bool) -> usize {
        self.tokenizer().added_tokens_count(is_pair)
    }

    /// The id of a token, or None.
    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.tokenizer().token_to_id(token)
    }

    /// The token of an id, or None.
    fn id_to_token(&self, id: u32) -> Option<String> {
        self.tokenizer().id_to_token(id).map(str::to_owned)
    }

    /// The vocabulary as {token: id}.
    #[pyo3(signature = (with_added_tokens = true))]
    fn get_vocab(&self, with_added_tokens: bool) -> HashMap<String, u32> {
        vocab(&self.tokenizer(), with_added_tokens)
    }

    /// The largest token id, added tokens included (tiktoken's name); None
    /// for an empty vocabulary. Ids may have holes, so it can differ from
    /// `get_vocab_size() - 1`.
    #[getter]
    fn max_token_value(&self) -> Option<u32> {
        self.tokenizer().max_id()
    }

    /// The vocabulary size.
    #[pyo3(signature = (with_added_tokens = true))]
    fn get_vocab_size(&self, with_added_tokens: bool) -> usize {
        self.tokenizer().vocab_size(with_added_tokens)
    }

    /// Turns truncation off.
    fn no_truncation(&self) {
        self.set_options(|o| o.truncation = None);
    }

    /// Turns padding off.
    fn no_padding(&self) {
        self.set_options(|o| o.padding = None);
    }

    /// Truncates encodings to `max_length` tokens.
    #[pyo3(signature = (max_length, stride = 0, strategy = "longest_first", direction = "right"))]
    fn enable_truncation(
        &self,
        max_length: usize,
        stride: usize,
        strategy: &str,
        direction: &str,
    ) -> PyResult<()> {
        let reserved = self.tokenizer().added_tokens_count(false);
        let truncation = truncation(max_length, stride, strategy, direction, reserved)?;
        self.set_options(|o| o.truncation = Some(truncation));
        Ok(())
    }

    /// Pads encodings (to `length`, or to the longest of the batch).
    #[pyo3(signature = (direction = "right", pad_id = 0, pad_type_id = 0, pad_token = "[PAD]", length = None, pad_to_multiple_of = None))]
    fn enable_padding(
        &self,
        direction: &str,
        pad_id: u32,
        pad_type_id: u32,
        pad_token: &str,
        length: Option<usize>,
        pad_to_multiple_of: Option<usize>,
    ) -> PyResult<()> {
        let padding = padding(
            direction,
            pad_id,
            pad_type_id,
            pad_token,
            length,
            pad_to_multiple_of,
        )?;
        self.set_options(|o| o.padding = Some(padding));
        Ok(())
    }

    /// The truncation settings as a dict, or None.
    #[getter]
    fn truncation<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(t) = self.options().truncation else {
            return Ok(None);
        };
        truncation_dict(py, t).map(Some)
    }

    /// The padding settings as a dict, or None.
    #[getter]
    fn padding<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(p) = self.options().padding else {
            return Ok(None);
        };
        padding_dict(py, p).map(Some)
    }

    fn __repr__(&self) -> String {
        format!(
            "Tokenizer(vocab_size={})",
            self.tokenizer().vocab_size(true)
        )
    }
}
