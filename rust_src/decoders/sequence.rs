//! HF's decoder `Sequence`: each decoder's output list is the next one's
//! input, and the text is the concatenation of the last list.

use crate::error::Result;
use crate::pipeline::Decoder;

/// HF's `decoders.Sequence`.
pub struct DecoderSequence(pub Vec<Box<dyn Decoder>>);

impl Decoder for DecoderSequence {
    fn decode_chain(&self, tokens: Vec<String>) -> Result<Vec<String>> {
        self.0
            .iter()
            .try_fold(tokens, |tokens, d| d.decode_chain(tokens))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decoders::byte_fallback::ByteFallbackDecoder;
    use crate::decoders::fuse::FuseDecoder;
    use crate::decoders::metaspace::MetaspaceDecoder;
    use crate::decoders::replace::ReplaceDecoder;
    use crate::decoders::strip::StripDecoder;
    use crate::decoders::wordpiece::WordPieceDecoder;
    use crate::normalize::replace::Pattern;
    use crate::pretokenize::metaspace::PrependScheme;

    fn strip() -> Box<dyn Decoder> {
        Box::new(StripDecoder {
            content: ' ',
            start: 1,
            stop: 0,
        })
    }

    // Expected values: HF tokenizers 0.23.3 decoders.Sequence([...]).decode.
    #[test]
    fn llama_chain() {
        let d = DecoderSequence(vec![
            Box::new(ReplaceDecoder {
                pattern: Pattern::literal("\u{2581}").unwrap(),
                content: " ".into(),
            }),
            Box::new(ByteFallbackDecoder),
            Box::new(FuseDecoder),
            strip(),
        ]);
        assert_eq!(d.decode(&["▁Hello", "▁world"]).unwrap(), "Hello world");
        assert_eq!(d.decode(&["▁", "▁a"]).unwrap(), " a");
        assert_eq!(d.decode(&["<0x20>", "a"]).unwrap(), "a");
        assert_eq!(d.decode(&["a", "▁▁b"]).unwrap(), "a  b");
        assert_eq!(d.decode(&[]).unwrap(), "");
    }

    #[test]
    fn joiners_and_per_token_decoders_in_a_chain() {
        let metaspace = MetaspaceDecoder {
            replacement: '\u{2581}',
            prepend: PrependScheme::Always,
        };
        let d = DecoderSequence(vec![Box::new(metaspace.clone()), strip()]);
        assert_eq!(d.decode(&["▁▁Hello", "▁world"]).unwrap(), "Helloworld");
        assert_eq!(d.decode(&["x▁", "▁a"]).unwrap(), "xa");
        let d = DecoderSequence(vec![Box::new(FuseDecoder), Box::new(metaspace)]);
        assert_eq!(d.decode(&["▁▁a", "▁b"]).unwrap(), "ab");
        let wordpiece = WordPieceDecoder {
            prefix: "##".into(),
            cleanup: true,
        };
        let d = DecoderSequence(vec![Box::new(wordpiece), strip()]);
        assert_eq!(d.decode(&["a", "##b", "c"]).unwrap(), "abc");
        assert_eq!(d.decode(&[" a", " b"]).unwrap(), "a b");
    }
}
