//! `tokkit.Tokenizer`: the general pipeline, with the API of HF
//! `tokenizers.Tokenizer`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use super::added_token::{added_token_item, PyAddedToken};
use super::arrays::{batch_arrays, TextBatch};
use super::encoding::PyEncoding;
use super::id_ints::IdInts;
use super::text::Text;
use crate::flat_ids::FlatIds;
use crate::formats::atomic::write_atomic;
use crate::formats::hf_json_save::to_text;
use crate::tokenizer::lazy::LazyEncoding;
use crate::tokenizer::source::{parse_settings_json, settings_json, Edits, Source};
use crate::tokenizer::{
    EncodeOptions, Input, Padding, PaddingLength, Side, Tokenizer, Truncation, TruncationStrategy,
};

/// A tokenizer loaded from a tokenizer.json (HF's `tokenizers.Tokenizer` API).
#[pyclass(frozen, name = "Tokenizer", module = "tokkit")]
pub struct PyTokenizer {
    /// The tokenizer: replaced, never changed, when tokens are added, so a
    /// call holds the one it started with.
    inner: RwLock<Arc<Tokenizer>>,
    /// The files it was built from, for pickling.
    source: Source,
    /// Truncation and padding: settings, so they may change; the encoder does not.
    options: Mutex<EncodeOptions>,
    /// What was done since loading, for pickling; its lock also orders
    /// the calls that replace the tokenizer.
    edits: Mutex<Edits>,
    /// One Python int per id, shared by the id lists of its encodings.
    ints: Arc<IdInts>,
}

impl PyTokenizer {
    /// Wraps a tokenizer built from `source`; its file's truncation and
    /// padding become the initial settings.
    fn wrap((source, tokenizer): (Source, Tokenizer)) -> Self {
        let options = Mutex::new(tokenizer.defaults.clone());
        let ints = Arc::new(IdInts::new(tokenizer.vocab_size(true)));
        PyTokenizer {
            ints,
            inner: RwLock::new(Arc::new(tokenizer)),
            source,
            options,
            edits: Mutex::new(Edits::default()),
        }
    }

    /// The tokenizer as it is now.
    pub(crate) fn tokenizer(&self) -> Arc<Tokenizer> {
        let guard = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&guard)
    }

    /// Replaces the tokenizer by `edit` of it, recording the edit.
    fn edit<T>(
        &self,
        py: Python<'_>,
        edit: impl FnOnce(&Tokenizer, &mut Edits) -> crate::error::Result<(Tokenizer, T)> + Send,
    ) -> PyResult<T>
    where
        T: Send,
    {
        let mut edits = self.edits.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.tokenizer();
        let edits: &mut Edits = &mut edits;
        let (tokenizer, out) = py.detach(|| edit(&current, edits))?;
        *self.inner.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(tokenizer);
        Ok(out)
    }

    /// Adds the items of a Python list, special or not, as HF's
    /// `add_tokens` / `add_special_tokens` do.
    fn add(&self, list: &Bound<'_, PyList>, special: bool) -> PyResult<usize> {
        let tokens: Vec<_> = list
            .iter()
            .map(|item| added_token_item(&item, special))
            .collect::<PyResult<_>>()?;
        self.edit(list.py(), |current, edits| {
            let (tokenizer, count) = self.source.add_tokens(current, tokens.clone())?;
            edits.added.push(tokens);
            Ok((tokenizer, count))
        })
    }

    /// The tokenizer.json HF would write now.
    fn json(&self) -> crate::error::Result<serde_json::Value> {
        self.source
            .tokenizer_json(&self.tokenizer(), &self.options())
    }

    fn options(&self) -> EncodeOptions {
        self.options.lock().map(|o| o.clone()).unwrap_or_default()
    }

    fn set_options(&self, f: impl FnOnce(&mut EncodeOptions)) {
        if let Ok(mut o) = self.options.lock() {
            f(&mut o);
        }
    }

    /// Encodes a batch of Python inputs (sequences or pairs) without the GIL.
    fn encodings(
        &self,
        py: Python<'_>,
        inputs: &[Bound<'_, PyAny>],
        batch: Batch,
    ) -> PyResult<Vec<LazyEncoding>> {
        let owned: Vec<(TextOrWords, Option<TextOrWords>)> = inputs
            .iter()
            .map(|item| batch_input(item, batch.is_pretokenized))
            .collect::<PyResult<_>>()?;
        let options = self.options();
        let tokenizer = self.tokenizer();
        let encodings = py.detach(|| {
            let inputs: Vec<_> = owned
                .iter()
                .map(|(a, b)| (a.input(), b.as_ref().map(TextOrWords::input)))
                .collect();
            tokenizer.encode_batch_lazy(
                &inputs,
                batch.add_special_tokens,
                &options,
                batch.num_threads,
            )
        })?;
        Ok(encodings)
    }
}

