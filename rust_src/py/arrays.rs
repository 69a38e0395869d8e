//! Batches as flat arrays: texts taken from a list of str or read in place
//! from Arrow string buffers, and ids handed back as buffers NumPy wraps
//! without a copy (`tokkit.BatchArrays`, in `python/tokkit/arrays.py`).

use std::ffi::c_int;

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::{PyBufferError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyInt, PyList, PyString};
use pyo3::{ffi, intern};

use super::id_ints::int_list;
use super::text::Text;

use crate::arrow_text::ArrowStrings;
use crate::error::{Error, Result};
use crate::flat_ids::{flat_ids, FlatIds};

/// One Arrow string array as `tokkit.arrays` passes it: its offsets and data
/// buffers, its first row in them, its length, and whether offsets are
/// `i64` (`large_string`).
type ArrowChunk = (PyBuffer<i8>, Option<PyBuffer<i8>>, usize, usize, bool);

/// The texts of a batch call: a list of str, or Arrow string arrays whose
/// buffers are held (and so kept alive) for the whole call.
pub enum TextBatch {
    Strs(Vec<Text>),
    Arrow(Vec<ArrowChunk>),
}

impl FromPyObject<'_, '_> for TextBatch {
    type Error = PyErr;

    fn extract(ob: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let py = ob.py();
        if let Ok(list) = ob.cast::<PyList>() {
            return Ok(TextBatch::Strs(texts_of(&list)?));
        }
        // NumPy, Arrow and other iterables are sorted out in Python.
        let arrays = py.import(intern!(py, "tokkit.arrays"))?;
        let (strs, chunks): (Option<Bound<'_, PyList>>, Option<Vec<ArrowChunk>>) = arrays
            .getattr(intern!(py, "_core_texts"))?
            .call1((ob,))?
            .extract()?;
        match (strs, chunks) {
            (Some(list), _) => Ok(TextBatch::Strs(texts_of(&list)?)),
            (None, Some(chunks)) => Ok(TextBatch::Arrow(chunks)),
            (None, None) => Err(PyTypeError::new_err("texts must be a sequence of str")),
        }
    }
}

/// Every item of `list` as text; a TypeError names the first that is not a str.
fn texts_of(list: &Bound<'_, PyList>) -> PyResult<Vec<Text>> {
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            if item.cast::<PyString>().is_err() {
                let kind = item.get_type().name()?;
                return Err(PyTypeError::new_err(format!(
                    "texts[{i}] is {kind}, not str: every text of a batch must be a str"
                )));
            }
            item.extract::<Text>()
        })
        .collect()
}

/// The bytes of a held buffer (empty for none).
fn bytes_of(buffer: Option<&PyBuffer<i8>>) -> PyResult<&[u8]> {
    let Some(buffer) = buffer else {
        return Ok(&[]);
    };
    if !buffer.is_c_contiguous() {
        return Err(PyBufferError::new_err("Arrow buffers must be contiguous"));
    }
    let ptr = buffer.buf_ptr().cast::<u8>();
    if ptr.is_null() || buffer.len_bytes() == 0 {
        return Ok(&[]);
    }
    // SAFETY: the buffer is held (PyObject_GetBuffer) for as long as the
    // returned slice can live, as it borrows `buffer`; it is contiguous, and
    // Arrow buffers are immutable once built, so no one writes to it.
    Ok(unsafe { std::slice::from_raw_parts(ptr, buffer.len_bytes()) })
}

impl TextBatch {
    /// Every text, borrowed; Arrow rows are checked (offsets, UTF-8).
    pub fn strs(&self) -> PyResult<Vec<&str>> {
        match self {
            TextBatch::Strs(texts) => Ok(texts.iter().map(|t| &**t).collect()),
            TextBatch::Arrow(chunks) => {
                let mut out = Vec::new();
                for (offsets, data, offset, len, large) in chunks {
                    let array = ArrowStrings {
                        offsets: bytes_of(Some(offsets))?,
                        data: bytes_of(data.as_ref())?,
                        offset: *offset,
                        len: *len,
                        large: *large,
                    };
                    array.read_into(out.len(), &mut out)?;
                }
                Ok(out)
            }
        }
    }
}

/// A read-only buffer of ids or offsets that NumPy and Arrow wrap in place.
#[pyclass(frozen, name = "_FlatBuffer", module = "tokkit._tokkit")]
pub struct FlatBuffer(Column);

/// The column a [`FlatBuffer`] holds.
enum Column {
    U32(Vec<u32>),
    I64(Vec<i64>),
}

#[pymethods]
impl FlatBuffer {
    /// The buffer protocol: the column's bytes, read-only.
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let (ptr, len) = match &slf.get().0 {
            Column::U32(v) => (v.as_ptr().cast::<u8>(), std::mem::size_of_val(&v[..])),
            Column::I64(v) => (v.as_ptr().cast::<u8>(), std::mem::size_of_val(&v[..])),
        };
        let len = isize::try_from(len).map_err(|_| PyBufferError::new_err("buffer too large"))?;
        // SAFETY: `view` is the caller's Py_buffer to fill; the column is
        // never changed (the class is frozen) and lives as long as `slf`,
        // which the view holds a reference to. Read-only: NumPy's array of it
        // cannot be written.
        let status = unsafe {
            ffi::PyBuffer_FillInfo(view, slf.as_ptr(), ptr.cast_mut().cast(), len, 1, flags)
        };
        if status == -1 {
            return Err(PyErr::fetch(slf.py()));
        }
        Ok(())
    }
}

