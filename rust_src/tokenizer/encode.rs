//! Encoding: the pipeline run on each input sequence, then truncation,
//! post-processing and padding, for one input or a batch.

use super::run::Sink;
use super::{EncodeOptions, Encoding, Input, Tokenizer};
use crate::error::Result;
use crate::threads::parallel_map;

impl Tokenizer {
    /// How many special tokens post-processing adds to one text or a pair.
    pub fn added_tokens_count(&self, is_pair: bool) -> usize {
        self.post_processor
            .as_ref()
            .map_or(0, |p| p.added_tokens(is_pair))
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

    /// Sequence `sequence`'s placeholder columns for `ids`, with room for
    /// the special tokens post-processing adds.
    pub(super) fn placeholders(&self, ids: Vec<u32>, sequence: u32) -> Encoding {
        Encoding::placeholders(ids, sequence, self.added_tokens_count(true))
    }

    /// The tokens of one text, before post-processing.
    fn encode_sequence(&self, text: &str, sequence: u32, detail: Detail) -> Result<Encoding> {
        if detail == Detail::Columns {
            return Ok(self.placeholders(self.encode_ids(text)?, sequence));
        }
        // About one token per four bytes of English: growing eight columns
        // by doubling instead cost a tenth of encode time in copies.
        let mut encoding = Encoding::with_capacity(text.len() / 4 + 8);
        self.run(
            text,
            &mut Sink::Tokens(&mut |id, range, word, matched| {
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
            }),
        )?;
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
    pub(super) fn encode_with<W: AsRef<str>>(
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
    pub(super) fn process_pair(
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
                // Its sequence range goes to the input and its own windows,
                // not to windows nested deeper (`post_process` of windows).
                let process = |mut x: Encoding, mut y: Option<Encoding>, depths: [usize; 2]| {
                    if depths[0] <= 1 {
                        x.set_sequence(0);
                    }
                    if depths[0] == 0 {
                        x.type_ids.fill(0);
                    }
                    if let Some(y) = &mut y {
                        if depths[1] <= 1 {
                            y.set_sequence(1);
                        }
                        if depths[1] == 0 {
                            y.type_ids.fill(1);
                        }
                    }
                    p.process(x, y, add_special, depths.map(|d| d > 0))
                };
                combine(&process, a, b, [0; 2])
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
                combine(&process, a, b, [0; 2])
            }
        }
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
}

/// How much of each token an encoding run makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Detail {
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
/// nested the way HF's `Encoding::merge_with` nests them. `depths` says how
/// deep among their input's windows `a` and `b` sit (0: the input itself),
/// for `process`; their own windows sit one deeper.
fn combine(
    process: &dyn Fn(Encoding, Option<Encoding>, [usize; 2]) -> Encoding,
    mut a: Encoding,
    b: Option<Encoding>,
    depths: [usize; 2],
) -> Encoding {
    let [a_depth, b_depth] = depths;
    let a_over = std::mem::take(&mut a.overflowing);
    let Some(mut b) = b else {
        let overflowing = a_over
            .into_iter()
            .map(|o| combine(process, o, None, [a_depth + 1, b_depth]))
            .collect();
        return Encoding {
            overflowing,
            ..process(a, None, depths)
        };
    };
    let b_over = std::mem::take(&mut b.overflowing);
    let mut overflowing = Vec::new();
    for o in &a_over {
        let b_whole = Encoding {
            overflowing: b_over.clone(),
            ..b.clone()
        };
        overflowing.push(combine(
            process,
            o.clone(),
            Some(b_whole),
            [a_depth + 1, b_depth],
        ));
        for bo in &b_over {
            overflowing.push(combine(
                process,
                o.clone(),
                Some(bo.clone()),
                [a_depth + 1, b_depth + 1],
            ));
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
            [a_depth, b_depth + 1],
        ));
    }
    Encoding {
        overflowing,
        ..process(a, Some(b), depths)
    }
}
