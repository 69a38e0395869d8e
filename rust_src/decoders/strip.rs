//! HF's `Strip` decoder: up to `start` leading and `stop` trailing copies of
//! one character removed from every token.

use crate::error::Result;
use crate::pipeline::Decoder;

/// HF's `decoders.Strip`.
#[derive(Debug, Clone)]
pub struct StripDecoder {
    /// The character removed.
    pub content: char,
    /// How many leading copies at most.
    pub start: usize,
    /// How many trailing copies at most.
    pub stop: usize,
}

impl StripDecoder {
    fn strip(&self, token: &str) -> String {
        let chars: Vec<char> = token.chars().collect();
        let from = chars
            .iter()
            .take(self.start)
            .take_while(|&&c| c == self.content)
            .count();
        let cut = chars
            .iter()
            .rev()
            .take(self.stop)
            .take_while(|&&c| c == self.content)
            .count();
        // HF panics where the two cuts cross (" " with start 1 and stop 1)
        // or `stop` passes the start of the token; nothing is left there.
        let to = chars.len() - cut;
        chars
            .get(from..to)
            .map_or_else(String::new, |c| c.iter().collect())
    }
}

impl Decoder for StripDecoder {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        Ok(tokens.iter().map(|t| self.strip(t)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values: HF tokenizers 0.23.3 decoders.Strip(content, start, stop).decode.
    #[test]
    fn strips_at_most_start_and_stop() {
        let d = StripDecoder {
            content: ' ',
            start: 1,
            stop: 0,
        };
        assert_eq!(d.decode(&[" a "]).unwrap(), "a ");
        assert_eq!(d.decode(&["  a  "]).unwrap(), " a  ");
        assert_eq!(d.decode(&[" ", "  b"]).unwrap(), " b");
        let d = StripDecoder {
            content: ' ',
            start: 2,
            stop: 1,
        };
        assert_eq!(d.decode(&["  a  "]).unwrap(), "a ");
        assert_eq!(d.decode(&["aaa"]).unwrap(), "aaa");
        // HF panics on these two.
        assert_eq!(d.decode(&[" "]).unwrap(), "");
        assert_eq!(d.decode(&[""]).unwrap(), "");
    }
}
