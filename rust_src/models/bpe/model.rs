//! The byte-level BPE model: a [`Vocab`] plus a merge table keyed by pairs of
//! ids, and the per-piece encoder (whole-piece lookup first, then the piece
//! cut where no merge crosses, [`CharJoins`], and each segment merged by the
//! loop of [`super::merge`]).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use super::byte_alphabet;
use super::char_seeds::CharSeeds;
use super::merge::{self, with_scratch, Merges, Scratch};
use super::table::{U64Map, HOT_RANKS};
use super::vocab::{Vocab, NO_ID};
use crate::error::{Error, Result};
use crate::models::char_joins::CharJoins;
use crate::pipeline::{piece_of, Model, Token};

/// Byte-level BPE: pieces are byte strings, the initial symbols their bytes.
pub struct BpeModel {
    vocab: Vocab,
    /// `(left << 32) | right` to `(rank << 32) | merged id`.
    merges: U64Map,
    /// The merges of rank below [`HOT_RANKS`], looked up first.
    hot_merges: U64Map,
    /// Per left id, the [`partner_bit`]s of the right ids it merges with: a
    /// clear bit proves that a pair does not merge without a probe of the
    /// merge tables. Two thirds of o200k's tokens are never a left side,
    /// and most pairs in CJK text do not merge; each such probe was a cache
    /// miss (Chinese went from 13 to 15.5 MB/s with this).
    partners: Vec<u64>,
    /// Tokens a whole piece may map to directly, one bit per id; `None`
    /// when every token may (tiktoken ranks, HF `ignore_merges`). With HF
    /// merges a token is only reachable when merging its own bytes gives it.
    whole: Option<Vec<u64>>,
    /// Each character's own merging, so pieces with non-ASCII text start
    /// from whole characters where that is exact; `None` when some byte has
    /// no token.
    seeds: Option<CharSeeds>,
    /// Where a piece with non-ASCII text is cut into segments no merge
    /// crosses, each merged on its own: a Chinese or Japanese clause is one
    /// piece that never repeats, its segments are a character or two. On
    /// fresh 1 KB documents o200k's Chinese ran 1.8x and its Japanese 1.7x
    /// as fast with the cuts (cl100k: 1.4x and 1.7x).
    joins: CharJoins,
    /// This model's key in the per-thread merge memo.
    memo_key: u64,
    /// Token names in GPT-2's byte alphabet, built on first use (only
    /// [`Model::id_to_token`] needs them).
    names: OnceLock<Names>,
}

/// Token names by id and ids by name.
struct Names {
    by_id: Vec<String>,
    ids: FxHashMap<String, u32>,
}

#[inline]
fn key(left: u32, right: u32) -> u64 {
    (u64::from(left) << 32) | u64::from(right)
}

/// The bit standing for `right` in a left id's [`BpeModel::partners`] word
/// (Fibonacci hashing to 6 bits).
#[inline]
fn partner_bit(right: u32) -> u64 {
    1 << (right.wrapping_mul(0x9E37_79B9) >> 26)
}

/// Source of [`BpeModel::memo_key`]: never reused, so a memo can never
/// answer for a model it was not filled by.
static NEXT_MEMO_KEY: AtomicU64 = AtomicU64::new(1);

impl Merges for BpeModel {
    fn memo_key(&self) -> u64 {
        self.memo_key
    }

    #[inline]
    fn merge(&self, left: u32, right: u32) -> Option<(u32, u32)> {
        let may_merge = self
            .partners
            .get(left as usize)
            .is_some_and(|&w| w & partner_bit(right) != 0);
        if !may_merge {
            return None;
        }
        let k = key(left, right);
        self.hot_merges
            .get(k)
            .or_else(|| self.merges.get(k))
            .map(|v| ((v >> 32) as u32, v as u32))
    }
}

impl BpeModel {
    /// A model with tiktoken's semantics from mergeable ranks: the rank of a
    /// token is its id and its merge priority, and two adjacent symbols merge
    /// when their concatenation is a token. Each token's splits into two
    /// tokens are listed once here, so the merge loop hashes pairs of ids
    /// instead of byte strings.
    pub fn from_ranks(ranks: Vec<(Vec<u8>, u32)>) -> Result<Self> {
        let mut pairs = Vec::new();
        let vocab = Vocab::new(ranks)?;
        // Only splits into two lengths some token has are looked up: a very
        // long token (a damaged or hostile file) then costs a few lookups,
        // not one hash of its length at each of its bytes.
        let mut has_length = Vec::new();
        for (_, bytes) in vocab.iter() {
            if has_length.len() <= bytes.len() {
                has_length.resize(bytes.len() + 1, false);
            }
            has_length[bytes.len()] = true;
        }
        for (id, bytes) in vocab.iter() {
            for k in 1..bytes.len() {
                if !(has_length[k] && has_length[bytes.len() - k]) {
                    continue;
                }
                let (Some(left), Some(right)) = (vocab.id(&bytes[..k]), vocab.id(&bytes[k..]))
                else {
                    continue;
                };
                pairs.push((key(left, right), (u64::from(id) << 32) | u64::from(id)));
            }
        }
        Ok(BpeModel::assemble(vocab, pairs, None))
    }

