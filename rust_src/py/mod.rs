//! The Python module `tokkit._tokkit`: the only code that knows about Python.
//! One file per exposed class; every method that loops over input releases
//! the GIL (`py.detach`).

mod exceptions;
mod spm;

use pyo3::prelude::*;

#[pymodule]
fn _tokkit(m: &Bound<'_, PyModule>) -> PyResult<()> {
    exceptions::register(m)?;
    spm::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
