//! Python binding of [`SentencePiece`]: the core of
//! `tokkit.SentencePieceProcessor` (argument handling lives in
//! `python/tokkit/sentencepiece.py`). Every call that encodes or decodes
//! releases the GIL; batches run on a rayon pool sized per call.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::PyIndexError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

use super::arrays::{encode_arrays, TextBatch};
use super::batch::id_lists;
use super::id_ints::IdInts;
use super::text::Text;

use crate::char_index::CharIndex;
use crate::error::Result;
use crate::formats::spm_model::PieceType;
use crate::models::spm_vocab::NO_UNK;
use crate::normalize::spm::SpmNormalized;
use crate::sentencepiece::seed::{next_seed, set_random_seed as set_seed};
use crate::sentencepiece::{Sampling, SentencePiece};
use crate::threads::parallel_map;

/// A loaded sentencepiece model (`.model` protobuf).
#[pyclass(frozen, name = "_SentencePiece", module = "tokkit._tokkit")]
pub struct PySentencePiece {
    inner: Arc<SentencePiece>,
    ints: IdInts,
}

/// `(enable_sampling, nbest_size, alpha, seed)` as Python passes them.
type SampleArgs = (bool, i64, f32, Option<u64>);

/// Segmentations with a score each: `(ids, pieces, score)`.
type Scored<S> = Vec<(Vec<u32>, Vec<String>, S)>;
/// Ids, pieces and each piece's (start, end) in the input.
type Mapped = (Vec<u32>, Vec<String>, Vec<(usize, usize)>);

fn sampling((enable, nbest_size, alpha, seed): SampleArgs) -> Sampling {
    if enable {
        Sampling::Sample {
            nbest_size,
            alpha,
            seed: seed.unwrap_or_else(next_seed),
        }
    } else {
        Sampling::Best
    }
}

/// Runs `f` over `items` on `num_threads` threads (all cores when < 1),
/// keeping the order.
fn parallel<T: Sync, R: Send>(
    items: &[T],
    num_threads: i64,
    f: impl Fn(usize, &T) -> Result<R> + Sync + Send,
) -> Result<Vec<R>> {
    parallel_map(thread_count(num_threads), items, f)
}

/// sentencepiece's `num_threads` as the core takes it: 0 (all cores) for
/// anything below 1.
fn thread_count(num_threads: i64) -> usize {
    usize::try_from(num_threads).unwrap_or(0)
}

impl PySentencePiece {
    fn wrap(inner: SentencePiece) -> Self {
        PySentencePiece {
            ints: IdInts::new(inner.vocab().len()),
            inner: Arc::new(inner),
        }
    }

    fn id(&self, id: i64) -> PyResult<u32> {
        u32::try_from(id)
            .ok()
            .filter(|&i| (i as usize) < self.inner.vocab().len())
            .ok_or_else(|| PyIndexError::new_err("piece id is out of range."))
    }

    /// The sampling of each of `n` texts in a batch call: a seed of its own
    /// per text, from `args`' seed and the text's place when one is given.
    fn samplings(&self, n: usize, (enable, nbest_size, alpha, seed): SampleArgs) -> Vec<Sampling> {
        // Seeds are drawn before the parallel part so the result does not
        // depend on the thread count.
        (0..n)
            .map(|i| {
                let seed = enable.then(|| match seed {
                    Some(s) => {
                        let mut state = s.wrapping_add(i as u64);
                        crate::models::rng::splitmix64(&mut state)
                    }
                    None => next_seed(),
                });
                sampling((enable, nbest_size, alpha, seed))
            })
            .collect()
    }
}

