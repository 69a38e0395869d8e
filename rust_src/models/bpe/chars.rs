//! BPE over characters, as HF `tokenizers`' `models.BPE` without a byte-level
//! alphabet (Llama 1/2, Mistral, CodeLlama; OpenAI GPT with `</w>`): the
//! initial symbols are the characters of a piece, unknown characters go to
//! `<0xNN>` byte tokens (`byte_fallback`) or to the unknown token, and the
//! merge loop of [`super::merge`] joins them.

use std::ops::Range;
use std::path::Path;

use rustc_hash::FxHashMap;

use super::dropout::merge_with_dropout;
use super::merge::{self, with_scratch, Merges, Scratch};
use super::table::U64Map;
use crate::error::{Error, Result};
use crate::models::char_joins::CharJoins;
use crate::models::names_by_id;
use crate::models::segment_cache;
use crate::pipeline::{ids_of_tokens, piece_of, Model, Token};

mod words;

use words::words;

/// The settings of an HF BPE model besides its vocabulary and merges.
#[derive(Debug, Clone, Default)]
pub struct CharBpeOptions {
    /// The token for characters with no token (`None`: they are dropped).
    pub unk_token: Option<String>,
    /// Fuse consecutive unknown characters into one unknown token.
    pub fuse_unk: bool,
    /// Spell unknown characters as `<0xNN>` tokens when all their bytes have one.
    pub byte_fallback: bool,
    /// Prefix of every symbol but the first of a piece ("##").
    pub continuing_subword_prefix: Option<String>,
    /// Suffix of the last symbol of a piece ("</w>").
    pub end_of_word_suffix: Option<String>,
    /// A piece that is itself a token becomes that token without merging.
    pub ignore_merges: bool,
    /// BPE-dropout: each merge is skipped with this probability (random on
    /// every call, as in HF; `ignore_merges` then does not apply, as in HF).
    pub dropout: Option<f32>,
}

/// HF's character-level BPE model.
pub struct CharBpe {
    vocab: FxHashMap<String, u32>,
    /// Token strings by id (`None` for ids no token has).
    names: Vec<Option<String>>,
    /// `(left << 32) | right` to `(rank << 32) | merged id`.
    merges: U64Map,
    /// Ids of the `<0xNN>` tokens, when byte fallback is on.
    bytes: Option<Box<[Option<u32>; 256]>>,
    /// Ids of one-character ASCII tokens, for the symbols looked up without
    /// prefix or suffix (most of them): an array read instead of a hash.
    ascii: [Option<u32>; 128],
    /// Ids of the other one-character tokens: a hash of a `char`, with no
    /// string compare (CJK text is mostly these).
    singles: FxHashMap<char, u32>,
    options: CharBpeOptions,
    /// The id of `▁` when no token has a `▁` after another character (true
    /// of sentencepiece vocabularies): then no merge crosses the start of a
    /// `▁` run, and each word merges on its own, in the short-piece path,
    /// instead of a whole Llama text (one piece) on the heap.
    word_start: Option<u32>,
    /// Where a word holding Chinese or Japanese is cut further, when that
    /// is exact ([`CharBpe::every_char_kept_apart`]).
    char_cuts: Option<CharJoins>,
    /// Names this model in the per-thread [`segment_cache`].
    cache_owner: u64,
}

/// The sentencepiece word marker.
const SPACE: char = '\u{2581}';

fn pair_key(left: u32, right: u32) -> u64 {
    (u64::from(left) << 32) | u64::from(right)
}

