//! A tiktoken-compatible encoding: a split pattern, byte-level BPE ranks and
//! special tokens, with the semantics of tiktoken's `CoreBPE` (openai/tiktoken
//! `src/lib.rs`): text between allowed special tokens is split and each piece
//! is encoded on its own; special-token text that is not allowed is ordinary
//! text.

use std::path::Path;

use aho_corasick::{AhoCorasick, Input, MatchKind};
use rustc_hash::FxHashMap;

use crate::char_index::is_continuation;
use crate::error::{Error, Result};
use crate::formats::tekken::read_tekken;
use crate::formats::tiktoken::read_ranks;
use crate::models::bpe::merge::{with_scratch, Scratch};
use crate::models::bpe::BpeModel;
use crate::models::file_ids::{compact, IdMap};
use crate::pretokenize::pattern::{PatternSplitter, CL100K_PATTERN, O200K_PATTERN, R50K_PATTERN};

/// The split pattern and special tokens tiktoken uses for a named encoding.
pub fn known_encoding(name: &str) -> Option<(&'static str, Vec<(String, u32)>)> {
    let specials = |list: &[(&str, u32)]| list.iter().map(|&(s, i)| (s.to_string(), i)).collect();
    const EOT: &str = "<|endoftext|>";
    Some(match name {
        "gpt2" | "r50k_base" | "p50k_base" => (R50K_PATTERN, specials(&[(EOT, 50256)])),
        "p50k_edit" => (
            R50K_PATTERN,
            specials(&[
                (EOT, 50256),
                ("<|fim_prefix|>", 50281),
                ("<|fim_middle|>", 50282),
                ("<|fim_suffix|>", 50283),
            ]),
        ),
        "cl100k_base" => (
            CL100K_PATTERN,
            specials(&[
                (EOT, 100257),
                ("<|fim_prefix|>", 100258),
                ("<|fim_middle|>", 100259),
                ("<|fim_suffix|>", 100260),
                ("<|endofprompt|>", 100276),
            ]),
        ),
        "o200k_base" => (
            O200K_PATTERN,
            specials(&[(EOT, 199999), ("<|endofprompt|>", 200018)]),
        ),
        _ => return None,
    })
}

/// The number of tokens, ranks and special tokens together, that tiktoken
/// asserts a named encoding has (its `explicit_n_vocab`); their ids must then
/// be `0..n`.
fn explicit_n_vocab(name: &str) -> Option<usize> {
    match name {
        "gpt2" | "r50k_base" => Some(50257),
        "p50k_base" => Some(50281),
        _ => None,
    }
}

/// An encoding: immutable, shareable across threads.
pub struct TiktokenEncoder {
    name: String,
    pattern: String,
    model: BpeModel,
    /// The ranks as given, when they are not `0..n` (the model numbers its
    /// tokens `0..n` in rank order, so ranks near 2^32 cost no memory).
    ranks: Option<IdMap>,
    splitter: PatternSplitter,
    /// Special tokens: text and id, in the caller's order.
    specials: Vec<(String, u32)>,
    /// Finds special-token text (leftmost, longest on overlap).
    special_finder: Option<AhoCorasick>,
    /// Special token bytes by id, for decoding.
    special_bytes: FxHashMap<u32, usize>,
}

/// A special token found in text that the caller did not allow.
#[derive(Debug, PartialEq, Eq)]
pub struct Disallowed(pub String);

impl TiktokenEncoder {
    /// Builds an encoding from mergeable ranks, a split pattern and special
    /// tokens, as `tiktoken.Encoding(...)` does.
    pub fn new(
        name: &str,
        mut ranks: Vec<(Vec<u8>, u32)>,
        pattern: &str,
        specials: Vec<(String, u32)>,
    ) -> Result<Self> {
        if specials.iter().any(|(s, _)| s.is_empty()) {
            return Err(Error::InvalidArgument(
                "a special token cannot be the empty string".into(),
            ));
        }
        let file_ranks = compact(&mut ranks);
        let model = BpeModel::from_ranks(ranks)?;
        let splitter = PatternSplitter::new(pattern)?;
        let special_finder = if !specials.is_empty() {
            let finder = AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(specials.iter().map(|(s, _)| s.as_str()))
                .map_err(|e| Error::InvalidArgument(format!("special tokens: {e}")))?;
            Some(finder)
        } else {
            None
        };
        let special_bytes = specials
            .iter()
            .enumerate()
            .map(|(i, &(_, id))| (id, i))
            .collect();
        Ok(TiktokenEncoder {
            name: name.to_string(),
            pattern: pattern.to_string(),
            model,
            ranks: file_ranks,
            splitter,
            specials,
            special_finder,
            special_bytes,
        })
    }

