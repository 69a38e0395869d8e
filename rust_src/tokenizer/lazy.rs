//! Encodings whose token strings and offsets are made on first read. Most
//! callers read only the ids, and building every token's string and
//! character offsets (with the normalizer's alignments behind them) took
//! two thirds of GPT-2's encode. So [`Tokenizer::encode_lazy`] runs the
//! pipeline without offsets and keeps the input: the first read of the
//! strings or offsets encodes it again in full, with the same tokenizer and
//! settings. It does so only where the run without offsets gives the same
//! ids ([`Tokenizer::ids_exact_without_offsets`]); then truncation,
//! post-processing and padding, which decide from the ids and lengths
//! alone, give the same columns too; where post-processing alone follows
//! the run, even those columns wait for a first read
//! ([`super::ids_alone`]). A tokenizer whose encodings are read anyway
//! makes them in full at once ([`super::detail_reads`]).

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use super::detail_reads::DetailReads;
use super::ids_alone::Made;
use super::{EncodeOptions, Encoding, Input, Padding, PaddingLength, Side, Tokenizer};
use crate::error::{Error, Result};
use crate::threads::{parallel_chunks_in_order, parallel_map};

/// An encoding whose ids are read at once and whose other columns, token
/// strings and offsets may be made on first read.
#[derive(Debug)]
pub struct LazyEncoding {
    /// The ids, type ids, masks and sequence ranges; the token strings and
    /// offsets too when `recipe` is `None`; only the ids when `alone` is set.
    columns: Encoding,
    /// When the ids came alone ([`super::ids_alone`]): how to make the
    /// other columns.
    alone: Option<Alone>,
    /// How to make the full encoding, when `columns` lacks strings and
    /// offsets.
    recipe: Option<Recipe>,
    /// The full encoding, once made.
    full: OnceLock<Encoding>,
    /// Where to record, when dropped, whether the full encoding was read.
    reads: Option<Arc<DetailReads>>,
    /// Whether the full encoding was read.
    read: AtomicBool,
}

impl Drop for LazyEncoding {
    fn drop(&mut self) {
        if let Some(reads) = &self.reads {
            reads.record(*self.read.get_mut());
        }
    }
}

/// The columns of an encoding whose ids came alone.
#[derive(Debug)]
struct Alone {
    /// Where the text's own ids lie in the ids.
    sequence: Range<usize>,
    settings: Arc<Settings>,
    /// The columns, once made.
    columns: OnceLock<Encoding>,
}

/// The input of one encoding and how it was encoded.
#[derive(Debug)]
struct Recipe {
    settings: Arc<Settings>,
    first: OwnedInput,
    second: Option<OwnedInput>,
}

/// What every encoding of one call shares.
struct Settings {
    tokenizer: Arc<Tokenizer>,
    add_special_tokens: bool,
    /// The call's options, with padding to the length the call padded to
    /// (a batch pads every encoding to its longest).
    options: EncodeOptions,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("add_special_tokens", &self.add_special_tokens)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// An input sequence, copied.
#[derive(Debug)]
enum OwnedInput {
    Text(String),
    Words(Vec<String>),
}

impl OwnedInput {
    fn of<W: AsRef<str>>(input: Input<'_, W>) -> Self {
        match input {
            Input::Text(text) => OwnedInput::Text(text.to_owned()),
            Input::Words(words) => {
                OwnedInput::Words(words.iter().map(|w| w.as_ref().to_owned()).collect())
            }
        }
    }

    fn input(&self) -> Input<'_, String> {
        match self {
            OwnedInput::Text(text) => Input::Text(text),
            OwnedInput::Words(words) => Input::Words(words),
        }
    }
}

impl Recipe {
    fn encode(&self) -> Result<Encoding> {
        let s = &self.settings;
        let second = self.second.as_ref().map(OwnedInput::input);
        s.tokenizer
            .encode(self.first.input(), second, s.add_special_tokens, &s.options)
    }
}

impl From<Encoding> for LazyEncoding {
    /// An encoding already full.
    fn from(full: Encoding) -> Self {
        LazyEncoding {
            columns: full,
            alone: None,
            recipe: None,
            full: OnceLock::new(),
            reads: None,
            read: AtomicBool::new(false),
        }
    }
}