impl CharBpe {
    /// Builds the model. `merges` are `(left, right, position for messages)`
    /// in priority order; the merged token is `left` followed by `right`
    /// without its first `continuing_subword_prefix.len()` bytes, as in HF.
    /// A pair listed twice keeps its last rank (HF collects into a map).
    pub fn new(
        vocab: FxHashMap<String, u32>,
        merges: &[(String, String, usize)],
        options: CharBpeOptions,
    ) -> Result<Self> {
        let bad = |at: usize, message: String| {
            Error::vocab(
                Path::new("tokenizer.json"),
                0,
                format!("model.merges[{}]: {message}", at.saturating_sub(1)),
            )
        };
        let id = |t: &str, at: usize| {
            vocab
                .get(t)
                .copied()
                .ok_or_else(|| bad(at, format!("{t:?} is not in the vocabulary")))
        };
        let prefix_len = options
            .continuing_subword_prefix
            .as_ref()
            .map_or(0, String::len);
        let mut table = U64Map::with_capacity(merges.len());
        // Whether a byte token or the unknown token is ever merged.
        let mut special_merged = false;
        let special = |t: &str| {
            options.unk_token.as_deref() == Some(t)
                || (t.len() == 6 && t.starts_with("<0x") && t.ends_with('>'))
        };
        for (rank, (a, b, at)) in merges.iter().enumerate() {
            special_merged |= special(a) || special(b);
            let rank = u32::try_from(rank)
                .map_err(|_| Error::InvalidArgument("too many merges".into()))?;
            let rest = b.get(prefix_len..).ok_or_else(|| {
                bad(
                    *at,
                    format!("{b:?} is shorter than the continuing subword prefix"),
                )
            })?;
            let merged = id(&format!("{a}{rest}"), *at)?;
            table.insert(
                pair_key(id(a, *at)?, id(b, *at)?),
                (u64::from(rank) << 32) | u64::from(merged),
            );
        }
        let names = names_by_id(&vocab);
        let bytes = options.byte_fallback.then(|| {
            let mut ids = Box::new([None; 256]);
            for (b, slot) in ids.iter_mut().enumerate() {
                *slot = vocab.get(&format!("<0x{b:02X}>")).copied();
            }
            ids
        });
        let mut ascii = [None; 128];
        for (c, slot) in ascii.iter_mut().enumerate() {
            *slot = char::from_u32(c as u32)
                .and_then(|c| vocab.get(c.encode_utf8(&mut [0; 4])).copied());
        }
        let singles = vocab
            .iter()
            .filter_map(|(token, &id)| {
                let mut chars = token.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) if !c.is_ascii() => Some((c, id)),
                    _ => None,
                }
            })
            .collect();
        let decorated = options
            .continuing_subword_prefix
            .as_ref()
            .is_some_and(|p| !p.is_empty())
            || options
                .end_of_word_suffix
                .as_ref()
                .is_some_and(|p| !p.is_empty());
        let word_start = vocab
            .get(SPACE.encode_utf8(&mut [0; 4]) as &str)
            .copied()
            .filter(|_| !decorated)
            .filter(|_| {
                vocab
                    .keys()
                    .all(|t| !t.trim_start_matches(SPACE).contains(SPACE))
            });
        let exact_cuts = word_start.is_some()
            && !special_merged
            && CharBpe::every_char_kept_apart(&options, bytes.as_deref());
        let char_cuts = exact_cuts.then(|| CharJoins::new(vocab.keys().map(String::as_bytes)));
        Ok(CharBpe {
            word_start,
            char_cuts,
            cache_owner: segment_cache::new_owner(),
            vocab,
            names,
            merges: table,
            bytes,
            ascii,
            singles,
            options,
        })
    }

    /// Whether every character of a word becomes symbols of its own: none is
    /// dropped (the characters around it would meet) and no two unknown
    /// ones fuse into one token. Then, with no merge of a byte or unknown
    /// token, a word cut between two characters that no token holds side by
    /// side merges as the whole word does.
    fn every_char_kept_apart(options: &CharBpeOptions, bytes: Option<&[Option<u32>; 256]>) -> bool {
        let every_byte = bytes.is_some_and(|ids| ids.iter().all(Option::is_some));
        every_byte || (options.unk_token.is_some() && !options.fuse_unk)
    }

    /// The id of the unknown token, an error when the vocabulary lacks it
    /// (HF loads such a file and fails on the first unknown character).
    fn unk_id(&self, unk: &str) -> Result<u32> {
        self.vocab.get(unk).copied().ok_or_else(|| {
            Error::Encoding(format!(
                "the unknown token {unk:?} is not in the vocabulary"
            ))
        })
    }

    /// The initial symbols of `piece` in `s`, as HF's `BPE::merge_word`
    /// builds them. Symbol offsets are the running sum of symbol lengths, not
    /// positions in the piece: a dropped character takes no room and a
    /// pending unknown token comes after the byte tokens that followed it,
    /// exactly as HF reports them.
    fn symbols(&self, piece: &str, s: &mut Scratch) -> Result<()> {
        let prefix = self
            .options
            .continuing_subword_prefix
            .as_deref()
            .unwrap_or("");
        let suffix = self.options.end_of_word_suffix.as_deref().unwrap_or("");
        let mut at = 0u32;
        let mut add = |s: &mut Scratch, id: u32, len: u32| {
            s.ids.push(id);
            s.starts.push(at);
            at += len;
        };
        let mut pending: Option<(u32, u32)> = None;
        let mut decorated = String::new();
        for (i, c) in piece.char_indices() {
            let len = c.len_utf8() as u32;
            let first = i == 0;
            let last = i + c.len_utf8() == piece.len();
            let plain = (first || prefix.is_empty()) && (!last || suffix.is_empty());
            let name: &str = if plain {
                let end = i + c.len_utf8();
                piece.get(i..end).unwrap_or("")
            } else {
                decorated.clear();
                if !first {
                    decorated.push_str(prefix);
                }
                decorated.push(c);
                if last {
                    decorated.push_str(suffix);
                }
                &decorated
            };
            let found = match (plain, u32::from(c)) {
                (true, code) if code < 128 => self.ascii.get(code as usize).copied().flatten(),
                (true, _) => self.singles.get(&c).copied(),
                _ => self.vocab.get(name).copied(),
            };
            if let Some(id) = found {
                if let Some((unk, unk_len)) = pending.take() {
                    add(s, unk, unk_len);
                }
                add(s, id, len);
                continue;
            }
            if let Some(table) = &self.bytes {
                let ids: Option<Vec<u32>> = name.bytes().map(|b| table[b as usize]).collect();
                if let Some(ids) = ids {
                    for id in ids {
                        add(s, id, 1);
                    }
                    continue;
                }
            }
            if let Some(unk) = &self.options.unk_token {
                pending = match pending {
                    Some((id, unk_len)) if self.options.fuse_unk => Some((id, unk_len + len)),
                    Some((id, unk_len)) => {
                        add(s, id, unk_len);
                        Some((self.unk_id(unk)?, len))
                    }
                    None => Some((self.unk_id(unk)?, len)),
                };
            }
        }
        if let Some((unk, unk_len)) = pending {
            add(s, unk, unk_len);
        }
        s.starts.push(at);
        Ok(())
    }
}