#[pymethods]
impl PySentencePiece {
    /// Loads a `.model` file.
    #[staticmethod]
    fn from_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| SentencePiece::from_file(&path))?;
        Ok(PySentencePiece::wrap(inner))
    }

    /// Loads serialized `ModelProto` bytes.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        let inner =
            py.detach(|| SentencePiece::from_bytes(data, &PathBuf::from("<serialized model>")))?;
        Ok(PySentencePiece::wrap(inner))
    }

    /// The serialized model.
    fn serialized<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.serialized)
    }

    /// Ids of one text.
    #[pyo3(signature = (text, args=(false, -1, 0.1, None)))]
    fn encode_ids<'py>(
        &self,
        py: Python<'py>,
        text: Text,
        args: SampleArgs,
    ) -> PyResult<Bound<'py, PyList>> {
        let s = sampling(args);
        let ids = py.detach(|| self.inner.encode_ids(&text, s))?;
        self.ints.list(py, &ids)
    }

    /// Pieces of one text.
    #[pyo3(signature = (text, args=(false, -1, 0.1, None)))]
    fn encode_pieces(&self, py: Python<'_>, text: Text, args: SampleArgs) -> PyResult<Vec<String>> {
        let s = sampling(args);
        let pieces = py.detach(|| self.inner.encode_pieces(&text, s))?;
        Ok(pieces.into_iter().map(|p| p.piece).collect())
    }

    /// The ids, pieces and (start, end) offsets in `text` of the pieces of
    /// one text, in characters or, with `byte_offsets`, in bytes
    /// (sentencepiece's `return_type="offset_mapping"`).
    #[pyo3(signature = (text, args, byte_offsets))]
    fn encode_offsets(
        &self,
        py: Python<'_>,
        text: Text,
        args: SampleArgs,
        byte_offsets: bool,
    ) -> PyResult<Mapped> {
        let s = sampling(args);
        Ok(py.detach(|| -> Result<Mapped> {
            let pieces = self.inner.encode_pieces(&text, s)?;
            let index = (!byte_offsets).then(|| CharIndex::new(&text));
            let at = |b: usize| index.as_ref().map_or(b, |i| i.of(b));
            let offsets = pieces.iter().map(|p| (at(p.begin), at(p.end))).collect();
            let ids = pieces.iter().map(|p| p.id).collect();
            Ok((ids, pieces.into_iter().map(|p| p.piece).collect(), offsets))
        })?)
    }

    /// Ids of many texts, in parallel.
    #[pyo3(signature = (texts, num_threads=-1, args=(false, -1, 0.1, None)))]
    fn encode_ids_batch(
        &self,
        py: Python<'_>,
        texts: Vec<Text>,
        num_threads: i64,
        args: SampleArgs,
    ) -> PyResult<Py<PyList>> {
        let samplings = self.samplings(texts.len(), args);
        let inner = &self.inner;
        let threads = thread_count(num_threads);
        id_lists(py, &self.ints, threads, &texts, |i, t| {
            inner.encode_ids(t, samplings[i])
        })
    }

    /// Ids of many texts, in parallel, as flat arrays (`tokkit.BatchArrays`),
    /// with `bos` before and `eos` after each text's when given.
    #[pyo3(signature = (texts, num_threads, args, bos, eos))]
    fn encode_ids_arrays<'py>(
        &self,
        py: Python<'py>,
        texts: TextBatch,
        num_threads: i64,
        args: SampleArgs,
        bos: Option<u32>,
        eos: Option<u32>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let strs = texts.strs()?;
        let samplings = self.samplings(strs.len(), args);
        let inner = &self.inner;
        let threads = thread_count(num_threads);
        encode_arrays(py, &strs, threads, |i, t| {
            let ids = inner.encode_ids(t, samplings[i])?;
            if bos.is_none() && eos.is_none() {
                return Ok(ids);
            }
            Ok(bos.into_iter().chain(ids).chain(eos).collect())
        })
    }

    /// The number of ids [`Self::encode_ids`] gives, counted without them.
    #[pyo3(signature = (text, args=(false, -1, 0.1, None)))]
    fn count_ids(&self, py: Python<'_>, text: Text, args: SampleArgs) -> PyResult<usize> {
        let s = sampling(args);
        Ok(py.detach(|| self.inner.count_ids(&text, s))?)
    }

    /// [`Self::count_ids`] of many texts, in parallel (seeded as
    /// [`Self::encode_ids_batch`]).
    #[pyo3(signature = (texts, num_threads=-1, args=(false, -1, 0.1, None)))]
    fn count_ids_batch(
        &self,
        py: Python<'_>,
        texts: Vec<Text>,
        num_threads: i64,
        args: SampleArgs,
    ) -> PyResult<Vec<usize>> {
        let samplings = self.samplings(texts.len(), args);
        let inner = &self.inner;
        Ok(py.detach(|| parallel(&texts, num_threads, |i, t| inner.count_ids(t, samplings[i])))?)
    }

    /// Pieces of many texts, in parallel.
    #[pyo3(signature = (texts, num_threads=-1, args=(false, -1, 0.1, None)))]
    fn encode_pieces_batch(
        &self,
        py: Python<'_>,
        texts: Vec<Text>,
        num_threads: i64,
        args: SampleArgs,
    ) -> PyResult<Vec<Vec<String>>> {
        let samplings = self.samplings(texts.len(), args);
        let inner = &self.inner;
        Ok(py.detach(|| {
            parallel(&texts, num_threads, |i, t| {
                Ok(inner
                    .encode_pieces(t, samplings[i])?
                    .into_iter()
                    .map(|p| p.piece)
                    .collect())
            })
        })?)
    }

    /// The `nbest_size` best segmentations: `(ids, pieces, score)` each.
    fn nbest(&self, py: Python<'_>, text: Text, nbest_size: usize) -> PyResult<Scored<f32>> {
        let out = py.detach(|| self.inner.nbest(&text, nbest_size))?;
        Ok(out
            .into_iter()
            .map(|(pieces, score)| {
                let ids = pieces.iter().map(|p| p.id).collect();
                (ids, pieces.into_iter().map(|p| p.piece).collect(), score)
            })
            .collect())
    }

    /// Samples with their (inclusion) log probabilities: `(ids, pieces, score)`.
    #[pyo3(signature = (text, num_samples, alpha, flags=(false, false), seed=None))]
    fn sample_and_score(
        &self,
        py: Python<'_>,
        text: Text,
        num_samples: usize,
        alpha: f32,
        flags: (bool, bool),
        seed: Option<u64>,
    ) -> PyResult<Scored<f64>> {
        let (wor, include_best) = flags;
        let seed = seed.unwrap_or_else(next_seed);
        let out = py.detach(|| {
            self.inner
                .sample_and_score(&text, num_samples, alpha, wor, include_best, seed)
        })?;
        Ok(out
            .into_iter()
            .map(|(pieces, score)| {
                let ids = pieces.iter().map(|p| p.id).collect();
                (ids, pieces.into_iter().map(|p| p.piece).collect(), score)
            })
            .collect())
    }

    /// Entropy of the sampling distribution of each text.
    #[pyo3(signature = (texts, alpha, num_threads=-1))]
    fn entropy(
        &self,
        py: Python<'_>,
        texts: Vec<Text>,
        alpha: f32,
        num_threads: i64,
    ) -> PyResult<Vec<f64>> {
        let inner = &self.inner;
        Ok(py.detach(|| parallel(&texts, num_threads, |_, t| inner.entropy(t, alpha)))?)
    }

    /// Decodes sequences of ids.
    #[pyo3(signature = (batch, num_threads=-1))]
    fn decode_ids(
        &self,
        py: Python<'_>,
        batch: Vec<Vec<i64>>,
        num_threads: i64,
    ) -> PyResult<Vec<String>> {
        let n = self.inner.vocab().len() as i64;
        if batch.iter().flatten().any(|&id| id < 0 || id >= n) {
            return Err(PyIndexError::new_err("piece id is out of range."));
        }
        let inner = &self.inner;
        Ok(py.detach(|| parallel(&batch, num_threads, |_, ids| inner.decode_ids(ids)))?)
    }

    /// Decodes sequences of pieces.
    #[pyo3(signature = (batch, num_threads=-1))]
    fn decode_pieces(
        &self,
        py: Python<'_>,
        batch: Vec<Vec<Text>>,
        num_threads: i64,
    ) -> PyResult<Vec<String>> {
        let inner = &self.inner;
        Ok(py.detach(|| {
            parallel(&batch, num_threads, |_, pieces| {
                let refs: Vec<&str> = pieces.iter().map(|p| &**p).collect();
                inner.decode_pieces(&refs)
            })
        })?)
    }

    /// `text` as the model normalizes it before segmenting, with, for each
    /// of its characters (bytes, with `byte_offsets`) and its end, the
    /// character (byte) of `text` it comes from: sentencepiece's
    /// `normalize(text, with_offsets=True)` of a `str` (of `bytes`).
    fn normalize(&self, py: Python<'_>, text: Text, byte_offsets: bool) -> (String, Vec<usize>) {
        py.detach(|| {
            let mut normalized = SpmNormalized::default();
            self.inner.normalize(&text, true, &mut normalized);
            let SpmNormalized {
                text: out,
                to_original,
            } = normalized;
            if byte_offsets {
                return (out, to_original);
            }
            let original = CharIndex::new(&text);
            let starts = out.char_indices().map(|(b, _)| b).chain([out.len()]);
            // An empty output has no end entry: sentencepiece then gives [0].
            let offsets = starts
                .map(|b| original.of(to_original.get(b).copied().unwrap_or(0)))
                .collect();
            (out, offsets)
        })
    }

    /// Number of pieces.
    fn piece_size(&self) -> usize {
        self.inner.vocab().len()
    }

    /// The piece of `id`.
    fn id_to_piece(&self, id: i64) -> PyResult<String> {
        let id = self.id(id)?;
        Ok(self.inner.vocab().pieces[id as usize].clone())
    }

    /// The id of `piece` (the unknown id when absent, -1 without one).
    fn piece_to_id(&self, piece: Text) -> i64 {
        match self.inner.vocab().piece_to_id(&piece) {
            NO_UNK => -1,
            id => i64::from(id),
        }
    }

    /// The score of `id`.
    fn get_score(&self, id: i64) -> PyResult<f32> {
        let id = self.id(id)?;
        Ok(self.inner.vocab().scores[id as usize])
    }

    /// The type of `id`: "normal", "unknown", "control", "user_defined", "unused" or "byte".
    fn piece_type(&self, id: i64) -> PyResult<&'static str> {
        let id = self.id(id)?;
        Ok(match self.inner.vocab().kind(id) {
            Some(PieceType::Unknown) => "unknown",
            Some(PieceType::Control) => "control",
            Some(PieceType::UserDefined) => "user_defined",
            Some(PieceType::Unused) => "unused",
            Some(PieceType::Byte) => "byte",
            _ => "normal",
        })
    }

    /// Special ids (-1 when the model has none).
    fn special_ids(&self) -> (i64, i64, i64, i64) {
        let f = |x: Option<u32>| x.map_or(-1, i64::from);
        (
            f(self.inner.unk_id()),
            f(self.inner.bos_id()),
            f(self.inner.eos_id()),
            f(self.inner.pad_id()),
        )
    }
}

/// Fixes the seed of every later sampling call that does not pass its own.
#[pyfunction]
pub fn set_random_seed(seed: u64) {
    set_seed(seed);
}

/// Registers the class and function on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PySentencePiece>()?;
    m.add_function(wrap_pyfunction!(set_random_seed, m)?)?;
    Ok(())
}
