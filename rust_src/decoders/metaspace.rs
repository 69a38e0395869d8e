//! HF's `Metaspace` decoder: `▁` back to spaces, the prepended one of the
//! first token dropped.

use crate::error::Result;
use crate::pipeline::Decoder;
use crate::pretokenize::metaspace::PrependScheme;

/// HF's `decoders.Metaspace`.
#[derive(Debug, Clone)]
pub struct MetaspaceDecoder {
    /// The character standing for a space.
    pub replacement: char,
    /// Whether a space was prepended (then the first one is dropped).
    pub prepend: PrependScheme,
}

impl MetaspaceDecoder {
    /// Token `i` with `replacement` back to spaces; in the first token, when
    /// a space was prepended, every `replacement` is dropped (HF drops them
    /// all there, not only the leading one: `["▁▁a"]` decodes to "a").
    fn piece(&self, i: usize, token: &str) -> String {
        let drop = i == 0 && self.prepend != PrependScheme::Never;
        token
            .chars()
            .filter_map(|c| match c == self.replacement {
                true if drop => None,
                true => Some(' '),
                false => Some(c),
            })
            .collect()
    }
}

impl Decoder for MetaspaceDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        Ok(tokens
            .iter()
            .enumerate()
            .map(|(i, t)| self.piece(i, t))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values: HF tokenizers 0.23.3 decoders.Metaspace(prepend_scheme=...).decode.
    #[test]
    fn first_token_loses_every_replacement_when_prepending() {
        let mut d = MetaspaceDecoder {
            replacement: '\u{2581}',
            prepend: PrependScheme::First,
        };
        assert_eq!(d.decode(&["▁▁a", "▁b"]).unwrap(), "a b");
        d.prepend = PrependScheme::Never;
        assert_eq!(d.decode(&["▁▁a", "▁b"]).unwrap(), "  a b");
    }
}