impl Merges for CharBpe {
    #[inline]
    fn merge(&self, left: u32, right: u32) -> Option<(u32, u32)> {
        self.merges
            .get(pair_key(left, right))
            .map(|v| ((v >> 32) as u32, v as u32))
    }

    /// No memo: the per-thread pair memo, a gain for byte-level BPE's
    /// large tables, cost this model 40% (Llama 2 tokenizer.json, 1 KB
    /// documents: 6.8 MB/s with it, 12.5 MB/s without, load about 2).
    fn memo_key(&self) -> u64 {
        0
    }
}

impl Model for CharBpe {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        let end = u32::try_from(piece.len())
            .map_err(|_| Error::Encoding("a piece longer than 4 GiB cannot be encoded".into()))?;
        if piece.is_empty() {
            return Ok(());
        }
        let dropout = self.options.dropout.filter(|&p| p > 0.0);
        if self.options.ignore_merges && dropout.is_none() {
            // HF looks the bare piece up, without prefix or suffix.
            if let Some(&id) = self.vocab.get(piece) {
                out.push(Token { id, start: 0, end });
                return Ok(());
            }
        }
        with_scratch(|s| {
            s.clear();
            self.symbols(piece, s)?;
            // Byte tokens of a prefixed or suffixed symbol count the bytes
            // of the decoration too, so HF's offsets can run past the piece;
            // they are kept inside it here.
            let mut emit = |id, start: u32, stop: u32| {
                out.push(Token {
                    id,
                    start: start.min(end),
                    end: stop.min(end),
                })
            };
            if let Some(p) = dropout {
                merge_with_dropout(self, &mut s.ids, &s.starts, p, emit);
                return Ok(());
            }
            match self.word_start {
                Some(space) if s.ids.len() > merge::SMALL => self.merge_words(space, s, &mut emit),
                _ => merge::merge(self, s, emit),
            }
            Ok(())
        })
    }

    /// Where no merge crosses the start of a `▁` run ([`CharBpe::word_start`])
    /// and each piece merges the same every time (no dropout, no whole-piece
    /// lookup), each word is merged on its own through the per-thread
    /// segment cache: Llama 2's tokenizer.json, 1 KB documents, ids only,
    /// went from half its `SentencePieceProcessor`'s speed to about the same.
    fn tokenize_ids(&self, text: &str, pieces: &[Range<usize>], out: &mut Vec<u32>) -> Result<()> {
        let plain = self.options.dropout.is_none_or(|p| p <= 0.0) && !self.options.ignore_merges;
        if self.word_start.is_none() || !plain {
            return ids_of_tokens(self, text, pieces, out);
        }
        with_scratch(|s| {
            for piece in pieces {
                for word in words(piece_of(text, piece)?) {
                    self.word_ids(word, s, out)?;
                }
            }
            Ok(())
        })
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.vocab.get(token).copied()
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize)?.as_deref()
    }

    fn vocab_size(&self) -> usize {
        self.vocab.len()
    }

    // Two tokens of a file may share an id; each is an entry.
    fn vocab(&self) -> Vec<(&str, u32)> {
        self.vocab.iter().map(|(t, &id)| (t.as_str(), id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn model(
        tokens: &[&str],
        merges: &[(&str, &str)],
        options: CharBpeOptions,
    ) -> CharBpe {
        let vocab = tokens
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect();
        let merges: Vec<(String, String, usize)> = merges
            .iter()
            .enumerate()
            .map(|(i, (a, b))| (a.to_string(), b.to_string(), i + 1))
            .collect();
        CharBpe::new(vocab, &merges, options).unwrap()
    }

    pub(super) fn encode(m: &CharBpe, text: &str) -> Vec<(u32, u32, u32)> {
        let mut out = Vec::new();
        m.tokenize(text, &mut out).unwrap();
        out.iter().map(|t| (t.id, t.start, t.end)).collect()
    }

    const TOKENS: [&str; 8] = ["<unk>", "a", "b", "ab", "<0x41>", "<0xC3>", "<0xA9>", "c"];

    // Expected values: HF tokenizers 0.23.3, models.BPE with the same vocab
    // and merges, byte offsets read from Encoding.offsets on ASCII text or
    // derived from its char offsets.
    #[test]
    fn unknowns_fuse_after_byte_tokens_as_in_hf() {
        let m = model(
            &TOKENS,
            &[("a", "b")],
            CharBpeOptions {
                unk_token: Some("<unk>".into()),
                fuse_unk: true,
                byte_fallback: true,
                ..Default::default()
            },
        );
        assert_eq!(
            encode(&m, "aXYbA"),
            [(1, 0, 1), (0, 1, 3), (2, 3, 4), (4, 4, 5)]
        );
        // The pending unknown X is emitted after é's byte tokens.
        assert_eq!(encode(&m, "XéY"), [(5, 0, 1), (6, 1, 2), (0, 2, 4)]);
        assert_eq!(encode(&m, "ZZZ"), [(0, 0, 3)]);
    }

    #[test]
    fn no_unk_token_drops_characters_and_their_room() {
        let m = model(
            &TOKENS,
            &[("a", "b")],
            CharBpeOptions {
                byte_fallback: true,
                ..Default::default()
            },
        );
        assert_eq!(encode(&m, "aXYbA"), [(3, 0, 2), (4, 2, 3)]);
        assert_eq!(encode(&m, "X"), []);
    }

    #[test]
    fn unk_token_missing_from_vocab_fails_only_when_needed() {
        let m = model(
            &TOKENS,
            &[("a", "b")],
            CharBpeOptions {
                unk_token: Some("<zz>".into()),
                fuse_unk: true,
                ..Default::default()
            },
        );
        assert_eq!(encode(&m, "ab"), [(3, 0, 2)]);
        let mut out = Vec::new();
        assert!(m.tokenize("aX", &mut out).is_err());
    }

    #[test]
    fn prefix_suffix_and_ignore_merges() {
        let tokens = [
            "<unk>", "a", "##b", "ab</w>", "b</w>", "a</w>", "##b</w>", "ab", "abb",
        ];
        let options = CharBpeOptions {
            unk_token: Some("<unk>".into()),
            continuing_subword_prefix: Some("##".into()),
            end_of_word_suffix: Some("</w>".into()),
            ..Default::default()
        };
        let m = model(&tokens, &[], options.clone());
        assert_eq!(encode(&m, "ab"), [(1, 0, 1), (6, 1, 2)]);
        assert_eq!(encode(&m, "abb"), [(1, 0, 1), (2, 1, 2), (6, 2, 3)]);
        let m = model(
            &tokens,
            &[],
            CharBpeOptions {
                ignore_merges: true,
                ..options
            },
        );
        assert_eq!(encode(&m, "abb"), [(8, 0, 3)]);
    }
}
