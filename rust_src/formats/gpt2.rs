//! GPT-2's vocabulary files: `encoder.json` / `vocab.json` (token name to
//! id, names spelled in the byte alphabet) and `vocab.bpe` / `merges.txt`
//! (one merge per line, by priority), and the byte-level BPE model they make.

use std::path::Path;

use serde_json::{json, Value};

use crate::decoders::byte_level::ByteLevelDecoder;
use crate::error::{Error, Result};
use crate::formats::atomic::Staged;
use crate::models::bpe::byte_alphabet::char_to_byte;
use crate::models::bpe::chars::{CharBpe, CharBpeOptions};
use crate::models::bpe::spelled::SpelledBpe;
use crate::models::bpe::BpeModel;
use crate::models::file_ids::{compact, FileIds};
use crate::pipeline::Model;
use crate::pretokenize::byte_level::ByteLevel;
use crate::tokenizer::Tokenizer;

/// The version line GPT-2's merges files start with.
const VERSION_LINE: &str = "#version: 0.2";

/// Reads a `vocab.json`: a JSON object from token name to id.
pub fn read_vocab_json(path: &Path) -> Result<Vec<(String, u32)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_vocab_json(&bytes, path)
}

/// Parses the contents of a `vocab.json`; `path` names it in errors.
pub fn parse_vocab_json(bytes: &[u8], path: &Path) -> Result<Vec<(String, u32)>> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::vocab(path, e.line(), format!("not valid JSON: {e}")))?;
    vocab_from_json(&value).map_err(|m| Error::vocab(path, 0, m))
}

/// A `{"token": id}` object as pairs.
pub fn vocab_from_json(value: &Value) -> std::result::Result<Vec<(String, u32)>, String> {
    let map = value
        .as_object()
        .ok_or("the vocabulary is not a JSON object of token to id")?;
    map.iter()
        .map(|(token, id)| {
            let id = id
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("the id of {token:?} is not a valid id"))?;
            Ok((token.clone(), id))
        })
        .collect()
}

/// Stages `tokens` (in id order) as a `vocab.json` in `files`.
pub fn write_vocab_json(files: &mut Staged, path: &Path, tokens: &[String]) -> Result<()> {
    let vocab: serde_json::Map<String, Value> = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| (t.clone(), Value::from(i as u32)))
        .collect();
    let text = serde_json::to_vec(&vocab)
        .map_err(|e| Error::InvalidArgument(format!("cannot serialise vocab.json: {e}")))?;
    files.write(path, &text)
}

/// Stages `merges` as a `merges.txt` (after the version line) in `files`.
/// Fails with [`Error::InvalidArgument`] when a token holds a space or line
/// break, which the format cannot spell.
pub fn write_merges(files: &mut Staged, path: &Path, merges: &[(&str, &str)]) -> Result<()> {
    let mut text = format!("{VERSION_LINE}\n");
    for (a, b) in merges {
        if [a, b].iter().any(|t| t.contains([' ', '\n', '\r'])) {
            return Err(Error::InvalidArgument(format!(
                "the merge {a:?} {b:?} holds a space or line break, which merges.txt cannot \
                 spell: use tokenizer.json"
            )));
        }
        text.push_str(a);
        text.push(' ');
        text.push_str(b);
        text.push('\n');
    }
    files.write(path, text.as_bytes())
}

/// Reads a `merges.txt`: `left right` per line, `#version` lines skipped. Returns each merge with its 1-based line number.
pub fn read_merges(path: &Path) -> Result<Vec<(String, String, usize)>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_merges_txt(&bytes, path)
}

/// Parses the contents of a `merges.txt`; `path` names it in errors.
pub fn parse_merges_txt(bytes: &[u8], path: &Path) -> Result<Vec<(String, String, usize)>> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::InvalidUtf8 {
        path: path.to_path_buf(),
        offset: e.valid_up_to() as u64,
    })?;
    let mut merges = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line_no = index + 1;
        // HF skips every `#version` line, whatever follows (its own files
        // say `#version: 0.2 - Trained by huggingface/tokenizers`).
        if line.starts_with("#version") {
            continue;
        }
        let mut parts = line.split(' ');
        let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(Error::vocab(
                path,
                line_no,
                format!("expected two tokens separated by one space, found {line:?}"),
            ));
        };
        merges.push((a.to_string(), b.to_string(), line_no));
    }
    Ok(merges)
}

