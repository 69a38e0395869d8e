//! `tokkit._tokkit.TiktokenCore`: the Rust half of `tokkit.TiktokenEncoding`
//! (the Python half handles lone surrogates and the conveniences). Every
//! method that loops over input releases the GIL.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyFrozenSet, PyList, PyString};

use super::arrays::{encode_arrays, TextBatch};
use super::batch::id_lists;
use super::id_ints::IdInts;
use super::text::Text;

use crate::formats::tiktoken::{parse_ranks, ranks_text, read_rank_map};
use crate::threads::parallel_map;
use crate::tiktoken::{Disallowed, TiktokenEncoder};

/// A tiktoken encoding, immutable and shareable across threads.
#[pyclass(frozen, name = "TiktokenCore", module = "tokkit._tokkit")]
pub struct PyTiktoken {
    inner: Arc<TiktokenEncoder>,
    ints: IdInts,
}

/// `allowed_special` / `disallowed_special`: `"all"` or a collection.
enum SpecialSet {
    All,
    Listed(Vec<String>),
}

fn special_set(obj: &Bound<'_, PyAny>) -> PyResult<SpecialSet> {
    if obj.cast::<PyString>().is_ok() && obj.eq("all")? {
        return Ok(SpecialSet::All);
    }
    // Iterate a frozenset of it, as tiktoken does, so the order (which decides
    // the reported token when several match at one place) is the same.
    let set = obj.py().get_type::<PyFrozenSet>().call1((obj,))?;
    let mut out = Vec::new();
    for item in set.try_iter()? {
        out.push(item?.extract::<Text>()?.to_string());
    }
    Ok(SpecialSet::Listed(out))
}

/// What `encode` needs: the allowed mask, and how to check disallowed text.
struct SpecialPlan {
    allowed: Vec<bool>,
    disallowed: Vec<bool>,
    /// Disallowed strings that are not special tokens (tiktoken still refuses
    /// text containing them); searched with their own automaton.
    extra: Option<(aho_corasick::AhoCorasick, Vec<String>)>,
}

impl PyTiktoken {
    fn wrap(inner: TiktokenEncoder) -> Self {
        PyTiktoken {
            ints: IdInts::new(inner.ordinary_count()),
            inner: Arc::new(inner),
        }
    }

    fn plan(
        &self,
        allowed: &Bound<'_, PyAny>,
        disallowed: &Bound<'_, PyAny>,
    ) -> PyResult<SpecialPlan> {
        let specials = self.inner.specials();
        let index_of = |s: &str| specials.iter().position(|(t, _)| t == s);
        let allowed_mask = match special_set(allowed)? {
            SpecialSet::All => vec![true; specials.len()],
            SpecialSet::Listed(list) => {
                let mut mask = vec![false; specials.len()];
                for s in &list {
                    if let Some(i) = index_of(s) {
                        mask[i] = true;
                    }
                }
                mask
            }
        };
        let (disallowed_mask, extra) = match special_set(disallowed)? {
            SpecialSet::All => (allowed_mask.iter().map(|a| !a).collect(), None),
            SpecialSet::Listed(list) => {
                let mut mask = vec![false; specials.len()];
                let mut unknown = false;
                for s in &list {
                    match index_of(s) {
                        Some(i) => mask[i] = true,
                        None => unknown = true,
                    }
                }
                let extra = if unknown {
                    let finder = aho_corasick::AhoCorasick::builder()
                        .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                        .build(&list)
                        .map_err(|e| PyValueError::new_err(e.to_string()))?;
                    Some((finder, list))
                } else {
                    None
                };
                (mask, extra)
            }
        };
        Ok(SpecialPlan {
            allowed: allowed_mask,
            disallowed: disallowed_mask,
            extra,
        })
    }

