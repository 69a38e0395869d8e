//! HF's `Metaspace` decoder: `▁` back to spaces, the prepended one of the
//! first token dropped.

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

impl Decoder for MetaspaceDecoder {
    fn decode(&self, tokens: &[&str]) -> String {
        let mut out = String::new();
        for (i, token) in tokens.iter().enumerate() {
            let mut chars = token
                .chars()
                .map(|c| if c == self.replacement { ' ' } else { c });
            if i == 0 && self.prepend != PrependScheme::Never {
                let mut rest = chars.peekable();
                if rest.peek() == Some(&' ') {
                    rest.next();
                }
                out.extend(rest);
            } else {
                out.extend(&mut chars);
            }
        }
        out
    }
}
