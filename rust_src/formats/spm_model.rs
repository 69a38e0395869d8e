//! Reader for sentencepiece `.model` files (the `ModelProto` protobuf), hand
//! written so tokkit needs neither `protobuf` nor `sentencepiece`.
//!
//! Only the fields that change encoding or decoding are kept; every other
//! field is skipped by its wire type. Field numbers follow
//! google/sentencepiece `src/sentencepiece_model.proto`.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The role of a piece in the vocabulary (`ModelProto.SentencePiece.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PieceType {
    /// An ordinary piece the model may emit.
    Normal,
    /// The unknown piece (exactly one per model).
    Unknown,
    /// A control symbol such as `<s>`: never produced from text.
    Control,
    /// A user-defined symbol: always cut out of the text as one piece.
    UserDefined,
    /// A piece kept in the vocabulary but never emitted.
    Unused,
    /// A byte piece `<0xNN>` used by byte fallback.
    Byte,
}

/// One vocabulary entry.
#[derive(Debug, Clone, PartialEq)]
pub struct SpmPiece {
    /// The piece text (whitespace spelled `▁`).
    pub piece: String,
    /// Log probability (Unigram) or merge priority (BPE).
    pub score: f32,
    /// What the piece is for.
    pub kind: PieceType,
}

/// The segmentation algorithm (`TrainerSpec.model_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelType {
    /// Unigram language model (Kudo 2018).
    Unigram,
    /// Score-ordered BPE (Sennrich et al. 2016).
    Bpe,
    /// Whitespace-delimited words.
    Word,
    /// One piece per character.
    Char,
}

/// The fields of `TrainerSpec` that matter once a model is trained.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainerSpec {
    /// Algorithm.
    pub model_type: ModelType,
    /// Unknown characters become `<0xNN>` byte pieces.
    pub byte_fallback: bool,
    /// The dummy whitespace goes at the end of the text instead of the start.
    pub treat_whitespace_as_suffix: bool,
    /// Spelling of the unknown piece.
    pub unk_piece: String,
    /// Spelling of the begin-of-sentence piece.
    pub bos_piece: String,
    /// Spelling of the end-of-sentence piece.
    pub eos_piece: String,
    /// Spelling of the padding piece.
    pub pad_piece: String,
    /// What decoding writes for an unknown piece.
    pub unk_surface: String,
}

impl Default for TrainerSpec {
    fn default() -> Self {
        TrainerSpec {
            model_type: ModelType::Unigram,
            byte_fallback: false,
            treat_whitespace_as_suffix: false,
            unk_piece: "<unk>".into(),
            bos_piece: "<s>".into(),
            eos_piece: "</s>".into(),
            pad_piece: "<pad>".into(),
            unk_surface: " \u{2047} ".into(),
        }
    }
}

/// `NormalizerSpec`: how text is rewritten before segmentation.
#[derive(Debug, Clone, PartialEq)]
pub struct NormalizerSpec {
    /// Rule name (`nmt_nfkc`, `identity`, ...), informative only.
    pub name: String,
    /// The compiled rules: a darts double-array trie plus replacement strings.
    pub precompiled_charsmap: Vec<u8>,
    /// Prepend one whitespace so the first word looks like the others.
    pub add_dummy_prefix: bool,
    /// Drop leading and trailing whitespace, squeeze runs to one.
    pub remove_extra_whitespaces: bool,
    /// Write whitespace as `▁` (U+2581).
    pub escape_whitespaces: bool,
}

impl Default for NormalizerSpec {
    fn default() -> Self {
        NormalizerSpec {
            name: String::new(),
            precompiled_charsmap: Vec::new(),
            add_dummy_prefix: true,
            remove_extra_whitespaces: true,
            escape_whitespaces: true,
        }
    }
}

/// A parsed `ModelProto`.
#[derive(Debug, Clone, PartialEq)]
pub struct SpmModelProto {
    /// Vocabulary in id order.
    pub pieces: Vec<SpmPiece>,
    /// Training options that still matter.
    pub trainer: TrainerSpec,
    /// Normalization applied when encoding.
    pub normalizer: NormalizerSpec,
    /// Normalization applied to decoded text, when the model has one.
    pub denormalizer: Option<NormalizerSpec>,
}

