//! BPE over a short segment of a segmentable model: the symbols in one small
//! array, each step a scan for the best adjacent pair (highest score, then
//! leftmost: the agenda's order). A word is a few symbols, where the scan
//! costs less than keeping a heap of candidate merges.

use super::SpmBpeModel;
use crate::models::unigram::model::one_char_len;
use crate::pipeline::Token;

/// Segments of at most this many bytes take the scan.
pub(super) const SHORT: usize = 32;

/// A symbol: its byte range, its piece (`u32::MAX` outside the vocabulary),
/// and the piece and score it makes with the next symbol, if any.
#[derive(Debug, Clone, Copy, Default)]
struct Part {
    start: u32,
    end: u32,
    id: u32,
    next: Option<(u32, f32)>,
}

impl SpmBpeModel {
    /// Appends the tokens of `text` (at most [`SHORT`] bytes), offsets shifted
    /// by `base`. Only for segmentable models: no user-defined symbol is
    /// frozen and no unused piece is split again.
    pub(super) fn encode_short(&self, text: &str, base: u32, out: &mut Vec<Token>) {
        let bytes = text.as_bytes();
        if bytes
            .first()
            .is_some_and(|&b| one_char_len(b) == bytes.len())
        {
            // One character, nothing to merge (a Han character, most often).
            let id = self
                .vocab
                .normal
                .get(bytes)
                .map_or(u32::MAX, |id| id as u32);
            self.push_piece(text, id, base, 0, bytes.len() as u32, out);
            return;
        }
        let mut parts = [Part::default(); SHORT];
        let mut n = 0usize;
        let mut pos = 0usize;
        while pos < bytes.len() && n < SHORT {
            let end = (pos + one_char_len(bytes[pos])).min(bytes.len());
            parts[n] = Part {
                start: pos as u32,
                end: end as u32,
                id: self
                    .vocab
                    .normal
                    .get(&bytes[pos..end])
                    .map_or(u32::MAX, |id| id as u32),
                next: None,
            };
            n += 1;
            pos = end;
        }
        let join = |a: &Part, b: &Part| {
            let joined = bytes.get(a.start as usize..b.end as usize)?;
            let id = self.merged_id(joined, a.id, b.id)?;
            Some((
                id,
                self.vocab.scores.get(id as usize).copied().unwrap_or(0.0),
            ))
        };
        for i in 1..n {
            parts[i - 1].next = join(&parts[i - 1], &parts[i]);
        }
        loop {
            let mut best: Option<(usize, u32, f32)> = None;
            for (i, part) in parts[..n].iter().enumerate() {
                if let Some((id, score)) = part.next {
                    if best.is_none_or(|(_, _, top)| score.total_cmp(&top).is_gt()) {
                        best = Some((i, id, score));
                    }
                }
            }
            let Some((i, id, _)) = best else {
                break;
            };
            parts[i].end = parts[i + 1].end;
            parts[i].id = id;
            parts.copy_within(i + 2..n, i + 1);
            n -= 1;
            parts[i].next = if i + 1 < n {
                join(&parts[i], &parts[i + 1])
            } else {
                None
            };
            if i > 0 {
                parts[i - 1].next = join(&parts[i - 1], &parts[i]);
            }
        }
        for part in &parts[..n] {
            self.push_piece(text, part.id, base, part.start, part.end, out);
        }
    }

    /// Appends the token of `text[start..end]`, whose piece is `id`
    /// (`u32::MAX` outside the vocabulary), offsets shifted by `base`.
    fn push_piece(
        &self,
        text: &str,
        id: u32,
        base: u32,
        start: u32,
        end: u32,
        out: &mut Vec<Token>,
    ) {
        let id = match self.final_ids.get(id as usize) {
            Some(&id) => id,
            None => self
                .vocab
                .piece_to_id(text.get(start as usize..end as usize).unwrap_or("")),
        };
        out.push(Token {
            id,
            start: base + start,
            end: base + end,
        });
    }
}
