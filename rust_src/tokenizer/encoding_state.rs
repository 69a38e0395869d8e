//! An [`Encoding`] as bytes and back, for pickling `tokkit.Encoding`: every
//! column as it is, in compact JSON (the same encoding gives the same bytes).

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::encoding::Encoding;
use super::tokens::Tokens;
use crate::error::{Error, Result};

/// The columns of an [`Encoding`], with the token strings as a list (the
/// one-buffer layout of [`Tokens`] is an in-memory choice, not a format).
#[derive(Serialize, Deserialize)]
struct State {
    ids: Vec<u32>,
    type_ids: Vec<u32>,
    tokens: Vec<String>,
    offsets: Vec<(usize, usize)>,
    special_tokens_mask: Vec<u32>,
    attention_mask: Vec<u32>,
    word_ids: Vec<Option<u32>>,
    overflowing: Vec<State>,
    sequence_ranges: Vec<(usize, usize, usize)>,
}

impl State {
    fn of(e: &Encoding) -> Self {
        State {
            ids: e.ids.clone(),
            type_ids: e.type_ids.clone(),
            tokens: e.tokens.iter().map(str::to_owned).collect(),
            offsets: e.offsets.clone(),
            special_tokens_mask: e.special_tokens_mask.clone(),
            attention_mask: e.attention_mask.clone(),
            word_ids: e.word_ids.clone(),
            overflowing: e.overflowing.iter().map(State::of).collect(),
            sequence_ranges: (e.sequence_ranges.iter())
                .map(|(seq, r)| (*seq, r.start, r.end))
                .collect(),
        }
    }

    /// The encoding, if every column has one entry per token and the
    /// sequence ranges lie within the tokens (the accessors rely on both).
    fn into_encoding(self) -> Result<Encoding> {
        let n = self.ids.len();
        let columns = [
            self.type_ids.len(),
            self.tokens.len(),
            self.offsets.len(),
            self.special_tokens_mask.len(),
            self.attention_mask.len(),
            self.word_ids.len(),
        ];
        let ranges_fit =
            (self.sequence_ranges.iter()).all(|&(_, start, end)| start <= end && end <= n);
        if columns.iter().any(|&len| len != n) || !ranges_fit {
            return Err(Error::InvalidArgument(
                "a pickled Encoding's columns do not line up: it was not made by tokkit".into(),
            ));
        }
        let mut tokens = Tokens::with_capacity(n);
        for token in &self.tokens {
            tokens.push(token);
        }
        Ok(Encoding {
            ids: self.ids,
            type_ids: self.type_ids,
            tokens,
            offsets: self.offsets,
            special_tokens_mask: self.special_tokens_mask,
            attention_mask: self.attention_mask,
            word_ids: self.word_ids,
            overflowing: (self.overflowing.into_iter())
                .map(State::into_encoding)
                .collect::<Result<_>>()?,
            sequence_ranges: (self.sequence_ranges.into_iter())
                .map(|(seq, start, end)| (seq, Range { start, end }))
                .collect(),
        })
    }
}

/// `encoding` as bytes.
pub fn encoding_to_bytes(encoding: &Encoding) -> Result<Vec<u8>> {
    serde_json::to_vec(&State::of(encoding))
        .map_err(|e| Error::InvalidArgument(format!("cannot serialise an Encoding: {e}")))
}

/// The encoding [`encoding_to_bytes`] wrote.
pub fn encoding_from_bytes(bytes: &[u8]) -> Result<Encoding> {
    let state: State = serde_json::from_slice(bytes)
        .map_err(|e| Error::InvalidArgument(format!("not a pickled Encoding: {e}")))?;
    state.into_encoding()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_ragged_columns() {
        let mut e = Encoding::with_capacity(2);
        e.push(5, "he", (0, 2), 0, Some(0), false);
        e.push(6, "llo", (2, 5), 0, Some(0), false);
        let mut cut = e.clone();
        cut.ids.pop();
        e.overflowing.push(Encoding::with_capacity(0));
        e.sequence_ranges.push((0, 0..2));
        let bytes = encoding_to_bytes(&e).unwrap();
        assert_eq!(encoding_from_bytes(&bytes).unwrap(), e);
        assert_eq!(
            encoding_to_bytes(&encoding_from_bytes(&bytes).unwrap()).unwrap(),
            bytes
        );
        assert!(encoding_from_bytes(&encoding_to_bytes(&cut).unwrap()).is_err());
        assert!(encoding_from_bytes(b"[1, 2]").is_err());
    }
}
