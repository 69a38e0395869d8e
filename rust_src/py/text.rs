//! Text arguments read as UTF-8 in place. A Python `str` can hold what UTF-8
//! cannot: a lone surrogate. Reading one raises tokkit's `InvalidUtf8Error`
//! naming the character and where it is, not Python's bare
//! `UnicodeEncodeError` (HF and sentencepiece refuse such text too, each
//! with an exception of its own).

use std::ops::Deref;

use pyo3::exceptions::PyUnicodeEncodeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedStr;
use pyo3::types::PyString;

use super::exceptions::tokkit_error;

/// A `str` argument, borrowed from the Python object without a copy.
pub struct Text(PyBackedStr);

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromPyObject<'_, '_> for Text {
    type Error = PyErr;

    fn extract(ob: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let string = ob.cast::<PyString>()?;
        PyBackedStr::try_from(string.to_owned())
            .map(Text)
            .map_err(|err| lone_surrogate(ob.py(), err))
    }
}

/// Python's encoding error, said as tokkit says it: which character, where.
fn lone_surrogate(py: Python<'_>, err: PyErr) -> PyErr {
    if !err.is_instance_of::<PyUnicodeEncodeError>(py) {
        return err;
    }
    let value = err.value(py);
    let start: usize = match value.getattr("start").and_then(|s| s.extract()) {
        Ok(start) => start,
        Err(_) => return err,
    };
    let what = match value.getattr("object").and_then(|t| t.get_item(start)) {
        Ok(c) => code_point(&c).unwrap_or_else(|_| "a lone surrogate".to_owned()),
        Err(_) => "a lone surrogate".to_owned(),
    };
    tokkit_error(
        py,
        "InvalidUtf8Error",
        format!(
            "text holds {what} at index {start}, which has no UTF-8 form; \
             replace lone surrogates first (for example \
             text.encode('utf-8', 'replace').decode())"
        ),
    )
}

/// `the lone surrogate U+D800` for a one-character str that is one.
fn code_point(c: &Bound<'_, PyAny>) -> PyResult<String> {
    let code: u32 = c
        .py()
        .import("builtins")?
        .getattr("ord")?
        .call1((c,))?
        .extract()?;
    Ok(format!("the lone surrogate U+{code:04X}"))
}
