//! What a [`Tokenizer`] was built from, kept so that it can be built again
//! elsewhere: the bytes of its files, and the truncation and padding set
//! since. This is what a pickled `tokkit.Tokenizer` carries to another
//! process, so a pickle is the size of the files (not a dump of the
//! vocabulary) and the same bytes whatever was encoded before.

use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Value};

use super::added_vocab::AddedToken;
use super::{EncodeOptions, Tokenizer};
use crate::error::{Error, Result};
use crate::formats::gpt2::{gpt2_tokenizer_from_bytes, gpt2_tokenizer_json};
use crate::formats::hf_json::{
    parse_padding, parse_tokenizer_json, parse_truncation, tokenizer_json_from_bytes,
};
use crate::formats::hf_json_save;
use crate::formats::hf_json_write::{padding_json, truncation_json};
use crate::sentencepiece::pipeline::tokenizer_from_sentencepiece_bytes;

/// The files a tokenizer was loaded from, as they were read. Kept as they
/// are rather than written out again from the built tokenizer: rebuilding
/// from them is the loader users already run, so a copy in another process
/// is the same tokenizer by construction. The bytes are shared, never
/// copied, between a tokenizer and its clones.
#[derive(Debug, Clone)]
pub enum Source {
    /// A tokenizer.json.
    Json(Arc<[u8]>),
    /// GPT-2's `vocab.json` and `merges.txt`.
    Gpt2 {
        /// The `vocab.json`.
        vocab: Arc<[u8]>,
        /// The `merges.txt`.
        merges: Arc<[u8]>,
    },
    /// A sentencepiece `.model` (shared with the model built from it).
    SentencePiece(Arc<[u8]>),
}

/// Reads a whole file, naming it when that fails.
fn read(path: &Path) -> Result<Arc<[u8]>> {
    Ok(std::fs::read(path).map_err(|e| Error::io(path, e))?.into())
}

impl Source {
    /// Reads a tokenizer.json and builds it.
    pub fn read_json(path: &Path) -> Result<(Self, Tokenizer)> {
        let source = Source::Json(read(path)?);
        let tokenizer = source.build_named(&[path])?;
        Ok((source, tokenizer))
    }

    /// Reads GPT-2's `vocab.json` and `merges.txt` and builds them.
    pub fn read_gpt2(vocab: &Path, merges: &Path) -> Result<(Self, Tokenizer)> {
        let source = Source::Gpt2 {
            vocab: read(vocab)?,
            merges: read(merges)?,
        };
        let tokenizer = source.build_named(&[vocab, merges])?;
        Ok((source, tokenizer))
    }

    /// Reads a sentencepiece `.model` and builds it.
    pub fn read_sentencepiece(path: &Path) -> Result<(Self, Tokenizer)> {
        let source = Source::SentencePiece(read(path)?);
        let tokenizer = source.build_named(&[path])?;
        Ok((source, tokenizer))
    }

    /// The name of this kind of source, as [`Source::from_parts`] takes it.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Json(_) => "tokenizer.json",
            Source::Gpt2 { .. } => "gpt2",
            Source::SentencePiece(_) => "sentencepiece",
        }
    }

    /// The files' bytes, in the order [`Source::from_parts`] takes them.
    pub fn files(&self) -> Vec<&[u8]> {
        match self {
            Source::Json(bytes) | Source::SentencePiece(bytes) => vec![bytes],
            Source::Gpt2 { vocab, merges } => vec![vocab, merges],
        }
    }

    /// The source of [`Source::kind`] `kind` with [`Source::files`] `files`.
    pub fn from_parts(kind: &str, files: Vec<Vec<u8>>) -> Result<Self> {
        let mut files = files.into_iter().map(Arc::<[u8]>::from);
        let (source, count) = match kind {
            "tokenizer.json" => (files.next().map(Source::Json), 1),
            "gpt2" => {
                let (vocab, merges) = (files.next(), files.next());
                let gpt2 = vocab
                    .zip(merges)
                    .map(|(vocab, merges)| Source::Gpt2 { vocab, merges });
                (gpt2, 2)
            }
            "sentencepiece" => (files.next().map(Source::SentencePiece), 1),
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown tokenizer source {other:?} (expected tokenizer.json, gpt2 or \
                     sentencepiece): the pickle was made by another tokkit version"
                )))
            }
        };
        match source {
            Some(source) if files.next().is_none() => Ok(source),
            _ => Err(Error::InvalidArgument(format!(
                "a {kind} tokenizer is rebuilt from {count} file(s): the pickle was made by \
                 another tokkit version"
            ))),
        }
    }

    /// Builds the tokenizer again, with the settings its files give.
    pub fn build(&self) -> Result<Tokenizer> {
        let names: &[&Path] = match self {
            Source::Json(_) => &[Path::new("<pickled tokenizer.json>")],
            Source::Gpt2 { .. } => &[
                Path::new("<pickled vocab.json>"),
                Path::new("<pickled merges.txt>"),
            ],
            Source::SentencePiece(_) => &[Path::new("<pickled .model>")],
        };
        self.build_named(names)
    }

    /// Builds the tokenizer; `names` name the files in errors (a loader
    /// passes the paths it read).
    pub fn build_named(&self, names: &[&Path]) -> Result<Tokenizer> {
        let name = |i: usize| names.get(i).copied().unwrap_or(Path::new("<tokenizer>"));
        match self {
            Source::Json(bytes) => tokenizer_json_from_bytes(bytes, name(0)),
            Source::Gpt2 { vocab, merges } => {
                gpt2_tokenizer_from_bytes(vocab, merges, name(0), name(1))
            }
            Source::SentencePiece(bytes) => {
                tokenizer_from_sentencepiece_bytes(Arc::clone(bytes), name(0))
            }
        }
    }
}

