//! Saving and pickling: the tokenizer.json HF would write, and the state a
//! pickle rebuilds the tokenizer from.

use std::sync::PoisonError;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use super::PyTokenizer;
use crate::tokenizer::source::{parse_settings_json, settings_json, Edits, Source};

/// What `__reduce__` gives: `Tokenizer._from_state` and its arguments.
pub(super) type PickleState<'py> = (
    Bound<'py, PyAny>,
    (&'static str, Bound<'py, PyTuple>, String, String),
);

impl PyTokenizer {
    /// The tokenizer.json HF would write now.
    pub(super) fn json(&self) -> crate::error::Result<serde_json::Value> {
        self.source
            .tokenizer_json(&self.tokenizer(), &self.options())
    }

    /// Rebuilds a pickled tokenizer (see `Tokenizer._from_state`).
    pub(super) fn rebuild(
        py: Python<'_>,
        kind: &str,
        files: Vec<Vec<u8>>,
        settings: &str,
        edits: &str,
    ) -> PyResult<Self> {
        let options = parse_settings_json(settings)?;
        let edits = Edits::from_json(edits)?;
        let source = Source::from_parts(kind, files)?;
        let tokenizer = py.detach(|| edits.replay(&source, source.build()?))?;
        let rebuilt = PyTokenizer::wrap((source, tokenizer));
        rebuilt.set_options(|o| *o = options);
        *rebuilt.edits.lock().unwrap_or_else(PoisonError::into_inner) = edits;
        Ok(rebuilt)
    }

    /// The state `__reduce__` pickles (see `Tokenizer.__reduce__`).
    pub(super) fn pickle_state<'py>(&self, py: Python<'py>) -> PyResult<PickleState<'py>> {
        let rebuild = py.get_type::<PyTokenizer>().getattr("_from_state")?;
        let files = self.source.files().into_iter().map(|f| PyBytes::new(py, f));
        let files = PyTuple::new(py, files)?;
        let settings = settings_json(&self.options());
        let edits = self
            .edits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .to_json();
        Ok((rebuild, (self.source.kind(), files, settings, edits)))
    }
}
