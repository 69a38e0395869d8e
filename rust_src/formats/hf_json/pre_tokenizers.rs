//! tokenizer.json pre-tokenizers, and the ByteLevel and Metaspace options
//! their decoders and post-processors share.

use serde_json::Value;

use super::{bad, field, field_or, kind, object, optional, sequence_of, value_of};
use crate::error::{Error, Result};
use crate::normalize::bert::BertCompat;
use crate::normalize::hf_unicode::is_split_punctuation;
use crate::pipeline::PreTokenizer;
use crate::pretokenize::bert::BertPreTokenizer;
use crate::pretokenize::byte_level::{ByteLevel, SpelledSteps};
use crate::pretokenize::fixed_length::FixedLength;
use crate::pretokenize::metaspace::PrependScheme;
use crate::pretokenize::split::{PreTokenizerSequence, Split, SplitBehavior};
use crate::pretokenize::unicode_scripts::UnicodeScripts;
use crate::tokenizer::part_rewrite::MetaspaceLast;

/// Whether the pre-tokenizer is ByteLevel or a Sequence holding one.
pub(super) fn has_byte_level(v: &Value) -> bool {
    match v.get("type").and_then(Value::as_str) {
        Some("ByteLevel") => true,
        Some("Sequence") => v
            .get("pretokenizers")
            .and_then(Value::as_array)
            .is_some_and(|l| l.iter().any(has_byte_level)),
        _ => false,
    }
}

/// Whether a ByteLevel pre-tokenizer adds a prefix space. tokkit does that
/// once per text, before splitting, which is what HF does only when ByteLevel
/// comes first; anywhere else it is refused.
pub(super) fn byte_level_prefix_space(v: &Value) -> Result<bool> {
    let adds = |b: &Value| {
        byte_level_options(b, "pre_tokenizer ByteLevel").map(|options| options.add_prefix_space)
    };
    match v.get("type").and_then(Value::as_str) {
        Some("ByteLevel") => adds(v),
        Some("Sequence") => {
            let list = v
                .get("pretokenizers")
                .and_then(Value::as_array)
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (i, p) in list.iter().enumerate() {
                if p.get("type").and_then(Value::as_str) == Some("ByteLevel") && adds(p)? {
                    if i == 0 {
                        return Ok(true);
                    }
                    return Err(Error::Unsupported(
                        "ByteLevel with add_prefix_space after another pre-tokenizer".into(),
                    ));
                }
            }
            Ok(false)
        }
        _ => Ok(false),
    }
}

pub(super) fn build_pre_tokenizer(v: &Value) -> Result<Box<dyn PreTokenizer>> {
    match kind(v, "pre_tokenizer")? {
        "BertPreTokenizer" => {
            object(v, "pre_tokenizer BertPreTokenizer", &[])?;
            Ok(Box::new(BertPreTokenizer {
                compat: BertCompat::Hf,
            }))
        }
        "ByteLevel" => {
            let options = byte_level_options(v, "pre_tokenizer ByteLevel")?;
            Ok(Box::new(ByteLevel::new(options.use_regex)?))
        }
        "Split" => {
            let m = object(v, "pre_tokenizer Split", &["pattern", "behavior", "invert"])?;
            let behavior = split_behavior(field(m, "behavior")?, "Split")?;
            let invert = field(m, "invert")?;
            let pattern = m
                .get("pattern")
                .ok_or_else(|| bad("Split has no pattern"))?;
            if let Some(s) = pattern.get("String").and_then(Value::as_str) {
                Ok(Box::new(Split::literal(s, behavior, invert)?))
            } else if let Some(r) = pattern.get("Regex").and_then(Value::as_str) {
                Ok(Box::new(Split::regex(r, behavior, invert)?))
            } else {
                Err(bad(
                    "Split pattern must be {\"String\": ..} or {\"Regex\": ..}",
                ))
            }
        }
        "Digits" => {
            let m = object(v, "pre_tokenizer Digits", &["individual_digits"])?;
            let behavior = if field(m, "individual_digits")? {
                SplitBehavior::Isolated
            } else {
                SplitBehavior::Contiguous
            };
            Ok(Box::new(Split::chars(char::is_numeric, behavior)))
        }
        "Punctuation" => {
            let m = object(v, "pre_tokenizer Punctuation", &["behavior"])?;
            let behavior = split_behavior(field_or(m, "behavior", "Isolated")?, "Punctuation")?;
            Ok(Box::new(Split::chars(is_split_punctuation, behavior)))
        }
        "Whitespace" => {
            object(v, "pre_tokenizer Whitespace", &[])?;
            Ok(Box::new(Split::whitespace()?))
        }
        "WhitespaceSplit" => {
            object(v, "pre_tokenizer WhitespaceSplit", &[])?;
            let spaces = Split::chars(char::is_whitespace, SplitBehavior::Removed);
            Ok(Box::new(spaces))
        }
        "CharDelimiterSplit" => {
            let m = object(v, "pre_tokenizer CharDelimiterSplit", &["delimiter"])?;
            let delimiter = field::<&str>(m, "delimiter")?;
            if delimiter.chars().count() != 1 {
                return Err(bad("CharDelimiterSplit delimiter must be one character"));
            }
            let split = Split::literal(delimiter, SplitBehavior::Removed, false)?;
            Ok(Box::new(split))
        }
        "Sequence" => {
            let inner = sequence_of(v, "pre_tokenizer", "pretokenizers", build_pre_tokenizer)?;
            Ok(Box::new(PreTokenizerSequence(inner)))
        }
        "FixedLength" => fixed_length(v),
        "UnicodeScripts" => {
            object(v, "pre_tokenizer UnicodeScripts", &[])?;
            Ok(Box::new(UnicodeScripts))
        }
        other => Err(Error::Unsupported(format!("pre_tokenizer type {other:?}"))),
    }
}

