//! One text's ids without the other columns, for an encoding whose
//! columns are made on first read ([`super::lazy`]). Most callers read only
//! the ids, and filling every column with placeholders, then copying them
//! all to put the special tokens around them, took a sixth of a BERT
//! `encode_batch` (allocating and freeing them another tenth). Where
//! nothing but post-processing follows the run (one text, no truncation
//! or padding) and the post-processor tells its ids from the text's
//! ([`PostProcessor::process_ids`](super::post_process::PostProcessor::process_ids)),
//! the ids are made alone; the columns are made from the text's own ids
//! when first read, as they would have been.

use std::ops::Range;

use super::encode::Detail;
use super::{EncodeOptions, Encoding, Input, Tokenizer};
use crate::error::Result;

/// An encoding's ids, alone or with their columns.
pub(super) enum Made {
    /// The ids, and where the text's own ids lie in them.
    Ids(Vec<u32>, Range<usize>),
    /// Every column (the token strings and offsets as placeholders).
    Columns(Encoding),
}

impl Made {
    /// How many tokens.
    pub(super) fn len(&self) -> usize {
        match self {
            Made::Ids(ids, _) => ids.len(),
            Made::Columns(columns) => columns.len(),
        }
    }
}

impl Tokenizer {
    /// The encoding of `first` and `second` without token strings or
    /// offsets: the ids alone where that is exact, else the columns as
    /// [`Self::encode_with`] makes them.
    pub(super) fn encode_ids_or_columns<W: AsRef<str>>(
        &self,
        first: Input<'_, W>,
        second: Option<Input<'_, W>>,
        add_special_tokens: bool,
        options: &EncodeOptions,
    ) -> Result<Made> {
        let only_post_processing =
            second.is_none() && options.truncation.is_none() && options.padding.is_none();
        let text = match first {
            Input::Text(text) if only_post_processing => text,
            _ => {
                let detail = Detail::Columns;
                let columns =
                    self.encode_with(first, second, add_special_tokens, options, detail)?;
                return Ok(Made::Columns(columns));
            }
        };
        let sequence = self.encode_ids(text)?;
        let Some(post_processor) = &self.post_processor else {
            let range = 0..sequence.len();
            return Ok(Made::Ids(sequence, range));
        };
        let mut ids = Vec::with_capacity(sequence.len() + self.added_tokens_count(false));
        Ok(
            match post_processor.process_ids(&sequence, add_special_tokens, &mut ids) {
                Some(range) => Made::Ids(ids, range),
                None => Made::Columns(self.columns_of_ids(sequence, add_special_tokens)),
            },
        )
    }

    /// The columns of `made`.
    pub(super) fn columns_of(&self, made: Made, add_special_tokens: bool) -> Encoding {
        match made {
            Made::Columns(columns) => columns,
            Made::Ids(ids, sequence) => self.columns_of_alone(&ids, sequence, add_special_tokens),
        }
    }

    /// The columns of ids that came alone, the text's own being `sequence`
    /// of them.
    pub(super) fn columns_of_alone(
        &self,
        ids: &[u32],
        sequence: Range<usize>,
        add_special_tokens: bool,
    ) -> Encoding {
        let own = ids.get(sequence).unwrap_or_default().to_vec();
        self.columns_of_ids(own, add_special_tokens)
    }

