//! A per-thread cache of the tokens of short text segments, for models whose
//! tokens of a segment depend on its text alone: a word with the `▁` run
//! before it for the sentencepiece-style BPE models (whose merges never
//! cross the start of a `▁` run), a pre-tokenizer's piece for HF's Unigram.
//! Words repeat: on 1 KB documents of the shared corpora, Llama 2 encodes
//! 2x faster with it. Per thread, so shared models need no lock; bounded at
//! [`LIMIT`] segments of at most [`MAX_SEGMENT`] bytes each and [`BYTES`]
//! of segments and tokens in all, and emptied when a thread turns to another
//! model.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::error::Result;
use crate::models::packed_key::PackedMap;

/// Segments longer than this are not cached (they rarely repeat).
const MAX_SEGMENT: usize = 256;
/// The cache is emptied when it holds this many segments...
const LIMIT: usize = 1 << 16;
/// ...or when the next one would take its segments' text and tokens past
/// this many bytes: 8 MB, with the map's own ~64 bytes a segment about 12 MB
/// a thread at most. Text of short words fills [`LIMIT`] first (~2 MB).
const BYTES: usize = 8 << 20;

/// A segment's tokens: `(id, byte length)` each, in order.
pub type SegmentTokens = [(u32, u32)];

/// Segments of at most this many tokens keep them in the map's own entry.
const INLINE: usize = 2;

/// A segment's tokens as kept: a few in place, where reading them behind a
/// pointer was one more cache miss a hit (most words are one or two pieces).
enum Kept {
    /// The first `len` of `tokens`.
    Inline {
        len: u8,
        tokens: [(u32, u32); INLINE],
    },
    /// More tokens.
    Boxed(Box<SegmentTokens>),
}

impl Kept {
    fn new(tokens: &SegmentTokens) -> Self {
        match tokens.len() {
            n @ ..=INLINE => {
                let mut kept = [(0, 0); INLINE];
                kept[..n].copy_from_slice(tokens);
                Kept::Inline {
                    len: n as u8,
                    tokens: kept,
                }
            }
            _ => Kept::Boxed(tokens.into()),
        }
    }

    fn tokens(&self) -> &SegmentTokens {
        match self {
            Kept::Inline { len, tokens } => tokens.get(..usize::from(*len)).unwrap_or(&[]),
            Kept::Boxed(tokens) => tokens,
        }
    }
}

/// Recent segments and their tokens, for the model named `owner`.
#[derive(Default)]
struct SegmentCache {
    owner: u64,
    /// The segments, by packed keys where short: hashing and comparing
    /// strings was most of a hit's time (Llama 2 on English).
    segments: PackedMap<Kept>,
    /// Bytes of the segments and tokens held.
    bytes: usize,
}

thread_local! {
    static CACHE: RefCell<SegmentCache> = RefCell::new(SegmentCache::default());
}

static NEXT_OWNER: AtomicU64 = AtomicU64::new(1);

/// A name for a model in the cache, never given twice: a cache filled by
/// one model never answers for another.
pub fn new_owner() -> u64 {
    NEXT_OWNER.fetch_add(1, Ordering::Relaxed)
}

/// Gives the tokens of `segment` under model `owner` to `read`: cached ones,
/// or those `make` appends to an empty list, which are then kept unless
/// `make` fails or the segment is longer than [`MAX_SEGMENT`]. The caller
/// keeps `make` deterministic.
pub fn with_segment<R>(
    owner: u64,
    segment: &str,
    make: impl FnOnce(&mut Vec<(u32, u32)>) -> Result<()>,
    read: impl FnOnce(&SegmentTokens) -> R,
) -> Result<R> {
    CACHE.with(|cell| {
        // A segment too long to keep, or a `make` that reaches the cache
        // again (finding it borrowed), works without it.
        let kept = (segment.len() <= MAX_SEGMENT).then(|| cell.try_borrow_mut().ok());
        let Some(mut cache) = kept.flatten() else {
            let mut tokens = Vec::new();
            make(&mut tokens)?;
            return Ok(read(&tokens));
        };
        if cache.owner != owner {
            cache.empty();
            cache.owner = owner;
        }
        if let Some(tokens) = cache.get(segment) {
            return Ok(read(tokens));
        }
        let mut tokens = Vec::new();
        make(&mut tokens)?;
        let answer = read(&tokens);
        cache.insert(segment, &tokens);
        Ok(answer)
    })
}

