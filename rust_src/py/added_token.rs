//! `tokkit.AddedToken`: a token to add to a `Tokenizer`, with the API of HF
//! `tokenizers.AddedToken` (defaults, repr, equality, hash, pickling).

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use pyo3::basic::CompareOp;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};

use crate::tokenizer::added_vocab::AddedToken;

/// A token to add, with its matching options. Options left unset take
/// HF's defaults, which for `normalized` depend on `special` (a special
/// token is not normalized unless asked).
#[pyclass(name = "AddedToken", module = "tokkit", from_py_object)]
#[derive(Debug, Clone)]
pub struct PyAddedToken {
    content: String,
    special: bool,
    single_word: Option<bool>,
    lstrip: Option<bool>,
    rstrip: Option<bool>,
    normalized: Option<bool>,
}

impl PyAddedToken {
    /// The token as the core adds it, defaults resolved as HF resolves them.
    pub fn token(&self) -> AddedToken {
        AddedToken {
            content: self.content.clone(),
            id: 0,
            special: self.special,
            single_word: self.single_word.unwrap_or(false),
            lstrip: self.lstrip.unwrap_or(false),
            rstrip: self.rstrip.unwrap_or(false),
            normalized: self.normalized.unwrap_or(!self.special),
        }
    }

    /// An added token with every option set, as HF hands them out.
    pub fn from_token(t: &AddedToken) -> Self {
        PyAddedToken {
            content: t.content.clone(),
            special: t.special,
            single_word: Some(t.single_word),
            lstrip: Some(t.lstrip),
            rstrip: Some(t.rstrip),
            normalized: Some(t.normalized),
        }
    }
}

fn python_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

#[pymethods]
impl PyAddedToken {
    #[new]
    #[pyo3(signature = (content = None, *, single_word = None, lstrip = None, rstrip = None, normalized = None, special = None))]
    fn new(
        content: Option<String>,
        single_word: Option<bool>,
        lstrip: Option<bool>,
        rstrip: Option<bool>,
        normalized: Option<bool>,
        special: Option<bool>,
    ) -> Self {
        PyAddedToken {
            content: content.unwrap_or_default(),
            special: special.unwrap_or(false),
            single_word,
            lstrip,
            rstrip,
            normalized,
        }
    }

    /// The token text.
    #[getter]
    fn get_content(&self) -> &str {
        &self.content
    }
    #[setter]
    fn set_content(&mut self, content: String) {
        self.content = content;
    }
    /// Whether it swallows whitespace on its right.
    #[getter]
    fn rstrip(&self) -> bool {
        self.token().rstrip
    }
    /// Whether it swallows whitespace on its left.
    #[getter]
    fn lstrip(&self) -> bool {
        self.token().lstrip
    }
    /// Whether it matches only a whole word.
    #[getter]
    fn single_word(&self) -> bool {
        self.token().single_word
    }
    /// Whether it is matched in the normalized text.
    #[getter]
    fn normalized(&self) -> bool {
        self.token().normalized
    }
    /// Whether it is special (skipped by `decode(skip_special_tokens=True)`).
    #[getter]
    fn get_special(&self) -> bool {
        self.special
    }
    #[setter]
    fn set_special(&mut self, special: bool) {
        self.special = special;
    }

    fn __getstate__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let t = self.token();
        let state = PyDict::new(py);
        state.set_item("content", &t.content)?;
        state.set_item("single_word", t.single_word)?;
        state.set_item("lstrip", t.lstrip)?;
        state.set_item("rstrip", t.rstrip)?;
        state.set_item("normalized", t.normalized)?;
        state.set_item("special", t.special)?;
        Ok(state)
    }

    fn __setstate__(&mut self, state: &Bound<'_, PyDict>) -> PyResult<()> {
        for (key, value) in state {
            match key.extract::<String>()?.as_str() {
                "content" => self.content = value.extract()?,
                "single_word" => self.single_word = Some(value.extract()?),
                "lstrip" => self.lstrip = Some(value.extract()?),
                "rstrip" => self.rstrip = Some(value.extract()?),
                "normalized" => self.normalized = Some(value.extract()?),
                "special" => self.special = value.extract()?,
                _ => {}
            }
        }
        Ok(())
    }

    fn __str__(&self) -> &str {
        &self.content
    }

    fn __repr__(&self) -> String {
        let t = self.token();
        format!(
            "AddedToken(\"{}\", rstrip={}, lstrip={}, single_word={}, normalized={}, special={})",
            t.content,
            python_bool(t.rstrip),
            python_bool(t.lstrip),
            python_bool(t.single_word),
            python_bool(t.normalized),
            python_bool(t.special)
        )
    }

    /// Equal when content and every option are (HF's); never ordered.
    fn __richcmp__(&self, other: &Bound<'_, PyAny>, op: CompareOp) -> Py<PyAny> {
        let py = other.py();
        let Ok(other) = other.cast::<PyAddedToken>() else {
            return py.NotImplemented();
        };
        let same = self.token() == other.borrow().token();
        let result = match op {
            CompareOp::Eq => same,
            CompareOp::Ne => !same,
            _ => false,
        };
        PyBool::new(py, result).to_owned().into_any().unbind()
    }

    /// The hash of the content alone, as HF's (so a token with other
    /// options hashes the same).
    fn __hash__(&self) -> u64 {
        let mut hasher = DefaultHasher::new();
        self.content.hash(&mut hasher);
        hasher.finish()
    }
}

/// Reads one item of an `add_tokens` list: a str (with `special` as the
/// call gives it), a `tokkit.AddedToken` or a `tokenizers.AddedToken`. For
/// `add_special_tokens`, an AddedToken object is marked special in place,
/// as HF does.
pub fn added_token_item(item: &Bound<'_, PyAny>, special: bool) -> PyResult<AddedToken> {
    if let Ok(content) = item.extract::<String>() {
        let token = PyAddedToken::new(Some(content), None, None, None, None, Some(special));
        return Ok(token.token());
    }
    if let Ok(token) = item.cast::<PyAddedToken>() {
        let mut token = token.borrow_mut();
        if special {
            token.special = true;
        }
        return Ok(token.token());
    }
    if is_hf_added_token(item)? {
        if special {
            item.setattr("special", true)?;
        }
        let flag = |name: &str| -> PyResult<bool> { item.getattr(name)?.extract() };
        return Ok(AddedToken {
            content: item.getattr("content")?.extract()?,
            id: 0,
            special: flag("special")?,
            single_word: flag("single_word")?,
            lstrip: flag("lstrip")?,
            rstrip: flag("rstrip")?,
            normalized: flag("normalized")?,
        });
    }
    Err(PyTypeError::new_err(
        "Input must be a List[Union[str, AddedToken]]",
    ))
}

/// Whether `item` is HF's `tokenizers.AddedToken`, which transformers
/// hands to any tokenizer it drives.
fn is_hf_added_token(item: &Bound<'_, PyAny>) -> PyResult<bool> {
    let kind = item.get_type();
    Ok(kind.name()? == "AddedToken" && kind.module()? == "tokenizers")
}
