//! The general tokenizer: one [`crate::pipeline`] run end to end, with added
//! tokens, post-processing, truncation, padding and decoding (HF semantics).

pub mod added_tokens;
pub mod added_vocab;
pub mod alignment;
pub mod byte_level_post;
pub mod decode_stream;
pub mod detail_reads;
pub mod encoding;
pub mod encoding_state;
pub mod lazy;
pub mod merge;
pub mod part_rewrite;
pub mod post_process;
pub mod roberta_post;
pub mod sequence_post;
pub mod source;
pub mod tokens;
pub mod truncation;

use std::ops::Range;
use std::sync::Arc;

use crate::error::Result;
use crate::pipeline::{Decoder, Model, Normalized, Normalizer, PreTokenizer, Token};
use crate::pretokenize::metaspace::PrependScheme;
use crate::threads::parallel_map;
use added_tokens::AddedTokens;
use added_vocab::{AddedToken, Segment};
use detail_reads::DetailReads;
pub use encoding::{Encoding, Side};
use part_rewrite::{MetaspaceLast, PartRewrite};
use post_process::PostProcessor;
pub use truncation::{Padding, PaddingLength, Truncation, TruncationStrategy};

/// A complete tokenizer. Immutable once built, so it is shared across threads
/// freely; truncation and padding are settings a caller can replace. Adding
/// tokens makes a new tokenizer: a clone shares every component but the
/// added tokens.
#[derive(Clone)]
pub struct Tokenizer {
    normalizer: Option<Arc<dyn Normalizer>>,
    pre_tokenizer: Option<Arc<dyn PreTokenizer>>,
    model: Arc<dyn Model>,
    post_processor: Option<Arc<dyn PostProcessor>>,
    decoder: Option<Arc<dyn Decoder>>,
    /// The added tokens and the matchers that find them.
    added: AddedTokens,
    /// The tokenizer.json normalizer alone, which HF runs on the content of
    /// normalized added tokens.
    added_normalizer: Option<Arc<dyn Normalizer>>,
    /// What HF's ByteLevel does to each part of the text between added
    /// tokens, when the normalizers cannot do it once for the whole text.
    part_rewrite: Option<PartRewrite>,
    /// HF's Metaspace after the pre-tokenizer's other steps, run on each
    /// piece they cut.
    metaspace_last: Option<MetaspaceLast>,
    /// Whether the steps above are laid out differently once a normalized
    /// added token exists (ByteLevel's prefix space moves to each part):
    /// adding the first one must then build the tokenizer again.
    pub relayout_on_normalized_added: bool,
    /// Truncation and padding found in tokenizer.json.
    pub defaults: EncodeOptions,
    /// Whether its encodings' strings and offsets were read of late, which
    /// decides whether [`Self::encode_lazy`] makes them at once; shared by
    /// its clones.
    detail_reads: Arc<DetailReads>,
}

/// Per-call settings: what HF keeps as mutable tokenizer state lives here,
/// so the tokenizer itself never changes once built.
#[derive(Debug, Clone, Default)]
pub struct EncodeOptions {
    /// Truncation, if any.
    pub truncation: Option<Truncation>,
    /// Padding, if any.
    pub padding: Option<Padding>,
}

