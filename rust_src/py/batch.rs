//! Batch encodings returned as Python lists of ids. The calling thread builds
//! the lists between chunks of texts it encodes itself, while the other
//! threads go on encoding (see [`parallel_chunks_in_order`]), so building them
//! adds little to the time of a parallel batch.

use pyo3::prelude::*;
use pyo3::types::PyList;

use super::id_ints::IdInts;

use crate::error::Result;
use crate::threads::parallel_chunks_in_order;

/// `encode` over `items` on `threads` workers (0: one per core), as a list of
/// id lists (of `ints`) in item order. The GIL is held only while lists are
/// built.
pub fn id_lists<T: Sync>(
    py: Python<'_>,
    ints: &IdInts,
    threads: usize,
    items: &[T],
    encode: impl Fn(usize, &T) -> Result<Vec<u32>> + Sync + Send,
) -> PyResult<Py<PyList>> {
    let mut lists: Vec<Py<PyList>> = Vec::with_capacity(items.len());
    py.detach(|| {
        parallel_chunks_in_order(threads, items, encode, |chunk| {
            Python::attach(|py| {
                for ids in chunk {
                    lists.push(ints.list(py, &ids)?.unbind());
                }
                Ok::<(), PyErr>(())
            })
        })
    })?;
    Ok(PyList::new(py, lists)?.unbind())
}
