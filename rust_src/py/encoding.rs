//! `tokkit.Encoding`: the result of encoding, with the API of HF
//! `tokenizers.Encoding`.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::tokenizer::encoding_state::{encoding_from_bytes, encoding_to_bytes};
use crate::tokenizer::Encoding;

/// The result of encoding: ids and what goes with them (HF's `Encoding`).
#[pyclass(frozen, name = "Encoding", module = "tokkit")]
pub struct PyEncoding {
    pub(crate) inner: Encoding,
}

#[pymethods]
impl PyEncoding {
    /// Token ids.
    #[getter]
    fn ids(&self) -> Vec<u32> {
        self.inner.ids.clone()
    }
    /// Token strings.
    #[getter]
    fn tokens(&self) -> Vec<&str> {
        self.inner.tokens.iter().collect()
    }
    /// (start, end) character offsets into the input text.
    #[getter]
    fn offsets(&self) -> Vec<(usize, usize)> {
        self.inner.offsets.clone()
    }
    /// Segment ids.
    #[getter]
    fn type_ids(&self) -> Vec<u32> {
        self.inner.type_ids.clone()
    }
    /// 1 for real tokens, 0 for padding.
    #[getter]
    fn attention_mask(&self) -> Vec<u32> {
        self.inner.attention_mask.clone()
    }
    /// 1 for special tokens added by post-processing and padding.
    #[getter]
    fn special_tokens_mask(&self) -> Vec<u32> {
        self.inner.special_tokens_mask.clone()
    }
    /// The word each token came from (None for special tokens).
    #[getter]
    fn word_ids(&self) -> Vec<Option<u32>> {
        self.inner.word_ids.clone()
    }
    /// The input sequence each token came from (None for special tokens).
    #[getter]
    fn sequence_ids(&self) -> Vec<Option<u32>> {
        self.inner.sequence_ids()
    }
    /// What truncation cut off.
    #[getter]
    fn overflowing(&self) -> Vec<PyEncoding> {
        self.inner
            .overflowing
            .iter()
            .map(|e| PyEncoding { inner: e.clone() })
            .collect()
    }
    /// The number of input sequences HF counts here: 1, or 2 for a pair
    /// (an overflowing window of a pair without a post-processor may count 1).
    #[getter]
    fn n_sequences(&self) -> usize {
        self.inner.n_sequences()
    }
    /// The input sequence token `token_index` came from.
    fn token_to_sequence(&self, token_index: usize) -> Option<usize> {
        self.inner.token_to_sequence(token_index)
    }
    /// The word (within its sequence) token `token_index` came from.
    fn token_to_word(&self, token_index: usize) -> Option<u32> {
        self.inner.token_to_word(token_index)
    }
    /// The (start, end) characters of token `token_index` in its sequence.
    fn token_to_chars(&self, token_index: usize) -> Option<(usize, usize)> {
        self.inner.token_to_chars(token_index)
    }
    /// The (start, end) tokens of a word of one input sequence.
    #[pyo3(signature = (word_index, sequence_index = 0))]
    fn word_to_tokens(&self, word_index: u32, sequence_index: usize) -> Option<(usize, usize)> {
        self.inner.word_to_tokens(word_index, sequence_index)
    }
    /// The (start, end) characters of a word of one input sequence.
    #[pyo3(signature = (word_index, sequence_index = 0))]
    fn word_to_chars(&self, word_index: u32, sequence_index: usize) -> Option<(usize, usize)> {
        self.inner.word_to_chars(word_index, sequence_index)
    }
    /// The token holding character `char_pos` of one input sequence.
    #[pyo3(signature = (char_pos, sequence_index = 0))]
    fn char_to_token(&self, char_pos: usize, sequence_index: usize) -> Option<usize> {
        self.inner.char_to_token(char_pos, sequence_index)
    }
    /// The word holding character `char_pos` of one input sequence.
    #[pyo3(signature = (char_pos, sequence_index = 0))]
    fn char_to_word(&self, char_pos: usize, sequence_index: usize) -> Option<u32> {
        self.inner.char_to_word(char_pos, sequence_index)
    }
    fn __len__(&self) -> usize {
        self.inner.len()
    }
    /// Rebuilds a pickled encoding (the bytes of [`Self::__reduce__`]).
    #[staticmethod]
    fn _from_state(state: &[u8]) -> PyResult<Self> {
        Ok(PyEncoding {
            inner: encoding_from_bytes(state)?,
        })
    }
    /// Pickles as `Encoding._from_state(bytes)`: every column, compactly.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyBytes>,))> {
        let rebuild = py.get_type::<PyEncoding>().getattr("_from_state")?;
        let state = encoding_to_bytes(&self.inner)?;
        Ok((rebuild, (PyBytes::new(py, &state),)))
    }
    fn __repr__(&self) -> String {
        format!(
            "Encoding(num_tokens={}, ids={:?})",
            self.inner.len(),
            self.inner.ids
        )
    }
}
