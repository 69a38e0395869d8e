//! `tokkit convert`: a vocabulary in one file format written in another,
//! so that the written file, loaded by its own reference library, gives the
//! ids the source gives in its reference. What the target cannot express is
//! refused with the reason, before anything is written; the file is written
//! to a temporary and renamed.
//!
//! - vocab.json + merges.txt, vocab.txt, `.model`, `.tiktoken` → tokenizer.json;
//! - a byte-level BPE tokenizer.json (or GPT-2's pair, or a `.tiktoken`
//!   with another pattern) → `.tiktoken` ([`to_tiktoken`]).

pub mod from_tiktoken;
pub mod regex_dialect;
pub mod to_tiktoken;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, Result};
use crate::formats::atomic::{write_atomic, Staged};
use crate::formats::gpt2::gpt2_tokenizer_json;
use crate::formats::hf_json_save::to_text;
use crate::formats::hf_json_write::wordpiece_tokenizer_json;
use crate::formats::spm_json_write::spm_tokenizer_json;
use crate::formats::spm_model::{ModelType, PieceType, SpmModelProto};
use crate::formats::tiktoken::{read_ranks, write_ranks};
use crate::formats::vocab_txt::read_vocab_txt;
use crate::normalize::bert::BertCompat;
use crate::tiktoken::known_encoding;

/// A file (or pair of files) to convert.
#[derive(Debug, Clone)]
pub enum ConvertSource {
    /// A Hugging Face tokenizer.json.
    TokenizerJson(PathBuf),
    /// GPT-2's `vocab.json` (`encoder.json`) and `merges.txt` (`vocab.bpe`).
    Gpt2 {
        /// The `vocab.json`.
        vocab: PathBuf,
        /// The `merges.txt`.
        merges: PathBuf,
    },
    /// A Google BERT `vocab.txt`, lowercased (uncased) or not.
    VocabTxt {
        /// The `vocab.txt`.
        path: PathBuf,
        /// Whether the model is uncased.
        lowercase: bool,
    },
    /// A sentencepiece `.model`.
    SentencePiece(PathBuf),
    /// A `.tiktoken` rank file with its encoding's split pattern and special
    /// tokens, which the file does not hold.
    Tiktoken {
        /// The `.tiktoken` file.
        path: PathBuf,
        /// The split regex (`pat_str`).
        pattern: String,
        /// Special tokens: text and id.
        special_tokens: Vec<(String, u32)>,
    },
}

impl ConvertSource {
    /// The source a caller names by kind (`tokenizer.json`, `gpt2`,
    /// `vocab.txt`, `sentencepiece` or `tiktoken`) and files; a `.tiktoken`
    /// takes its split pattern and special tokens from tiktoken's
    /// `encoding`, or a `pattern` with no special tokens.
    pub fn named(
        kind: &str,
        files: &[PathBuf],
        lowercase: bool,
        encoding: Option<&str>,
        pattern: Option<&str>,
    ) -> Result<Self> {
        let one = |files: &[PathBuf]| match files {
            [file] => Ok(file.clone()),
            _ => Err(Error::InvalidArgument(format!(
                "a {kind} source is one file, not {}",
                files.len()
            ))),
        };
        Ok(match kind {
            "tokenizer.json" => ConvertSource::TokenizerJson(one(files)?),
            "gpt2" => match files {
                [vocab, merges] => ConvertSource::Gpt2 {
                    vocab: vocab.clone(),
                    merges: merges.clone(),
                },
                _ => {
                    return Err(Error::InvalidArgument(
                        "a gpt2 source is two files: vocab.json and merges.txt".into(),
                    ))
                }
            },
            "vocab.txt" => ConvertSource::VocabTxt {
                path: one(files)?,
                lowercase,
            },
            "sentencepiece" => ConvertSource::SentencePiece(one(files)?),
            "tiktoken" => {
                let (pattern, special_tokens) = match (pattern, encoding) {
                    (Some(pattern), _) => (pattern.to_owned(), Vec::new()),
                    (None, Some(name)) => {
                        let (pattern, specials) = known_encoding(name).ok_or_else(|| {
                            Error::InvalidArgument(format!(
                                "unknown tiktoken encoding {name:?}: give r50k_base, \
                                 p50k_base, p50k_edit, cl100k_base or o200k_base, or the \
                                 split pattern"
                            ))
                        })?;
                        (pattern.to_owned(), specials)
                    }
                    (None, None) => {
                        return Err(Error::InvalidArgument(
                            "a .tiktoken holds neither its split pattern nor its special \
                             tokens: give its encoding (cl100k_base, ...) or a pattern"
                                .into(),
                        ))
                    }
                };
                ConvertSource::Tiktoken {
                    path: one(files)?,
                    pattern,
                    special_tokens,
                }
            }
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown source kind {other:?}: tokenizer.json, gpt2, vocab.txt, \
                     sentencepiece or tiktoken"
                )))
            }
        })
    }
}

/// The format to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A Hugging Face tokenizer.json.
    TokenizerJson,
    /// A `.tiktoken` rank file.
    Tiktoken,
}

