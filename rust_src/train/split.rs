//! How a trainer cuts text into words: a normalizer and a pre-tokenizer,
//! chosen by name and kept as the tokenizer.json components they are.
//!
//! The words are cut by building those components exactly as a user's
//! tokenizer.json builds them (`hf_json::text_steps`), so the trained vocabulary sees the text as the
//! written file will encode it, and as HF's trainer sees it given the same
//! components.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::formats::hf_json::text_steps;
use crate::models::bpe::byte_alphabet;
use crate::pretokenize::pattern::{CL100K_PATTERN, O200K_PATTERN, R50K_PATTERN};
use crate::train::Splitter;

/// The normalizer and pre-tokenizer of a training run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordSplit {
    /// tokenizer.json `normalizer` (`null` for none).
    pub normalizer: Value,
    /// tokenizer.json `pre_tokenizer` (`null` for none).
    pub pre_tokenizer: Value,
    /// Words are spelled in GPT-2's byte alphabet (a ByteLevel step).
    pub byte_level: bool,
    /// The split regex of a byte-level run: what tiktoken needs as `pat_str`.
    pub pattern: Option<String>,
    /// Each line is one word, its line feed dropped: sentencepiece's
    /// sentences, which its trainers normalize themselves.
    #[serde(default)]
    pub lines: bool,
}

/// Metaspace as HF's trainers and Llama-style files set it.
fn metaspace() -> Value {
    json!({"type": "Metaspace", "replacement": "\u{2581}", "prepend_scheme": "always", "split": true})
}

fn byte_level_step(use_regex: bool) -> Value {
    json!({"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": use_regex})
}

impl WordSplit {
    /// The split named by `normalizer` (`none`, `nfc`, `nfkc`, `lowercase`),
    /// `pre_tokenizer` (`whitespace`, `bert`, `metaspace`, `byte-level`,
    /// `none`; `None`: `byte-level` when `byte_level`, else `whitespace`)
    /// and, for byte-level splitting, `pattern` (`gpt2`, `cl100k`, `o200k`
    /// or a regex; default `gpt2`).
    pub fn named(
        normalizer: Option<&str>,
        pre_tokenizer: Option<&str>,
        pattern: Option<&str>,
        byte_level: bool,
    ) -> Result<Self> {
        let normalizer = match normalizer.unwrap_or("none") {
            "none" => Value::Null,
            "nfc" => json!({"type": "NFC"}),
            "nfkc" => json!({"type": "NFKC"}),
            "lowercase" => json!({"type": "Lowercase"}),
            other => {
                return Err(Error::InvalidArgument(format!(
                    "unknown normalizer {other:?}: use none, nfc, nfkc or lowercase"
                )))
            }
        };
        let default = if byte_level {
            "byte-level"
        } else {
            "whitespace"
        };
        let name = pre_tokenizer.unwrap_or(default);
        if pattern.is_some() && name != "byte-level" {
            return Err(Error::InvalidArgument(format!(
                "a pattern applies to the byte-level pre-tokenizer, not to {name:?}"
            )));
        }
        let (pre_tokenizer, pattern) = match (name, byte_level) {
            ("whitespace", false) => (json!({"type": "Whitespace"}), None),
            ("bert", false) => (json!({"type": "BertPreTokenizer"}), None),
            ("metaspace", false) => (metaspace(), None),
            ("none", false) => (Value::Null, None),
            // Bytes still map to the byte alphabet; the text is not cut.
            ("none", true) => (byte_level_step(false), None),
            ("byte-level", true) => match pattern.unwrap_or("gpt2") {
                "gpt2" => (byte_level_step(true), Some(R50K_PATTERN)),
                name => {
                    let regex = match name {
                        "cl100k" => CL100K_PATTERN,
                        "o200k" => O200K_PATTERN,
                        regex => regex,
                    };
                    let split = json!({"type": "Split", "pattern": {"Regex": regex},
                        "behavior": "Isolated", "invert": false});
                    let steps = json!({"type": "Sequence",
                        "pretokenizers": [split, byte_level_step(false)]});
                    (steps, Some(regex))
                }
            },
            ("byte-level", false) => {
                return Err(Error::InvalidArgument(
                    "the byte-level pre-tokenizer needs byte-level BPE (byte_level=True, \
                     --algo bytelevel)"
                        .into(),
                ))
            }
            (other, true) => {
                return Err(Error::InvalidArgument(format!(
                    "byte-level BPE splits with the byte-level pre-tokenizer or none, not {other:?}"
                )))
            }
            (other, false) => {
                return Err(Error::InvalidArgument(format!(
                    "unknown pre-tokenizer {other:?}: use whitespace, bert, metaspace, \
                     byte-level or none"
                )))
            }
        };
        Ok(WordSplit {
            lines: false,
            normalizer,
            pre_tokenizer,
            byte_level,
            pattern: pattern.map(str::to_owned),
        })
    }