impl SegmentCache {
    fn empty(&mut self) {
        self.segments.clear();
        self.bytes = 0;
    }

    fn get(&self, segment: &str) -> Option<&SegmentTokens> {
        self.segments.get(segment).map(Kept::tokens)
    }

    fn insert(&mut self, segment: &str, tokens: &SegmentTokens) {
        let size = segment.len() + std::mem::size_of_val(tokens);
        if self.segments.len() >= LIMIT || self.bytes + size > BYTES {
            self.empty();
        }
        self.bytes += size;
        self.segments.insert(segment, Kept::new(tokens));
    }
}

/// Appends the ids of `segment`'s tokens under model `owner` to `out`,
/// through the cache; `make` appends the tokens as [`with_segment`]'s does.
pub fn extend_ids(
    owner: u64,
    segment: &str,
    out: &mut Vec<u32>,
    make: impl FnOnce(&mut Vec<(u32, u32)>) -> Result<()>,
) -> Result<()> {
    with_segment(owner, segment, make, |tokens| {
        out.extend(tokens.iter().map(|&(id, _)| id))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    #[test]
    fn long_segments_with_many_tokens_empty_it_by_bytes() {
        let owner = new_owner();
        let every_byte = |tokens: &mut Vec<(u32, u32)>| {
            tokens.extend((0..MAX_SEGMENT as u32).map(|i| (i, 1)));
            Ok(())
        };
        let size = MAX_SEGMENT * (1 + std::mem::size_of::<(u32, u32)>());
        for i in 0..2 * BYTES / size {
            let segment = format!("{i:0width$}", width = MAX_SEGMENT);
            with_segment(owner, &segment, every_byte, <[_]>::len).unwrap();
            let (held, bytes) = CACHE.with(|c| {
                let cache = c.borrow();
                (cache.segments.len(), cache.bytes)
            });
            assert!(
                bytes <= BYTES && held * size == bytes,
                "{i}: {held} segments, {bytes} bytes"
            );
        }
    }

    #[test]
    fn failures_are_not_kept_and_owners_do_not_share() {
        let (one, two) = (new_owner(), new_owner());
        let failed = with_segment(one, "w", |_| Err(Error::Encoding("no".into())), <[_]>::len);
        assert!(failed.is_err());
        let made = |tokens: &mut Vec<(u32, u32)>| {
            tokens.push((7, 1));
            Ok(())
        };
        assert_eq!(
            with_segment(one, "w", made, <[_]>::to_vec).unwrap(),
            [(7, 1)]
        );
        let unused = |_: &mut Vec<(u32, u32)>| -> Result<()> { unreachable!() };
        assert_eq!(
            with_segment(one, "w", unused, <[_]>::to_vec).unwrap(),
            [(7, 1)]
        );
        let other = |tokens: &mut Vec<(u32, u32)>| {
            tokens.push((9, 1));
            Ok(())
        };
        assert_eq!(
            with_segment(two, "w", other, <[_]>::to_vec).unwrap(),
            [(9, 1)]
        );
        let mut ids = vec![1];
        let long = "x".repeat(MAX_SEGMENT + 1);
        extend_ids(one, &long, &mut ids, made).unwrap();
        assert_eq!(ids, [1, 7]);
    }

    #[test]
    fn packed_and_long_keys_never_collide() {
        let owner = new_owner();
        let texts = [
            "",
            "a",
            "a\0",
            "a\0\0",
            &"b".repeat(15),
            &"b".repeat(16),
            &"b".repeat(17),
            &"b".repeat(31),
            &"b".repeat(32),
            &("b".repeat(30) + "\0"),
            &("b".repeat(16) + "\0"),
        ];
        for (n, text) in texts.iter().enumerate() {
            let made = |tokens: &mut Vec<(u32, u32)>| {
                tokens.push((n as u32, 1));
                Ok(())
            };
            assert_eq!(
                with_segment(owner, text, made, <[_]>::to_vec).unwrap(),
                [(n as u32, 1)]
            );
        }
        for (n, text) in texts.iter().enumerate() {
            let unused = |_: &mut Vec<(u32, u32)>| -> Result<()> { unreachable!() };
            assert_eq!(
                with_segment(owner, text, unused, <[_]>::to_vec).unwrap(),
                [(n as u32, 1)]
            );
        }
    }
}