impl Target {
    /// The target a name stands for: `tokenizer.json` / `json`, or `tiktoken`.
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "tokenizer.json" | "json" => Ok(Target::TokenizerJson),
            "tiktoken" | ".tiktoken" => Ok(Target::Tiktoken),
            other => Err(Error::InvalidArgument(format!(
                "unknown target format {other:?}: give tokenizer.json or tiktoken"
            ))),
        }
    }

    /// The target an output path's suffix names (`.json`, `.tiktoken`).
    pub fn from_path(path: &Path) -> Result<Self> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("json") => Ok(Target::TokenizerJson),
            Some("tiktoken") => Ok(Target::Tiktoken),
            _ => Err(Error::InvalidArgument(format!(
                "cannot tell the target format from {}: name a .json or .tiktoken file, or \
                 give the format (to=\"tokenizer.json\" or \"tiktoken\")",
                path.display()
            ))),
        }
    }

    /// The format's name.
    pub fn name(self) -> &'static str {
        match self {
            Target::TokenizerJson => "tokenizer.json",
            Target::Tiktoken => ".tiktoken",
        }
    }
}

/// What a conversion wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    /// The file written.
    pub path: PathBuf,
    /// Its format.
    pub target: Target,
    /// Tokens written (ranks, or vocabulary entries with the added tokens).
    pub tokens: usize,
    /// For a `.tiktoken`: the split pattern to build `tiktoken.Encoding`
    /// with, which the file cannot hold.
    pub pattern: Option<String>,
    /// For a `.tiktoken`: the special tokens (text, id) to build
    /// `tiktoken.Encoding` with, which the file cannot hold.
    pub special_tokens: Vec<(String, u32)>,
    /// Where the written file is known to part from the source, in rare
    /// texts the target cannot express otherwise.
    pub notes: Vec<String>,
}

/// Converts `source` into `target` at `output`. Nothing is written when the
/// target cannot express the source.
pub fn convert(source: &ConvertSource, target: Target, output: &Path) -> Result<Converted> {
    match target {
        Target::TokenizerJson => {
            let (json, notes) = tokenizer_json(source)?;
            let tokens = json_token_count(&json);
            write_atomic(output, to_text(&json, true)?.as_bytes())?;
            Ok(Converted {
                path: output.to_owned(),
                target,
                tokens,
                pattern: None,
                special_tokens: Vec::new(),
                notes,
            })
        }
        Target::Tiktoken => {
            // Any source goes through its tokenizer.json, whose checks say
            // what tiktoken cannot express (BERT's normalizer, say).
            let file = match source {
                ConvertSource::TokenizerJson(path) => serde_json::from_slice(&read(path)?)
                    .map_err(|e| Error::vocab(path, e.line(), e.to_string()))?,
                other => tokenizer_json(other)?.0,
            };
            let parts = to_tiktoken::tiktoken_of_json(&file)?;
            let mut notes = Vec::new();
            if !parts.special_tokens.is_empty() {
                notes.push(
                    "HF finds the added tokens in any text; tiktoken finds its special tokens \
                     in encode(text, allowed_special=\"all\") only"
                        .to_owned(),
                );
            }
            let mut staged = Staged::default();
            write_ranks(&mut staged, output, &parts.ranks)?;
            staged.commit()?;
            Ok(Converted {
                path: output.to_owned(),
                target,
                tokens: parts.ranks.len(),
                pattern: Some(parts.pattern),
                special_tokens: parts.special_tokens,
                notes,
            })
        }
    }
}

/// A whole file, naming it when that fails.
fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// The tokenizer.json of `source`, and where it may part from the source.
fn tokenizer_json(source: &ConvertSource) -> Result<(Value, Vec<String>)> {
    Ok(match source {
        ConvertSource::TokenizerJson(_) => {
            return Err(Error::InvalidArgument(
                "the source is already a tokenizer.json: there is nothing to convert".into(),
            ))
        }
        ConvertSource::Gpt2 { vocab, merges } => {
            let (vocab_bytes, merges_bytes) = (read(vocab)?, read(merges)?);
            let json = gpt2_tokenizer_json(&vocab_bytes, &merges_bytes, vocab, merges)?;
            (json, Vec::new())
        }
        ConvertSource::VocabTxt { path, lowercase } => (bert_json(path, *lowercase)?, Vec::new()),
        ConvertSource::SentencePiece(path) => {
            let model = SpmModelProto::from_file(path)?;
            let json = spm_tokenizer_json(&model.pieces, &model.trainer, &model.normalizer)?;
            let json = serde_json::to_value(json).map_err(|e| {
                Error::InvalidArgument(format!("cannot serialise tokenizer.json: {e}"))
            })?;
            (json, spm_notes(&model))
        }
        ConvertSource::Tiktoken {
            path,
            pattern,
            special_tokens,
        } => {
            let ranks = read_ranks(path)?;
            let json = from_tiktoken::tiktoken_json(&ranks, pattern, special_tokens)?;
            (json, Vec::new())
        }
    })
}

