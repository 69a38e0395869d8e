//! `tokkit.Encoding`: the result of encoding, with the API of HF
//! `tokenizers.Encoding`.

use std::sync::{Arc, Mutex};

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use super::id_ints::IdInts;
use super::tokenizer::parse_side;
use crate::tokenizer::encoding_state::{encoding_from_bytes, encoding_to_bytes};
use crate::tokenizer::lazy::LazyEncoding;
use crate::tokenizer::{Encoding, Padding, PaddingLength};

/// The result of encoding: ids and what goes with them (HF's `Encoding`).
/// Its token strings and offsets may be made on first read. Not frozen:
/// HF's `pad`, `truncate` and `set_sequence_id` change it in place. They
/// keep the GIL, as HF's do, so a read never meets one half done; one that
/// meets a first read on another thread (which makes the strings and
/// offsets without the GIL) raises PyO3's "Already borrowed" RuntimeError.
///
/// Freed objects (up to 1024, 0.9 MB) are kept for reuse, as CPython keeps
/// lists and tuples: a batch then makes its Encodings without allocating,
/// and so without setting off the cyclic collector, which a new collector
/// object counts toward its next run (a collection per 700). An object
/// reused this way is not tracked by the collector; it can hold no Python
/// object that leads back to it.
#[pyclass(name = "Encoding", module = "tokkit", freelist = 1024)]
pub struct PyEncoding {
    pub(crate) inner: LazyEncoding,
    /// The tokenizer's shared ints for ids, when it came from one.
    ints: Option<Arc<IdInts>>,
    /// The ids as a list made while the batch was encoded, for the first
    /// read of `ids`: building lists is serial under the GIL, and made in
    /// the batch it overlaps with the encoding of the rest. Handed out
    /// once, so every read still returns a list of its own, as HF's does;
    /// dropped when the ids change.
    listed: Mutex<Option<PrivateList>>,
}

/// A list that only its holder refers to, kept out of the cyclic garbage
/// collector's sight until it is handed out. A pyclass object is always a
/// collector object, so a batch of Encodings sets off about twice as many
/// collections as a batch of plain lists; each walked every young list, int
/// by int (a tenth of a 1 KB-document `encode_batch`). A list nothing else
/// refers to cannot be part of a cycle, so it need not be walked; handed out,
/// it is a collector object again, like any other list.
struct PrivateList(Py<PyList>);

impl PrivateList {
    fn new(list: Bound<'_, PyList>) -> Self {
        // SAFETY: `list` is a live list, which untracking leaves valid; a
        // list already untracked is left as it is.
        unsafe { ffi::PyObject_GC_UnTrack(list.as_ptr().cast()) };
        PrivateList(list.unbind())
    }

    fn hand_out(self, py: Python<'_>) -> Bound<'_, PyList> {
        let list = self.0.into_bound(py);
        // SAFETY: a live list, tracked only if it is not yet (tracking
        // twice is a fatal error).
        unsafe {
            if ffi::PyObject_GC_IsTracked(list.as_ptr()) == 0 {
                ffi::PyObject_GC_Track(list.as_ptr().cast());
            }
        }
        list
    }
}

impl PyEncoding {
    fn with(inner: LazyEncoding, ints: Option<Arc<IdInts>>) -> Self {
        PyEncoding {
            inner,
            ints,
            listed: Mutex::new(None),
        }
    }

    /// `inner`, its ids listed with `ints`.
    pub(crate) fn new(inner: LazyEncoding, ints: &Arc<IdInts>) -> Self {
        PyEncoding::with(inner, Some(Arc::clone(ints)))
    }

    /// [`Self::new`], with the list of its ids made now.
    pub(crate) fn listed(
        py: Python<'_>,
        inner: LazyEncoding,
        ints: &Arc<IdInts>,
    ) -> PyResult<Self> {
        let list = PrivateList::new(ints.list(py, inner.ids())?);
        Ok(PyEncoding {
            listed: Mutex::new(Some(list)),
            ..PyEncoding::new(inner, ints)
        })
    }

