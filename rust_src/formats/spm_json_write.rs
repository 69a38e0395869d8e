//! The tokenizer.json of a sentencepiece model (Unigram or BPE), laid out as
//! transformers' `convert_slow_tokenizer.py` converts one (`SpmConverter`,
//! `LlamaConverter` for byte fallback): the pieces as a Unigram or BPE model,
//! merges recovered from the pieces' scores, the charsmap as a `Precompiled`
//! normalizer and the dummy prefix as a `Metaspace` pre-tokenizer.
//!
//! Where the converters have a choice, or differ from sentencepiece, the
//! choice that encodes as sentencepiece does is taken:
//! - the dummy prefix goes on the first segment only (`prepend_scheme`
//!   "first": spm adds one prefix per sentence);
//! - `Metaspace` splits at `▁` only when no piece holds a `▁` after its first
//!   character;
//! - spaces are stripped by a `Replace` (the converters' `Strip` takes tabs
//!   and other Unicode whitespace that sentencepiece keeps), and a model that
//!   keeps extra whitespace gets Llama's `Prepend` + `Replace` normalizer,
//!   since Metaspace adds no prefix to a text that starts with a space;
//! - user-defined pieces are matched in the normalized text (the converters
//!   match them in the raw text, then strip the space before one);
//! - the decoder writes the unknown piece as `unk_surface`, and is Llama's
//!   (Replace, ByteFallback, Fuse, Strip) for every model: HF's Metaspace
//!   decoder drops every `▁` of the first token.
//!
//! Checked against sentencepiece 0.2.3 and tokenizers 0.23 on the first 300
//! lines of every shared corpus file: identical ids for Llama 2's BPE and
//! sentencepiece's test model; Unigram models differ only where two
//! segmentations have exactly equal scores (HF's Viterbi breaks the tie
//! another way, e.g. a run of 55 dashes under ruT5). Still apart: a text that
//! starts with `▁` itself or with a user-defined piece (no prefix in HF), and
//! control pieces, which HF matches in the text and sentencepiece never does.

use base64::Engine;
use rustc_hash::FxHashMap;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::formats::spm_model::{ModelType, NormalizerSpec, PieceType, SpmPiece, TrainerSpec};
use crate::normalize::rules::builtin_charsmap;
use crate::train::spm::options::SpmOptions;

/// sentencepiece's whitespace mark.
const WS: &str = "\u{2581}";

