//! Lists of token ids built from one shared Python int per id. Most ids are
//! above CPython's small-int cache (0..=256), so a list made the plain way
//! allocates an int object per token, and frees it again when the list goes:
//! on ~1 KB documents that is about a fifth of the time of an encode call.
//! Ints are immutable, so sharing them is safe; CPython's own small-int cache
//! does the same.

use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyInt, PyList};

/// The ints `0..count`, made on first use (an encoder that only decodes never
/// pays for them: about 40 bytes each, 8 MB for o200k).
pub struct IdInts {
    count: usize,
    ints: PyOnceLock<Vec<Py<PyInt>>>,
}

impl IdInts {
    /// Ints for the ids below `count`, the number of tokens: every id when
    /// they are numbered densely, as vocabularies are. Larger ids (tiktoken's
    /// special tokens, a sparse vocabulary's) are made per list, so memory
    /// never grows with the size of an id.
    pub fn new(count: usize) -> Self {
        IdInts {
            count,
            ints: PyOnceLock::new(),
        }
    }

    /// `ids` as a Python list.
    pub fn list<'py>(&self, py: Python<'py>, ids: &[u32]) -> PyResult<Bound<'py, PyList>> {
        let ints = self.ints.get_or_init(py, || {
            (0..self.count)
                .map(|id| PyInt::new(py, id).unbind())
                .collect()
        });
        int_list(py, ids, |id| match ints.get(id as usize) {
            Some(int) => int.bind(py).clone(),
            None => PyInt::new(py, id),
        })
    }
}

/// `ids` as a Python list of the ints `int` gives for them, filled slot by
/// slot: a quarter less time than through `PyList::new`'s iterator.
pub fn int_list<'py>(
    py: Python<'py>,
    ids: &[u32],
    mut int: impl FnMut(u32) -> Bound<'py, PyInt>,
) -> PyResult<Bound<'py, PyList>> {
    // SAFETY: PyList_New makes a list of `ids.len()` empty slots (or fails,
    // which is returned), and each slot is filled once with an owned int,
    // which PyList_SetItem takes over.
    unsafe {
        let list = Bound::from_owned_ptr_or_err(py, ffi::PyList_New(ids.len() as ffi::Py_ssize_t))?;
        for (index, &id) in (0..).zip(ids) {
            ffi::PyList_SetItem(list.as_ptr(), index, int(id).into_ptr());
        }
        Ok(list.cast_into_unchecked())
    }
}
