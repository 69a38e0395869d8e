//! The Python exception hierarchy, declared once; `tokkit.errors` re-exports it.

use pyo3::exceptions::{
    PyFileNotFoundError, PyOSError, PyRuntimeError, PyUnicodeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::{create_exception, PyErr};

use std::path::Path;

use crate::error::Error;

create_exception!(
    tokkit,
    TokkitError,
    pyo3::exceptions::PyException,
    "Base class of every tokkit error."
);
create_exception!(
    tokkit,
    VocabFormatError,
    TokkitError,
    "A vocabulary or model file is malformed."
);
create_exception!(
    tokkit,
    TrainingError,
    TokkitError,
    "Training could not produce a model."
);
create_exception!(
    tokkit,
    EncodingError,
    TokkitError,
    "Encoding or decoding failed."
);

/// Registers the exception classes (and the ones built in Python, which need
/// a second base class) on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("TokkitError", py.get_type::<TokkitError>())?;
    m.add("VocabFormatError", py.get_type::<VocabFormatError>())?;
    m.add("TrainingError", py.get_type::<TrainingError>())?;
    m.add("EncodingError", py.get_type::<EncodingError>())?;
    let builtins = py.import("builtins")?;
    let make_type = builtins.getattr("type")?;
    let tokkit_error = py.get_type::<TokkitError>();
    // Subclasses of both a tokkit class and a builtin one, so callers can catch
    // either: `except FileNotFoundError` keeps working with tokkit, `except
    // OSError` catches a full disk with its `errno` and `filename`, and
    // `except RuntimeError` still catches what sentencepiece raises as one (an
    // n-best or sampling request a model type cannot serve).
    for (name, builtin) in [
        (
            "TokkitFileNotFoundError",
            py.get_type::<PyFileNotFoundError>(),
        ),
        ("TokkitOSError", py.get_type::<PyOSError>()),
        ("InvalidUtf8Error", py.get_type::<PyUnicodeError>()),
        ("InvalidArgumentError", py.get_type::<PyValueError>()),
        ("CorpusFormatError", py.get_type::<PyValueError>()),
        ("UnsupportedError", py.get_type::<PyRuntimeError>()),
    ] {
        let bases = (tokkit_error.clone(), builtin);
        let namespace = pyo3::types::PyDict::new(py);
        namespace.set_item("__module__", "tokkit.errors")?;
        let class = make_type.call1((name, bases, namespace))?;
        m.add(name, class)?;
    }
    Ok(())
}

/// A `TokkitOSError` with the OS error's `errno`, `strerror` and `filename`
/// (Python then shows `[Errno 28] No space left on device: 'out/vocab.txt'`),
/// or with `message` alone when the error has no OS error number.
fn os_error(py: Python<'_>, path: &Path, source: &std::io::Error, message: String) -> PyErr {
    let made = error_class(py, "TokkitOSError").and_then(|class| match source.raw_os_error() {
        Some(errno) => {
            let strerror = py.import("os")?.getattr("strerror")?.call1((errno,))?;
            class.call1((errno, strerror, path.as_os_str()))
        }
        None => class.call1((message.clone(),)),
    });
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(_) => TokkitError::new_err(message),
    }
}

fn error_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("tokkit._tokkit")?.getattr(name)
}

/// An instance of the tokkit exception class `class_name` (one of those
/// [`register`] adds) with `message`.
pub fn tokkit_error(py: Python<'_>, class_name: &str, message: String) -> PyErr {
    match error_class(py, class_name) {
        Ok(class) => match class.call1((message.clone(),)) {
            Ok(instance) => PyErr::from_value(instance),
            Err(e) => e,
        },
        Err(_) => TokkitError::new_err(message),
    }
}

/// Every core error becomes the matching Python exception, so `?` works in
/// the bindings.
impl From<Error> for PyErr {
    fn from(err: Error) -> PyErr {
        let message = err.to_string();
        Python::attach(|py| {
            let class_name = match &err {
                Error::FileNotFound { .. } => "TokkitFileNotFoundError",
                Error::InvalidUtf8 { .. } => "InvalidUtf8Error",
                Error::InvalidArgument(_) => "InvalidArgumentError",
                Error::VocabFormat { .. } => return VocabFormatError::new_err(message),
                Error::Unsupported(_) => "UnsupportedError",
                Error::Training(_) => return TrainingError::new_err(message),
                Error::Encoding(_) => return EncodingError::new_err(message),
                Error::Io { path, source } => return os_error(py, path, source, message),
            };
            tokkit_error(py, class_name, message)
        })
    }
}