    /// Loads a `.tiktoken` rank file as tiktoken's encoding `name` (its
    /// split pattern and special tokens), refusing a file whose token count
    /// tiktoken refuses for that name.
    pub fn load(path: &Path, name: &str) -> Result<Self> {
        let (pattern, specials) = known_encoding(name).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "unknown tiktoken encoding {name:?}; expected one of r50k_base, p50k_base, \
                 p50k_edit, cl100k_base, o200k_base (or build one with TiktokenEncoding(...))"
            ))
        })?;
        let encoder = TiktokenEncoder::new(name, read_ranks(path)?, pattern, specials)?;
        if let Some(n) = explicit_n_vocab(name) {
            let count = encoder.ordinary_count() + encoder.specials.len();
            let largest = encoder.max_token_value() as usize;
            if count != n || largest + 1 != n {
                return Err(Error::vocab(
                    path,
                    0,
                    format!(
                        "{name} has {n} tokens with ids 0..{n}; this file gives {count} tokens \
                         and ids up to {largest}"
                    ),
                ));
            }
        }
        Ok(encoder)
    }

    /// Loads a Mistral tekken file as `mistral_common`'s `Tekkenizer` builds
    /// it: its ordinary ids are the tiktoken ids `Tekkenizer.encode` gives,
    /// its special tokens the ids `Tekkenizer` numbers them with.
    pub fn load_tekken(path: &Path) -> Result<Self> {
        let tekken = read_tekken(path)?;
        Self::new(&tekken.name, tekken.ranks, &tekken.pattern, tekken.specials)
    }

    /// The encoding's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The split pattern.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// Number of ordinary (mergeable) tokens.
    pub fn ordinary_count(&self) -> usize {
        self.model.vocab().len()
    }

    /// The rank of the ordinary token made of `bytes`.
    pub fn rank(&self, bytes: &[u8]) -> Option<u32> {
        self.model.vocab().id(bytes).map(|id| self.to_rank(id))
    }

    /// Every ordinary token with its rank, by increasing rank.
    pub fn ranks(&self) -> impl Iterator<Item = (u32, &[u8])> + '_ {
        self.model
            .vocab()
            .iter()
            .map(|(id, bytes)| (self.to_rank(id), bytes))
    }

    /// The rank of model id `id`.
    #[inline]
    fn to_rank(&self, id: u32) -> u32 {
        self.ranks.as_ref().map_or(id, |r| r.to_file(id))
    }

    /// Special tokens (text, id).
    pub fn specials(&self) -> &[(String, u32)] {
        &self.specials
    }

    /// The largest token id, ordinary or special.
    pub fn max_token_value(&self) -> u32 {
        let ordinary = self.ranks().last().map_or(0, |(rank, _)| rank);
        self.specials
            .iter()
            .map(|&(_, id)| id)
            .fold(ordinary, u32::max)
    }

    /// Encodes `text` ignoring special tokens (tiktoken's `encode_ordinary`).
    pub fn encode_ordinary(&self, text: &str) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len() / 3 + 1);
        with_scratch(|scratch| self.ordinary_each(text, scratch, &mut |id| out.push(id)))?;
        Ok(out)
    }

    /// Encodes `text` where the special tokens whose index (in
    /// [`Self::specials`]) is marked in `allowed` become their ids; other
    /// special-token text is encoded as ordinary text.
    pub fn encode_with_specials(&self, text: &str, allowed: &[bool]) -> Result<Vec<u32>> {
        let mut out = Vec::with_capacity(text.len() / 3 + 1);
        with_scratch(|scratch| self.each_id(text, allowed, scratch, &mut |id| out.push(id)))?;
        Ok(out)
    }

    /// The number of ids [`Self::encode_with_specials`] gives, counted
    /// without keeping them.
    pub fn count_with_specials(&self, text: &str, allowed: &[bool]) -> Result<usize> {
        let mut count = 0;
        with_scratch(|scratch| self.each_id(text, allowed, scratch, &mut |_| count += 1))?;
        Ok(count)
    }

    /// The encode loop: passes each id of `text` (special tokens marked in
    /// `allowed` read as their ids) to `emit`, in order.
    fn each_id(
        &self,
        text: &str,
        allowed: &[bool],
        scratch: &mut Scratch,
        emit: &mut impl FnMut(u32),
    ) -> Result<()> {
        match &self.special_finder {
            Some(finder) if allowed.iter().any(|&a| a) => {
                self.segments_each(text, finder, allowed, scratch, emit)
            }
            _ => self.ordinary_each(text, scratch, emit),
        }
    }

    /// Passes each id of `text`, read without special tokens, to `emit`.
    fn ordinary_each(
        &self,
        text: &str,
        scratch: &mut Scratch,
        emit: &mut impl FnMut(u32),
    ) -> Result<()> {
        let bytes = text.as_bytes();
        let mut failed = None;
        self.splitter.for_each(text, |start, end| {
            if failed.is_some() {
                return;
            }
            if let Some(piece) = bytes.get(start..end) {
                let mut to_emit = |id, _, _| emit(self.to_rank(id));
                if let Err(e) = self.model.encode_piece_with(piece, scratch, &mut to_emit) {
                    failed = Some(e);
                }
            }
        })?;
        failed.map_or(Ok(()), Err)
    }

    /// [`Self::each_id`] when some special token is allowed: the text
    /// between allowed special tokens is encoded on its own.
    fn segments_each(
        &self,
        text: &str,
        finder: &AhoCorasick,
        allowed: &[bool],
        scratch: &mut Scratch,
        emit: &mut impl FnMut(u32),
    ) -> Result<()> {
        let mut start = 0;
        let mut search_from = 0;
        while start <= text.len() {
            // The next allowed special token; a disallowed one is skipped by
            // searching again one byte after its start, as tiktoken does.
            let mut next = None;
            while search_from <= text.len() {
                let Some(m) = finder.find(Input::new(text).range(search_from..)) else {
                    break;
                };
                if allowed
                    .get(m.pattern().as_usize())
                    .copied()
                    .unwrap_or(false)
                {
                    next = Some(m);
                    break;
                }
                search_from = m.start() + 1;
            }
            let end = next.map_or(text.len(), |m| m.start());
            let ordinary = text
                .get(start..end)
                .ok_or_else(|| Error::Encoding("special token inside a character".into()))?;
            self.ordinary_each(ordinary, scratch, emit)?;
            match next {
                Some(m) => {
                    emit(self.specials[m.pattern().as_usize()].1);
                    start = m.end();
                    search_from = m.end();
                }
                None => break,
            }
        }
        Ok(())
    }

    /// The first special token in `text` (leftmost, then longest) among the
    /// indices marked in `disallowed`.
    pub fn find_disallowed(&self, text: &str, disallowed: &[bool]) -> Option<Disallowed> {
        let finder = self.special_finder.as_ref()?;
        if !disallowed.iter().any(|&d| d) {
            return None;
        }
        let mut from = 0;
        while from <= text.len() {
            let m = finder.find(Input::new(text).range(from..))?;
            let index = m.pattern().as_usize();
            if disallowed.get(index).copied().unwrap_or(false) {
                return Some(Disallowed(self.specials[index].0.clone()));
            }
            from = m.start() + 1;
        }
        None
    }

    /// The bytes of token `id` (ordinary first, then special, as tiktoken).
    pub fn token_bytes(&self, id: u32) -> Option<&[u8]> {
        let model_id = match &self.ranks {
            Some(ranks) => ranks.to_model(id),
            None => Some(id),
        };
        let ordinary = model_id.and_then(|i| self.model.vocab().bytes(i));
        ordinary.or_else(|| {
            self.special_bytes
                .get(&id)
                .map(|&i| self.specials[i].0.as_bytes())
        })
    }

    /// Concatenated bytes of `ids`; `Err(id)` names the first unknown id.
    pub fn decode_bytes(&self, ids: &[u32]) -> std::result::Result<Vec<u8>, u32> {
        let mut out = Vec::with_capacity(ids.len() * 4);
        for &id in ids {
            out.extend_from_slice(self.token_bytes(id).ok_or(id)?);
        }
        Ok(out)
    }

    /// The concatenated bytes of `ids` and where each token starts in their
    /// text, in characters, as tiktoken's `decode_with_offsets` counts: a
    /// character is counted at its lead byte, and a token that starts inside
    /// a character starts at that character. `Err(id)` names the first
    /// unknown id.
    pub fn decode_with_offsets(
        &self,
        ids: &[u32],
    ) -> std::result::Result<(Vec<u8>, Vec<usize>), u32> {
        let mut bytes = Vec::with_capacity(ids.len() * 4);
        let mut offsets = Vec::with_capacity(ids.len());
        let mut chars = 0usize;
        for &id in ids {
            let token = self.token_bytes(id).ok_or(id)?;
            let inside = token.first().is_some_and(|&b| is_continuation(b));
            offsets.push(chars.saturating_sub(usize::from(inside)));
            chars += token.iter().filter(|&&b| !is_continuation(b)).count();
            bytes.extend_from_slice(token);
        }
        Ok((bytes, offsets))
    }

    /// Every ordinary token's bytes, sorted (tiktoken's `token_byte_values`).
    pub fn sorted_token_bytes(&self) -> Vec<&[u8]> {
        let mut all: Vec<&[u8]> = self.ranks().map(|(_, b)| b).collect();
        all.sort_unstable();
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> TiktokenEncoder {
        let mut ranks: Vec<(Vec<u8>, u32)> = (0..=255u8).map(|b| (vec![b], u32::from(b))).collect();
        ranks.push((b"ab".to_vec(), 256));
        TiktokenEncoder::new(
            "toy",
            ranks,
            R50K_PATTERN,
            vec![("<|x|>".to_string(), 300), ("<|xy|>".to_string(), 301)],
        )
        .unwrap()
    }

    #[test]
    fn specials_allowed_and_not() {
        let e = toy();
        let text = "ab<|x|>ab<|xy|>";
        assert_eq!(
            e.encode_with_specials(text, &[true, true]).unwrap(),
            vec![256, 300, 256, 301]
        );
        let only_first = e.encode_with_specials(text, &[true, false]).unwrap();
        assert_eq!(&only_first[..3], &[256, 300, 256]);
        assert_eq!(
            only_first.len(),
            3 + e.encode_ordinary("<|xy|>").unwrap().len()
        );
        assert_eq!(
            e.find_disallowed(text, &[false, true]),
            Some(Disallowed("<|xy|>".into()))
        );
        assert_eq!(e.find_disallowed("ab", &[true, true]), None);
        assert_eq!(e.decode_bytes(&[256, 301]).unwrap(), b"ab<|xy|>".to_vec());
        assert_eq!(e.decode_bytes(&[999]), Err(999));
        assert_eq!(e.max_token_value(), 301);
    }

    #[test]
    fn counts_are_the_lengths_of_the_ids() {
        let e = toy();
        for text in ["", "ab<|x|>ab<|xy|>", "a b  ab<|x|><|x|>é"] {
            for allowed in [[false, false], [true, false], [true, true]] {
                let ids = e.encode_with_specials(text, &allowed).unwrap();
                assert_eq!(e.count_with_specials(text, &allowed).unwrap(), ids.len());
            }
        }
    }

    #[test]
    fn known_encodings() {
        assert!(known_encoding("cl100k_base").is_some());
        assert!(known_encoding("nope").is_none());
    }

    #[test]
    fn offsets_count_characters_at_their_lead_bytes() {
        let toy = toy();
        let offsets = |ids: &[u32]| toy.decode_with_offsets(ids).map(|(_, o)| o);
        // "aé" as single bytes: the token of é's second byte starts inside
        // the character that its first byte starts
        assert_eq!(
            toy.decode_with_offsets(&[97, 0xC3, 0xA9, 98]),
            Ok(("aéb".as_bytes().to_vec(), vec![0, 1, 1, 2]))
        );
        // a special token counts its characters; an unknown id is named
        assert_eq!(offsets(&[300, 256, 97]), Ok(vec![0, 5, 7]));
        assert_eq!(offsets(&[0xA9, 97]), Ok(vec![0, 0]));
        assert_eq!(offsets(&[97, 299]), Err(299));
    }
}