impl Source {
    /// The tokenizer.json HF would write for `tokenizer`, built from this
    /// source, with `options` as its truncation and padding: HF's own form
    /// of a tokenizer.json, and for GPT-2's files the one HF's
    /// `ByteLevelBPETokenizer` writes. A sentencepiece model has none that
    /// encodes exactly as it does (see [`crate::convert`]).
    pub fn tokenizer_json(&self, tokenizer: &Tokenizer, options: &EncodeOptions) -> Result<Value> {
        let file = match self {
            Source::Json(bytes) => serde_json::from_slice(bytes)
                .map_err(|e| Error::InvalidArgument(format!("tokenizer.json: {e}")))?,
            Source::Gpt2 { vocab, merges } => gpt2_tokenizer_json(
                vocab,
                merges,
                Path::new("<vocab.json>"),
                Path::new("<merges.txt>"),
            )?,
            Source::SentencePiece(_) => {
                return Err(Error::Unsupported(
                    "a tokenizer loaded from a sentencepiece .model encodes as sentencepiece \
                     does, which no tokenizer.json does exactly: tokkit.convert(path, \
                     spm=model) writes the closest one and says where it parts"
                        .into(),
                ))
            }
        };
        Ok(hf_json_save::tokenizer_json(&file, tokenizer, options))
    }

    /// `tokenizer` (built from this source) with `tokens` added, and how
    /// many HF counts as added. Where the first normalized added token
    /// changes how the text steps are laid out, the tokenizer is built
    /// again from its tokenizer.json with the tokens in it.
    pub fn add_tokens(
        &self,
        tokenizer: &Tokenizer,
        tokens: Vec<AddedToken>,
    ) -> Result<(Tokenizer, usize)> {
        let mut added = tokenizer.clone();
        let count = added.add_tokens(tokens)?;
        let relayout = tokenizer.relayout_on_normalized_added
            && !tokenizer.added_tokens().has_normalized()
            && added.added_tokens().has_normalized();
        if !relayout {
            return Ok((added, count));
        }
        let json = self.tokenizer_json(&added, &added.defaults)?;
        let mut rebuilt = parse_tokenizer_json(&json)?;
        rebuilt.take_added_tokens(&added);
        Ok((rebuilt, count))
    }
}

/// What was done to a tokenizer since it was built from its [`Source`]:
/// the tokens added, call by call (HF's result depends on the order), and
/// `encode_special_tokens`. A pickle carries them and replays them.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    /// The tokens of each `add_tokens` call, in order.
    pub added: Vec<Vec<AddedToken>>,
    /// HF's `encode_special_tokens`.
    pub encode_special_tokens: bool,
}

impl Edits {
    /// The edits as JSON text (added tokens in tokenizer.json's form).
    pub fn to_json(&self) -> String {
        let calls: Vec<Vec<Value>> = self
            .added
            .iter()
            .map(|call| call.iter().map(added_token_json).collect())
            .collect();
        json!({"added": calls, "encode_special_tokens": self.encode_special_tokens}).to_string()
    }

