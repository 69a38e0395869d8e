//! sentencepiece's BPE model: characters (and user-defined symbols) merged
//! pairwise, highest piece score first, leftmost on ties, with BPE-dropout
//! (Provilkov et al. 2020) skipping each merge with probability `alpha`.
//! Follows google/sentencepiece `src/bpe_model.cc` (`SampleEncode`), where
//! plain encoding is sampling with `alpha = 0`.

use std::cell::RefCell;
use std::collections::BinaryHeap;
use std::path::Path;

use rustc_hash::FxHashMap;

use crate::error::{Error, Result};
use crate::formats::spm_model::{PieceType, SpmModelProto};
use crate::models::bpe::waves::{Waiting, WAVES};
use crate::models::rng::Rng;
use crate::models::segment_cache;
use crate::models::spm_vocab::SpmVocab;
use crate::models::unigram::model::one_char_len;
use crate::pipeline::{Model, Token};

mod agenda;
mod cuts;
mod short;

use crate::models::char_joins::{is_cjk_lead, AsciiJoins, CharJoins};
use agenda::{merge_waves, Pair, Symbol};
use cuts::SPACE;

/// A loaded sentencepiece BPE model.
#[derive(Debug, Clone)]
pub struct SpmBpeModel {
    /// Pieces, scores, types.
    pub vocab: SpmVocab,
    /// `(left id, right id)` to the id of their concatenation, for every piece
    /// that splits into two pieces: one hash probe per candidate merge instead
    /// of a trie walk over the joined bytes (Llama 2 encode 1.4x faster).
    merges: FxHashMap<(u32, u32), u32>,
    /// True when every piece holding `▁` has it only in a leading run and no
    /// user-defined or unused piece exists: then merges never cross the start of a
    /// `▁`-run, and segments between them can be encoded apart.
    segmentable: bool,
    /// Where text is cut into segments when `segmentable`.
    cuts: AsciiJoins,
    /// Where a segment with Chinese or Japanese is cut further: between two
    /// characters no piece holds side by side.
    char_cuts: CharJoins,
    /// Names this model in the per-thread segment cache.
    cache_id: u64,
    /// `PieceToId(pieces[id])` for every id (a reserved piece wins over a
    /// normal one spelled the same).
    final_ids: Vec<u32>,
}

/// Symbols, merge agenda and split stack of [`SpmBpeModel::encode_segment`].
type Scratch = (Vec<Symbol>, BinaryHeap<Pair>, Vec<(usize, usize)>);

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::default();
}

impl SpmBpeModel {
    /// Builds the model from a parsed `.model`.
    pub fn new(proto: &SpmModelProto, path: &Path) -> Result<Self> {
        let vocab = SpmVocab::new(proto, path)?;
        let mut merges = FxHashMap::default();
        for (id, piece) in vocab.pieces.iter().enumerate() {
            if !matches!(
                vocab.kinds[id],
                PieceType::Normal | PieceType::UserDefined | PieceType::Unused
            ) {
                continue;
            }
            for (split, _) in piece.char_indices().skip(1) {
                let (left, right) = piece.split_at(split);
                if let (Some(l), Some(r)) = (
                    vocab.normal.get(left.as_bytes()),
                    vocab.normal.get(right.as_bytes()),
                ) {
                    merges.insert((l as u32, r as u32), id as u32);
                }
            }
        }
        let final_ids = vocab.pieces.iter().map(|p| vocab.piece_to_id(p)).collect();
        let space = std::str::from_utf8(SPACE).unwrap_or("\u{2581}");
        // Unused pieces are split again through a map shared by the whole
        // text in sentencepiece, so models with them are not segmented.
        let segmentable = vocab.user.is_none()
            && !vocab.kinds.contains(&PieceType::Unused)
            && vocab.pieces.iter().zip(&vocab.kinds).all(|(p, k)| {
                !matches!(k, PieceType::Normal | PieceType::Unused)
                    || !p.trim_start_matches(space).contains(space)
            });
        let cuts = AsciiJoins::new(vocab.pieces.iter().map(String::as_bytes));
        let char_cuts = CharJoins::new(vocab.pieces.iter().map(String::as_bytes));
        Ok(SpmBpeModel {
            vocab,
            merges,
            segmentable,
            cuts,
            char_cuts,
            cache_id: segment_cache::new_owner(),
            final_ids,
        })
    }