impl LazyEncoding {
    /// `made`, whose strings and offsets are made from the inputs (and
    /// its other columns from its ids, when they came alone).
    fn deferred(
        made: Made,
        settings: Arc<Settings>,
        first: OwnedInput,
        second: Option<OwnedInput>,
    ) -> Self {
        let reads = Some(Arc::clone(&settings.tokenizer.detail_reads));
        let (columns, alone) = match made {
            Made::Columns(columns) => (columns, None),
            Made::Ids(ids, sequence) => {
                let alone = Alone {
                    sequence,
                    settings: Arc::clone(&settings),
                    columns: OnceLock::new(),
                };
                (
                    Encoding {
                        ids,
                        ..Encoding::default()
                    },
                    Some(alone),
                )
            }
        };
        LazyEncoding {
            columns,
            alone,
            recipe: Some(Recipe {
                settings,
                first,
                second,
            }),
            full: OnceLock::new(),
            reads,
            read: AtomicBool::new(false),
        }
    }

    /// `full`, recording whether it is read in `reads`.
    fn watched(full: Encoding, reads: &Arc<DetailReads>) -> Self {
        let mut encoding = LazyEncoding::from(full);
        encoding.reads = Some(Arc::clone(reads));
        encoding
    }

    /// The ids, type ids, attention and special tokens masks, sequence
    /// ranges and length; not the token strings, offsets or word ids, nor
    /// the overflowing encodings (read those from [`Self::full`]).
    pub fn columns(&self) -> &Encoding {
        let Some(alone) = &self.alone else {
            return &self.columns;
        };
        alone.columns.get_or_init(|| {
            let s = &alone.settings;
            let sequence = alone.sequence.clone();
            (s.tokenizer).columns_of_alone(&self.columns.ids, sequence, s.add_special_tokens)
        })
    }

    /// The ids: those of [`Self::columns`], without making the other
    /// columns.
    pub fn ids(&self) -> &[u32] {
        &self.columns.ids
    }

    /// The full encoding, made now if it was not yet.
    pub fn full(&self) -> Result<&Encoding> {
        self.read.store(true, Ordering::Relaxed);
        let Some(recipe) = &self.recipe else {
            return Ok(&self.columns);
        };
        if let Some(full) = self.full.get() {
            return Ok(full);
        }
        // Two threads may both make it; they make the same, one is kept.
        let full = recipe.encode()?;
        Ok(self.full.get_or_init(|| full))
    }
}

/// HF's in-place methods of `Encoding`. Each makes the full encoding
/// first and keeps it: a changed encoding cannot be made again from its
/// input.
impl LazyEncoding {
    /// The full encoding, made now if it was not yet, to change in place.
    fn full_mut(&mut self) -> Result<&mut Encoding> {
        *self.read.get_mut() = true;
        if let Some(recipe) = &self.recipe {
            self.columns = match self.full.take() {
                Some(full) => full,
                None => recipe.encode()?,
            };
            self.alone = None;
            self.recipe = None;
        }
        Ok(&mut self.columns)
    }

    /// Pads to `padding`'s length (HF's `Encoding.pad`), refusing one past
    /// what [`Padding::check`] allows.
    pub fn pad(&mut self, padding: &Padding) -> Result<()> {
        padding.check()?;
        padding.apply(std::slice::from_mut(self.full_mut()?));
        Ok(())
    }

    /// [`Encoding::truncate`] (HF's `Encoding.truncate`).
    pub fn truncate(&mut self, max_len: usize, stride: usize, side: Side) -> Result<()> {
        self.full_mut()?.truncate(max_len, stride, side)
    }

    /// Marks every token as sequence `sequence` (HF's `set_sequence_id`).
    pub fn set_sequence(&mut self, sequence: usize) -> Result<()> {
        self.full_mut()?.set_sequence(sequence);
        Ok(())
    }
}

impl Tokenizer {
    /// [`Tokenizer::encode`], with the token strings and offsets made on
    /// first read where that gives the same encoding.
    pub fn encode_lazy<W: AsRef<str>>(
        self: &Arc<Self>,
        first: Input<'_, W>,
        second: Option<Input<'_, W>>,
        add_special_tokens: bool,
        options: &EncodeOptions,
    ) -> Result<LazyEncoding> {
        if !self.ids_exact_without_offsets() {
            return self
                .encode(first, second, add_special_tokens, options)
                .map(LazyEncoding::from);
        }
        if self.detail_reads.read_mostly() {
            let full = self.encode(first, second, add_special_tokens, options)?;
            return Ok(LazyEncoding::watched(full, &self.detail_reads));
        }
        let (made, first, second) =
            self.encode_deferring(first, second, add_special_tokens, options)?;
        let settings = self.settings(add_special_tokens, options, made.len());
        Ok(LazyEncoding::deferred(made, settings, first, second))
    }