/// One input sequence: a text, or a text already split into words (HF's
/// `is_pretokenized`).
#[derive(Debug)]
pub enum Input<'a, W = &'a str> {
    /// A whole text.
    Text(&'a str),
    /// Words, each encoded on its own as one word.
    Words(&'a [W]),
}

// Copy whatever the words are: the enum holds only references.
impl<W> Clone for Input<'_, W> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<W> Copy for Input<'_, W> {}

/// Receives each token of a text: id, original byte range (empty when
/// offsets are not tracked), word index, and for an added token the text it
/// matched (HF's token string for it: with lstrip/rstrip it holds the spaces)
/// or for a model token named by its text ([`Model::named_by_text`]) the
/// normalized text it covers.
type Sink<'a> = dyn FnMut(u32, Range<usize>, u32, Option<&str>) + 'a;

impl Tokenizer {
    /// A tokenizer that only runs `model` on the whole text.
    pub fn new(model: Box<dyn Model>) -> Self {
        Tokenizer {
            normalizer: None,
            pre_tokenizer: None,
            model: Arc::from(model),
            post_processor: None,
            decoder: None,
            added: AddedTokens::default(),
            added_normalizer: None,
            part_rewrite: None,
            metaspace_last: None,
            relayout_on_normalized_added: false,
            defaults: EncodeOptions::default(),
            detail_reads: Arc::default(),
        }
    }

    /// Sets the normalizer.
    pub fn with_normalizer(mut self, normalizer: Box<dyn Normalizer>) -> Self {
        self.normalizer = Some(Arc::from(normalizer));
        self
    }

    /// Sets the pre-tokenizer.
    pub fn with_pre_tokenizer(mut self, pre_tokenizer: Box<dyn PreTokenizer>) -> Self {
        self.pre_tokenizer = Some(Arc::from(pre_tokenizer));
        self
    }

    /// Sets the rewrite of each part of the text between added tokens.
    pub fn with_part_rewrite(mut self, rewrite: Option<PartRewrite>) -> Self {
        self.part_rewrite = rewrite;
        self
    }

    /// Runs HF's Metaspace on each piece the pre-tokenizer cuts.
    pub fn with_metaspace_last(mut self, metaspace: Option<MetaspaceLast>) -> Self {
        self.metaspace_last = metaspace;
        self
    }

    /// Sets the post-processor.
    pub fn with_post_processor(mut self, post_processor: Box<dyn PostProcessor>) -> Self {
        self.post_processor = Some(Arc::from(post_processor));
        self
    }

    /// Sets the decoder.
    pub fn with_decoder(mut self, decoder: Box<dyn Decoder>) -> Self {
        self.decoder = Some(Arc::from(decoder));
        self
    }

    /// Sets the normalizer HF runs on the content of normalized added
    /// tokens (the tokenizer.json normalizer alone); set it before adding.
    pub fn with_added_normalizer(mut self, normalizer: Box<dyn Normalizer>) -> Self {
        self.added_normalizer = Some(Arc::from(normalizer));
        self
    }

    /// Adds tokens as HF's `add_tokens` does (see [`AddedTokens::add`]) and
    /// returns how many HF counts as added.
    pub fn add_tokens(&mut self, tokens: Vec<AddedToken>) -> Result<usize> {
        let normalizer = self.added_normalizer.as_deref();
        self.added.add(tokens, self.model.as_ref(), normalizer)
    }

    /// Replaces the added tokens with those of `other` (a tokenizer built
    /// from the same file, with another layout of the text steps).
    pub fn take_added_tokens(&mut self, other: &Tokenizer) {
        self.added = other.added.clone();
    }

    /// Whether special tokens are tokenized as text (HF's
    /// `encode_special_tokens`).
    pub fn encode_special_tokens(&self) -> bool {
        self.added.encode_special
    }

    /// Sets whether special tokens are tokenized as text.
    pub fn set_encode_special_tokens(&mut self, value: bool) {
        self.added.encode_special = value;
    }

    /// The model.
    pub fn model(&self) -> &dyn Model {
        self.model.as_ref()
    }

    /// The added tokens.
    pub fn added_tokens(&self) -> &AddedTokens {
        &self.added
    }

    /// The id of `token` (added tokens first, as HF).
    pub fn token_to_id(&self, token: &str) -> Option<u32> {
        self.added
            .id(token)
            .or_else(|| self.model.token_to_id(token))
    }

    /// The string of `id`: an added token's name, else the model's.
    pub fn id_to_token(&self, id: u32) -> Option<&str> {
        self.added.name(id).or_else(|| self.model.id_to_token(id))
    }

    /// The largest id of the vocabulary with its added tokens; None when
    /// both are empty. The ids may have holes, so this is not the size.
    pub fn max_id(&self) -> Option<u32> {
        let model = self.model.vocab().into_iter().map(|(_, id)| id).max();
        model.max(self.added.max_id())
    }

    /// Vocabulary size, with or without the added tokens that are not the
    /// model's: HF counts the distinct token strings, whatever their ids.
    pub fn vocab_size(&self, with_added_tokens: bool) -> usize {
        let model = self.model.vocab_size();
        if !with_added_tokens {
            return model;
        }
        let extra = self
            .added
            .contents()
            .filter(|(content, _)| self.model.token_to_id(content).is_none());
        model + extra.count()
    }

    /// How many special tokens post-processing adds to one text or a pair.
    pub fn added_tokens_count(&self, is_pair: bool) -> usize {
        self.post_processor
            .as_ref()
            .map_or(0, |p| p.added_tokens(is_pair))
    }

    /// Runs the pipeline on `text`, giving every token to `sink`.
    fn run(&self, text: &str, track_offsets: bool, sink: &mut Sink<'_>) -> Result<()> {
        let segments = self.added.split_raw(text)?;
        let mut word = 0u32;
        let mut pieces: Vec<Range<usize>> = Vec::new();
        let mut tokens: Vec<Token> = Vec::new();
        for segment in segments {
            let range = match segment {
                Segment::Added(id, range) => {
                    let matched = text.get(range.clone());
                    sink(id, if track_offsets { range } else { 0..0 }, word, matched);
                    word += 1;
                    continue;
                }
                Segment::Text(range) => range,
            };
            let mut normalized = Normalized::new(&text[range.clone()], track_offsets);
            normalized.set_starts_input(range.start == 0);
            if let Some(n) = &self.normalizer {
                n.normalize(&mut normalized)?;
            }
            let to_original = |r: Range<usize>| -> Range<usize> {
                normalized
                    .original_range(r)
                    .map_or(0..0, |o| o.start + range.start..o.end + range.start)
            };
            let inner = self.added.split_normalized(normalized.as_str())?;
            for part in inner {
                let part = match part {
                    Segment::Added(id, r) => {
                        sink(id, to_original(r.clone()), word, normalized.as_str().get(r));
                        word += 1;
                        continue;
                    }
                    Segment::Text(r) => r,
                };
                let part_text = &normalized.as_str()[part.clone()];
                let rewritten = self.part_rewrite.and_then(|r| {
                    // HF asks whether the part's first character is the
                    // input's first (Metaspace's scheme "first"); without
                    // alignments, whether it is the first left.
                    let starts_input = range.start == 0
                        && normalized
                            .original_range(part.clone())
                            .map_or(part.start == 0, |o| o.start == 0);
                    r.apply(part_text, starts_input)
                });
                let part_text = rewritten.as_ref().map_or(part_text, |r| r.text.as_str());
                pieces.clear();
                match &self.pre_tokenizer {
                    Some(p) => p.split(part_text, &mut pieces)?,
                    None if !part_text.is_empty() => pieces.push(0..part_text.len()),
                    None => {}
                }
                for piece in &pieces {
                    let mut emit = |tokens: &mut [Token]| {
                        let mut base = part.start + piece.start;
                        if let Some(rewritten) = &rewritten {
                            rewritten.to_part(piece.start, tokens);
                            base = part.start;
                        }
                        for t in tokens.iter() {
                            let r = base + t.start as usize..base + t.end as usize;
                            let text = (track_offsets && self.model.named_by_text(t.id))
                                .then(|| normalized.as_str().get(r.clone()))
                                .flatten();
                            sink(t.id, to_original(r), word, text);
                        }
                        word += 1;
                    };
                    let piece_text = &part_text[piece.clone()];
                    match &self.metaspace_last {
                        None => {
                            tokens.clear();
                            self.model.tokenize(piece_text, &mut tokens)?;
                            emit(&mut tokens);
                        }
                        Some(metaspace) => {
                            // as for a part: is the piece's first character
                            // the input's first?
                            let at = part.start + piece.start;
                            let starts_input = range.start == 0
                                && normalized
                                    .original_range(at..at + piece.len())
                                    .map_or(at == 0, |o| o.start == 0);
                            let model = self.model.as_ref();
                            metaspace.tokenize(
                                model,
                                piece_text,
                                starts_input,
                                &mut tokens,
                                emit,
                            )?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Ids of `text` without special tokens, offsets or strings: the fast path.
    pub fn encode_ids(&self, text: &str) -> Result<Vec<u32>> {
        // a third more room than English needs: CJK text has about a token
        // per three bytes
        let mut ids = Vec::with_capacity(text.len() / 3 + 8);
        self.run(text, false, &mut |id, _, _, _| ids.push(id))?;
        Ok(ids)
    }

    /// Whether a run without offsets gives exactly the ids of a run with
    /// them. It does unless a step asks whether a character starts the
    /// original input (Metaspace's scheme "first") after a normalizer may
    /// have removed or added characters before it: only alignments tell
    /// then. Without a normalizer, positions in the text are the original's.
    pub fn ids_exact_without_offsets(&self) -> bool {
        let first = |p: PrependScheme| p == PrependScheme::First;
        let rewrite_reads = match self.part_rewrite {
            Some(PartRewrite::Metaspace { prepend, .. }) => first(prepend),
            Some(PartRewrite::ByteLevel { .. }) | None => false,
        };
        let last_reads = self.metaspace_last.is_some_and(|m| first(m.prepend));
        match &self.normalizer {
            None => true,
            Some(n) => !(rewrite_reads || last_reads || n.reads_moved_origins()),
        }
    }

    /// The tokens of one input sequence, before post-processing. Each word
    /// of split input is encoded on its own, as HF does: it is one word, its
    /// offsets count from its own start, and a pre-tokenizer or normaliser
    /// sees it as a whole text (a Metaspace prefix goes before every word).
    fn encode_input<W: AsRef<str>>(
        &self,
        input: Input<'_, W>,
        sequence: u32,
        detail: Detail,
    ) -> Result<Encoding> {
        let words = match input {
            Input::Text(text) => return self.encode_sequence(text, sequence, detail),
            Input::Words(words) => words,
        };
        let mut out = Encoding::with_capacity(words.len() * 2);
        for (word, text) in words.iter().enumerate() {
            let mut encoding = self.encode_sequence(text.as_ref(), sequence, detail)?;
            encoding.word_ids.fill(u32::try_from(word).ok());
            out.extend(encoding);
        }
        Ok(out)
    }

    /// The tokens of one text, before post-processing.
    fn encode_sequence(&self, text: &str, sequence: u32, detail: Detail) -> Result<Encoding> {
        if detail == Detail::Columns {
            return Ok(Encoding::placeholders(self.encode_ids(text)?, sequence));
        }
        // About one token per four bytes of English: growing eight columns
        // by doubling instead cost a tenth of encode time in copies.
        let mut encoding = Encoding::with_capacity(text.len() / 4 + 8);
        self.run(text, true, &mut |id, range, word, matched| {
            // A model token is named by the model, as HF names it, even
            // when an added token has its id under another name.
            let token = match matched {
                Some(m) => m,
                None => self.model.id_to_token(id).unwrap_or_default(),
            };
            encoding.push(
                id,
                token,
                (range.start, range.end),
                // HF encodes each sequence with its index as type id; a
                // template may set others.
                sequence,
                Some(word),
                false,
            )
        })?;
        // Char offsets from here on, as HF: post-processors (ByteLevel's
        // trimming) count in characters.
        encoding.bytes_to_char_offsets(text);
        Ok(encoding)
    }

    /// Encodes a text (or a pair) the way HF's `Tokenizer.encode` does:
    /// pipeline, truncation, post-processing, padding. Offsets are char
    /// offsets into each input text (into each word of split input).
    pub fn encode<W: AsRef<str>>(
        &self,
        first: Input<'_, W>,
        second: Option<Input<'_, W>>,
        add_special_tokens: bool,
        options: &EncodeOptions,
    ) -> Result<Encoding> {
        self.encode_with(first, second, add_special_tokens, options, Detail::Full)
    }

    /// [`Self::encode`], with the token strings and offsets left out when
    /// `detail` says so.
    fn encode_with<W: AsRef<str>>(
        &self,
        first: Input<'_, W>,
        second: Option<Input<'_, W>>,
        add_special_tokens: bool,
        options: &EncodeOptions,
        detail: Detail,
    ) -> Result<Encoding> {
        let a = self.encode_input(first, 0, detail)?;
        let b = second
            .map(|s| self.encode_input(s, 1, detail))
            .transpose()?;
        self.post_process(a, b, add_special_tokens, options)
    }

    /// Truncation, post-processing and padding of encoded sequences, as
    /// HF's `Tokenizer.post_process`: the second half of [`Self::encode`].
    pub fn post_process(
        &self,
        mut a: Encoding,
        mut b: Option<Encoding>,
        add_special_tokens: bool,
        options: &EncodeOptions,
    ) -> Result<Encoding> {
        if let Some(t) = &options.truncation {
            let reserved = if add_special_tokens {
                self.added_tokens_count(b.is_some())
            } else {
                0
            };
            // HF subtracts without checking: when the special tokens alone
            // exceed max_length the limit wraps around and nothing is cut.
            if t.max_length >= reserved {
                t.apply(&mut a, b.as_mut(), reserved)?;
            }
        }
        let mut encoding = self.process_pair(a, b, add_special_tokens);
        if let Some(p) = &options.padding {
            p.apply(std::slice::from_mut(&mut encoding));
        }
        Ok(encoding)
    }

    /// Post-processes, overflowing windows included: each window is combined
    /// with the other sequence as HF's `Encoding::merge_with` does. Sequence
    /// ranges follow HF: a post-processor gives every combination one per
    /// sequence; without one, a pair's two sequences get theirs before the
    /// windows are combined, so a window keeps only what its parts carried,
    /// and one text gets none.
    fn process_pair(
        &self,
        mut a: Encoding,
        mut b: Option<Encoding>,
        add_special: bool,
    ) -> Encoding {
        match &self.post_processor {
            Some(p) => {
                // HF gives each sequence its index as type ids, but not
                // the overflowing windows, which keep what they had (the
                // same, from `encode`; not so for `post_process`'s input).
                let process = |mut x: Encoding, mut y: Option<Encoding>, windows: [bool; 2]| {
                    x.set_sequence(0);
                    if !windows[0] {
                        x.type_ids.fill(0);
                    }
                    if let Some(y) = &mut y {
                        y.set_sequence(1);
                        if !windows[1] {
                            y.type_ids.fill(1);
                        }
                    }
                    p.process(x, y, add_special, windows)
                };
                combine(&process, a, b, [false; 2])
            }
            None => {
                if let Some(b) = &mut b {
                    a.set_sequence(0);
                    b.set_sequence(1);
                }
                let process = |mut x: Encoding, y: Option<Encoding>, _| {
                    if let Some(y) = y {
                        x.extend(y);
                    }
                    x
                };
                combine(&process, a, b, [false; 2])
            }
        }
    }

    /// How many ids [`Self::encode`] gives for `text`, counted without
    /// building them where truncation and padding leave the count alone.
    pub fn count_tokens(
        &self,
        text: &str,
        add_special_tokens: bool,
        options: &EncodeOptions,
    ) -> Result<usize> {
        let cut_or_padded = options.truncation.is_some() || options.padding.is_some();
        if cut_or_padded || !self.ids_exact_without_offsets() {
            let encoding =
                self.encode::<&str>(Input::Text(text), None, add_special_tokens, options)?;
            return Ok(encoding.len());
        }
        let mut count = 0;
        self.run(text, false, &mut |_, _, _, _| count += 1)?;
        let special = if add_special_tokens {
            self.added_tokens_count(false)
        } else {
            0
        };
        Ok(count + special)
    }

    /// [`Self::count_tokens`] of many texts, in parallel on `num_threads`
    /// threads (all cores when `None`).
    pub fn count_tokens_batch<T: AsRef<str> + Sync>(
        &self,
        texts: &[T],
        add_special_tokens: bool,
        options: &EncodeOptions,
        num_threads: Option<usize>,
    ) -> Result<Vec<usize>> {
        parallel_map(num_threads.unwrap_or(0), texts, |_, text| {
            self.count_tokens(text.as_ref(), add_special_tokens, options)
        })
    }

    /// Encodes many inputs in parallel on `num_threads` threads (all cores when
    /// `None`), padding the batch together. Order is preserved.
    pub fn encode_batch<W: AsRef<str> + Sync>(
        &self,
        inputs: &[(Input<'_, W>, Option<Input<'_, W>>)],
        add_special_tokens: bool,
        options: &EncodeOptions,
        num_threads: Option<usize>,
    ) -> Result<Vec<Encoding>> {
        let threads = num_threads.unwrap_or(0);
        let mut encodings = parallel_map(threads, inputs, |_, &(a, b)| {
            self.encode(a, b, add_special_tokens, options)
        })?;
        if let Some(p) = &options.padding {
            p.apply(&mut encodings);
        }
        Ok(encodings)
    }

    /// Text of `ids`, as HF's `decode`: added tokens by their name, unknown
    /// ids dropped, special tokens skipped on request, then the decoder.
    /// HF skips a token whose *name* is a special token's content: a
    /// normalized special token, named by its normalized form, is kept.
    /// Fails only where a decoder's regex gives up (catastrophic
    /// backtracking), where HF panics.
    pub fn decode(&self, ids: &[u32], skip_special_tokens: bool) -> Result<String> {
        let tokens: Vec<&str> = ids
            .iter()
            .filter_map(|&id| self.id_to_token(id))
            .filter(|token| !(skip_special_tokens && self.added.is_special(token)))
            .collect();
        match &self.decoder {
            Some(d) => d.decode(&tokens),
            None => Ok(tokens.join(" ")),
        }
    }
}

/// How much of each token an encoding run makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Every column.
    Full,
    /// Every column but the token strings, offsets and word ids, which hold
    /// placeholders: what ids, type ids, masks and sequence ranges need,
    /// since truncation, post-processing and padding decide those from the
    /// ids and lengths alone.
    Columns,
}

/// `process(a, b)` for the main parts, and, recursively, for every
/// overflowing window of `a` with `b` (and its windows) and of `b` with `a`,
/// nested the way HF's `Encoding::merge_with` nests them. `windows` marks
/// `a` and `b` as windows, for `process`; their own windows are windows too.
fn combine(
    process: &dyn Fn(Encoding, Option<Encoding>, [bool; 2]) -> Encoding,
    mut a: Encoding,
    b: Option<Encoding>,
    windows: [bool; 2],
) -> Encoding {
    let [a_window, b_window] = windows;
    let a_over = std::mem::take(&mut a.overflowing);
    let Some(mut b) = b else {
        let overflowing = a_over
            .into_iter()
            .map(|o| combine(process, o, None, [true, b_window]))
            .collect();
        return Encoding {
            overflowing,
            ..process(a, None, windows)
        };
    };
    let b_over = std::mem::take(&mut b.overflowing);
    let mut overflowing = Vec::new();
    for o in &a_over {
        let b_whole = Encoding {
            overflowing: b_over.clone(),
            ..b.clone()
        };
        overflowing.push(combine(process, o.clone(), Some(b_whole), [true, b_window]));
        for bo in &b_over {
            overflowing.push(combine(process, o.clone(), Some(bo.clone()), [true; 2]));
        }
    }
    for bo in &b_over {
        let a_whole = Encoding {
            overflowing: a_over.clone(),
            ..a.clone()
        };
        overflowing.push(combine(
            process,
            a_whole,
            Some(bo.clone()),
            [a_window, true],
        ));
    }
    Encoding {
        overflowing,
        ..process(a, Some(b), windows)
    }
}
