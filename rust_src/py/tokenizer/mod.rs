//! `tokkit.Tokenizer`: the general pipeline, with the API of HF
//! `tokenizers.Tokenizer`.
//!
//! The class and what every method shares are here; its methods are in
//! `methods.rs`, calling the modules beside it for each concept.

mod added;
mod encode;
mod methods;
mod serialize;
mod settings;

pub(crate) use settings::parse_side;

use std::sync::{Arc, Mutex, PoisonError, RwLock};

use pyo3::prelude::*;

use super::id_ints::IdInts;
use crate::tokenizer::source::{Edits, Source};
use crate::tokenizer::{EncodeOptions, Tokenizer};

/// A tokenizer loaded from a tokenizer.json (HF's `tokenizers.Tokenizer` API).
#[pyclass(frozen, name = "Tokenizer", module = "tokkit")]
pub struct PyTokenizer {
    /// The tokenizer: replaced, never changed, when tokens are added, so a
    /// call holds the one it started with.
    inner: RwLock<Arc<Tokenizer>>,
    /// The files it was built from, for pickling.
    source: Source,
    /// Truncation and padding: settings, so they may change; the encoder does not.
    options: Mutex<EncodeOptions>,
    /// What was done since loading, for pickling; its lock also orders
    /// the calls that replace the tokenizer.
    edits: Mutex<Edits>,
    /// One Python int per id, shared by the id lists of its encodings.
    ints: Arc<IdInts>,
}

impl PyTokenizer {
    /// Wraps a tokenizer built from `source`; its file's truncation and
    /// padding become the initial settings.
    fn wrap((source, tokenizer): (Source, Tokenizer)) -> Self {
        let options = Mutex::new(tokenizer.defaults.clone());
        let ints = Arc::new(IdInts::new(tokenizer.vocab_size(true)));
        PyTokenizer {
            ints,
            inner: RwLock::new(Arc::new(tokenizer)),
            source,
            options,
            edits: Mutex::new(Edits::default()),
        }
    }

    /// The tokenizer as it is now.
    pub(crate) fn tokenizer(&self) -> Arc<Tokenizer> {
        let guard = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(&guard)
    }

    /// Replaces the tokenizer by `edit` of it, recording the edit.
    fn edit<T>(
        &self,
        py: Python<'_>,
        edit: impl FnOnce(&Tokenizer, &mut Edits) -> crate::error::Result<(Tokenizer, T)> + Send,
    ) -> PyResult<T>
    where
        T: Send,
    {
        let mut edits = self.edits.lock().unwrap_or_else(PoisonError::into_inner);
        let current = self.tokenizer();
        let edits: &mut Edits = &mut edits;
        let (tokenizer, out) = py.detach(|| edit(&current, edits))?;
        *self.inner.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(tokenizer);
        Ok(out)
    }

    fn options(&self) -> EncodeOptions {
        self.options.lock().map(|o| o.clone()).unwrap_or_default()
    }

    fn set_options(&self, f: impl FnOnce(&mut EncodeOptions)) {
        if let Ok(mut o) = self.options.lock() {
            f(&mut o);
        }
    }
}