    /// [`Tokenizer::encode_batch`], with the token strings and offsets
    /// made on first read where that gives the same encodings.
    pub fn encode_batch_lazy<W: AsRef<str> + Sync>(
        self: &Arc<Self>,
        inputs: &[(Input<'_, W>, Option<Input<'_, W>>)],
        add_special_tokens: bool,
        options: &EncodeOptions,
        num_threads: Option<usize>,
    ) -> Result<Vec<LazyEncoding>> {
        if !self.ids_exact_without_offsets() {
            let encodings = self.encode_batch(inputs, add_special_tokens, options, num_threads)?;
            return Ok(encodings.into_iter().map(LazyEncoding::from).collect());
        }
        if self.detail_reads.read_mostly() {
            let encodings = self.encode_batch(inputs, add_special_tokens, options, num_threads)?;
            let watched = |e| LazyEncoding::watched(e, &self.detail_reads);
            return Ok(encodings.into_iter().map(watched).collect());
        }
        // The inputs are copied on the threads that encode, not before.
        let threads = num_threads.unwrap_or(0);
        let encoded = parallel_map(threads, inputs, |_, &(a, b)| {
            self.encode_deferring(a, b, add_special_tokens, options)
        })?;
        let (mut made, copies): (Vec<_>, Vec<_>) = encoded
            .into_iter()
            .map(|(made, a, b)| (made, (a, b)))
            .unzip();
        let longest = made.iter().map(Made::len).max().unwrap_or(0);
        if let Some(p) = &options.padding {
            // with padding every encoding has its columns
            let columns = made
                .into_iter()
                .map(|m| self.columns_of(m, add_special_tokens));
            let mut columns: Vec<Encoding> = columns.collect();
            p.apply(&mut columns);
            made = columns.into_iter().map(Made::Columns).collect();
        }
        let settings = self.settings(add_special_tokens, options, longest);
        let lazies = made.into_iter().zip(copies).map(|(made, (first, second))| {
            LazyEncoding::deferred(made, Arc::clone(&settings), first, second)
        });
        Ok(lazies.collect())
    }