    /// A model with HF BPE semantics: `vocab` maps token bytes to ids and
    /// `merges` lists `(left, right, merged)` ids by priority (the line order
    /// of merges.txt). Unless `ignore_merges`, a piece that is itself a token
    /// still goes through the merges, as in HF.
    pub fn from_merges(
        vocab: Vec<(Vec<u8>, u32)>,
        merges: &[(u32, u32, u32)],
        ignore_merges: bool,
    ) -> Result<Self> {
        let vocab = Vocab::new(vocab)?;
        let mut pairs = Vec::with_capacity(merges.len());
        for (rank, &(left, right, merged)) in merges.iter().enumerate() {
            let rank = u32::try_from(rank)
                .map_err(|_| Error::InvalidArgument("too many merges".into()))?;
            pairs.push((
                key(left, right),
                (u64::from(rank) << 32) | u64::from(merged),
            ));
        }
        let mut model = BpeModel::assemble(vocab, pairs, None);
        if !ignore_merges {
            model.whole = Some(model.reachable_tokens());
        }
        Ok(model)
    }

    /// The tokens that merging their own bytes produces.
    fn reachable_tokens(&self) -> Vec<u64> {
        let mut bits = vec![0u64; self.vocab.size().div_ceil(64)];
        let mut scratch = Scratch::default();
        for (id, bytes) in self.vocab.iter() {
            scratch.clear();
            // an empty token is never made by merging
            let mut ok = !bytes.is_empty();
            for (i, &b) in bytes.iter().enumerate() {
                let byte_id = self.vocab.byte_id(b);
                ok &= byte_id != NO_ID;
                scratch.ids.push(byte_id);
                scratch.starts.push(i as u32);
            }
            scratch.starts.push(bytes.len() as u32);
            if !ok {
                continue;
            }
            let mut single = None;
            let mut count = 0;
            merge::merge(self, &mut scratch, |t, _, _| {
                single = Some(t);
                count += 1;
            });
            if count == 1 && single == Some(id) {
                bits[id as usize / 64] |= 1 << (id % 64);
            }
        }
        bits
    }

    fn assemble(vocab: Vocab, pairs: Vec<(u64, u64)>, whole: Option<Vec<u64>>) -> Self {
        let mut merges = U64Map::with_capacity(pairs.len());
        let hot = pairs
            .iter()
            .filter(|&&(_, v)| (v >> 32) < u64::from(HOT_RANKS));
        let mut hot_merges = U64Map::with_capacity(hot.count());
        let mut partners = vec![0u64; vocab.size()];
        for (k, v) in pairs {
            if let Some(w) = partners.get_mut((k >> 32) as usize) {
                *w |= partner_bit(k as u32);
            }
            if (v >> 32) < u64::from(HOT_RANKS) {
                hot_merges.insert(k, v);
            }
            merges.insert(k, v);
        }
        let joins = CharJoins::new(vocab.iter().map(|(_, bytes)| bytes));
        let mut model = BpeModel {
            vocab,
            merges,
            hot_merges,
            partners,
            whole,
            seeds: None,
            joins,
            memo_key: NEXT_MEMO_KEY.fetch_add(1, Ordering::Relaxed),
            names: OnceLock::new(),
        };
        let merges = model
            .merges
            .iter()
            .map(|(k, v)| ((k >> 32) as u32, k as u32, (v >> 32) as u32));
        model.seeds = CharSeeds::new(&model, &model.vocab, merges);
        model
    }

    /// The token table.
    pub fn vocab(&self) -> &Vocab {
        &self.vocab
    }

    /// Encodes one piece, calling `emit(id, start, end)` for each token with
    /// its byte range inside the piece.
    #[inline]
    pub fn encode_piece_with(
        &self,
        piece: &[u8],
        scratch: &mut Scratch,
        mut emit: impl FnMut(u32, u32, u32),
    ) -> Result<()> {
        let end = u32::try_from(piece.len())
            .map_err(|_| Error::Encoding("a piece longer than 4 GiB cannot be encoded".into()))?;
        // Most pieces of English and code are tokens, looked up first as
        // before the cuts (an `is_ascii` scan ahead of the lookup cost GPT-2
        // about 7% on English). A piece that starts outside ASCII is cut
        // first: a piece with a cut in it is no token (a token joins every
        // two of its characters), so only one of one segment is looked up.
        let lead_ascii = piece.first().is_some_and(|&b| b < 0x80);
        let first = if lead_ascii {
            piece.len()
        } else {
            self.joins.segment_end(piece, 0)
        };
        if first < piece.len() {
            return self.encode_cut(piece, first, scratch, emit);
        }
        if let Some(id) = self.vocab.id(piece) {
            let whole = match &self.whole {
                None => true,
                Some(bits) => bits
                    .get(id as usize / 64)
                    .is_some_and(|w| w >> (id % 64) & 1 == 1),
            };
            if whole {
                emit(id, 0, end);
                return Ok(());
            }
        }
        if lead_ascii && !piece.is_ascii() {
            // ASCII before other text (" 中文"): cut it now.
            let first = self.joins.segment_end(piece, 0);
            return self.encode_cut(piece, first, scratch, emit);
        }
        self.encode_segment(piece, lead_ascii, scratch, emit)
    }