    /// Forgets the list made with the batch, before the ids change.
    fn unlist(&mut self) {
        *self.listed.get_mut().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// The full encoding, made without the GIL if it was not yet.
    pub(crate) fn full(&self, py: Python<'_>) -> PyResult<&Encoding> {
        Ok(py.detach(|| self.inner.full())?)
    }
}

impl From<Encoding> for PyEncoding {
    fn from(full: Encoding) -> Self {
        PyEncoding::with(full.into(), None)
    }
}

#[pymethods]
impl PyEncoding {
    /// Token ids.
    #[getter]
    fn ids<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let listed = self.listed.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(list) = listed {
            return Ok(list.hand_out(py));
        }
        let ids = self.inner.ids();
        match &self.ints {
            Some(ints) => ints.list(py, ids),
            None => PyList::new(py, ids),
        }
    }
    /// Token strings.
    #[getter]
    fn tokens(&self, py: Python<'_>) -> PyResult<Vec<&str>> {
        Ok(self.full(py)?.tokens.iter().collect())
    }
    /// (start, end) character offsets into the input text.
    #[getter]
    fn offsets(&self, py: Python<'_>) -> PyResult<Vec<(usize, usize)>> {
        Ok(self.full(py)?.offsets.clone())
    }
    /// Segment ids.
    #[getter]
    fn type_ids(&self) -> Vec<u32> {
        self.inner.columns().type_ids.clone()
    }
    /// 1 for real tokens, 0 for padding.
    #[getter]
    fn attention_mask(&self) -> Vec<u32> {
        self.inner.columns().attention_mask.clone()
    }
    /// 1 for special tokens added by post-processing and padding.
    #[getter]
    fn special_tokens_mask(&self) -> Vec<u32> {
        self.inner.columns().special_tokens_mask.clone()
    }
    /// The word each token came from (None for special tokens).
    #[getter]
    fn word_ids(&self, py: Python<'_>) -> PyResult<Vec<Option<u32>>> {
        Ok(self.full(py)?.word_ids.clone())
    }
    /// The input sequence each token came from (None for special tokens).
    #[getter]
    fn sequence_ids(&self) -> Vec<Option<u32>> {
        self.inner.columns().sequence_ids()
    }
    /// What truncation cut off.
    #[getter]
    fn overflowing(&self, py: Python<'_>) -> PyResult<Vec<PyEncoding>> {
        let full = self.full(py)?;
        let window = |e: &Encoding| PyEncoding::with(e.clone().into(), self.ints.clone());
        Ok(full.overflowing.iter().map(window).collect())
    }
    /// The number of input sequences HF counts here: 1, or 2 for a pair
    /// (an overflowing window of a pair without a post-processor may count 1).
    #[getter]
    fn n_sequences(&self) -> usize {
        self.inner.columns().n_sequences()
    }
    /// The input sequence token `token_index` came from.
    fn token_to_sequence(&self, token_index: usize) -> Option<usize> {
        self.inner.columns().token_to_sequence(token_index)
    }
    /// The word (within its sequence) token `token_index` came from.
    fn token_to_word(&self, py: Python<'_>, token_index: usize) -> PyResult<Option<u32>> {
        Ok(self.full(py)?.token_to_word(token_index))
    }
    /// The (start, end) characters of token `token_index` in its sequence.
    fn token_to_chars(
        &self,
        py: Python<'_>,
        token_index: usize,
    ) -> PyResult<Option<(usize, usize)>> {
        Ok(self.full(py)?.token_to_chars(token_index))
    }
    /// The (start, end) tokens of a word of one input sequence.
    #[pyo3(signature = (word_index, sequence_index = 0))]
    fn word_to_tokens(
        &self,
        py: Python<'_>,
        word_index: u32,
        sequence_index: usize,
    ) -> PyResult<Option<(usize, usize)>> {
        Ok(self.full(py)?.word_to_tokens(word_index, sequence_index))
    }
    /// The (start, end) characters of a word of one input sequence.
    #[pyo3(signature = (word_index, sequence_index = 0))]
    fn word_to_chars(
        &self,
        py: Python<'_>,
        word_index: u32,
        sequence_index: usize,
    ) -> PyResult<Option<(usize, usize)>> {
        Ok(self.full(py)?.word_to_chars(word_index, sequence_index))
    }
    /// The token holding character `char_pos` of one input sequence.
    #[pyo3(signature = (char_pos, sequence_index = 0))]
    fn char_to_token(
        &self,
        py: Python<'_>,
        char_pos: usize,
        sequence_index: usize,
    ) -> PyResult<Option<usize>> {
        Ok(self.full(py)?.char_to_token(char_pos, sequence_index))
    }
    /// The word holding character `char_pos` of one input sequence.
    #[pyo3(signature = (char_pos, sequence_index = 0))]
    fn char_to_word(
        &self,
        py: Python<'_>,
        char_pos: usize,
        sequence_index: usize,
    ) -> PyResult<Option<u32>> {
        Ok(self.full(py)?.char_to_word(char_pos, sequence_index))
    }
    /// Pads to `length` tokens in place, this encoding and each of its
    /// overflowing windows (HF's `Encoding.pad`).
    #[pyo3(signature = (length, direction = "right", pad_id = 0, pad_type_id = 0, pad_token = "[PAD]"))]
    fn pad(
        &mut self,
        length: usize,
        direction: &str,
        pad_id: u32,
        pad_type_id: u32,
        pad_token: &str,
    ) -> PyResult<()> {
        let padding = Padding {
            length: PaddingLength::Fixed(length),
            pad_to_multiple_of: None,
            pad_id,
            pad_type_id,
            pad_token: pad_token.to_owned(),
            side: parse_side(direction)?,
        };
        self.unlist();
        Ok(self.inner.pad(&padding)?)
    }
    /// Keeps at most `max_length` tokens in place; the rest become the
    /// overflowing windows, overlapping by `stride` (HF's `Encoding.truncate`).
    #[pyo3(signature = (max_length, stride = 0, direction = "right"))]
    fn truncate(&mut self, max_length: usize, stride: usize, direction: &str) -> PyResult<()> {
        let side = parse_side(direction)?;
        self.unlist();
        Ok(self.inner.truncate(max_length, stride, side)?)
    }
    /// Marks every token as input sequence `sequence_id` (HF's
    /// `Encoding.set_sequence_id`).
    fn set_sequence_id(&mut self, sequence_id: usize) -> PyResult<()> {
        self.unlist();
        Ok(self.inner.set_sequence(sequence_id)?)
    }
    /// The encodings one after another, as one (HF's `Encoding.merge`):
    /// with `growing_offsets`, each one's offsets start where the one
    /// before it ends.
    #[staticmethod]
    #[pyo3(signature = (encodings, growing_offsets = true))]
    fn merge(
        py: Python<'_>,
        encodings: Vec<PyRef<'_, PyEncoding>>,
        growing_offsets: bool,
    ) -> PyResult<PyEncoding> {
        let ints = encodings.iter().find_map(|e| e.ints.clone());
        let fulls = (encodings.iter())
            .map(|e| Ok(e.full(py)?.clone()))
            .collect::<PyResult<Vec<Encoding>>>()?;
        drop(encodings);
        let merged = py.detach(|| Encoding::merge(fulls, growing_offsets))?;
        Ok(PyEncoding::with(merged.into(), ints))
    }
    fn __len__(&self) -> usize {
        self.inner.ids().len()
    }
    /// Rebuilds a pickled encoding (the bytes of [`Self::__reduce__`]).
    #[staticmethod]
    fn _from_state(state: &[u8]) -> PyResult<Self> {
        Ok(encoding_from_bytes(state)?.into())
    }
    /// Pickles as `Encoding._from_state(bytes)`: every column, compactly
    /// (the full encoding, so a pickle is the same whatever was read).
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let rebuild = py.get_type::<PyEncoding>().getattr("_from_state")?;
        let state = encoding_to_bytes(self.full(py)?)?;
        Ok((rebuild, (PyBytes::new(py, &state),)))
    }
    fn __repr__(&self) -> String {
        let ids = self.inner.ids();
        format!("Encoding(num_tokens={}, ids={ids:?})", ids.len())
    }
}
