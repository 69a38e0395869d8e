//! Merging a piece word by word: a word starts at every `▁` that follows
//! another character, and where no merge crosses that point (see
//! [`CharBpe::word_start`]) the words merge as the whole piece does. Small
//! heaps for long Llama texts, and words that repeat, through the
//! per-thread segment cache, for ids-only runs.

use std::cell::RefCell;

use super::merge::{self, Scratch};
use super::{CharBpe, SPACE};
use crate::error::Result;
use crate::models::char_joins::is_cjk_lead;
use crate::models::segment_cache;

thread_local! {
    /// The symbols of a whole piece while [`CharBpe::merge_words`] merges
    /// its words.
    static WORDS: RefCell<(Vec<u32>, Vec<u32>)> = RefCell::default();
}

impl CharBpe {
    /// Merges the symbols of `s` word by word, a word starting at every `▁`
    /// that follows another symbol: no merge joins across that point (see
    /// [`CharBpe::word_start`]), so the result is the whole-piece result.
    pub(super) fn merge_words(
        &self,
        space: u32,
        s: &mut Scratch,
        emit: &mut impl FnMut(u32, u32, u32),
    ) {
        WORDS.with(|cell| match cell.try_borrow_mut() {
            Ok(mut piece) => self.merge_words_with(space, s, &mut piece, emit),
            Err(_) => self.merge_words_with(space, s, &mut Default::default(), emit),
        })
    }

    /// [`CharBpe::merge_words`] with `piece` holding the symbols of the whole
    /// piece while `s` merges one word at a time (both keep their capacity
    /// across calls: no allocation per piece).
    fn merge_words_with(
        &self,
        space: u32,
        s: &mut Scratch,
        piece: &mut (Vec<u32>, Vec<u32>),
        emit: &mut impl FnMut(u32, u32, u32),
    ) {
        std::mem::swap(&mut s.ids, &mut piece.0);
        std::mem::swap(&mut s.starts, &mut piece.1);
        let (ids, starts) = (&piece.0, &piece.1);
        let mut from = 0;
        for to in 1..=ids.len() {
            let cut = to == ids.len() || (ids[to] == space && ids[to - 1] != space);
            if !cut {
                continue;
            }
            s.clear();
            s.ids.extend_from_slice(&ids[from..to]);
            s.starts.extend_from_slice(&starts[from..=to]);
            merge::merge(self, s, &mut *emit);
            from = to;
        }
    }
}

/// The words of `piece`: it is cut before every `▁` that follows another
/// character. A merge across such a cut would make a token with `▁` after
/// another character (`<0xNN>` and `<unk>` symbols end in `>`), which
/// [`CharBpe::word_start`] rules out, so the words merge as the piece does.
pub(super) fn words(piece: &str) -> impl Iterator<Item = &str> {
    let mut rest = piece;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let body = rest.trim_start_matches(SPACE);
        let cut = body
            .find(SPACE)
            .map_or(rest.len(), |at| rest.len() - body.len() + at);
        let (word, after) = rest.split_at(cut);
        rest = after;
        Some(word)
    })
}

impl CharBpe {
    /// Appends the ids of one word. A word holding Chinese or Japanese is
    /// cut between characters no token holds side by side, where that is
    /// exact ([`CharBpe::every_char_kept_apart`]), and the parts such a
    /// character starts are merged without the cache: they rarely repeat,
    /// and they would crowd out the words that do. A lone character with a
    /// token of its own is that token.
    pub(super) fn word_ids(&self, word: &str, s: &mut Scratch, out: &mut Vec<u32>) -> Result<()> {
        let bytes = word.as_bytes();
        let cjk = bytes.iter().any(|&b| is_cjk_lead(b));
        let Some(cuts) = self.char_cuts.as_ref().filter(|_| cjk) else {
            return self.cached_ids(word, s, out);
        };
        for (at, next) in cuts.segments(bytes, 0, bytes.len()) {
            let part = word.get(at..next).unwrap_or("");
            if !bytes.get(at).copied().is_some_and(is_cjk_lead) {
                self.cached_ids(part, s, out)?;
            } else if let Some(id) = self.single_id(part) {
                out.push(id);
            } else {
                s.clear();
                self.symbols(part, s)?;
                merge::merge(self, s, |id, _, _| out.push(id));
            }
        }
        Ok(())
    }