/// The tokenizer.json of a sentencepiece model: `pieces` in id order, its
/// trainer and normalizer specs (as [`super::spm_model::SpmModelProto`]
/// holds them). CHAR and WORD models, and `treat_whitespace_as_suffix`, have
/// no HF equivalent and are refused.
pub fn spm_tokenizer_json<'a>(
    pieces: &'a [SpmPiece],
    trainer: &'a TrainerSpec,
    normalizer: &NormalizerSpec,
) -> Result<SpmTokenizerJson<'a>> {
    if trainer.treat_whitespace_as_suffix {
        return Err(Error::Unsupported(
            "tokenizer.json for a sentencepiece model with treat_whitespace_as_suffix: \
             HF's Metaspace only prepends the whitespace mark"
                .into(),
        ));
    }
    let unk_id = (pieces.iter())
        .position(|p| p.kind == PieceType::Unknown)
        .ok_or_else(|| Error::InvalidArgument("the model has no unknown piece".into()))?;
    let model = match trainer.model_type {
        ModelType::Unigram => ModelJson::Unigram {
            pieces,
            unk_id,
            byte_fallback: trainer.byte_fallback,
        },
        ModelType::Bpe => ModelJson::Bpe {
            pieces,
            merges: bpe_merges(pieces),
            unk_token: &trainer.unk_piece,
            byte_fallback: trainer.byte_fallback,
        },
        ModelType::Char | ModelType::Word => {
            return Err(Error::Unsupported(
                "tokenizer.json for a sentencepiece CHAR or WORD model: HF has no such model; \
                 save the .model instead"
                    .into(),
            ))
        }
    };
    // Control pieces are special tokens, matched in the raw text. User-defined
    // pieces are ordinary added tokens matched in the normalized text, as
    // sentencepiece matches them: so the space before one stays a `▁` of its
    // own instead of being stripped as the end of a segment.
    let added_tokens: Vec<Value> = (pieces.iter().enumerate())
        .filter(|(_, p)| matches!(p.kind, PieceType::Control | PieceType::UserDefined))
        .map(|(id, p)| {
            json!({
                "id": id, "content": p.piece, "single_word": false, "lstrip": false,
                "rstrip": false, "normalized": p.kind == PieceType::UserDefined,
                "special": p.kind == PieceType::Control
            })
        })
        .collect();
    let mut normalizers = Vec::new();
    if !normalizer.precompiled_charsmap.is_empty() {
        let charsmap =
            base64::engine::general_purpose::STANDARD.encode(&normalizer.precompiled_charsmap);
        normalizers.push(json!({"type": "Precompiled", "precompiled_charsmap": charsmap}));
    }
    let prepend_scheme = if normalizer.add_dummy_prefix {
        "first"
    } else {
        "never"
    };
    let mut metaspace_prepends = prepend_scheme;
    if normalizer.remove_extra_whitespaces {
        // sentencepiece strips spaces only (HF's Strip takes every Unicode
        // whitespace), and squeezes runs to one. With a dummy prefix, a
        // leading run is squeezed to the `▁` that stands for it: HF's
        // Metaspace ("first") adds no prefix once the text's start is cut.
        let ends = if normalizer.add_dummy_prefix {
            " +\\z"
        } else {
            "\\A +| +\\z"
        };
        normalizers.push(json!({"type": "Replace", "pattern": {"Regex": ends}, "content": ""}));
        normalizers.push(json!({
            "type": "Replace", "pattern": {"Regex": " {2,}"}, "content": WS
        }));
    } else if normalizer.add_dummy_prefix {
        // Leading spaces are kept, and Metaspace adds no prefix to a text
        // that starts with one: the prefix is prepended as Llama's
        // tokenizer.json does.
        normalizers.push(json!({"type": "Prepend", "prepend": WS}));
        normalizers.push(json!({"type": "Replace", "pattern": {"String": " "}, "content": WS}));
        metaspace_prepends = "never";
    }
    let normalizer_json = match normalizers.len() {
        0 => Value::Null,
        _ => json!({"type": "Sequence", "normalizers": normalizers}),
    };
    let split = !(pieces.iter()).any(|p| p.piece.chars().skip(1).any(|c| c == '\u{2581}'));
    let pre_tokenizer = json!({
        "type": "Metaspace", "replacement": WS, "prepend_scheme": metaspace_prepends,
        "split": split
    });
    // sentencepiece decodes the unknown piece as `unk_surface` (" ⁇ "). The
    // rest is Llama's decoder for every model: HF's Metaspace decoder drops
    // every `▁` of the first token, not only the prefix ("▁for▁a" → "fora").
    let mut steps = vec![
        json!({
            "type": "Replace", "pattern": {"String": trainer.unk_piece},
            "content": trainer.unk_surface
        }),
        json!({"type": "Replace", "pattern": {"String": WS}, "content": " "}),
    ];
    if trainer.byte_fallback {
        steps.push(json!({"type": "ByteFallback"}));
    }
    steps.push(json!({"type": "Fuse"}));
    if normalizer.add_dummy_prefix {
        steps.push(json!({"type": "Strip", "content": " ", "start": 1, "stop": 0}));
    }
    let decoder = json!({"type": "Sequence", "decoders": steps});
    let head = json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": added_tokens,
        "normalizer": normalizer_json,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": null,
        "decoder": decoder,
    });
    Ok(SpmTokenizerJson { head, model })
}

/// A sentencepiece model's tokenizer.json, ready to serialize. The model's
/// vocabulary and merges are written straight from the pieces: built as
/// `Value`s first, they took a third of the time of writing a trained
/// 32,000-piece BPE model's files.
pub struct SpmTokenizerJson<'a> {
    /// Every key but "model", in order.
    head: Value,
    model: ModelJson<'a>,
}

/// The "model" of [`SpmTokenizerJson`].
enum ModelJson<'a> {
    Unigram {
        pieces: &'a [SpmPiece],
        unk_id: usize,
        byte_fallback: bool,
    },
    Bpe {
        pieces: &'a [SpmPiece],
        merges: Vec<(&'a str, &'a str)>,
        unk_token: &'a str,
        byte_fallback: bool,
    },
}

impl Serialize for SpmTokenizerJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let head = self.head.as_object().into_iter().flatten();
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in head {
            map.serialize_entry(key, value)?;
        }
        map.serialize_entry("model", &self.model)?;
        map.end()
    }
}

