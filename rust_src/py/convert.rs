//! `tokkit.convert`: Python's arguments to [`crate::convert`] and its
//! summary back as a dict.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::convert::{convert, ConvertSource, Target};

/// Converts the `kind` source in `files` to `output` (format `to`, else
/// from its suffix); returns what was written.
#[pyfunction]
#[pyo3(signature = (kind, files, output, *, to = None, lowercase = true, encoding = None, pattern = None))]
#[allow(clippy::too_many_arguments)]
pub fn convert_files<'py>(
    py: Python<'py>,
    kind: &str,
    files: Vec<PathBuf>,
    output: PathBuf,
    to: Option<&str>,
    lowercase: bool,
    encoding: Option<&str>,
    pattern: Option<&str>,
) -> PyResult<Bound<'py, PyDict>> {
    let source = ConvertSource::named(kind, &files, lowercase, encoding, pattern)?;
    let target = match to {
        Some(name) => Target::parse(name)?,
        None => Target::from_path(&output)?,
    };
    let converted = py.detach(|| convert(&source, target, &output))?;
    let summary = PyDict::new(py);
    summary.set_item("path", converted.path)?;
    summary.set_item("format", converted.target.name())?;
    summary.set_item("tokens", converted.tokens)?;
    summary.set_item("pattern", converted.pattern)?;
    let specials = PyDict::new(py);
    for (text, id) in converted.special_tokens {
        specials.set_item(text, id)?;
    }
    summary.set_item("special_tokens", specials)?;
    summary.set_item("notes", converted.notes)?;
    Ok(summary)
}