impl SpmModelProto {
    /// Reads and parses a `.model` file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Self::from_bytes(&bytes, path)
    }

    /// Parses serialized `ModelProto` bytes; `path` names the source in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Self> {
        let mut reader = Reader::new(bytes, path, "ModelProto");
        let mut pieces = Vec::new();
        let mut trainer = TrainerSpec::default();
        let mut normalizer = NormalizerSpec::default();
        let mut denormalizer = None;
        while let Some((field, wire)) = reader.key()? {
            match (field, wire) {
                (1, WIRE_LEN) => {
                    let sub = reader.bytes()?;
                    pieces.push(parse_piece(sub, path, pieces.len())?);
                }
                (2, WIRE_LEN) => parse_trainer(reader.bytes()?, path, &mut trainer)?,
                // A message field seen twice is merged, as protobuf does.
                (3, WIRE_LEN) => parse_normalizer(reader.bytes()?, path, &mut normalizer)?,
                (5, WIRE_LEN) => {
                    let spec = denormalizer.get_or_insert_with(NormalizerSpec::default);
                    parse_normalizer(reader.bytes()?, path, spec)?;
                }
                _ => reader.skip(wire)?,
            }
        }
        if pieces.is_empty() {
            return Err(Error::vocab(
                path,
                0,
                "not a sentencepiece model: ModelProto has no pieces (truncated or not a .model file?)",
            ));
        }
        // sentencepiece reads a "\0" piece of a byte-fallback model as an
        // unused one, whatever its type (NUL itself is byte piece <0x00>).
        if trainer.byte_fallback {
            for p in pieces.iter_mut().filter(|p| p.piece == "\0") {
                p.kind = PieceType::Unused;
            }
        }
        Ok(SpmModelProto {
            pieces,
            trainer,
            normalizer,
            denormalizer,
        })
    }
}

const WIRE_VARINT: u8 = 0;
const WIRE_I64: u8 = 1;
const WIRE_LEN: u8 = 2;
const WIRE_I32: u8 = 5;

fn parse_piece(bytes: &[u8], path: &Path, index: usize) -> Result<SpmPiece> {
    let mut reader = Reader::new(bytes, path, "ModelProto.pieces");
    let mut piece = SpmPiece {
        piece: String::new(),
        score: 0.0,
        kind: PieceType::Normal,
    };
    while let Some((field, wire)) = reader.key()? {
        match (field, wire) {
            (1, WIRE_LEN) => piece.piece = reader.string(&format!("pieces[{index}].piece"))?,
            (2, WIRE_I32) => piece.score = f32::from_bits(reader.fixed32()?),
            (3, WIRE_VARINT) => {
                piece.kind = match reader.varint()? {
                    1 => PieceType::Normal,
                    2 => PieceType::Unknown,
                    3 => PieceType::Control,
                    4 => PieceType::UserDefined,
                    5 => PieceType::Unused,
                    6 => PieceType::Byte,
                    other => {
                        return Err(Error::vocab(
                            path,
                            0,
                            format!("pieces[{index}].type has unknown value {other}"),
                        ))
                    }
                }
            }
            _ => reader.skip(wire)?,
        }
    }
    Ok(piece)
}

fn parse_trainer(bytes: &[u8], path: &Path, spec: &mut TrainerSpec) -> Result<()> {
    let mut reader = Reader::new(bytes, path, "TrainerSpec");
    while let Some((field, wire)) = reader.key()? {
        match (field, wire) {
            (3, WIRE_VARINT) => {
                spec.model_type = match reader.varint()? {
                    1 => ModelType::Unigram,
                    2 => ModelType::Bpe,
                    3 => ModelType::Word,
                    4 => ModelType::Char,
                    other => {
                        return Err(Error::vocab(
                            path,
                            0,
                            format!("trainer_spec.model_type has unknown value {other}"),
                        ))
                    }
                }
            }
            (24, WIRE_VARINT) => spec.treat_whitespace_as_suffix = reader.varint()? != 0,
            (35, WIRE_VARINT) => spec.byte_fallback = reader.varint()? != 0,
            (45, WIRE_LEN) => spec.unk_piece = reader.string("trainer_spec.unk_piece")?,
            (46, WIRE_LEN) => spec.bos_piece = reader.string("trainer_spec.bos_piece")?,
            (47, WIRE_LEN) => spec.eos_piece = reader.string("trainer_spec.eos_piece")?,
            (48, WIRE_LEN) => spec.pad_piece = reader.string("trainer_spec.pad_piece")?,
            (44, WIRE_LEN) => spec.unk_surface = reader.string("trainer_spec.unk_surface")?,
            _ => reader.skip(wire)?,
        }
    }
    Ok(())
}

fn parse_normalizer(bytes: &[u8], path: &Path, spec: &mut NormalizerSpec) -> Result<()> {
    let mut reader = Reader::new(bytes, path, "NormalizerSpec");
    while let Some((field, wire)) = reader.key()? {
        match (field, wire) {
            (1, WIRE_LEN) => spec.name = reader.string("normalizer_spec.name")?,
            (2, WIRE_LEN) => spec.precompiled_charsmap = reader.bytes()?.to_vec(),
            (3, WIRE_VARINT) => spec.add_dummy_prefix = reader.varint()? != 0,
            (4, WIRE_VARINT) => spec.remove_extra_whitespaces = reader.varint()? != 0,
            (5, WIRE_VARINT) => spec.escape_whitespaces = reader.varint()? != 0,
            _ => reader.skip(wire)?,
        }
    }
    Ok(())
}

