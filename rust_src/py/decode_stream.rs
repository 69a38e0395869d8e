//! `tokkit.decoders.DecodeStream`: streaming decode, with the API of HF
//! `tokenizers.decoders.DecodeStream`.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use super::tokenizer::PyTokenizer;
use crate::tokenizer::decode_stream::DecodeStream;

/// Decodes ids as they come, returning text once it is complete.
#[pyclass(name = "DecodeStream", module = "tokkit.decoders", from_py_object)]
#[derive(Clone)]
pub struct PyDecodeStream {
    inner: DecodeStream,
}

#[pymethods]
impl PyDecodeStream {
    #[new]
    #[pyo3(signature = (ids = None, skip_special_tokens = false))]
    fn new(ids: Option<Vec<u32>>, skip_special_tokens: bool) -> Self {
        PyDecodeStream {
            inner: DecodeStream::new(ids.unwrap_or_default(), skip_special_tokens),
        }
    }

    /// Adds the next id (or a list of ids) and returns the text it
    /// completes, or None while more ids are needed.
    fn step(
        &mut self,
        py: Python<'_>,
        tokenizer: &PyTokenizer,
        id: &Bound<'_, PyAny>,
    ) -> PyResult<Option<String>> {
        let ids = match id.extract::<u32>() {
            Ok(id) => vec![id],
            Err(_) => id.extract::<Vec<u32>>().map_err(|_| {
                PyTypeError::new_err("StreamInput must be either an integer or a list of integers")
            })?,
        };
        let tokenizer = tokenizer.tokenizer();
        let stream = &mut self.inner;
        Ok(py.detach(|| stream.step(&tokenizer, &ids))?)
    }

    fn __copy__(&self) -> Self {
        self.clone()
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyDict>) -> Self {
        self.clone()
    }
}