    /// The token of `part` when it is one non-ASCII character with a token
    /// of its own.
    fn single_id(&self, part: &str) -> Option<u32> {
        let mut chars = part.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => self.singles.get(&c).copied(),
            _ => None,
        }
    }

    /// Appends the ids of `word`, merged through the segment cache.
    fn cached_ids(&self, word: &str, s: &mut Scratch, out: &mut Vec<u32>) -> Result<()> {
        segment_cache::extend_ids(self.cache_owner, word, out, |tokens| {
            s.clear();
            self.symbols(word, s)?;
            merge::merge(self, s, |id, start, end| tokens.push((id, end - start)));
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use super::super::tests::{encode, model};
    use super::*;
    use crate::models::bpe::chars::CharBpeOptions;
    use crate::models::rng::Rng;
    use crate::pipeline::{ids_of_tokens, Model};

    #[test]
    fn word_by_word_equals_whole_piece() {
        let tokens = ["▁", "a", "b", "▁a", "ab", "▁ab", "▁▁", "bb", "<unk>"];
        let merges = [("a", "b"), ("▁", "a"), ("▁", "ab"), ("▁", "▁"), ("b", "b")];
        let options = CharBpeOptions {
            unk_token: Some("<unk>".into()),
            fuse_unk: true,
            ..Default::default()
        };
        let split = model(&tokens, &merges, options.clone());
        assert!(split.word_start.is_some());
        // "b▁" as a token forbids the split: the same merges, merged whole.
        let mut whole_tokens = tokens.to_vec();
        whole_tokens.push("b▁");
        let whole = model(&whole_tokens, &merges, options);
        assert!(whole.word_start.is_none());
        let mut rng = Rng::new(7);
        for len in [10usize, 49, 60, 200, 1000] {
            let text: String = (0..len)
                .map(|_| ['▁', 'a', 'b', 'x'][rng.below(4)])
                .collect();
            assert_eq!(encode(&split, &text), encode(&whole, &text), "{text}");
        }
    }

    #[test]
    fn long_run_takes_the_heap_path() {
        let m = model(
            &["a", "aa", "aaaa"],
            &[("a", "a"), ("aa", "aa")],
            Default::default(),
        );
        let text = "a".repeat(10_001);
        let got = encode(&m, &text);
        assert_eq!(got.len(), 2501);
        assert_eq!(got.last(), Some(&(0, 10_000, 10_001)));
    }

    fn ids_of(m: &CharBpe, text: &str, pieces: &[Range<usize>]) -> Vec<u32> {
        let mut out = Vec::new();
        m.tokenize_ids(text, pieces, &mut out).unwrap();
        out
    }

    fn tokenized_ids(m: &CharBpe, text: &str, pieces: &[Range<usize>]) -> Vec<u32> {
        let mut out = Vec::new();
        ids_of_tokens(m, text, pieces, &mut out).unwrap();
        out
    }

    #[test]
    fn words_are_cut_before_each_space_run() {
        fn cut(s: &str) -> Vec<&str> {
            words(s).collect()
        }
        assert_eq!(cut("▁a▁▁bc▁"), ["▁a", "▁▁bc", "▁"]);
        assert_eq!(cut("ab▁c"), ["ab", "▁c"]);
        assert_eq!(cut("▁▁"), ["▁▁"]);
        assert!(cut("").is_empty());
    }

    #[test]
    fn ids_word_by_word_are_the_ids_of_the_whole_piece() {
        // Unknown characters fuse and bytes fall back on either side of a
        // cut; a word past the cache's limit merges uncached.
        let tokens = [
            "<unk>", "▁", "a", "b", "▁a", "▁ab", "ab", "<0xC3>", "<0xA9>", "▁▁",
        ];
        let merges = [("▁", "a"), ("a", "b"), ("▁a", "b"), ("▁", "▁")];
        let options = CharBpeOptions {
            unk_token: Some("<unk>".into()),
            fuse_unk: true,
            byte_fallback: true,
            ..Default::default()
        };
        let m = model(&tokens, &merges, options.clone());
        assert!(m.word_start.is_some());
        let long = format!("▁{}", "ab".repeat(300));
        for text in ["▁ab▁a▁▁ab", "xy▁é▁ab", "▁▁▁", "ab", "é▁é", long.as_str()]
        {
            let whole = 0..text.len();
            let pieces = std::slice::from_ref(&whole);
            for _ in 0..2 {
                assert_eq!(
                    ids_of(&m, text, pieces),
                    tokenized_ids(&m, text, pieces),
                    "{text:?}"
                );
            }
        }
        // pieces cut elsewhere by a pre-tokenizer
        let text = "▁ab▁xab";
        let pieces = [0..4, 4..text.len()];
        assert_eq!(ids_of(&m, text, &pieces), tokenized_ids(&m, text, &pieces));
    }

    #[test]
    fn chinese_cut_between_characters_gives_the_whole_word_ids() {
        // "中文" is a token, "文中" is not: "中文中" is cut after "文" only.
        let tokens = [
            "<unk>", "▁", "中", "文", "中文", "▁中", "a", "<0xE5>", "<0xAD>", "<0x97>",
        ];
        let merges = [("中", "文"), ("▁", "中")];
        let texts = ["▁中文中", "中文中文▁中a", "文字中", "▁字字", "a中a"];
        for (fuse_unk, byte_fallback, cuts) in [(true, true, false), (false, false, true)] {
            let options = CharBpeOptions {
                unk_token: Some("<unk>".into()),
                fuse_unk,
                byte_fallback,
                ..Default::default()
            };
            let m = model(&tokens, &merges, options);
            // Three byte tokens are not all 256: unknown characters could
            // fuse, so the fused model keeps its words whole.
            assert_eq!(m.char_cuts.is_some(), cuts);
            for text in texts {
                let whole = 0..text.len();
                let pieces = std::slice::from_ref(&whole);
                assert_eq!(
                    ids_of(&m, text, pieces),
                    tokenized_ids(&m, text, pieces),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn where_words_could_merge_across_a_cut_the_whole_piece_merges() {
        // "a▁" is a token: a merge crosses the start of a ▁ run, so no
        // word cut is made and the ids are the whole piece's.
        let m = model(
            &["a", "▁", "a▁", "a▁a"],
            &[("a", "▁"), ("a▁", "a")],
            CharBpeOptions::default(),
        );
        assert!(m.word_start.is_none());
        assert_eq!(ids_of(&m, "a▁a", std::slice::from_ref(&(0..5))), [3]);
        // ignore_merges looks the whole piece up first: no word cut either
        let m = model(
            &["▁", "a", "b", "▁a", "▁ab▁b"],
            &[("▁", "a")],
            CharBpeOptions {
                ignore_merges: true,
                ..Default::default()
            },
        );
        let text = "▁ab▁b";
        let whole = 0..text.len();
        assert_eq!(ids_of(&m, text, std::slice::from_ref(&whole)), [4]);
    }
}
