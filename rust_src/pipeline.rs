//! The data path every tokenizer runs, whatever its algorithm:
//!
//! ```text
//! text ─Normalizer─▶ Normalized (text + alignment back to the original)
//!      ─PreTokenizer▶ pieces (byte ranges of the normalized text)
//!      ─Model───────▶ tokens (ids + byte ranges inside each piece)
//!      ─PostProcessor▶ Encoding with special tokens ([CLS] … [SEP])
//! ids  ─Decoder─────▶ text
//! ```
//!
//! Every stage is immutable once built (`Send + Sync`), so one tokenizer can
//! serve many threads without locks.

use std::ops::Range;

use crate::error::{Error, Result};

/// A byte range of the original text, `start..end`, kept as `u32` pairs because
/// a tokenizer stores one per normalized byte when offsets are requested.
pub type Span = (u32, u32);

/// Text after normalization, with the way back to the original text.
///
/// Alignment is tracked only when offsets were asked for; the id-only fast
/// path pays nothing for it.
#[derive(Debug, Clone)]
pub struct Normalized {
    text: String,
    /// For each byte of `text`, the original byte range of the character it
    /// came from (every char produced from one input char shares its span).
    alignments: Option<Vec<Span>>,
    /// Whether `text` begins the input (false for a segment after an added
    /// token), for HF's Metaspace `prepend_scheme: "first"`.
    starts_input: bool,
    /// The length of the original text, which bounds how long normalizers
    /// may make it ([`Normalized::longest_allowed`]).
    original_len: usize,
}

impl Normalized {
    /// Starts from `original`, tracking alignment when `track_offsets`.
    pub fn new(original: &str, track_offsets: bool) -> Self {
        let alignments = track_offsets.then(|| {
            if original.is_ascii() {
                // one byte per char: a loop the compiler vectorizes (the
                // general one below was a tenth of BERT's encode)
                return (0..original.len() as u32).map(|i| (i, i + 1)).collect();
            }
            let mut spans = Vec::with_capacity(original.len());
            for (start, c) in original.char_indices() {
                let span = (start as u32, (start + c.len_utf8()) as u32);
                spans.extend(std::iter::repeat_n(span, c.len_utf8()));
            }
            spans
        });
        Normalized {
            text: original.to_owned(),
            alignments,
            starts_input: true,
            original_len: original.len(),
        }
    }

    /// The longest text (in bytes) normalizers may make of this one: 64
    /// times the original, and at least 1 MiB. Real normalizers stay far
    /// below it (NFKD's longest expansion is 11 times in bytes); a
    /// tokenizer.json that chains multiplying steps (`Replace` of "a" by
    /// "aa", thirty times over) would otherwise need more memory than any
    /// machine has, for the text and its alignments.
    pub fn longest_allowed(&self) -> usize {
        self.original_len.saturating_mul(64).max(1 << 20)
    }

    /// Whether the text begins the input (true unless set otherwise).
    pub fn starts_input(&self) -> bool {
        self.starts_input
    }

    /// Records whether the text begins the input.
    pub fn set_starts_input(&mut self, starts_input: bool) {
        self.starts_input = starts_input;
    }

    /// The normalized text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether alignments are tracked.
    pub fn tracks_offsets(&self) -> bool {
        self.alignments.is_some()
    }