    /// Appends the segmentation of normalized `text` (byte ranges and ids; the
    /// unknown id for pieces outside the vocabulary). `dropout` is
    /// `(alpha, rng)` for BPE-dropout; `None` is plain BPE.
    pub fn encode(
        &self,
        text: &str,
        mut dropout: Option<(f64, &mut Rng)>,
        out: &mut Vec<Token>,
    ) -> Result<()> {
        if u32::try_from(text.len()).is_err() {
            return Err(Error::InvalidArgument(
                "text longer than 4 GiB cannot be encoded in one call".into(),
            ));
        }
        if !self.segmentable {
            self.encode_segment(text, 0, dropout, out);
            return Ok(());
        }
        // Segments no merge crosses (see `cuts`), each encoded on its own:
        // small heaps instead of one per document (Llama 2, 1 KB documents:
        // 2.3x faster), and words apart from what surrounds them repeat.
        let cached = dropout.is_none();
        let bytes = text.as_bytes();
        self.cuts.each_segment(bytes, |start, end, cjk| {
            let segment = text.get(start..end).unwrap_or("");
            if cached && cjk {
                // Chinese and Japanese clauses are cut between characters no
                // piece joins (in Llama 2, between any two Han characters),
                // and what starts with such a character is merged without the
                // cache: it rarely repeats, and it would crowd out words.
                for (at, next) in self.char_cuts.segments(bytes, start, end) {
                    let part = text.get(at..next).unwrap_or("");
                    if bytes.get(at).copied().is_some_and(is_cjk_lead) {
                        self.encode_segment(part, at as u32, None, out);
                    } else {
                        self.encode_cached(part, at as u32, out);
                    }
                }
            } else if cached {
                self.encode_cached(segment, start as u32, out);
            } else {
                let dropout = dropout.as_mut().map(|(a, r)| (*a, &mut **r));
                self.encode_segment(segment, start as u32, dropout, out);
            }
        });
        Ok(())
    }

    /// [`SpmBpeModel::encode_segment`] through the per-thread cache.
    fn encode_cached(&self, segment: &str, base: u32, out: &mut Vec<Token>) {
        let make = |tokens: &mut Vec<(u32, u32)>| {
            let mut made = Vec::new();
            self.encode_segment(segment, 0, None, &mut made);
            tokens.extend(made.iter().map(|t| (t.id, t.end - t.start)));
            Ok(())
        };
        // `make` never fails, so neither does the lookup.
        let _ = segment_cache::with_segment(self.cache_id, segment, make, |tokens| {
            let mut at = base;
            for &(id, len) in tokens {
                out.push(Token {
                    id,
                    start: at,
                    end: at + len,
                });
                at += len;
            }
        });
    }

    /// The piece that `joined`, the bytes of two adjacent symbols with
    /// pieces `left` and `right`, merges into, if any.
    fn merged_id(&self, joined: &[u8], left: u32, right: u32) -> Option<u32> {
        if left != u32::MAX && right != u32::MAX {
            self.merges.get(&(left, right)).copied()
        } else {
            // A symbol outside the vocabulary can still be part of a piece;
            // look the joined bytes up.
            self.vocab.normal.get(joined).map(|id| id as u32)
        }
    }

