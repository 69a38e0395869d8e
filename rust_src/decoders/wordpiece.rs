//! The WordPiece decoder: glue "##" continuations, space out words, and
//! optionally undo tokenization spaces before punctuation (HF's `cleanup`).

use crate::error::Result;
use crate::pipeline::Decoder;

/// HF's `decoders.WordPiece`.
#[derive(Debug, Clone)]
pub struct WordPieceDecoder {
    /// The continuation prefix to glue ("##").
    pub prefix: String,
    /// Remove the spaces tokenization put before punctuation and contractions.
    pub cleanup: bool,
}

/// HF's `cleanup`: the spaces BERT tokenization puts before punctuation and
/// English contractions, removed. Applied to each token (with its leading
/// space), as HF does, not to the joined text.
pub(crate) fn cleanup(token: &str) -> String {
    const REPLACEMENTS: [(&str, &str); 11] = [
        (" .", "."),
        (" ?", "?"),
        (" !", "!"),
        (" ,", ","),
        (" ' ", "'"),
        (" n't", "n't"),
        (" 'm", "'m"),
        (" do not", " don't"),
        (" 's", "'s"),
        (" 've", "'ve"),
        (" 're", "'re"),
    ];
    let mut text = token.to_owned();
    for (from, to) in REPLACEMENTS {
        if text.contains(from) {
            text = text.replace(from, to);
        }
    }
    text
}

impl WordPieceDecoder {
    /// Token `i` as HF hands it on: continuation glued, others spaced.
    fn piece(&self, i: usize, token: &str) -> String {
        let piece = match token.strip_prefix(self.prefix.as_str()) {
            Some(rest) if i > 0 => rest.to_owned(),
            _ if i > 0 => format!(" {token}"),
            _ => token.to_owned(),
        };
        if self.cleanup {
            cleanup(&piece)
        } else {
            piece
        }
    }
}

impl Decoder for WordPieceDecoder {
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

    #[test]
    fn glues_continuations_and_cleans_punctuation() {
        let d = WordPieceDecoder {
            prefix: "##".into(),
            cleanup: true,
        };
        // Checked against HF tokenizers 0.23.3 decoders.WordPiece(cleanup=True).
        assert_eq!(
            d.decode(&["un", "##aff", "##able", "!", "isn", "'", "t"])
                .unwrap(),
            "unaffable! isn ' t"
        );
        assert_eq!(d.decode(&["##a", "b"]).unwrap(), "##a b");
        let d = WordPieceDecoder {
            prefix: "##".into(),
            cleanup: false,
        };
        assert_eq!(d.decode(&["a", ",", "##b"]).unwrap(), "a ,b");
    }
}