    /// `text` encoded with tiktoken's special-token rules, without the GIL.
    fn encode_ids(
        &self,
        py: Python<'_>,
        text: &str,
        allowed_special: &Bound<'_, PyAny>,
        disallowed_special: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<u32>> {
        self.checked(py, text, allowed_special, disallowed_special, |e, t, a| {
            e.encode_with_specials(t, a)
        })
    }

    /// `run` on `text` with the allowed mask, without the GIL, once the
    /// text passed tiktoken's disallowed-special check.
    fn checked<R: Send>(
        &self,
        py: Python<'_>,
        text: &str,
        allowed_special: &Bound<'_, PyAny>,
        disallowed_special: &Bound<'_, PyAny>,
        run: impl FnOnce(&TiktokenEncoder, &str, &[bool]) -> crate::error::Result<R> + Send,
    ) -> PyResult<R> {
        let plan = self.plan(allowed_special, disallowed_special)?;
        let result = py.detach(|| match self.check(&plan, text) {
            Some(d) => Ok(Err(d)),
            None => run(&self.inner, text, &plan.allowed).map(Ok),
        })?;
        result.map_err(|d| disallowed_error(py, d))
    }

    /// The plan of a batch call, once every text passed the check; checked
    /// in order, so the error is the one of the first offending text, as
    /// with tiktoken's in-order map.
    fn batch_plan<T: AsRef<str> + Sync>(
        &self,
        py: Python<'_>,
        texts: &[T],
        allowed_special: &Bound<'_, PyAny>,
        disallowed_special: &Bound<'_, PyAny>,
    ) -> PyResult<SpecialPlan> {
        let plan = self.plan(allowed_special, disallowed_special)?;
        match py.detach(|| texts.iter().find_map(|t| self.check(&plan, t.as_ref()))) {
            Some(d) => Err(disallowed_error(py, d)),
            None => Ok(plan),
        }
    }

    fn check(&self, plan: &SpecialPlan, text: &str) -> Option<Disallowed> {
        match &plan.extra {
            Some((finder, list)) => finder
                .find(text)
                .map(|m| Disallowed(list[m.pattern().as_usize()].clone())),
            None => self.inner.find_disallowed(text, &plan.disallowed),
        }
    }
}

/// tiktoken's error for special-token text that was not allowed.
fn disallowed_error(py: Python<'_>, Disallowed(token): Disallowed) -> PyErr {
    let repr = PyString::new(py, &token)
        .repr()
        .map(|r| r.to_string())
        .unwrap_or_else(|_| format!("{token:?}"));
    PyValueError::new_err(format!(
        "Encountered text corresponding to disallowed special token {repr}.\n\
         If you want this text to be encoded as a special token, pass it to `allowed_special`, \
         e.g. `allowed_special={{{repr}, ...}}`.\n\
         If you want this text to be encoded as normal text, disable the check for this token \
         by passing `disallowed_special=(enc.special_tokens_set - {{{repr}}})`.\n\
         To disable this check for all special tokens, pass `disallowed_special=()`.\n"
    ))
}

#[pymethods]
impl PyTiktoken {
    /// Builds an encoding from `mergeable_ranks` (bytes to rank), a split
    /// pattern and special tokens (str to id).
    #[new]
    #[pyo3(signature = (name, pat_str, mergeable_ranks, special_tokens))]
    fn new(
        py: Python<'_>,
        name: &str,
        pat_str: &str,
        mergeable_ranks: &Bound<'_, PyDict>,
        special_tokens: &Bound<'_, PyDict>,
    ) -> PyResult<Self> {
        let mut ranks = Vec::with_capacity(mergeable_ranks.len());
        for (k, v) in mergeable_ranks.iter() {
            ranks.push((k.extract::<Vec<u8>>()?, v.extract::<u32>()?));
        }
        let mut specials = Vec::with_capacity(special_tokens.len());
        for (k, v) in special_tokens.iter() {
            specials.push((k.extract::<String>()?, v.extract::<u32>()?));
        }
        let inner = py.detach(|| TiktokenEncoder::new(name, ranks, pat_str, specials))?;
        Ok(PyTiktoken::wrap(inner))
    }

    /// Loads a `.tiktoken` rank file for the tiktoken encoding `name`.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf, name: &str) -> PyResult<Self> {
        let inner = py.detach(|| TiktokenEncoder::load(&path, name))?;
        Ok(PyTiktoken::wrap(inner))
    }