/// Where a merge came from, for error messages: a file and line, or an index
/// in tokenizer.json.
pub enum MergeSource<'a> {
    /// merges.txt: errors name the file and the merge's line.
    File(&'a Path),
    /// tokenizer.json `model.merges`: errors name the merge's index.
    Json,
}

/// The byte-level BPE model of a vocabulary and ranked merges. Every token
/// name must be spelled in GPT-2's byte alphabet; every merge must join two
/// tokens into a third. Any `u32` is an id, as in HF.
pub fn byte_level_model(
    mut vocab: Vec<(String, u32)>,
    merges: &[(String, String, usize)],
    ignore_merges: bool,
    source: MergeSource<'_>,
) -> Result<Box<dyn Model>> {
    let file_ids = compact(&mut vocab);
    let fail = |line: usize, message: String| match source {
        MergeSource::File(path) => Error::vocab(path, line, message),
        MergeSource::Json => Error::vocab(
            Path::new("tokenizer.json"),
            0,
            format!("model.merges[{}]: {message}", line.saturating_sub(1)),
        ),
    };
    let mut ids = rustc_hash::FxHashMap::default();
    let mut bytes_vocab = Vec::with_capacity(vocab.len());
    for (name, id) in vocab {
        let bytes: Option<Vec<u8>> = name.chars().map(char_to_byte).collect();
        let Some(bytes) = bytes else {
            return Err(Error::Unsupported(format!(
                "vocabulary token {name:?} is not spelled in GPT-2's byte alphabet; \
                 only byte-level BPE is supported"
            )));
        };
        ids.insert(name, id);
        bytes_vocab.push((bytes, id));
    }
    let mut triples = Vec::with_capacity(merges.len());
    for (a, b, line) in merges {
        let id = |t: &str| {
            ids.get(t).copied().ok_or_else(|| {
                fail(
                    *line,
                    format!("merge of {t:?}, which is not in the vocabulary"),
                )
            })
        };
        let merged = format!("{a}{b}");
        triples.push((id(a)?, id(b)?, id(&merged)?));
    }
    let model = BpeModel::from_merges(bytes_vocab, &triples, ignore_merges)?;
    Ok(FileIds::wrap(Box::new(model), file_ids))
}

/// HF's byte-level BPE: the byte model of [`byte_level_model`] when it gives
/// HF's tokens, which is when every token is spelled in the alphabet, all
/// 256 byte symbols are tokens (so `unk_token`, `fuse_unk` and
/// `byte_fallback` never apply), no two tokens share an id and no prefix,
/// suffix or dropout is set; otherwise HF's own procedure, BPE over the
/// spelled piece ([`SpelledBpe`]).
pub fn byte_level_bpe(
    vocab: Vec<(String, u32)>,
    merges: &[(String, String, usize)],
    options: CharBpeOptions,
    source: MergeSource<'_>,
) -> Result<Box<dyn Model>> {
    let decorated = [
        &options.continuing_subword_prefix,
        &options.end_of_word_suffix,
    ]
    .iter()
    .any(|s| s.as_deref().is_some_and(|s| !s.is_empty()));
    let spelled = vocab
        .iter()
        .all(|(name, _)| name.chars().all(|c| char_to_byte(c).is_some()));
    let mut bytes = [false; 256];
    for (name, _) in &vocab {
        let mut chars = name.chars();
        if let (Some(b), None) = (chars.next().and_then(char_to_byte), chars.next()) {
            bytes[b as usize] = true;
        }
    }
    let dropout = options.dropout.is_some_and(|p| p > 0.0);
    // HF loads a vocabulary where two tokens share an id (each encodes to
    // it); the byte model keeps one token per id, the spelled one all.
    let mut ids: Vec<u32> = vocab.iter().map(|&(_, id)| id).collect();
    ids.sort_unstable();
    let shared_ids = ids.windows(2).any(|w| w[0] == w[1]);
    if spelled && bytes.iter().all(|&b| b) && !decorated && !dropout && !shared_ids {
        return byte_level_model(vocab, merges, options.ignore_merges, source);
    }
    let mut vocab = vocab;
    let file_ids = compact(&mut vocab);
    let vocab = vocab.into_iter().collect();
    let model = CharBpe::new(vocab, merges, options).map_err(|e| match (e, source) {
        (Error::VocabFormat { message, .. }, MergeSource::File(path)) => {
            Error::vocab(path, 0, message)
        }
        (e, _) => e,
    })?;
    Ok(FileIds::wrap(Box::new(SpelledBpe(model)), file_ids))
}