    /// Rewrites the text: `f` reads the current characters with their spans and
    /// pushes the new text into the [`Builder`]. Spans stay attached to chars,
    /// so offsets survive any number of rewrites.
    pub fn rewrite<F>(&mut self, f: F)
    where
        F: FnOnce(SpannedChars<'_>, &mut Builder),
    {
        self.try_rewrite(|chars, out| {
            f(chars, out);
            true
        });
    }

    /// [`Normalized::rewrite`] that may give up half way: when `f` returns
    /// false, the text and its alignments stay as they were. Returns `f`'s answer.
    pub fn try_rewrite<F>(&mut self, f: F) -> bool
    where
        F: FnOnce(SpannedChars<'_>, &mut Builder) -> bool,
    {
        let mut builder = Builder {
            text: String::with_capacity(self.text.len() + self.text.len() / 8),
            alignments: self
                .alignments
                .as_ref()
                .map(|a| Vec::with_capacity(a.len())),
        };
        let done = f(
            SpannedChars {
                chars: self.text.char_indices(),
                alignments: self.alignments.as_deref(),
            },
            &mut builder,
        );
        if done {
            self.text = builder.text;
            self.alignments = builder.alignments;
        }
        done
    }

    /// Rewrites all-ASCII text byte by byte: `f` gives each byte's
    /// replacement, or `None` to drop it. A byte-level loop, several times
    /// faster than [`Normalized::rewrite`] for the commonest text.
    pub fn rewrite_ascii(&mut self, f: impl Fn(u8) -> Option<u8>) {
        debug_assert!(self.text.is_ascii());
        // With no byte dropped, each keeps its place: the alignments stand
        // as they are, and a text `f` leaves alone is not copied at all.
        let mut changed = false;
        let kept = self.text.bytes().all(|b| match f(b) {
            Some(n) if n.is_ascii() => {
                changed |= n != b;
                true
            }
            _ => false,
        });
        if kept {
            if changed {
                let mut bytes = std::mem::take(&mut self.text).into_bytes();
                for b in &mut bytes {
                    *b = f(*b).unwrap_or(*b);
                }
                // ASCII in, ASCII out: always valid UTF-8, so nothing is replaced.
                self.text = String::from_utf8(bytes)
                    .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
            }
            return;
        }
        let mut bytes = Vec::with_capacity(self.text.len());
        match &self.alignments {
            None => bytes.extend(self.text.bytes().filter_map(&f)),
            Some(old) => {
                let mut alignments = Vec::with_capacity(old.len());
                for (b, span) in self.text.bytes().zip(old) {
                    if let Some(b) = f(b).filter(u8::is_ascii) {
                        bytes.push(b);
                        alignments.push(*span);
                    }
                }
                self.alignments = Some(alignments);
            }
        }
        // ASCII in, ASCII out: always valid UTF-8, so this never fails.
        if let Ok(text) = String::from_utf8(bytes) {
            self.text = text;
        }
    }

    /// The original byte range covered by the normalized byte range `range`,
    /// or `None` when alignments are not tracked. An empty range maps to an
    /// empty range at the original position of its start.
    pub fn original_range(&self, range: Range<usize>) -> Option<Range<usize>> {
        let alignments = self.alignments.as_ref()?;
        if range.start >= range.end {
            let at = alignments.get(range.start).map_or_else(
                || alignments.last().map_or(0, |s| s.1 as usize),
                |s| s.0 as usize,
            );
            return Some(at..at);
        }
        let start = alignments.get(range.start)?.0 as usize;
        let end = alignments.get(range.end - 1)?.1 as usize;
        Some(start..end.max(start))
    }
}

/// The characters of a [`Normalized`] with their original spans.
pub struct SpannedChars<'a> {
    chars: std::str::CharIndices<'a>,
    alignments: Option<&'a [Span]>,
}

impl Iterator for SpannedChars<'_> {
    type Item = (char, Span);

    #[inline]
    fn next(&mut self) -> Option<(char, Span)> {
        let (at, c) = self.chars.next()?;
        let span = match self.alignments {
            Some(a) => a.get(at).copied().unwrap_or((0, 0)),
            None => (0, 0),
        };
        Some((c, span))
    }
}

impl SpannedChars<'_> {
    /// The text not yet read.
    pub fn rest(&self) -> &str {
        self.chars.as_str()
    }
}

/// Receives the output of [`Normalized::rewrite`].
pub struct Builder {
    text: String,
    alignments: Option<Vec<Span>>,
}

impl Builder {
    /// Appends `c`, which came from the original text at `span`.
    #[inline]
    pub fn push(&mut self, c: char, span: Span) {
        self.text.push(c);
        if let Some(a) = &mut self.alignments {
            match c.len_utf8() {
                1 => a.push(span),
                n => a.extend(std::iter::repeat_n(span, n)),
            }
        }
    }

    /// Appends `text`, every char of which came from the original at `span`.
    #[inline]
    pub fn push_str(&mut self, text: &str, span: Span) {
        match &mut self.alignments {
            None => self.text.push_str(text),
            Some(_) => text.chars().for_each(|c| self.push(c, span)),
        }
    }

    /// The text built so far.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Makes room for `bytes` more bytes of text, for a rewrite that knows
    /// it grows the text more than [`Normalized::rewrite`] allows for.
    pub fn reserve(&mut self, bytes: usize) {
        self.text.reserve(bytes);
    }
}

/// Changes text before it is split: cleaning, case folding, Unicode forms.
pub trait Normalizer: Send + Sync {
    /// Normalizes in place. Fails only where the reference fails too (a
    /// tokenizer.json regex that exceeds Oniguruma's backtracking limit).
    fn normalize(&self, text: &mut Normalized) -> Result<()>;

    /// Whether it reads where characters came from in the original (their
    /// alignments), which a run without offsets does not track. On a text
    /// no step has changed, the first character starts at 0 either way.
    fn reads_origins(&self) -> bool {
        false
    }

    /// Whether it reads where characters came from after a step of its own
    /// may have moved them: a run without offsets could then make other
    /// text, and so other ids.
    fn reads_moved_origins(&self) -> bool {
        false
    }
}