    /// BPE over one segment; offsets in `out` are shifted by `base`.
    fn encode_segment(
        &self,
        text: &str,
        base: u32,
        mut dropout: Option<(f64, &mut Rng)>,
        out: &mut Vec<Token>,
    ) {
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return;
        }
        if dropout.is_none() && self.segmentable && bytes.len() <= short::SHORT {
            self.encode_short(text, base, out);
            return;
        }
        let vocab = &self.vocab;
        // Buffers reused across segments on this thread: a word is a few
        // symbols, so allocation would cost as much as the merging.
        let (mut symbols, mut agenda, mut stack) = SCRATCH.with_borrow_mut(std::mem::take);
        symbols.clear();
        agenda.clear();
        stack.clear();
        let mut pos = 0usize;
        while pos < bytes.len() {
            let user = vocab
                .user
                .as_ref()
                .and_then(|u| u.longest_prefix(&bytes[pos..]));
            let (len, freeze) = match user {
                Some((len, _)) => (len, true),
                None => (one_char_len(bytes[pos]).min(bytes.len() - pos), false),
            };
            let index = symbols.len() as i64;
            let id = vocab
                .normal
                .get(&bytes[pos..pos + len])
                .map_or(u32::MAX, |id| id as u32);
            symbols.push(Symbol {
                id,
                start: pos as u32,
                end: (pos + len) as u32,
                prev: index - 1,
                next: if pos + len == bytes.len() {
                    -1
                } else {
                    index + 1
                },
                freeze,
            });
            pos += len;
        }
        // Pieces merged from an unused piece, split again at the end.
        let mut rev_merge: FxHashMap<&str, usize> = FxHashMap::default();
        let mut pair_of = |symbols: &[Symbol], left: i64, right: i64| -> Option<Pair> {
            let (l, r) = (usize::try_from(left).ok()?, usize::try_from(right).ok()?);
            let (a, b) = (symbols[l], symbols[r]);
            if a.freeze || b.freeze {
                return None;
            }
            let id = self.merged_id(&bytes[a.start as usize..b.end as usize], a.id, b.id)?;
            if vocab.kinds.get(id as usize) == Some(&PieceType::Unused) {
                if let Some(s) = text.get(a.start as usize..b.end as usize) {
                    rev_merge.insert(s, (a.end - a.start) as usize);
                }
            }
            Some(Pair {
                score: vocab.scores.get(id as usize).copied().unwrap_or(0.0),
                left: l as u32,
                right: r as u32,
                size: b.end - a.start,
                id,
            })
        };
        let initial = (1..symbols.len()).filter_map(|i| pair_of(&symbols, i as i64 - 1, i as i64));
        if dropout.is_none() && symbols.len() > WAVES {
            let mut waiting = Waiting::default();
            for pair in initial {
                waiting.add(pair.wave_rank(), pair);
            }
            merge_waves(&mut symbols, waiting, &mut agenda, &mut pair_of);
        } else {
            agenda.extend(initial);
        }
        while let Some(top) = agenda.pop() {
            if !top.is_live(&symbols) {
                continue;
            }
            if let Some((alpha, rng)) = dropout.as_mut() {
                if *alpha >= 1.0 || (*alpha > 0.0 && rng.next_f64() < *alpha) {
                    continue;
                }
            }
            let (prev, l, next) = top.apply(&mut symbols);
            agenda.extend(pair_of(&symbols, prev, l));
            agenda.extend(pair_of(&symbols, l, next));
        }
        let mut index = 0i64;
        while let Ok(i) = usize::try_from(index) {
            let s = symbols[i];
            stack.push((s.start as usize, s.end as usize));
            while let Some((start, end)) = stack.pop() {
                let piece = text.get(start..end).unwrap_or("");
                let id = if start == s.start as usize && end == s.end as usize && s.id != u32::MAX {
                    self.final_ids
                        .get(s.id as usize)
                        .copied()
                        .unwrap_or(vocab.unk_id)
                } else {
                    vocab.piece_to_id(piece)
                };
                if vocab.kinds.get(id as usize) == Some(&PieceType::Unused) {
                    if let Some(&split) = rev_merge.get(piece) {
                        // Right half pushed first so the left one comes out first.
                        stack.push((start + split, end));
                        stack.push((start, start + split));
                        continue;
                    }
                }
                out.push(Token {
                    id,
                    start: base + start as u32,
                    end: base + end as u32,
                });
            }
            index = s.next;
        }
        if symbols.capacity() <= 1 << 16 {
            SCRATCH.with_borrow_mut(|scratch| *scratch = (symbols, agenda, stack));
        }
    }
}

impl Model for SpmBpeModel {
    fn tokenize(&self, piece: &str, out: &mut Vec<Token>) -> Result<()> {
        self.encode(piece, None, out)
    }

    fn token_to_id(&self, token: &str) -> Option<u32> {
        self.vocab.lookup(token)
    }

    fn id_to_token(&self, id: u32) -> Option<&str> {
        self.vocab.pieces.get(id as usize).map(String::as_str)
    }