    /// The columns of one text whose own ids are `sequence`, with neither
    /// truncation nor padding: those [`Self::encode_with`] makes.
    fn columns_of_ids(&self, sequence: Vec<u32>, add_special_tokens: bool) -> Encoding {
        let columns = self.placeholders(sequence, 0);
        self.process_pair(columns, None, add_special_tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::hf_json::parse_tokenizer_json;

    /// A WordLevel tokenizer whose template for one text is `single`.
    fn with_template(single: serde_json::Value) -> Tokenizer {
        with_post_processor(template(single))
    }

    fn template(single: serde_json::Value) -> serde_json::Value {
        serde_json::json!({
            "type": "TemplateProcessing",
            "single": single,
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {
                "<s>": {"id": "<s>", "ids": [0], "tokens": ["<s>"]},
                "</s>": {"id": "</s>", "ids": [1], "tokens": ["</s>"]}
            }
        })
    }

    /// A WordLevel tokenizer with the post-processor `post`.
    fn with_post_processor(post: serde_json::Value) -> Tokenizer {
        let json = serde_json::json!({
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": post,
            "model": {
                "type": "WordLevel",
                "vocab": {"<s>": 0, "</s>": 1, "a": 2, "b": 3, "[UNK]": 4},
                "unk_token": "[UNK]"
            }
        });
        parse_tokenizer_json(&json).unwrap()
    }

    fn special(id: &str, type_id: u32) -> serde_json::Value {
        serde_json::json!({"SpecialToken": {"id": id, "type_id": type_id}})
    }

    fn sequence(id: &str, type_id: u32) -> serde_json::Value {
        serde_json::json!({"Sequence": {"id": id, "type_id": type_id}})
    }

    /// Whether `tokenizer` gives ids alone (always, without special tokens;
    /// with them, where `alone`), and that they make the columns a run with
    /// columns makes.
    fn assert_ids_alone_make_the_columns(tokenizer: &Tokenizer, alone: bool, context: &str) {
        let options = EncodeOptions::default();
        for add in [true, false] {
            for text in ["", "a b", "b c a"] {
                let input = Input::<&str>::Text(text);
                let made = tokenizer.encode_ids_or_columns(input, None, add, &options);
                let made = made.unwrap();
                let context = format!("{context} {text:?} {add}");
                assert_eq!(matches!(made, Made::Ids(..)), alone || !add, "{context}");
                let columns = tokenizer.encode_with(input, None, add, &options, Detail::Columns);
                assert_eq!(
                    tokenizer.columns_of(made, add),
                    columns.unwrap(),
                    "{context}"
                );
            }
        }
    }

    #[test]
    fn ids_alone_make_the_columns_a_run_with_them_makes() {
        let around = with_template(serde_json::json!([
            special("<s>", 0),
            special("<s>", 1),
            sequence("A", 1),
            special("</s>", 0)
        ]));
        let twice = with_template(serde_json::json!([sequence("A", 0), sequence("A", 1)]));
        assert_ids_alone_make_the_columns(&around, true, "around");
        assert_ids_alone_make_the_columns(&twice, false, "twice");
        let options = EncodeOptions::default();
        let made = around.encode_ids_or_columns(Input::<&str>::Text("a b"), None, true, &options);
        let Ok(Made::Ids(ids, sequence)) = made else {
            unreachable!("a template around $A gives ids alone")
        };
        assert_eq!((ids, sequence), (vec![0, 0, 2, 3, 1], 2..4));
    }

    #[test]
    fn byte_level_roberta_and_sequences_give_ids_alone_as_their_columns() {
        let byte_level = serde_json::json!({
            "type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true
        });
        let roberta = serde_json::json!({
            "type": "RobertaProcessing", "sep": ["</s>", 1], "cls": ["<s>", 0],
            "trim_offsets": true, "add_prefix_space": false
        });
        let around = template(serde_json::json!([special("<s>", 0), sequence("A", 0)]));
        let twice = template(serde_json::json!([sequence("A", 0), sequence("A", 1)]));
        let steps = |steps: &[&serde_json::Value]| serde_json::json!({"type": "Sequence", "processors": steps});
        let cases = [
            (byte_level.clone(), true),
            (roberta.clone(), true),
            (steps(&[&byte_level, &around]), true),
            (steps(&[&around, &roberta]), true),
            (steps(&[&byte_level, &twice]), false),
        ];
        for (post, alone) in cases {
            let tokenizer = with_post_processor(post.clone());
            assert_ids_alone_make_the_columns(&tokenizer, alone, &post.to_string());
        }
    }
}