/// Splits normalized text into the pieces the model sees one at a time.
pub trait PreTokenizer: Send + Sync {
    /// Appends the byte ranges of the pieces of `text` to `out`, in order and
    /// without overlap. Bytes between pieces are dropped (whitespace, say).
    /// Fails only where the reference fails too (a tokenizer.json regex that
    /// exceeds Oniguruma's backtracking limit).
    fn split(&self, text: &str, out: &mut Vec<Range<usize>>) -> Result<()>;
}

/// A normalizer and a pre-tokenizer, the text steps before a model: what a
/// trainer runs on its corpus to get the words it counts.
pub struct TextSteps {
    /// The normalizer, if any.
    pub normalizer: Option<Box<dyn Normalizer>>,
    /// The pre-tokenizer, if any; without one the text is one piece.
    pub pre_tokenizer: Option<Box<dyn PreTokenizer>>,
}

impl TextSteps {
    /// Normalizes and pre-tokenizes `text`, giving each piece to `emit`.
    pub fn for_each_piece(&self, text: &str, emit: &mut dyn FnMut(&str)) -> Result<()> {
        let mut normalized = Normalized::new(text, false);
        if let Some(n) = &self.normalizer {
            n.normalize(&mut normalized)?;
        }
        let text = normalized.as_str();
        let Some(pre_tokenizer) = &self.pre_tokenizer else {
            emit(text);
            return Ok(());
        };
        let mut pieces = Vec::new();
        pre_tokenizer.split(text, &mut pieces)?;
        for piece in pieces {
            emit(&text[piece]);
        }
        Ok(())
    }
}

/// One token produced by a [`Model`]: its id and the byte range it covers
/// inside the piece it was cut from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Vocabulary id.
    pub id: u32,
    /// Start byte inside the piece.
    pub start: u32,
    /// End byte (exclusive) inside the piece.
    pub end: u32,
}

/// The text of `piece`, a byte range of `text` a pre-tokenizer gave.
pub fn piece_of<'t>(text: &'t str, piece: &Range<usize>) -> Result<&'t str> {
    text.get(piece.clone())
        .ok_or_else(|| Error::Encoding(format!("piece {piece:?} does not lie on characters")))
}

/// [`Model::tokenize_ids`] through [`Model::tokenize`]: each piece's tokens,
/// then their ids.
pub fn ids_of_tokens<M: Model + ?Sized>(
    model: &M,
    text: &str,
    pieces: &[Range<usize>],
    out: &mut Vec<u32>,
) -> Result<()> {
    let mut tokens = Vec::new();
    for piece in pieces {
        tokens.clear();
        model.tokenize(piece_of(text, piece)?, &mut tokens)?;
        out.extend(tokens.iter().map(|t| t.id));
    }
    Ok(())
}

/// Turns one piece into tokens: WordPiece, BPE, byte-level BPE, Unigram.
pub trait Model: Send + Sync {
    /// Appends the tokens of `piece` to `out`.
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()>;
    /// Appends the ids of the tokens of each of `pieces` (byte ranges of
    /// `text`, in order) to `out`: [`Model::tokenize`] without the ranges,
    /// for runs that read only the ids. A model overrides it where it can
    /// skip building [`Token`]s.
    fn tokenize_ids(&self, text: &str, pieces: &[Range<usize>], out: &mut Vec<u32>) -> Result<()> {
        ids_of_tokens(self, text, pieces, out)
    }
    /// The id of a token string.
    fn token_to_id(&self, token: &str) -> Option<u32>;
    /// The string of an id (as the vocabulary file spells it).
    fn id_to_token(&self, id: u32) -> Option<&str>;
    /// Number of tokens in the vocabulary (HF counts its entries, whatever
    /// their ids).
    fn vocab_size(&self) -> usize;
    /// Every token with its id. The ids of a model are `0..n` unless it maps
    /// a file's own ([`crate::models::file_ids`]).
    fn vocab(&self) -> Vec<(&str, u32)> {
        (0..self.vocab_size() as u32)
            .filter_map(|id| self.id_to_token(id).map(|t| (t, id)))
            .collect()
    }
    /// Whether an Encoding names token `id` by the text it covers instead of
    /// by [`Model::id_to_token`]: HF's Unigram names its unknown token so.
    fn named_by_text(&self, _id: u32) -> bool {
        false
    }
}

/// Turns tokens back into text.
///
/// As in HF, decoders compose as a chain: each maps a list of token strings
/// to a new list ([`Decoder::decode_chain`]) and the text is the
/// concatenation of the last list.
pub trait Decoder: Send + Sync {
    /// This decoder's step in a chain (HF's `decode_chain`): the token
    /// strings it hands on. A decoder that only joins hands on its text as
    /// one string.
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>>;

    /// Token strings (as [`Model::id_to_token`] spells them) as text: what
    /// the chain hands on, concatenated.
    fn decode(&self, tokens: &[&str]) -> Result<String> {
        let chain = self.decode_chain(tokens.iter().map(|t| (*t).to_owned()).collect())?;
        Ok(chain.concat())
    }
}