impl Serialize for ModelJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self {
            ModelJson::Unigram {
                pieces,
                unk_id,
                byte_fallback,
            } => {
                // Scores are f32 in the model, written as the f64 they are
                // (HF reads f64).
                let vocab = (pieces.iter()).map(|p| (p.piece.as_str(), f64::from(p.score)));
                map.serialize_entry("type", "Unigram")?;
                map.serialize_entry("unk_id", unk_id)?;
                map.serialize_entry("vocab", &Seq(vocab))?;
                map.serialize_entry("byte_fallback", byte_fallback)?;
            }
            ModelJson::Bpe {
                pieces,
                merges,
                unk_token,
                byte_fallback,
            } => {
                let vocab = (pieces.iter().enumerate()).map(|(id, p)| (p.piece.as_str(), id));
                map.serialize_entry("type", "BPE")?;
                map.serialize_entry("dropout", &None::<f32>)?;
                map.serialize_entry("unk_token", unk_token)?;
                map.serialize_entry("continuing_subword_prefix", &None::<&str>)?;
                map.serialize_entry("end_of_word_suffix", &None::<&str>)?;
                map.serialize_entry("fuse_unk", &true)?;
                map.serialize_entry("byte_fallback", byte_fallback)?;
                map.serialize_entry("ignore_merges", &false)?;
                map.serialize_entry("vocab", &Entries(vocab))?;
                map.serialize_entry("merges", merges)?;
            }
        }
        map.end()
    }
}

/// An iterator serialized as a sequence.
struct Seq<I>(I);

impl<I: Iterator<Item = T> + Clone, T: Serialize> Serialize for Seq<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.clone())
    }
}

/// An iterator of `(key, value)` serialized as a map.
struct Entries<I>(I);

impl<I: Iterator<Item = (K, V)> + Clone, K: Serialize, V: Serialize> Serialize for Entries<I> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.clone())
    }
}

/// The specs a model trained with `options` carries, for
/// [`spm_tokenizer_json`].
pub fn specs_of(options: &SpmOptions) -> Result<(TrainerSpec, NormalizerSpec)> {
    let trainer = TrainerSpec {
        model_type: options.model_type,
        byte_fallback: options.byte_fallback,
        treat_whitespace_as_suffix: options.treat_whitespace_as_suffix,
        unk_piece: options.unk_piece.clone(),
        bos_piece: options.bos_piece.clone(),
        eos_piece: options.eos_piece.clone(),
        pad_piece: options.pad_piece.clone(),
        unk_surface: options.unk_surface.clone(),
    };
    let normalizer = NormalizerSpec {
        name: options.normalization.clone(),
        precompiled_charsmap: builtin_charsmap(&options.normalization)?.to_vec(),
        add_dummy_prefix: options.add_dummy_prefix,
        remove_extra_whitespaces: options.remove_extra_whitespaces,
        escape_whitespaces: true,
    };
    Ok((trainer, normalizer))
}