/// The steps a pre-tokenizer runs, nested Sequences opened.
fn flat_steps(v: &Value) -> Result<Vec<&Value>> {
    if kind(v, "pre_tokenizer")? != "Sequence" {
        return Ok(vec![v]);
    }
    let list = object(v, "pre_tokenizer Sequence", &["pretokenizers"])?
        .get("pretokenizers")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("pre_tokenizer Sequence has no pretokenizers list"))?;
    let mut steps = Vec::new();
    for step in list {
        steps.extend(flat_steps(step)?);
    }
    Ok(steps)
}

/// A Sequence whose last step is Metaspace, after steps that only cut: that
/// Metaspace, and the Sequence of the steps before it. HF runs it on each
/// piece they cut ([`MetaspaceLast`]).
pub(super) fn metaspace_last(v: &Value) -> Result<Option<(MetaspaceLast, Value)>> {
    if kind(v, "pre_tokenizer")? != "Sequence" {
        return Ok(None);
    }
    let steps = flat_steps(v)?;
    let Some((last, before)) = steps.split_last() else {
        return Ok(None);
    };
    if kind(last, "pre_tokenizer")? != "Metaspace" || before.is_empty() {
        return Ok(None);
    }
    if let Some(other) = before.iter().find(|s| {
        matches!(
            s.get("type").and_then(Value::as_str),
            Some("Metaspace" | "ByteLevel")
        )
    }) {
        return Err(Error::Unsupported(format!(
            "pre_tokenizer Sequence with {} before Metaspace",
            other
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
        )));
    }
    let (replacement, prepend, split) = metaspace_options(last, "pre_tokenizer Metaspace")?;
    let metaspace = MetaspaceLast {
        replacement,
        prepend,
        split,
    };
    let before: Vec<Value> = before.iter().map(|&s| s.clone()).collect();
    Ok(Some((
        metaspace,
        serde_json::json!({"type": "Sequence", "pretokenizers": before}),
    )))
}

/// Where ByteLevel is among the steps, when steps follow it: HF runs those
/// on ByteLevel's byte-alphabet spelling of the text.
pub(super) fn spelling_splitters(v: &Value) -> Result<Option<usize>> {
    let steps = flat_steps(v)?;
    let is_byte_level = |s: &&Value| s.get("type").and_then(Value::as_str) == Some("ByteLevel");
    Ok(steps
        .iter()
        .position(is_byte_level)
        .filter(|&at| at + 1 < steps.len()))
}

