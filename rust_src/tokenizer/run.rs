//! One run of the pipeline over a text: added tokens, normalizer, pre-tokenizer
//! and model, each token given to a sink.

use std::ops::Range;

use super::added_vocab::Segment;
use super::part_rewrite::PartRewrite;
use super::Tokenizer;
use crate::error::Result;
use crate::pipeline::{Normalized, Token};
use crate::pretokenize::metaspace::PrependScheme;

/// Receives each token of a text: id, original byte range, word index, and
/// for an added token the text it matched (HF's token string for it: with
/// lstrip/rstrip it holds the spaces) or for a model token named by its
/// text ([`crate::pipeline::Model::named_by_text`]) the normalized text it
/// covers.
pub(super) type TokenSink<'a> = dyn FnMut(u32, Range<usize>, u32, Option<&str>) + 'a;

/// Where a run puts its tokens, which decides what it tracks.
pub(super) enum Sink<'s, 'a> {
    /// The ids alone, appended: the run tracks no offsets, and the model
    /// gives the ids of a part's pieces at once
    /// ([`crate::pipeline::Model::tokenize_ids`]).
    Ids(&'s mut Vec<u32>),
    /// Every token with its range, word and text; offsets are tracked.
    Tokens(&'s mut TokenSink<'a>),
}

impl Sink<'_, '_> {
    /// Gives one token; `range` and `text` are read only by [`Sink::Tokens`].
    #[inline]
    fn token<'t>(
        &mut self,
        id: u32,
        range: impl FnOnce() -> Range<usize>,
        word: u32,
        text: impl FnOnce() -> Option<&'t str>,
    ) {
        match self {
            Sink::Ids(ids) => ids.push(id),
            Sink::Tokens(sink) => sink(id, range(), word, text()),
        }
    }
}

impl Tokenizer {
    /// Runs the pipeline on `text`, giving every token to `sink`.
    pub(super) fn run(&self, text: &str, sink: &mut Sink<'_, '_>) -> Result<()> {
        let track_offsets = matches!(sink, Sink::Tokens(_));
        let segments = self.added.split_raw(text)?;
        let mut word = 0u32;
        let mut pieces: Vec<Range<usize>> = Vec::new();
        let mut tokens: Vec<Token> = Vec::new();
        for segment in segments {
            let range = match segment {
                Segment::Added(id, range) => {
                    sink.token(id, || range.clone(), word, || text.get(range.clone()));
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
                        let matched = || normalized.as_str().get(r.clone());
                        sink.token(id, || to_original(r.clone()), word, matched);
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
                if let (Sink::Ids(ids), None) = (&mut *sink, &self.metaspace_last) {
                    self.model.tokenize_ids(part_text, &pieces, ids)?;
                    continue;
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
                            let text = || {
                                (self.model.named_by_text(t.id))
                                    .then(|| normalized.as_str().get(r.clone()))
                                    .flatten()
                            };
                            sink.token(t.id, || to_original(r.clone()), word, text);
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
        self.run(text, &mut Sink::Ids(&mut ids))?;
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
}