/// What HF's tokenizer.json cannot express of a sentencepiece model
/// (measured on the shared corpora: see tests/test_convert.py).
fn spm_notes(model: &SpmModelProto) -> Vec<String> {
    let mut notes = Vec::new();
    if model.trainer.model_type == ModelType::Unigram {
        notes.push(
            "HF's Unigram breaks exact ties between segmentations (a run of one character, \
             \"000\" as 0 + 00 or 00 + 0) as its 64-bit path scores fall, sentencepiece as its \
             32-bit ones do: such runs may get the same pieces in another order"
                .to_owned(),
        );
    }
    let controls: Vec<&str> = (model.pieces.iter())
        .filter(|p| p.kind == PieceType::Control)
        .map(|p| p.piece.as_str())
        .collect();
    if !controls.is_empty() {
        notes.push(format!(
            "the control pieces ({}) are special added tokens: HF finds their text in the \
             input, sentencepiece never does",
            controls.join(", ")
        ));
    }
    notes
}

/// How many tokens a tokenizer.json holds: its vocabulary and the added
/// tokens that are not in it.
fn json_token_count(json: &Value) -> usize {
    let model = &json["model"]["vocab"];
    let vocab = match model {
        Value::Object(map) => map.len(),
        Value::Array(list) => list.len(),
        _ => 0,
    };
    let added = json["added_tokens"].as_array().map_or(0, |added| {
        added
            .iter()
            .filter(|t| match (t["content"].as_str(), model) {
                (Some(content), Value::Object(map)) => !map.contains_key(content),
                _ => false,
            })
            .count()
    });
    vocab + added
}

/// BERT's special tokens, added (special) when the vocabulary has them, as
/// HF's `BertWordPieceTokenizer` adds them.
const BERT_SPECIALS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

/// A BERT vocab.txt as the tokenizer.json of HF's
/// `BertWordPieceTokenizer(vocab, lowercase=...)`: the vocabulary read as HF
/// reads it. A repeated token is refused: HF gives it its last line's id and
/// Google's BERT its first, and a tokenizer.json holds one.
fn bert_json(path: &Path, lowercase: bool) -> Result<Value> {
    let vocab = read_vocab_txt(path, BertCompat::Hf)?;
    let mut tokens = vec![None; vocab.len()];
    for (token, id) in vocab {
        match tokens.get_mut(id as usize) {
            Some(slot) => *slot = Some(token),
            None => {
                return Err(Error::Unsupported(format!(
                    "{}: the token {token:?} of line {} is repeated on an earlier line; HF and \
                     Google's BERT give a repeated token different ids, so the vocabulary has \
                     no single tokenizer.json",
                    path.display(),
                    id + 1
                )))
            }
        }
    }
    let tokens: Vec<String> = tokens.into_iter().flatten().collect();
    let specials: Vec<String> = (BERT_SPECIALS.iter())
        .filter(|s| tokens.iter().any(|t| t == *s))
        .map(|s| (*s).to_owned())
        .collect();
    if !specials.iter().any(|s| s == "[UNK]") {
        return Err(Error::Unsupported(format!(
            "{}: the vocabulary has no [UNK], which WordPiece gives a word it cannot split",
            path.display()
        )));
    }
    wordpiece_tokenizer_json(&tokens, &specials, "[UNK]", lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("tokkit-convert-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn targets_come_from_names_and_suffixes() {
        assert_eq!(Target::parse("json").unwrap(), Target::TokenizerJson);
        assert_eq!(
            Target::from_path(Path::new("a/cl.tiktoken")).unwrap(),
            Target::Tiktoken
        );
        assert!(Target::from_path(Path::new("vocab.txt")).is_err());
    }

    #[test]
    fn a_repeated_bert_token_is_refused_and_nothing_written() {
        let dir = temp_dir("bert");
        let vocab = dir.join("vocab.txt");
        std::fs::write(&vocab, "[UNK]\na\n##b\na\n").unwrap();
        let out = dir.join("tokenizer.json");
        let source = ConvertSource::VocabTxt {
            path: vocab,
            lowercase: true,
        };
        let error = convert(&source, Target::TokenizerJson, &out).unwrap_err();
        assert!(error.to_string().contains("repeated"), "{error}");
        assert!(!out.exists());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_bert_vocabulary_becomes_wordpiece() {
        let dir = temp_dir("bert-ok");
        let vocab = dir.join("vocab.txt");
        std::fs::write(&vocab, "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n##s\n").unwrap();
        let source = ConvertSource::VocabTxt {
            path: vocab,
            lowercase: false,
        };
        let (json, _) = tokenizer_json(&source).unwrap();
        assert_eq!(json["model"]["vocab"]["##s"], 5);
        assert_eq!(json["normalizer"]["lowercase"], false);
        assert_eq!(json["added_tokens"].as_array().unwrap().len(), 4);
        assert_eq!(json_token_count(&json), 6);
        crate::formats::hf_json::parse_tokenizer_json(&json).unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }
}