/// How a batch is encoded: HF's arguments of `encode_batch`.
#[derive(Clone, Copy)]
struct Batch {
    is_pretokenized: bool,
    add_special_tokens: bool,
    num_threads: Option<usize>,
}

pub(crate) fn parse_side(side: &str) -> PyResult<Side> {
    match side {
        "right" => Ok(Side::Right),
        "left" => Ok(Side::Left),
        other => Err(PyValueError::new_err(format!(
            "direction must be \"right\" or \"left\", not {other:?}"
        ))),
    }
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Right => "right",
        Side::Left => "left",
    }
}

/// An input sequence as Python gives it: a str, or, when the input is
/// pretokenized, a list or tuple of words. The texts are read in place, not
/// copied: copying is serial work before a parallel batch (reading 1555 ~1 KB
/// texts for a GPT-2 batch took 0.65 ms with copies and 0.07 ms without, of a
/// 47 ms call on 2 threads).
enum TextOrWords {
    Text(Text),
    Words(Vec<Text>),
}

impl TextOrWords {
    fn extract(ob: &Bound<'_, PyAny>, pretokenized: bool) -> PyResult<Self> {
        Ok(if pretokenized {
            TextOrWords::Words(ob.extract()?)
        } else {
            TextOrWords::Text(ob.extract()?)
        })
    }

    fn input(&self) -> Input<'_, Text> {
        match self {
            TextOrWords::Text(text) => Input::Text(text),
            TextOrWords::Words(words) => Input::Words(words),
        }
    }
}

