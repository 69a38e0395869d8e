//! `split_lines`: a text file's block of lines as the Arrow buffers the
//! corpus reader (`tokkit.corpus.sources`) hands to the encoders.

use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::lines::split_lines as split;

/// The lines of `block` end to end without their line ends, and their
/// offsets as little-endian `int64` bytes; `None` when a `\r` stands inside
/// a line. Runs without the GIL.
#[pyfunction]
pub fn split_lines<'py>(
    py: Python<'py>,
    block: &[u8],
) -> PyResult<Option<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)>> {
    let Some(lines) = py.detach(|| split(block))? else {
        return Ok(None);
    };
    let mut offsets = Vec::with_capacity(lines.offsets.len() * 8);
    for offset in &lines.offsets {
        offsets.extend_from_slice(&offset.to_le_bytes());
    }
    Ok(Some((
        PyBytes::new(py, &lines.data),
        PyBytes::new(py, &offsets),
    )))
}