    fn vocab_size(&self) -> usize {
        self.vocab.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::unigram::model::tests::toy_proto;
    use PieceType::*;

    /// A model of `pieces` (piece, score, type).
    fn model_of(pieces: &[(&str, f32, PieceType)]) -> SpmBpeModel {
        SpmBpeModel::new(&toy_proto(pieces), Path::new("toy")).unwrap()
    }

    fn model() -> SpmBpeModel {
        model_of(&[
            ("<unk>", 0.0, Unknown),
            ("a", 0.0, Normal),
            ("b", 0.0, Normal),
            ("c", 0.0, Normal),
            ("ab", -1.0, Normal),
            ("bc", -0.5, Normal),
            ("abc", -2.0, Normal),
            ("ca", -3.0, Unused),
            ("cab", -0.1, Normal),
        ])
    }

    fn ids(m: &SpmBpeModel, s: &str, dropout: Option<(f64, &mut Rng)>) -> Vec<u32> {
        let mut out = Vec::new();
        m.encode(s, dropout, &mut out).unwrap();
        out.iter().map(|t| t.id).collect()
    }

    #[test]
    fn merges_by_score() {
        let m = model();
        // "bc" (-0.5) beats "ab" (-1.0); then "a" + "bc" makes "abc".
        assert_eq!(ids(&m, "abc", None), vec![6]);
        // "ca" is unused: merged on the way to "cab", split again otherwise.
        assert_eq!(ids(&m, "cab", None), vec![8]);
        assert_eq!(ids(&m, "ca", None), vec![3, 1]);
        assert_eq!(ids(&m, "xa", None), vec![0, 1]);
    }

    #[test]
    fn dropout_extremes() {
        let m = model();
        let mut rng = Rng::new(3);
        assert_eq!(ids(&m, "abc", Some((0.0, &mut rng))), vec![6]);
        assert_eq!(ids(&m, "abc", Some((1.0, &mut rng))), vec![1, 2, 3]);
        for _ in 0..50 {
            let out = ids(&m, "abcab", Some((0.5, &mut rng)));
            assert!(!out.is_empty());
        }
    }

    /// Short segments, merged by a scan, equal the agenda (dropout 0): ties
    /// taken leftmost, characters outside the vocabulary joined by their bytes.
    #[test]
    fn the_scan_equals_the_agenda_on_short_segments() {
        let m = model_of(&[
            ("<unk>", 0.0, Unknown),
            ("a", 0.0, Normal),
            ("b", 0.0, Normal),
            ("\u{2581}", 0.0, Normal),
            ("aa", -1.0, Normal),
            ("ab", -1.0, Normal),
            ("ba", -1.0, Normal),
            ("aab", -0.5, Normal),
            ("xa", -2.0, Normal),
            ("\u{2581}a", -3.0, Normal),
            ("\u{2581}\u{2581}", -3.0, Normal),
        ]);
        assert!(m.segmentable);
        let letters = ['a', 'b', 'x', '\u{2581}', ',', 'é'];
        let mut random = Rng::new(11);
        for len in 0..40 {
            for _ in 0..30 {
                let text: String = (0..len)
                    .map(|_| letters[random.below(letters.len())])
                    .collect();
                let mut rng = Rng::new(1);
                let agenda = ids(&m, &text, Some((0.0, &mut rng)));
                assert_eq!(ids(&m, &text, None), agenda, "{text}");
            }
        }
    }

    /// Segments past [`WAVES`] symbols, merged in waves (and on the agenda
    /// after them where a merge makes a higher-scored pair), equal the
    /// agenda alone (dropout 0).
    #[test]
    fn waves_equal_the_agenda_on_long_segments() {
        let learnt = model_of(&[
            ("<unk>", 0.0, Unknown),
            ("a", 0.0, Normal),
            ("b", 0.0, Normal),
            ("aa", -1.0, Normal),
            ("ab", -2.0, Normal),
            ("aaaa", -3.0, Normal),
            ("ba", -3.0, Normal),
            ("abab", -4.0, Normal),
            ("aaa", -5.0, Normal),
        ]);
        // "abc" scores above "ab": after "ab", the agenda takes "abc" before
        // a "cd" further right in the same wave.
        let out_of_order = model_of(&[
            ("<unk>", 0.0, Unknown),
            ("a", 0.0, Normal),
            ("b", 0.0, Normal),
            ("c", 0.0, Normal),
            ("d", 0.0, Normal),
            ("ab", -1.0, Normal),
            ("cd", -1.0, Normal),
            ("abc", 0.0, Normal),
        ]);
        // runs of "x" scored alike, as Llama 2's runs of `▁`
        let flat = model_of(&[
            ("<unk>", 0.0, Unknown),
            ("x", 0.0, Normal),
            ("a", 0.0, Normal),
            ("xx", -9.0, Normal),
            ("xxx", -9.0, Normal),
            ("xxxx", -9.0, Normal),
            ("xxxxx", -9.0, Normal),
            ("ax", -1.0, Normal),
            ("xa", -9.0, Normal),
        ]);
        let mut rng = Rng::new(7);
        let mut random = |len: usize, letters: &[char]| -> String {
            (0..len)
                .map(|_| letters[rng.below(letters.len())])
                .collect()
        };
        let texts = [
            "a".repeat(WAVES + 1),
            "ab".repeat(900),
            random(3000, &['a', 'b']),
            random(3000, &['a', 'b', 'c', 'x']),
            format!("{}{}", "c".repeat(1100), random(500, &['a', 'b', 'c'])),
            "abcd".repeat(400),
            "x".repeat(3001),
            random(3000, &['x', 'x', 'x', 'a']),
        ];
        for m in [&model(), &learnt, &out_of_order, &flat] {
            for text in &texts {
                let mut rng = Rng::new(1);
                let agenda = ids(m, text, Some((0.0, &mut rng)));
                assert_eq!(ids(m, text, None), agenda, "{}", &text[..30]);
            }
        }
    }
}