/// The merges of a sentencepiece BPE model, as transformers'
/// `generate_merges(vocab, vocab_scores)` recovers them: every split of a
/// piece into two pieces, a piece's splits by the ids of their halves, then
/// all by the piece's score (highest first), the longer left half first on
/// equal scores. Only ordinary pieces take part: sentencepiece never merges
/// into or out of a control, user-defined, byte or unknown piece.
pub fn bpe_merges(pieces: &[SpmPiece]) -> Vec<(&str, &str)> {
    let ids: FxHashMap<&str, usize> = (pieces.iter().enumerate())
        .filter(|(_, p)| p.kind == PieceType::Normal)
        .map(|(id, p)| (p.piece.as_str(), id))
        .collect();
    // (score of the piece, characters of the left and right halves, the
    // halves), in piece order.
    let mut merges: Vec<(f32, usize, usize, &str, &str)> = Vec::new();
    let mut local: Vec<(usize, usize, usize, &str, &str)> = Vec::new();
    for piece in pieces.iter().filter(|p| p.kind == PieceType::Normal) {
        let text = piece.piece.as_str();
        local.clear();
        local.extend(
            (text.char_indices().skip(1))
                .enumerate()
                .filter_map(|(k, (at, _))| {
                    let (left, right) = text.split_at(at);
                    Some((*ids.get(left)?, *ids.get(right)?, k + 1, left, right))
                }),
        );
        local.sort_unstable_by_key(|&(l, r, _, _, _)| (l, r));
        let chars = text.chars().count();
        merges.extend((local.drain(..)).map(|(_, _, k, l, r)| (piece.score, k, chars - k, l, r)));
    }
    // A stable sort, highest key first, as Python's sorted(reverse=True).
    merges.sort_by(|a, b| {
        (b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal))
            .then_with(|| b.1.cmp(&a.1))
            .then_with(|| b.2.cmp(&a.2))
    });
    merges.into_iter().map(|(_, _, _, l, r)| (l, r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(p: &str, score: f32, kind: PieceType) -> SpmPiece {
        SpmPiece {
            piece: p.into(),
            score,
            kind,
        }
    }

    fn bpe_pieces() -> Vec<SpmPiece> {
        vec![
            piece("<unk>", 0.0, PieceType::Unknown),
            piece("<s>", 0.0, PieceType::Control),
            piece("▁a", -0.0, PieceType::Normal),
            piece("ab", -1.0, PieceType::Normal),
            piece("▁ab", -2.0, PieceType::Normal),
            piece("▁", -3.0, PieceType::Normal),
            piece("a", -4.0, PieceType::Normal),
            piece("b", -5.0, PieceType::Normal),
        ]
    }

    #[test]
    fn merges_follow_scores_then_the_longer_left_half() {
        assert_eq!(
            bpe_merges(&bpe_pieces()),
            [("▁", "a"), ("a", "b"), ("▁a", "b"), ("▁", "ab")]
        );
    }

    #[test]
    fn bpe_json_has_the_converter_layout() {
        let trainer = TrainerSpec {
            model_type: ModelType::Bpe,
            byte_fallback: true,
            ..TrainerSpec::default()
        };
        let normalizer = NormalizerSpec::default();
        let pieces = bpe_pieces();
        let json = spm_tokenizer_json(&pieces, &trainer, &normalizer).unwrap();
        let json = serde_json::to_value(json).unwrap();
        assert_eq!(json["model"]["vocab"]["▁ab"], 4);
        assert_eq!(json["model"]["merges"][0], json!(["▁", "a"]));
        assert_eq!(json["model"]["dropout"], Value::Null);
        assert_eq!(json["model"]["unk_token"], "<unk>");
        assert_eq!(json["model"]["byte_fallback"], true);
        assert_eq!(json["added_tokens"][0]["content"], "<s>");
        assert_eq!(json["pre_tokenizer"]["prepend_scheme"], "first");
        assert_eq!(json["pre_tokenizer"]["split"], true);
        assert_eq!(json["decoder"]["decoders"][0]["content"], " \u{2047} ");
        assert_eq!(json["decoder"]["decoders"][4]["type"], "Strip");
        let steps = &json["normalizer"]["normalizers"];
        assert_eq!(steps[0]["pattern"]["Regex"], " +\\z");
        // The tokenizer.json reads back through tokkit's own reader.
        crate::formats::hf_json::parse_tokenizer_json(&json).unwrap();
    }

    #[test]
    fn unigram_json_keeps_scores_and_refuses_what_hf_lacks() {
        let options = SpmOptions::default();
        let (trainer, normalizer) = specs_of(&options).unwrap();
        let pieces = vec![
            piece("<unk>", 0.0, PieceType::Unknown),
            piece("▁▁", -1.5, PieceType::Normal),
        ];
        let json = spm_tokenizer_json(&pieces, &trainer, &normalizer).unwrap();
        let json = serde_json::to_value(json).unwrap();
        assert_eq!(json["model"]["vocab"][1], json!(["▁▁", -1.5]));
        assert_eq!(json["model"]["unk_id"], 0);
        assert_eq!(json["pre_tokenizer"]["split"], false);
        assert_eq!(json["normalizer"]["normalizers"][0]["type"], "Precompiled");
        crate::formats::hf_json::parse_tokenizer_json(&json).unwrap();
        let suffix = TrainerSpec {
            treat_whitespace_as_suffix: true,
            ..trainer.clone()
        };
        assert!(spm_tokenizer_json(&pieces, &suffix, &normalizer).is_err());
        let char_model = TrainerSpec {
            model_type: ModelType::Char,
            ..trainer
        };
        assert!(spm_tokenizer_json(&pieces, &char_model, &normalizer).is_err());
    }
}