/// A cursor over protobuf wire data that reports truncation as an error.
struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    path: PathBuf,
    message: &'static str,
}

impl<'a> Reader<'a> {
    fn new(data: &'a [u8], path: &Path, message: &'static str) -> Self {
        Reader {
            data,
            pos: 0,
            path: path.to_path_buf(),
            message,
        }
    }

    fn error(&self, what: &str) -> Error {
        Error::vocab(
            &self.path,
            0,
            format!(
                "corrupt sentencepiece model: {what} in {} at byte {} (file truncated or not a .model?)",
                self.message, self.pos
            ),
        )
    }

    /// The next field number and wire type, or `None` at the end.
    fn key(&mut self) -> Result<Option<(u64, u8)>> {
        if self.pos >= self.data.len() {
            return Ok(None);
        }
        let key = self.varint()?;
        let field = key >> 3;
        // The low three bits are the wire type; the mask makes the cast exact.
        let wire = (key & 7) as u8;
        if field == 0 {
            return Err(self.error("field number 0"));
        }
        Ok(Some((field, wire)))
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let Some(&byte) = self.data.get(self.pos) else {
                return Err(self.error("truncated varint"));
            };
            self.pos += 1;
            if shift < 64 {
                value |= u64::from(byte & 0x7f) << shift;
            }
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(self.error("varint longer than 10 bytes"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.data.len())
            .ok_or_else(|| self.error(&format!("field of {n} bytes runs past the end")))?;
        let out = &self.data[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let len = self.varint()?;
        let len = usize::try_from(len).map_err(|_| self.error("length does not fit in memory"))?;
        self.take(len)
    }

    fn string(&mut self, field: &str) -> Result<String> {
        let raw = self.bytes()?;
        String::from_utf8(raw.to_vec()).map_err(|_| self.error(&format!("{field} is not UTF-8")))
    }

    fn fixed32(&mut self) -> Result<u32> {
        let raw = self.take(4)?;
        Ok(u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]))
    }

    fn skip(&mut self, wire: u8) -> Result<()> {
        match wire {
            WIRE_VARINT => self.varint().map(|_| ()),
            WIRE_I64 => self.take(8).map(|_| ()),
            WIRE_LEN => self.bytes().map(|_| ()),
            WIRE_I32 => self.take(4).map(|_| ()),
            other => Err(self.error(&format!("unsupported wire type {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(text: &str, score: f32, kind: u8) -> Vec<u8> {
        let mut out = vec![0x0a, text.len() as u8];
        out.extend_from_slice(text.as_bytes());
        out.push(0x15);
        out.extend_from_slice(&score.to_le_bytes());
        out.extend_from_slice(&[0x18, kind]);
        out
    }

    fn model() -> Vec<u8> {
        let mut out = Vec::new();
        for (text, score, kind) in [("<unk>", 0.0, 2), ("a", -1.0, 1), ("▁", -2.0, 1)] {
            let p = piece(text, score, kind);
            out.push(0x0a);
            out.push(p.len() as u8);
            out.extend(p);
        }
        // trainer_spec { model_type: BPE, byte_fallback: false }, an unknown
        // fixed64 field, and normalizer_spec { add_dummy_prefix: false }.
        out.extend_from_slice(&[0x12, 0x02, 0x18, 0x02]);
        out.extend_from_slice(&[0x39, 1, 2, 3, 4, 5, 6, 7, 8]);
        out.extend_from_slice(&[0x1a, 0x02, 0x18, 0x00]);
        out
    }

    #[test]
    fn parses_pieces_and_specs() {
        let proto = SpmModelProto::from_bytes(&model(), Path::new("m")).unwrap();
        assert_eq!(proto.pieces.len(), 3);
        assert_eq!(proto.pieces[0].kind, PieceType::Unknown);
        assert_eq!(proto.pieces[2].piece, "▁");
        assert_eq!(proto.pieces[2].score, -2.0);
        assert_eq!(proto.trainer.model_type, ModelType::Bpe);
        assert!(!proto.normalizer.add_dummy_prefix);
        assert!(proto.normalizer.remove_extra_whitespaces);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = model();
        for end in 1..bytes.len() {
            // Some prefixes are valid messages; none may panic.
            let _ = SpmModelProto::from_bytes(&bytes[..end], Path::new("m"));
        }
        let err = SpmModelProto::from_bytes(&bytes[..5], Path::new("m")).unwrap_err();
        assert!(err.to_string().contains("runs past the end"), "{err}");
    }

    #[test]
    fn garbage_is_a_vocab_error() {
        let err = SpmModelProto::from_bytes(b"hello world", Path::new("m")).unwrap_err();
        assert!(matches!(err, Error::VocabFormat { .. }));
    }
}