    /// The edits [`Edits::to_json`] wrote.
    pub fn from_json(text: &str) -> Result<Self> {
        let bad = || Error::InvalidArgument("pickled tokenizer edits are malformed".into());
        let value: Value = serde_json::from_str(text).map_err(|_| bad())?;
        let calls = value
            .get("added")
            .and_then(Value::as_array)
            .ok_or_else(bad)?;
        let added = calls
            .iter()
            .map(|call| {
                let tokens = call.as_array().ok_or_else(bad)?;
                tokens
                    .iter()
                    .map(|t| added_token_from_json(t).ok_or_else(bad))
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<_>>()?;
        let encode_special_tokens = value
            .get("encode_special_tokens")
            .and_then(Value::as_bool)
            .ok_or_else(bad)?;
        Ok(Edits {
            added,
            encode_special_tokens,
        })
    }

    /// `tokenizer`, built from `source`, with these edits made again.
    pub fn replay(&self, source: &Source, mut tokenizer: Tokenizer) -> Result<Tokenizer> {
        for call in &self.added {
            tokenizer = source.add_tokens(&tokenizer, call.clone())?.0;
        }
        tokenizer.set_encode_special_tokens(self.encode_special_tokens);
        Ok(tokenizer)
    }
}

fn added_token_json(t: &AddedToken) -> Value {
    json!({
        "content": t.content, "single_word": t.single_word, "lstrip": t.lstrip,
        "rstrip": t.rstrip, "normalized": t.normalized, "special": t.special
    })
}

fn added_token_from_json(v: &Value) -> Option<AddedToken> {
    let flag = |key: &str| v.get(key).and_then(Value::as_bool);
    Some(AddedToken {
        content: v.get("content")?.as_str()?.to_owned(),
        id: 0,
        single_word: flag("single_word")?,
        lstrip: flag("lstrip")?,
        rstrip: flag("rstrip")?,
        normalized: flag("normalized")?,
        special: flag("special")?,
    })
}

/// Truncation and padding as JSON text, in tokenizer.json's form
/// (`{"truncation": ..., "padding": ...}`), keys always in that order so the
/// same settings always give the same text.
pub fn settings_json(options: &EncodeOptions) -> String {
    json!({
        "truncation": truncation_json(options.truncation.as_ref()),
        "padding": padding_json(options.padding.as_ref()),
    })
    .to_string()
}

/// The settings [`settings_json`] wrote.
pub fn parse_settings_json(text: &str) -> Result<EncodeOptions> {
    let bad = |e: String| Error::InvalidArgument(format!("pickled tokenizer settings: {e}"));
    let value: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let field = |key: &str| value.get(key).filter(|v| !v.is_null());
    Ok(EncodeOptions {
        truncation: field("truncation")
            .map(parse_truncation)
            .transpose()
            .map_err(|e| bad(e.to_string()))?,
        padding: field("padding")
            .map(parse_padding)
            .transpose()
            .map_err(|e| bad(e.to_string()))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokenizer::{Padding, PaddingLength, Side, Truncation, TruncationStrategy};

    #[test]
    fn settings_round_trip() {
        let options = EncodeOptions {
            truncation: Some(Truncation {
                max_length: 7,
                stride: 2,
                strategy: TruncationStrategy::OnlySecond,
                side: Side::Left,
            }),
            padding: Some(Padding {
                length: PaddingLength::Fixed(9),
                pad_to_multiple_of: Some(4),
                pad_id: 3,
                pad_type_id: 1,
                pad_token: "<pad>".into(),
                side: Side::Left,
            }),
        };
        let text = settings_json(&options);
        let back = parse_settings_json(&text).unwrap();
        assert_eq!(back.truncation, options.truncation);
        assert_eq!(back.padding, options.padding);
        assert_eq!(settings_json(&back), text);
        let none = parse_settings_json(&settings_json(&EncodeOptions::default())).unwrap();
        assert!(none.truncation.is_none() && none.padding.is_none());
    }

    #[test]
    fn parts_must_match_their_kind() {
        let two = vec![b"{}".to_vec(), b"".to_vec()];
        assert!(Source::from_parts("gpt2", two.clone()).is_ok());
        assert!(Source::from_parts("tokenizer.json", two).is_err());
        assert!(Source::from_parts("gpt2", vec![b"{}".to_vec()]).is_err());
        assert!(Source::from_parts("vocab.txt", vec![]).is_err());
        let json = Source::from_parts("tokenizer.json", vec![b"{}".to_vec()]).unwrap();
        assert_eq!(json.kind(), "tokenizer.json");
        assert_eq!(json.files(), vec![b"{}".as_slice()]);
    }
}