/// `encode` over `texts` (of [`TextBatch::strs`]) on `threads` threads,
/// without the GIL, as a `tokkit.BatchArrays`.
pub fn encode_arrays<'py>(
    py: Python<'py>,
    texts: &[&str],
    threads: usize,
    encode: impl Fn(usize, &&str) -> Result<Vec<u32>> + Sync + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let flat = py.detach(|| flat_ids(threads, texts, encode))?;
    batch_arrays(py, flat)
}

/// Flat ids as a `tokkit.BatchArrays` over buffers that NumPy wraps as they are.
pub fn batch_arrays(py: Python<'_>, flat: FlatIds) -> PyResult<Bound<'_, PyAny>> {
    let u32s = |v: Option<Vec<u32>>| v.map(|v| FlatBuffer(Column::U32(v)));
    py.import(intern!(py, "tokkit.arrays"))?
        .getattr(intern!(py, "BatchArrays"))?
        .call_method1(
            intern!(py, "_from_buffers"),
            (
                FlatBuffer(Column::U32(flat.ids)),
                FlatBuffer(Column::I64(flat.offsets)),
                u32s(flat.type_ids),
                u32s(flat.attention_mask),
            ),
        )
}

/// Each text's ids as a list of int, text `i`'s being
/// `ids[offsets[i]..offsets[i + 1]]`: `BatchArrays.to_list`, made straight
/// from the flat arrays rather than through one list of every id cut up.
#[pyfunction]
pub fn rows_of_flat<'py>(
    py: Python<'py>,
    ids: PyBuffer<u32>,
    offsets: PyBuffer<i64>,
) -> PyResult<Bound<'py, PyList>> {
    let (ids, offsets) = (ids.to_vec(py)?, offsets.to_vec(py)?);
    // One int object per distinct id, shared by every row that holds it:
    // making and later freeing an int per token is most of the cost.
    let cached = ids.iter().max().map_or(0, |&max| max as usize + 1);
    let mut ints: Vec<Option<Bound<'py, PyInt>>> = vec![None; cached.min(SHARED_INTS)];
    let mut int = |id: u32| match ints.get_mut(id as usize) {
        Some(slot) => slot.get_or_insert_with(|| PyInt::new(py, id)).clone(),
        None => PyInt::new(py, id),
    };
    let rows = offsets.windows(2).map(|pair| {
        let row = &ids[row_range(&pair[0], &pair[1], ids.len())?];
        int_list(py, row, &mut int)
    });
    PyList::new(py, rows.collect::<PyResult<Vec<_>>>()?)
}

/// The ids below which [`rows_of_flat`] shares int objects: every id of the
/// vocabularies in use (o200k's are below 2^18), at 8 bytes of table per id
/// up to the largest in the batch.
const SHARED_INTS: usize = 1 << 20;

/// Whether `rows` still holds exactly the ids of the flat arrays it was made
/// from (see [`rows_of_flat`]): a list of lists of int, nothing changed,
/// added or removed. Anything else, a subclass of int included, is `False`.
#[pyfunction]
pub fn rows_match_flat(
    py: Python<'_>,
    rows: &Bound<'_, PyList>,
    ids: PyBuffer<u32>,
    offsets: PyBuffer<i64>,
) -> PyResult<bool> {
    let (ids, offsets) = (ids.to_vec(py)?, offsets.to_vec(py)?);
    if rows.len() + 1 != offsets.len() {
        return Ok(false);
    }
    for (row, pair) in rows.iter().zip(offsets.windows(2)) {
        let Ok(row) = row.cast_exact::<PyList>() else {
            return Ok(false);
        };
        let want = &ids[row_range(&pair[0], &pair[1], ids.len())?];
        if row.len() != want.len() {
            return Ok(false);
        }
        for (index, &id) in (0..).zip(want) {
            // SAFETY: `row` is a list of `want.len()` items (checked above),
            // so `index` is in range; nothing in this loop runs Python code,
            // so the borrowed item stays in the list while it is read. The
            // item is read as an int only once it is exactly one.
            let same = unsafe {
                let item = ffi::PyList_GetItem(row.as_ptr(), index);
                ffi::PyLong_CheckExact(item) != 0
                    && ffi::PyLong_AsUnsignedLongLong(item) == u64::from(id)
            };
            if !same {
                // a negative or too large int leaves an OverflowError set
                drop(PyErr::take(py));
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// The ids of one row, from two neighbouring offsets, checked to lie in order
/// inside the `len` ids.
fn row_range(start: &i64, end: &i64, len: usize) -> PyResult<std::ops::Range<usize>> {
    match (usize::try_from(*start), usize::try_from(*end)) {
        (Ok(start), Ok(end)) if start <= end && end <= len => Ok(start..end),
        _ => Err(Error::InvalidArgument(format!(
            "offsets {start}..{end} do not lie in order inside the {len} ids"
        ))
        .into()),
    }
}

/// Registers the buffer class and the row functions on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<FlatBuffer>()?;
    m.add_function(wrap_pyfunction!(rows_of_flat, m)?)?;
    m.add_function(wrap_pyfunction!(rows_match_flat, m)?)
}