/// GPT-2 from `vocab.json` and `merges.txt`, as HF's
/// `ByteLevelBPETokenizer(vocab, merges)` builds it: ByteLevel split without
/// a prefix space, byte-level BPE, ByteLevel decoder, no special tokens.
pub fn read_gpt2_tokenizer(vocab_path: &Path, merges_path: &Path) -> Result<Tokenizer> {
    let vocab = std::fs::read(vocab_path).map_err(|e| Error::io(vocab_path, e))?;
    let merges = std::fs::read(merges_path).map_err(|e| Error::io(merges_path, e))?;
    gpt2_tokenizer_from_bytes(&vocab, &merges, vocab_path, merges_path)
}

/// [`read_gpt2_tokenizer`] from the files' contents; the paths name them in
/// errors.
pub fn gpt2_tokenizer_from_bytes(
    vocab: &[u8],
    merges: &[u8],
    vocab_path: &Path,
    merges_path: &Path,
) -> Result<Tokenizer> {
    let vocab = parse_vocab_json(vocab, vocab_path)?;
    let merges = parse_merges_txt(merges, merges_path)?;
    let options = CharBpeOptions::default();
    let model = byte_level_bpe(vocab, &merges, options, MergeSource::File(merges_path))?;
    Ok(Tokenizer::new(model)
        .with_pre_tokenizer(Box::new(ByteLevel::new(true)?))
        .with_decoder(Box::new(ByteLevelDecoder)))
}

/// The tokenizer.json of GPT-2's files, as HF's
/// `ByteLevelBPETokenizer(vocab, merges)` writes it (which is how tokkit and
/// HF load the pair): ByteLevel split without a prefix space, byte-level
/// BPE, ByteLevel decoder and post-processor, no special tokens. A pair
/// [`gpt2_tokenizer_from_bytes`] refuses is refused; the paths name the
/// files in errors.
pub fn gpt2_tokenizer_json(
    vocab: &[u8],
    merges: &[u8],
    vocab_path: &Path,
    merges_path: &Path,
) -> Result<Value> {
    gpt2_tokenizer_from_bytes(vocab, merges, vocab_path, merges_path)?;
    let vocab: serde_json::Map<String, Value> = (parse_vocab_json(vocab, vocab_path)?.into_iter())
        .map(|(token, id)| (token, Value::from(id)))
        .collect();
    let merges: Vec<Value> = (parse_merges_txt(merges, merges_path)?.into_iter())
        .map(|(a, b, _)| json!([a, b]))
        .collect();
    let byte_level = |add_prefix_space: bool, trim_offsets: bool| {
        json!({
            "type": "ByteLevel", "add_prefix_space": add_prefix_space,
            "trim_offsets": trim_offsets, "use_regex": true
        })
    };
    Ok(json!({
        "version": "1.0",
        "truncation": null,
        "padding": null,
        "added_tokens": [],
        "normalizer": null,
        "pre_tokenizer": byte_level(false, true),
        "post_processor": byte_level(true, false),
        "decoder": byte_level(true, true),
        "model": {
            "type": "BPE", "dropout": null, "unk_token": null,
            "continuing_subword_prefix": "", "end_of_word_suffix": "",
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
            "vocab": vocab, "merges": merges
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab() -> Vec<(String, u32)> {
        ["a", "b", "ab", "Ġ", "Ġab"]
            .iter()
            .enumerate()
            .map(|(i, t)| (t.to_string(), i as u32))
            .collect()
    }

    fn merges(list: &[(&str, &str)]) -> Vec<(String, String, usize)> {
        list.iter()
            .enumerate()
            .map(|(i, (a, b))| (a.to_string(), b.to_string(), i + 2))
            .collect()
    }

    #[test]
    fn builds_and_checks_merges() {
        let m = byte_level_model(
            vocab(),
            &merges(&[("a", "b"), ("Ġ", "ab")]),
            false,
            MergeSource::Json,
        );
        assert!(m.is_ok());
        let path = Path::new("merges.txt");
        let err = byte_level_model(
            vocab(),
            &merges(&[("a", "x")]),
            false,
            MergeSource::File(path),
        );
        assert!(matches!(err, Err(Error::VocabFormat { line: 2, .. })));
        let err = byte_level_model(
            vocab(),
            &merges(&[("b", "a")]),
            false,
            MergeSource::File(path),
        );
        assert!(matches!(err, Err(Error::VocabFormat { line: 2, .. })));
        let not_bytes = vec![("\u{4e2d}".to_string(), 0)];
        assert!(matches!(
            byte_level_model(not_bytes, &[], false, MergeSource::Json),
            Err(Error::Unsupported(_))
        ));
    }
}