    /// [`Self::encode_batch_lazy`], handing the encodings to `sink` a chunk
    /// at a time and in order, as they are made, so that the caller turns
    /// each chunk into what it returns while the rest are encoded. Padding
    /// needs every length first, so a padded batch, like one that
    /// [`Self::encode_batch_lazy`] makes in full, comes as one chunk.
    pub fn encode_batch_lazy_chunks<W: AsRef<str> + Sync, E: From<Error>>(
        self: &Arc<Self>,
        inputs: &[(Input<'_, W>, Option<Input<'_, W>>)],
        add_special_tokens: bool,
        options: &EncodeOptions,
        num_threads: Option<usize>,
        mut sink: impl FnMut(Vec<LazyEncoding>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let whole = options.padding.is_some()
            || !self.ids_exact_without_offsets()
            || self.detail_reads.read_mostly();
        if whole {
            return sink(self.encode_batch_lazy(
                inputs,
                add_special_tokens,
                options,
                num_threads,
            )?);
        }
        // Without padding the longest length plays no part.
        let settings = self.settings(add_special_tokens, options, 0);
        let threads = num_threads.unwrap_or(0);
        let encode = |_, &(a, b): &(Input<'_, W>, Option<Input<'_, W>>)| {
            let (made, first, second) = self.encode_deferring(a, b, add_special_tokens, options)?;
            Ok(LazyEncoding::deferred(
                made,
                Arc::clone(&settings),
                first,
                second,
            ))
        };
        parallel_chunks_in_order(threads, inputs, encode, sink)
    }

    /// The ids (or the columns) of one input, with copies of its texts to
    /// make the token strings and offsets from on first read.
    fn encode_deferring<W: AsRef<str>>(
        &self,
        first: Input<'_, W>,
        second: Option<Input<'_, W>>,
        add_special_tokens: bool,
        options: &EncodeOptions,
    ) -> Result<(Made, OwnedInput, Option<OwnedInput>)> {
        let made = self.encode_ids_or_columns(first, second, add_special_tokens, options)?;
        Ok((made, OwnedInput::of(first), second.map(OwnedInput::of)))
    }

    /// The settings a full encoding is made with: `options`, with padding
    /// fixed at the length the call padded to, given the length of the
    /// longest encoding, each padded on its own as `encode` pads it.
    fn settings(
        self: &Arc<Self>,
        add_special_tokens: bool,
        options: &EncodeOptions,
        longest: usize,
    ) -> Arc<Settings> {
        let mut options = options.clone();
        if let Some(p) = &mut options.padding {
            p.length = PaddingLength::Fixed(p.target(std::iter::once(longest)));
        }
        Arc::new(Settings {
            tokenizer: Arc::clone(self),
            add_special_tokens,
            options,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::hf_json::parse_tokenizer_json;

    /// A WordLevel tokenizer behind Metaspace's scheme "first", after
    /// `normalizer` if any.
    fn metaspace_first(normalizer: serde_json::Value) -> Arc<Tokenizer> {
        let json = serde_json::json!({
            "normalizer": normalizer,
            "pre_tokenizer": {
                "type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": true
            },
            "model": {
                "type": "WordLevel",
                "vocab": {"▁a": 0, "a": 1, "▁b": 2, "[UNK]": 3},
                "unk_token": "[UNK]"
            }
        });
        Arc::new(parse_tokenizer_json(&json).unwrap())
    }

    fn ids(tokenizer: &Arc<Tokenizer>, text: &str) -> (Vec<u32>, Vec<u32>) {
        let options = EncodeOptions::default();
        let lazy =
            (tokenizer.encode_lazy::<&str>(Input::Text(text), None, true, &options)).unwrap();
        let full = (tokenizer.encode::<&str>(Input::Text(text), None, true, &options)).unwrap();
        assert_eq!(lazy.full().unwrap(), &full);
        (lazy.columns().ids.clone(), full.ids)
    }

    #[test]
    fn lazy_only_where_a_run_without_offsets_gives_the_same_ids() {
        let plain = metaspace_first(serde_json::Value::Null);
        assert!(plain.ids_exact_without_offsets());
        let (lazy, full) = ids(&plain, "a b");
        assert_eq!((lazy, full), (vec![0, 2], vec![0, 2]));
        // Stripped, "  a" no longer starts the original: no "▁", which a
        // run without alignments cannot tell.
        let strip = serde_json::json!({"type": "Strip", "strip_left": true, "strip_right": false});
        let stripped = metaspace_first(strip);
        assert!(!stripped.ids_exact_without_offsets());
        assert_eq!(stripped.encode_ids("  a").unwrap(), [0]);
        assert_eq!(ids(&stripped, "  a"), (vec![1], vec![1]));
    }

    #[test]
    fn a_lazy_encoding_changed_in_place_is_made_in_full_first() {
        let tokenizer = metaspace_first(serde_json::Value::Null);
        let options = EncodeOptions::default();
        let text = Input::<&str>::Text("a b a b");
        let mut lazy = tokenizer.encode_lazy(text, None, true, &options).unwrap();
        let mut full = tokenizer.encode(text, None, true, &options).unwrap();
        assert!(lazy.columns().tokens.iter().all(str::is_empty));
        let padding = Padding {
            length: PaddingLength::Fixed(6),
            pad_to_multiple_of: None,
            pad_id: 3,
            pad_type_id: 0,
            pad_token: "[UNK]".into(),
            side: Side::Left,
        };
        lazy.pad(&padding).unwrap();
        padding.apply(std::slice::from_mut(&mut full));
        lazy.truncate(3, 1, Side::Right).unwrap();
        full.truncate(3, 1, Side::Right).unwrap();
        assert_eq!(lazy.columns(), &full);
        assert_eq!(lazy.full().unwrap(), &full);
    }

    #[test]
    fn a_batch_pads_its_full_encodings_as_its_columns() {
        let tokenizer = metaspace_first(serde_json::Value::Null);
        let options = EncodeOptions {
            truncation: None,
            padding: Some(Padding {
                length: PaddingLength::BatchLongest,
                pad_to_multiple_of: Some(3),
                pad_id: 3,
                pad_type_id: 0,
                pad_token: "[UNK]".into(),
                side: Side::Left,
            }),
        };
        let inputs: Vec<(Input<'_, &str>, Option<Input<'_, &str>>)> =
            vec![(Input::Text("a"), None), (Input::Text("a b a b"), None)];
        let lazy = tokenizer
            .encode_batch_lazy(&inputs, true, &options, Some(1))
            .unwrap();
        let full = tokenizer
            .encode_batch(&inputs, true, &options, Some(1))
            .unwrap();
        for (l, f) in lazy.iter().zip(&full) {
            assert_eq!(l.full().unwrap(), f);
            assert_eq!(l.columns().ids, f.ids);
            assert_eq!(l.columns().attention_mask, f.attention_mask);
        }
        assert_eq!(full[0].len(), 6);
    }
}