    /// Encodes a piece cut into segments, the first ending at `first`.
    fn encode_cut(
        &self,
        piece: &[u8],
        first: usize,
        scratch: &mut Scratch,
        mut emit: impl FnMut(u32, u32, u32),
    ) -> Result<()> {
        let (mut start, mut segment_end) = (0, first);
        while start < piece.len() {
            let base = start as u32;
            self.encode_segment(&piece[start..segment_end], false, scratch, |id, s, e| {
                emit(id, base + s, base + e)
            })?;
            start = segment_end;
            if start < piece.len() {
                segment_end = self.joins.segment_end(piece, start);
            }
        }
        Ok(())
    }

    /// Encodes one segment of a piece (or a whole piece), calling `emit(id,
    /// start, end)` for each token: ASCII text (`ascii`) merged from its
    /// bytes; other text, one character from its own merging, longer text
    /// merged from its characters where [`CharSeeds`] allows, else from its
    /// bytes. Keeping the merged tokens of longer segments in
    /// the per-thread segment cache was no faster on fresh Chinese or
    /// Japanese text (o200k: a lookup costs about what merging a segment of
    /// two or three characters does).
    #[inline]
    fn encode_segment(
        &self,
        piece: &[u8],
        ascii: bool,
        scratch: &mut Scratch,
        mut emit: impl FnMut(u32, u32, u32),
    ) -> Result<()> {
        scratch.clear();
        if let (false, Some(seeds)) = (ascii, &self.seeds) {
            if let Some(tokens) = seeds.one_char(piece) {
                let mut at = 0;
                for (id, len) in tokens {
                    emit(id, at, at + len);
                    at += len;
                }
                return Ok(());
            }
            if seeds.seed(self, piece, scratch) {
                merge::merge(self, scratch, emit);
                return Ok(());
            }
            scratch.clear();
        }
        for (i, &b) in piece.iter().enumerate() {
            let id = self.vocab.byte_id(b);
            if id == NO_ID {
                return Err(Error::Encoding(format!(
                    "byte 0x{b:02x} has no token in the vocabulary"
                )));
            }
            scratch.ids.push(id);
            scratch.starts.push(i as u32);
        }
        scratch.starts.push(piece.len() as u32);
        merge::merge(self, scratch, emit);
        Ok(())
    }

    /// Encodes one piece, appending its ids to `out`.
    #[inline]
    pub fn encode_piece(
        &self,
        piece: &[u8],
        scratch: &mut Scratch,
        out: &mut Vec<u32>,
    ) -> Result<()> {
        self.encode_piece_with(piece, scratch, |id, _, _| out.push(id))
    }

    fn names(&self) -> &Names {
        self.names.get_or_init(|| {
            let mut by_id = vec![String::new(); self.vocab.size()];
            let mut ids = FxHashMap::default();
            for (id, bytes) in self.vocab.iter() {
                let name = byte_alphabet::spell(bytes);
                ids.insert(name.clone(), id);
                by_id[id as usize] = name;
            }
            Names { by_id, ids }
        })
    }
}

impl Model for BpeModel {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        with_scratch(|scratch| {
            self.encode_piece_with(piece.as_bytes(), scratch, |id, start, end| {
                out.push(Token { id, start, end })
            })
        })
    }

    fn tokenize_ids(&self, text: &str, pieces: &[Range<usize>], out: &mut Vec<u32>) -> Result<()> {
        // One scratch for all the pieces, as the tiktoken path holds it:
        // fetching it per piece and building a Token per id held GPT-2's
        // tokenizer.json, 1 KB documents, ids only, to 29 MB/s; without
        // them it runs at 38-40 MB/s, the tiktoken path's speed.
        with_scratch(|scratch| {
            for piece in pieces {
                let piece = piece_of(text, piece)?;
                self.encode_piece(piece.as_bytes(), scratch, out)?;
            }
            Ok(())
        })
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.names().ids.get(token).copied()
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.vocab.bytes(id)?;
        self.names().by_id.get(id as usize).map(String::as_str)
    }

    fn vocab_size(&self) -> usize {
        self.vocab.len()
    }
}

#[cfg(test)]
mod tests;