/// A pre-tokenizer with steps after ByteLevel (at `at` among its steps), for
/// text the normalizers have already spelled in the byte alphabet.
pub(super) fn spelled_steps(v: &Value, at: usize) -> Result<Box<dyn PreTokenizer>> {
    let steps = flat_steps(v)?;
    let (text, spelled) = steps.split_at(at + 1);
    let build = |steps: &[&Value]| -> Result<Box<dyn PreTokenizer>> {
        let steps = steps.iter().map(|s| build_pre_tokenizer(s));
        Ok(Box::new(PreTokenizerSequence(
            steps.collect::<Result<_>>()?,
        )))
    };
    if spelled
        .iter()
        .any(|s| kind(s, "pre_tokenizer").ok() == Some("ByteLevel"))
    {
        // The second would spell the spelling again.
        return Err(Error::Unsupported(
            "two ByteLevel steps in a pre_tokenizer Sequence".into(),
        ));
    }
    Ok(Box::new(SpelledSteps {
        text_steps: build(text)?,
        spelled_steps: build(spelled)?,
    }))
}

/// The `behavior` of a `Split` or `Punctuation` pre-tokenizer.
fn split_behavior(behavior: &str, what: &str) -> Result<SplitBehavior> {
    Ok(match behavior {
        "Removed" => SplitBehavior::Removed,
        "Isolated" => SplitBehavior::Isolated,
        "MergedWithPrevious" => SplitBehavior::MergedWithPrevious,
        "MergedWithNext" => SplitBehavior::MergedWithNext,
        "Contiguous" => SplitBehavior::Contiguous,
        other => return Err(Error::Unsupported(format!("{what} behavior {other:?}"))),
    })
}

/// `(replacement, prepend scheme, split)` of a Metaspace pre-tokenizer or
/// decoder, old (`add_prefix_space`) or new (`prepend_scheme`) format.
pub(super) fn metaspace_options(v: &Value, what: &str) -> Result<(char, PrependScheme, bool)> {
    let m = object(
        v,
        what,
        &[
            "replacement",
            "add_prefix_space",
            "prepend_scheme",
            "split",
            "str_rep",
        ],
    )?;
    let mut chars = field::<&str>(m, "replacement")?.chars();
    let replacement = match (chars.next(), chars.next()) {
        (Some(c), None) => c,
        _ => return Err(bad(format!("{what} replacement must be one character"))),
    };
    let scheme = m
        .get("prepend_scheme")
        .map(|v| value_of::<&str>(v, "prepend_scheme"));
    let prepend = match scheme.transpose()? {
        Some("always") => PrependScheme::Always,
        Some("first") => PrependScheme::First,
        Some("never") => PrependScheme::Never,
        Some(other) => {
            return Err(Error::Unsupported(format!(
                "{what} prepend_scheme {other:?}"
            )))
        }
        None if optional(m, "add_prefix_space")?.unwrap_or(true) => PrependScheme::Always,
        None => PrependScheme::Never,
    };
    Ok((replacement, prepend, optional(m, "split")?.unwrap_or(true)))
}

/// The fields of HF's ByteLevel, one struct in its three roles.
pub(super) struct ByteLevelOptions {
    pub(super) add_prefix_space: bool,
    pub(super) trim_offsets: bool,
    pub(super) use_regex: bool,
}

pub(super) fn byte_level_options(v: &Value, what: &str) -> Result<ByteLevelOptions> {
    let m = object(v, what, &["add_prefix_space", "trim_offsets", "use_regex"])?;
    Ok(ByteLevelOptions {
        add_prefix_space: field(m, "add_prefix_space")?,
        trim_offsets: field(m, "trim_offsets")?,
        use_regex: field_or(m, "use_regex", true)?,
    })
}

/// FixedLength: `length` defaults to 5, as in HF; 0 is refused (HF panics
/// on the first text).
fn fixed_length(v: &Value) -> Result<Box<dyn PreTokenizer>> {
    let m = object(v, "pre_tokenizer FixedLength", &["length"])?;
    let length = field_or(m, "length", 5)?;
    if length == 0 {
        return Err(bad("pre_tokenizer FixedLength length must be at least 1"));
    }
    Ok(Box::new(FixedLength { length }))
}