/// One batch input, as HF reads it: a sequence, or a pair of them as a tuple
/// or a list of two.
fn batch_input(
    item: &Bound<'_, PyAny>,
    pretokenized: bool,
) -> PyResult<(TextOrWords, Option<TextOrWords>)> {
    if let Ok(one) = TextOrWords::extract(item, pretokenized) {
        return Ok((one, None));
    }
    let parts: Option<Vec<Bound<'_, PyAny>>> = match item.cast::<PyTuple>() {
        Ok(tuple) => Some(tuple.iter().collect()),
        Err(_) => item.cast::<PyList>().ok().map(|list| list.iter().collect()),
    };
    if let Some([a, b]) = parts.as_deref() {
        let (a, b) = (
            TextOrWords::extract(a, pretokenized),
            TextOrWords::extract(b, pretokenized),
        );
        if let (Ok(a), Ok(b)) = (a, b) {
            return Ok((a, Some(b)));
        }
    }
    let what = if pretokenized {
        "a list of str"
    } else {
        "a str"
    };
    Err(PyTypeError::new_err(format!(
        "each input must be {what} or a pair of them"
    )))
}

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
        let options = parse_settings_json(settings)?;
        let edits = Edits::from_json(edits)?;
        let source = Source::from_parts(kind, files)?;
        let tokenizer = py.detach(|| edits.replay(&source, source.build()?))?;
        let rebuilt = PyTokenizer::wrap((source, tokenizer));
        rebuilt.set_options(|o| *o = options);
        *rebuilt.edits.lock().unwrap_or_else(PoisonError::into_inner) = edits;
        Ok(rebuilt)
    }

    /// Pickles as `Tokenizer._from_state(kind, files, settings, edits)`:
    /// the bytes of the files it was loaded from, its current truncation
    /// and padding, and the tokens added since, as JSON. Nothing an encode
    /// call does changes them, so the pickle (and a `datasets` fingerprint
    /// of it) stays the same.
    #[allow(clippy::type_complexity)]
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(
        Bound<'py, PyAny>,
        (&'static str, Bound<'py, PyTuple>, String, String),
    )> {
        let rebuild = py.get_type::<PyTokenizer>().getattr("_from_state")?;
        let files = self.source.files().into_iter().map(|f| PyBytes::new(py, f));
        let files = PyTuple::new(py, files)?;
        let settings = settings_json(&self.options());
        let edits = self
            .edits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .to_json();
        Ok((rebuild, (self.source.kind(), files, settings, edits)))
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
    ) -> PyResult<Vec<PyEncoding>> {
        let batch = Batch {
            is_pretokenized,
            add_special_tokens,
            num_threads,
        };
        let encodings = self.encodings(py, &inputs, batch)?;
        let wrap = |e| PyEncoding::new(e, &self.ints);
        Ok(encodings.into_iter().map(wrap).collect())
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
    fn get_vocab(&self, with_added_tokens: bool) -> std::collections::HashMap<String, u32> {
        let tokenizer = self.tokenizer();
        let mut vocab: std::collections::HashMap<String, u32> = tokenizer
            .model()
            .vocab()
            .into_iter()
            .map(|(t, id)| (t.to_owned(), id))
            .collect();
        if with_added_tokens {
            for (content, id) in tokenizer.added_tokens().contents() {
                vocab.insert(content.to_owned(), id);
            }
        }
        vocab
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
        let strategy = match strategy {
            "longest_first" => TruncationStrategy::LongestFirst,
            "only_first" => TruncationStrategy::OnlyFirst,
            "only_second" => TruncationStrategy::OnlySecond,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown truncation strategy {other:?}"
                )))
            }
        };
        let reserved = self.tokenizer().added_tokens_count(false);
        if max_length >= reserved && max_length - reserved < stride {
            return Err(crate::Error::InvalidArgument(format!(
                "truncation stride ({stride}) must be smaller than max_length ({max_length}) \
                 minus the {reserved} special tokens"
            ))
            .into());
        }
        let truncation = Truncation {
            max_length,
            stride,
            strategy,
            side: parse_side(direction)?,
        };
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
        let padding = Padding {
            length: length.map_or(PaddingLength::BatchLongest, PaddingLength::Fixed),
            pad_to_multiple_of,
            pad_id,
            pad_type_id,
            pad_token: pad_token.to_owned(),
            side: parse_side(direction)?,
        };
        padding.check()?;
        self.set_options(|o| o.padding = Some(padding));
        Ok(())
    }

    /// The truncation settings as a dict, or None.
    #[getter]
    fn truncation<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(t) = self.options().truncation else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("max_length", t.max_length)?;
        d.set_item("stride", t.stride)?;
        let strategy = match t.strategy {
            TruncationStrategy::LongestFirst => "longest_first",
            TruncationStrategy::OnlyFirst => "only_first",
            TruncationStrategy::OnlySecond => "only_second",
        };
        d.set_item("strategy", strategy)?;
        d.set_item("direction", side_name(t.side))?;
        Ok(Some(d))
    }

    /// The padding settings as a dict, or None.
    #[getter]
    fn padding<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(p) = self.options().padding else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        let length = match p.length {
            PaddingLength::Fixed(n) => Some(n),
            PaddingLength::BatchLongest => None,
        };
        d.set_item("length", length)?;
        d.set_item("pad_to_multiple_of", p.pad_to_multiple_of)?;
        d.set_item("pad_id", p.pad_id)?;
        d.set_item("pad_type_id", p.pad_type_id)?;
        d.set_item("pad_token", p.pad_token)?;
        d.set_item("direction", side_name(p.side))?;
        Ok(Some(d))
    }

    fn __repr__(&self) -> String {
        format!(
            "Tokenizer(vocab_size={})",
            self.tokenizer().vocab_size(true)
        )
    }
}