    /// HF's BERT pipeline: BertNormalizer (with or without lowercasing) and
    /// BertPreTokenizer.
    pub fn bert(lowercase: bool) -> Self {
        WordSplit {
            lines: false,
            normalizer: json!({"type": "BertNormalizer", "clean_text": true,
                "handle_chinese_chars": true, "strip_accents": null, "lowercase": lowercase}),
            pre_tokenizer: json!({"type": "BertPreTokenizer"}),
            byte_level: false,
            pattern: None,
        }
    }

    /// Whole lines, as sentencepiece reads them (`std::getline`: only the
    /// line feed goes; a carriage return stays for the normalizer).
    pub fn lines() -> Self {
        WordSplit {
            normalizer: Value::Null,
            pre_tokenizer: Value::Null,
            byte_level: false,
            pattern: None,
            lines: true,
        }
    }

    /// The tokenizer.json `decoder` that undoes this split, if any.
    pub fn decoder(&self) -> Value {
        if self.byte_level {
            byte_level_step(true)
        } else if self.pre_tokenizer == metaspace() {
            metaspace()
        } else {
            Value::Null
        }
    }

    /// A splitter for [`crate::train::count_words`] and
    /// [`crate::train::count_texts`]: the components built as a
    /// tokenizer.json builds them, byte-level words spelled in the byte
    /// alphabet.
    pub fn splitter(&self) -> Result<Box<Splitter<'static>>> {
        if self.lines {
            return Ok(Box::new(|line: &str, emit: &mut dyn FnMut(&str)| {
                let line = line.strip_suffix('\n').unwrap_or(line);
                if !line.is_empty() {
                    emit(line);
                }
                Ok(())
            }));
        }
        let normalizer = Some(&self.normalizer).filter(|v| !v.is_null());
        let pre_tokenizer = Some(&self.pre_tokenizer).filter(|v| !v.is_null());
        let steps = text_steps(normalizer, pre_tokenizer, false)?;
        let byte_level = self.byte_level;
        Ok(Box::new(move |line: &str, emit: &mut dyn FnMut(&str)| {
            if !byte_level {
                return steps.for_each_piece(line, emit);
            }
            let table = byte_alphabet::table();
            let mut spelled = String::new();
            steps.for_each_piece(line, &mut |piece| {
                spelled.clear();
                spelled.extend(piece.bytes().map(|b| table[b as usize]));
                emit(&spelled);
            })
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(split: &WordSplit, text: &str) -> Vec<String> {
        let splitter = split.splitter().unwrap();
        let mut out = Vec::new();
        splitter(text, &mut |w| out.push(w.to_owned())).unwrap();
        out
    }

    #[test]
    fn byte_level_words_are_spelled_in_the_byte_alphabet() {
        let split = WordSplit::named(None, None, None, true).unwrap();
        assert_eq!(words(&split, "Hi there\r\n"), ["Hi", "Ġthere", "čĊ"]);
        let split = WordSplit::named(None, Some("none"), None, true).unwrap();
        assert_eq!(words(&split, "a b\n"), ["aĠbĊ"]);
    }

    #[test]
    fn char_splits_follow_hf_components() {
        let split = WordSplit::named(Some("lowercase"), None, None, false).unwrap();
        assert_eq!(
            words(&split, "Hello, World!!\n"),
            ["hello", ",", "world", "!!"]
        );
        let split = WordSplit::named(None, Some("metaspace"), None, false).unwrap();
        assert_eq!(words(&split, "a b\n"), ["▁a", "▁b\n"]);
        let split = WordSplit::named(None, Some("none"), None, false).unwrap();
        assert_eq!(words(&split, "a b\n"), ["a b\n"]);
    }

    #[test]
    fn bad_names_are_invalid_arguments() {
        for (n, p, pat, bl) in [
            (Some("nfd"), None, None, false),
            (None, Some("spaces"), None, false),
            (None, Some("byte-level"), None, false),
            (None, Some("metaspace"), None, true),
            (None, Some("whitespace"), Some("cl100k"), false),
        ] {
            let err = WordSplit::named(n, p, pat, bl).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
        }
    }
}
