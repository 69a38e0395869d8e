//! tokenizer.json post-processors.

use serde_json::{Map, Value};

use super::pre_tokenizers::byte_level_options;
use super::{bad, field, kind, object, sequence_of, value_of};
use crate::error::{Error, Result};
use crate::tokenizer::byte_level_post::ByteLevelPost;
use crate::tokenizer::post_process::{Piece, PostProcessor, Template};
use crate::tokenizer::roberta_post::RobertaPost;
use crate::tokenizer::sequence_post::PostProcessorSequence;

pub(super) fn build_post_processor(v: &Value) -> Result<Box<dyn PostProcessor>> {
    match kind(v, "post_processor")? {
        "TemplateProcessing" => {
            let m = object(
                v,
                "post_processor TemplateProcessing",
                &["single", "pair", "special_tokens"],
            )?;
            let specials = m
                .get("special_tokens")
                .and_then(Value::as_object)
                .ok_or_else(|| bad("TemplateProcessing has no special_tokens"))?;
            let template = |key: &str| -> Result<Vec<Piece>> {
                let list = m
                    .get(key)
                    .and_then(Value::as_array)
                    .ok_or_else(|| bad(format!("TemplateProcessing.{key} is not a list")))?;
                list.iter().map(|p| parse_piece(p, specials)).collect()
            };
            Ok(Box::new(Template {
                single: template("single")?,
                pair: template("pair")?,
                type_ids_without_special_tokens: true,
            }))
        }
        "BertProcessing" => {
            let m = object(v, "post_processor BertProcessing", &["sep", "cls"])?;
            let special = |key: &str, type_id: u32| -> Result<Piece> {
                let (token, id) = token_and_id(m, key, "BertProcessing")?;
                Ok(Piece::Special {
                    ids: vec![id],
                    tokens: vec![token],
                    type_id,
                })
            };
            let seq = |which, type_id| Piece::Sequence { which, type_id };
            Ok(Box::new(Template {
                single: vec![special("cls", 0)?, seq(0, 0), special("sep", 0)?],
                pair: vec![
                    special("cls", 0)?,
                    seq(0, 0),
                    special("sep", 0)?,
                    seq(1, 1),
                    special("sep", 1)?,
                ],
                type_ids_without_special_tokens: false,
            }))
        }
        "ByteLevel" => {
            let options = byte_level_options(v, "post_processor ByteLevel")?;
            Ok(Box::new(ByteLevelPost {
                trim_offsets: options.trim_offsets,
                add_prefix_space: options.add_prefix_space,
            }))
        }
        "RobertaProcessing" => roberta(v),
        "Sequence" => sequence(v),
        other => Err(Error::Unsupported(format!("post_processor type {other:?}"))),
    }
}

fn parse_piece(v: &Value, specials: &Map<String, Value>) -> Result<Piece> {
    if let Some(s) = v.get("Sequence") {
        let m = object(s, "template Sequence", &["id", "type_id"])?;
        let which = match field::<&str>(m, "id")? {
            "A" => 0,
            "B" => 1,
            other => return Err(bad(format!("template sequence id {other:?}"))),
        };
        return Ok(Piece::Sequence {
            which,
            type_id: field(m, "type_id")?,
        });
    }
    if let Some(s) = v.get("SpecialToken") {
        let m = object(s, "template SpecialToken", &["id", "type_id"])?;
        let name = field::<&str>(m, "id")?;
        let special = specials.get(name).ok_or_else(|| {
            bad(format!(
                "template uses {name:?}, missing from special_tokens"
            ))
        })?;
        let sm = object(special, "special token", &["id", "ids", "tokens"])?;
        field::<&str>(sm, "id")?;
        let list = |key: &str| {
            sm.get(key)
                .and_then(Value::as_array)
                .ok_or_else(|| bad(format!("special token {name:?} has no {key} list")))
        };
        let ids = list("ids")?
            .iter()
            .map(|i| value_of(i, "a special token id"))
            .collect::<Result<Vec<u32>>>()?;
        let tokens = list("tokens")?
            .iter()
            .map(|t| value_of::<&str>(t, "a special token string").map(str::to_owned))
            .collect::<Result<Vec<String>>>()?;
        if ids.len() != tokens.len() {
            return Err(bad(format!(
                "special token {name:?}: ids and tokens differ in length"
            )));
        }
        return Ok(Piece::Special {
            ids,
            tokens,
            type_id: field(m, "type_id")?,
        });
    }
    Err(bad("a template piece is neither Sequence nor SpecialToken"))
}

/// A `[token, id]` field (BertProcessing's and RobertaProcessing's `cls`, `sep`).
fn token_and_id(m: &Map<String, Value>, key: &str, what: &str) -> Result<(String, u32)> {
    let pair = m.get(key).and_then(Value::as_array).map(Vec::as_slice);
    match pair {
        Some([Value::String(token), id]) => {
            let id = id
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| bad(format!("{what}.{key} id {id} is not a valid id")))?;
            Ok((token.clone(), id))
        }
        _ => Err(bad(format!("{what}.{key} must be [token, id]"))),
    }
}

/// RobertaProcessing: HF requires all four fields.
fn roberta(v: &Value) -> Result<Box<dyn PostProcessor>> {
    let what = "post_processor RobertaProcessing";
    let m = object(v, what, &["sep", "cls", "trim_offsets", "add_prefix_space"])?;
    Ok(Box::new(RobertaPost {
        cls: token_and_id(m, "cls", what)?,
        sep: token_and_id(m, "sep", what)?,
        trim_offsets: field(m, "trim_offsets")?,
        add_prefix_space: field(m, "add_prefix_space")?,
    }))
}

/// Sequence: its `processors`, run in turn.
fn sequence(v: &Value) -> Result<Box<dyn PostProcessor>> {
    let steps = sequence_of(v, "post_processor", "processors", build_post_processor)?;
    Ok(Box::new(PostProcessorSequence(steps)))
}