    /// Loads a Mistral tekken file (see `TiktokenEncoder::load_tekken`).
    #[staticmethod]
    fn load_tekken(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| TiktokenEncoder::load_tekken(&path))?;
        Ok(PyTiktoken::wrap(inner))
    }

    /// The encoding's name.
    #[getter]
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// The split pattern.
    #[getter]
    fn pat_str(&self) -> &str {
        self.inner.pattern()
    }

    /// The largest token id.
    #[getter]
    fn max_token_value(&self) -> u32 {
        self.inner.max_token_value()
    }

    /// Special tokens, text to id.
    #[getter]
    fn special_tokens<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (text, id) in self.inner.specials() {
            d.set_item(text, id)?;
        }
        Ok(d)
    }

    /// Encodes ignoring special tokens.
    fn encode_ordinary<'py>(&self, py: Python<'py>, text: Text) -> PyResult<Bound<'py, PyList>> {
        let ids = py.detach(|| self.inner.encode_ordinary(&text))?;
        self.ints.list(py, &ids)
    }

    /// Encodes with tiktoken's special-token rules.
    fn encode<'py>(
        &self,
        py: Python<'py>,
        text: Text,
        allowed_special: &Bound<'_, PyAny>,
        disallowed_special: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        let ids = self.encode_ids(py, &text, allowed_special, disallowed_special)?;
        self.ints.list(py, &ids)
    }

    /// [`Self::encode`]'s ids as native-endian `u32` bytes, for
    /// `numpy.frombuffer` (tiktoken's `encode_to_numpy`).
    fn encode_to_buffer<'py>(
        &self,
        py: Python<'py>,
        text: Text,
        allowed_special: &Bound<'_, PyAny>,
        disallowed_special: &Bound<'_, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let ids = self.encode_ids(py, &text, allowed_special, disallowed_special)?;
        let bytes: Vec<u8> = py.detach(|| ids.iter().flat_map(|id| id.to_ne_bytes()).collect());
        Ok(PyBytes::new(py, &bytes))
    }

    /// Encodes many texts ignoring special tokens, on `num_threads` threads.
    fn encode_ordinary_batch(
        &self,
        py: Python<'_>,
        texts: Vec<Text>,
        num_threads: usize,
    ) -> PyResult<Py<PyList>> {
        let inner = &self.inner;
        id_lists(py, &self.ints, num_threads, &texts, |_, t| {
            inner.encode_ordinary(t)
        })
    }

    /// Encodes many texts with tiktoken's special-token rules.
    fn encode_batch(
        &self,
        py: Python<'_>,
        texts: Vec<Text>,
        num_threads: usize,
        allowed_special: &Bound<'_, PyAny>,
        disallowed_special: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyList>> {
        let plan = self.batch_plan(py, &texts, allowed_special, disallowed_special)?;
        let inner = &self.inner;
        id_lists(py, &self.ints, num_threads, &texts, |_, t| {
            inner.encode_with_specials(t, &plan.allowed)
        })
    }

    /// [`Self::encode_batch`] (or, with `ordinary`, ignoring special tokens)
    /// as flat arrays (`tokkit.BatchArrays`).
    fn encode_batch_arrays<'py>(
        &self,
        py: Python<'py>,
        texts: TextBatch,
        num_threads: usize,
        allowed_special: &Bound<'_, PyAny>,
        disallowed_special: &Bound<'_, PyAny>,
        ordinary: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let inner = &self.inner;
        let strs = texts.strs()?;
        if ordinary {
            return encode_arrays(py, &strs, num_threads, |_, t| inner.encode_ordinary(t));
        }
        let plan = self.batch_plan(py, &strs, allowed_special, disallowed_special)?;
        encode_arrays(py, &strs, num_threads, |_, t| {
            inner.encode_with_specials(t, &plan.allowed)
        })
    }

    /// The number of ids [`Self::encode`] gives, counted without them.
    fn count_tokens(
        &self,
        py: Python<'_>,
        text: Text,
        allowed_special: &Bound<'_, PyAny>,
        disallowed_special: &Bound<'_, PyAny>,
    ) -> PyResult<usize> {
        self.checked(py, &text, allowed_special, disallowed_special, |e, t, a| {
            e.count_with_specials(t, a)
        })
    }

    /// [`Self::count_tokens`] of many texts, on `num_threads` threads.
    fn count_tokens_batch(
        &self,
        py: Python<'_>,
        texts: Vec<Text>,
        num_threads: usize,
        allowed_special: &Bound<'_, PyAny>,
        disallowed_special: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<usize>> {
        let plan = self.batch_plan(py, &texts, allowed_special, disallowed_special)?;
        let inner = &self.inner;
        Ok(py.detach(|| {
            parallel_map(num_threads, &texts, |_, t| {
                inner.count_with_specials(t, &plan.allowed)
            })
        })?)
    }

    /// The concatenated bytes of `tokens`.
    fn decode_bytes<'py>(
        &self,
        py: Python<'py>,
        tokens: Vec<u32>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = py.detach(|| self.inner.decode_bytes(&tokens));
        match bytes {
            Ok(b) => Ok(PyBytes::new(py, &b)),
            Err(id) => Err(PyKeyError::new_err(format!(
                "Invalid token for decoding: {id}"
            ))),
        }
    }

    /// The bytes of `tokens`, and where each token starts in their text in
    /// characters (tiktoken's `decode_with_offsets`, before the UTF-8
    /// decoding).
    fn decode_with_offsets<'py>(
        &self,
        py: Python<'py>,
        tokens: Vec<u32>,
    ) -> PyResult<(Bound<'py, PyBytes>, Vec<usize>)> {
        match py.detach(|| self.inner.decode_with_offsets(&tokens)) {
            Ok((bytes, offsets)) => Ok((PyBytes::new(py, &bytes), offsets)),
            // tiktoken looks each token up alone, so its KeyError is the id
            Err(id) => Err(PyKeyError::new_err(id.to_string())),
        }
    }

    /// The bytes of one token (special tokens included).
    fn decode_single_token_bytes<'py>(
        &self,
        py: Python<'py>,
        token: u32,
    ) -> PyResult<Bound<'py, PyBytes>> {
        match self.inner.token_bytes(token) {
            Some(b) => Ok(PyBytes::new(py, b)),
            None => Err(PyKeyError::new_err(token.to_string())),
        }
    }

    /// The id of the token whose bytes (or special text) are `piece`.
    fn encode_single_token(&self, py: Python<'_>, piece: &[u8]) -> PyResult<u32> {
        if let Some(id) = self.inner.rank(piece) {
            return Ok(id);
        }
        if let Ok(text) = std::str::from_utf8(piece) {
            if let Some((_, id)) = self.inner.specials().iter().find(|(t, _)| t == text) {
                return Ok(*id);
            }
        }
        Err(PyKeyError::new_err(PyBytes::new(py, piece).unbind()))
    }

    /// Token bytes to rank, as `tiktoken.Encoding(mergeable_ranks=...)` takes.
    fn mergeable_ranks<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (id, bytes) in self.inner.ranks() {
            d.set_item(PyBytes::new(py, bytes), id)?;
        }
        Ok(d)
    }

    /// The ranks as the text of a `.tiktoken` file, in rank order: what a
    /// pickled encoding carries (the size of the file it came from, and the
    /// same bytes every time).
    fn ranks_file<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let ranks: Vec<(u32, &[u8])> = self.inner.ranks().collect();
        let text = py.detach(|| ranks_text(ranks.iter().map(|&(rank, bytes)| (bytes, rank))));
        PyBytes::new(py, &text)
    }

    /// Builds an encoding from the text of a `.tiktoken` file (as
    /// [`Self::ranks_file`] gives it), a split pattern and special tokens.
    #[staticmethod]
    fn from_ranks_file(
        py: Python<'_>,
        name: &str,
        pat_str: &str,
        ranks_file: &[u8],
        special_tokens: Vec<(String, u32)>,
    ) -> PyResult<Self> {
        let inner = py.detach(|| {
            let ranks = parse_ranks(ranks_file, Path::new("<pickled .tiktoken ranks>"))?;
            TiktokenEncoder::new(name, ranks, pat_str, special_tokens)
        })?;
        Ok(PyTiktoken::wrap(inner))
    }

    /// Every ordinary token's bytes, sorted.
    fn token_byte_values<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyBytes>> {
        self.inner
            .sorted_token_bytes()
            .into_iter()
            .map(|b| PyBytes::new(py, b))
            .collect()
    }
}

/// `tiktoken.load.load_tiktoken_bpe`: a `.tiktoken` file as
/// `{token bytes: rank}`, the same dict tiktoken builds.
#[pyfunction]
pub fn load_tiktoken_bpe(py: Python<'_>, path: PathBuf) -> PyResult<Bound<'_, PyDict>> {
    let ranks = py.detach(|| read_rank_map(&path))?;
    let dict = PyDict::new(py);
    for (bytes, rank) in ranks {
        dict.set_item(PyBytes::new(py, &bytes), rank)?;
    }
    Ok(dict)
}

/// Registers the class and functions on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTiktoken>()?;
    m.add_function(wrap_pyfunction!(load_tiktoken_bpe, m)?)
}
