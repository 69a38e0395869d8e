//! Post-processing: special tokens around the sequences ([CLS] A [SEP] B [SEP]).

use std::ops::Range;

use super::encoding::Encoding;

/// Appends `sequence` to `out`; returns where it lies there (what
/// [`PostProcessor::process_ids`] returns for the sequence's own ids).
pub(super) fn append_ids(sequence: &[u32], out: &mut Vec<u32>) -> Range<usize> {
    let start = out.len();
    out.extend_from_slice(sequence);
    start..out.len()
}

/// Adds special tokens and segment ids once the model has run.
pub trait PostProcessor: Send + Sync {
    /// How many tokens [`PostProcessor::process`] adds (truncation leaves room).
    fn added_tokens(&self, is_pair: bool) -> usize;
    /// HF's `process_encodings`: the encoded sequences (without overflowing
    /// parts: the tokenizer combines those), or what an earlier step of a
    /// `Sequence` made of them, as the parts the next step gets. `windows`
    /// tells which sequences are windows cut off by truncation rather than
    /// the sequence itself: HF post-processes only the sequences and merges
    /// the windows in afterwards, so a window keeps segment ids a template
    /// sets.
    fn process_parts(
        &self,
        parts: Vec<Encoding>,
        add_special_tokens: bool,
        windows: [bool; 2],
    ) -> Vec<Encoding>;

    /// The ids [`PostProcessor::process`] gives one sequence (not a
    /// window) with ids `sequence`, appended to `out`, and where the
    /// sequence's own ids lie in them; `None` (and `out` untouched) where
    /// a processor cannot tell without the other columns.
    fn process_ids(
        &self,
        _sequence: &[u32],
        _add_special_tokens: bool,
        _out: &mut Vec<u32>,
    ) -> Option<Range<usize>> {
        None
    }

    /// The sequences post-processed and merged into the final encoding.
    fn process(
        &self,
        first: Encoding,
        second: Option<Encoding>,
        add_special_tokens: bool,
        windows: [bool; 2],
    ) -> Encoding {
        let mut parts = vec![first];
        parts.extend(second);
        let mut parts = self
            .process_parts(parts, add_special_tokens, windows)
            .into_iter();
        let mut out = parts.next().unwrap_or_default();
        parts.for_each(|p| out.extend(p));
        out
    }
}

/// One element of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// The first (0) or second (1) input sequence, with its segment id.
    Sequence { which: u32, type_id: u32 },
    /// A special token's ids and strings, with its segment id.
    Special {
        ids: Vec<u32>,
        tokens: Vec<String>,
        type_id: u32,
    },
}

/// HF's TemplateProcessing (and BertProcessing, which is one fixed template).
#[derive(Debug, Clone)]
pub struct Template {
    /// Template for one sequence.
    pub single: Vec<Piece>,
    /// Template for a pair.
    pub pair: Vec<Piece>,
    /// BertProcessing returns the sequences untouched (each with its index as
    /// segment id) when special tokens are off; TemplateProcessing still
    /// applies the template's segment ids.
    pub type_ids_without_special_tokens: bool,
}

impl PostProcessor for Template {
    fn added_tokens(&self, is_pair: bool) -> usize {
        let template = if is_pair { &self.pair } else { &self.single };
        template
            .iter()
            .map(|p| match p {
                Piece::Special { ids, .. } => ids.len(),
                Piece::Sequence { .. } => 0,
            })
            .sum()
    }

    /// The special tokens around the sequence, the template's one
    /// `$A`; a single-sequence template without one, or with `$B`, is
    /// left to [`PostProcessor::process`].
    fn process_ids(
        &self,
        sequence: &[u32],
        add_special_tokens: bool,
        out: &mut Vec<u32>,
    ) -> Option<Range<usize>> {
        if !add_special_tokens {
            return Some(append_ids(sequence, out));
        }
        let mut sequences = self
            .single
            .iter()
            .filter(|p| matches!(p, Piece::Sequence { .. }));
        let only_a = matches!(sequences.next(), Some(Piece::Sequence { which: 0, .. }));
        if !only_a || sequences.next().is_some() {
            return None;
        }
        let mut range = 0..0;
        for piece in &self.single {
            match piece {
                Piece::Special { ids, .. } => out.extend_from_slice(ids),
                Piece::Sequence { .. } => range = append_ids(sequence, out),
            }
        }
        Some(range)
    }

    fn process_parts(
        &self,
        parts: Vec<Encoding>,
        add_special_tokens: bool,
        windows: [bool; 2],
    ) -> Vec<Encoding> {
        if !add_special_tokens && !self.type_ids_without_special_tokens {
            return parts;
        }
        let template = if parts.len() > 1 {
            &self.pair
        } else {
            &self.single
        };
        let mut parts = parts.into_iter();
        let mut sequences = [parts.next(), parts.next()];
        let mut out = Encoding::default();
        // Whether `out` holds a sequence yet: the first goes in with the
        // special tokens before it put in front, not copied after them.
        let mut placed = false;
        for piece in template {
            match piece {
                Piece::Sequence { which, type_id } => {
                    let slot = sequences.get_mut(*which as usize).and_then(Option::take);
                    if let Some(mut seq) = slot {
                        if !windows[*which as usize] {
                            seq.type_ids.iter_mut().for_each(|t| *t = *type_id);
                        }
                        // BertProcessing (the template that leaves type ids
                        // alone without special tokens) builds each part anew.
                        if add_special_tokens && !self.type_ids_without_special_tokens {
                            seq.keep_only_sequence(*which as usize);
                        }
                        if placed {
                            out.extend(seq);
                        } else {
                            seq.prepend(std::mem::take(&mut out));
                            out = seq;
                            placed = true;
                        }
                    }
                }
                Piece::Special {
                    ids,
                    tokens,
                    type_id,
                } if add_special_tokens => {
                    for (id, token) in ids.iter().zip(tokens) {
                        out.push(*id, token, (0, 0), *type_id, None, true);
                    }
                }
                Piece::Special { .. } => {}
            }
        }
        vec![out]
    }
}
