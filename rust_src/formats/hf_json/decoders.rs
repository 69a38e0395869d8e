//! tokenizer.json decoders.

use serde_json::Value;

use super::normalizers::replace_fields;
use super::pre_tokenizers::{byte_level_options, metaspace_options};
use super::{bad, field, kind, object, sequence_of};
use crate::decoders::bpe_suffix::BpeSuffixDecoder;
use crate::decoders::byte_fallback::ByteFallbackDecoder;
use crate::decoders::byte_level::ByteLevelDecoder;
use crate::decoders::ctc::CtcDecoder;
use crate::decoders::fuse::FuseDecoder;
use crate::decoders::metaspace::MetaspaceDecoder;
use crate::decoders::replace::ReplaceDecoder;
use crate::decoders::sequence::DecoderSequence;
use crate::decoders::strip::StripDecoder;
use crate::decoders::wordpiece::WordPieceDecoder;
use crate::error::{Error, Result};
use crate::pipeline::Decoder;

pub(super) fn build_decoder(v: &Value) -> Result<Box<dyn Decoder>> {
    match kind(v, "decoder")? {
        "WordPiece" => {
            let m = object(v, "decoder WordPiece", &["prefix", "cleanup"])?;
            Ok(Box::new(WordPieceDecoder {
                prefix: field::<&str>(m, "prefix")?.to_owned(),
                cleanup: field(m, "cleanup")?,
            }))
        }
        "ByteLevel" => {
            byte_level_options(v, "decoder ByteLevel")?;
            Ok(Box::new(ByteLevelDecoder))
        }
        "Metaspace" => {
            let (replacement, prepend, _) = metaspace_options(v, "decoder Metaspace")?;
            Ok(Box::new(MetaspaceDecoder {
                replacement,
                prepend,
            }))
        }
        "Replace" => replace(v),
        "ByteFallback" => {
            object(v, "decoder ByteFallback", &[])?;
            Ok(Box::new(ByteFallbackDecoder))
        }
        "Fuse" => {
            object(v, "decoder Fuse", &[])?;
            Ok(Box::new(FuseDecoder))
        }
        "Strip" => {
            let m = object(v, "decoder Strip", &["content", "start", "stop"])?;
            let mut chars = field::<&str>(m, "content")?.chars();
            let content = match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => return Err(bad("decoder Strip content must be one character")),
            };
            Ok(Box::new(StripDecoder {
                content,
                start: field(m, "start")?,
                stop: field(m, "stop")?,
            }))
        }
        "BPEDecoder" => {
            let m = object(v, "decoder BPEDecoder", &["suffix"])?;
            Ok(Box::new(BpeSuffixDecoder {
                suffix: field::<&str>(m, "suffix")?.to_owned(),
            }))
        }
        "Sequence" => {
            let inner = sequence_of(v, "decoder", "decoders", build_decoder)?;
            Ok(Box::new(DecoderSequence(inner)))
        }
        "CTC" => ctc(v),
        other => Err(Error::Unsupported(format!("decoder type {other:?}"))),
    }
}

/// CTC: HF requires all three fields.
fn ctc(v: &Value) -> Result<Box<dyn Decoder>> {
    let m = object(
        v,
        "decoder CTC",
        &["pad_token", "word_delimiter_token", "cleanup"],
    )?;
    Ok(Box::new(CtcDecoder {
        pad_token: field::<&str>(m, "pad_token")?.to_owned(),
        word_delimiter_token: field::<&str>(m, "word_delimiter_token")?.to_owned(),
        cleanup: field(m, "cleanup")?,
    }))
}

/// Replace: a literal or an Oniguruma regex, read as the normalizer's.
fn replace(v: &Value) -> Result<Box<dyn Decoder>> {
    let (pattern, content) = replace_fields(v, "decoder Replace")?;
    Ok(Box::new(ReplaceDecoder { pattern, content }))
}
