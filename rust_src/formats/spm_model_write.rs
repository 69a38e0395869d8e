//! Writer for sentencepiece `.model` files (the `ModelProto` protobuf) and
//! their `.vocab` listings, byte for byte as `spm_train` saves them
//! (google/sentencepiece `trainer_interface.cc` `Serialize`, `SaveModel`,
//! `SaveVocab`; field numbers from `sentencepiece_model.proto`).
//!
//! proto2 writes exactly the fields that were set, in field-number order.
//! spm_train sets `type` only on meta pieces, `score` on every piece, and
//! every `TrainerSpec` field it has a flag for (so a model records all its
//! options), but neither `escape_whitespaces` nor `input`/`model_prefix` when
//! there were none: [`model_bytes`] writes the same set.

use std::path::Path;

use crate::error::Result;
use crate::formats::atomic::Staged;
use crate::formats::spm_model::{ModelType, PieceType, SpmPiece};
use crate::normalize::rules::builtin_charsmap;
use crate::train::spm::options::SpmOptions;

/// Wire type of varints (ints, bools, enums).
const VARINT: u64 = 0;
/// Wire type of strings, bytes and sub-messages.
const LEN: u64 = 2;
/// Wire type of `float`.
const FIXED32: u64 = 5;

/// spm_train's `--num_threads` default, written when the run used all cores:
/// the bytes of a model should not depend on the machine that trained it.
const DEFAULT_NUM_THREADS: i32 = 16;
/// spm_train's `--max_sentence_length` default (bytes); tokkit does not cut
/// long lines.
const MAX_SENTENCE_LENGTH: i32 = 4192;

/// A protobuf message being written, one field at a time.
#[derive(Default)]
struct Message(Vec<u8>);

impl Message {
    fn varint(&mut self, mut value: u64) {
        while value >= 0x80 {
            // Seven payload bits per byte, the top bit says more follow.
            self.0.push((value as u8 & 0x7f) | 0x80);
            value >>= 7;
        }
        self.0.push(value as u8);
    }

    fn key(&mut self, field: u64, wire: u64) {
        self.varint(field << 3 | wire);
    }

    fn uint(&mut self, field: u64, value: u64) {
        self.key(field, VARINT);
        self.varint(value);
    }

    /// An `int32`: negative values are sign-extended to ten bytes, as
    /// protobuf does.
    fn int(&mut self, field: u64, value: i32) {
        self.uint(field, i64::from(value) as u64);
    }

    fn bool(&mut self, field: u64, value: bool) {
        self.uint(field, u64::from(value));
    }

    fn float(&mut self, field: u64, value: f32) {
        self.key(field, FIXED32);
        self.0.extend_from_slice(&value.to_le_bytes());
    }

    fn bytes(&mut self, field: u64, value: &[u8]) {
        self.key(field, LEN);
        self.varint(value.len() as u64);
        self.0.extend_from_slice(value);
    }

    fn message(&mut self, field: u64, value: Message) {
        self.bytes(field, &value.0);
    }
}

/// `ModelProto.SentencePiece.Type`'s number for `kind`.
fn piece_type_number(kind: PieceType) -> u64 {
    match kind {
        PieceType::Normal => 1,
        PieceType::Unknown => 2,
        PieceType::Control => 3,
        PieceType::UserDefined => 4,
        PieceType::Unused => 5,
        PieceType::Byte => 6,
    }
}

/// `TrainerSpec.ModelType`'s number for `model_type`.
fn model_type_number(model_type: ModelType) -> u64 {
    match model_type {
        ModelType::Unigram => 1,
        ModelType::Bpe => 2,
        ModelType::Word => 3,
        ModelType::Char => 4,
    }
}

fn piece_message(piece: &SpmPiece) -> Message {
    let mut m = Message::default();
    m.bytes(1, piece.piece.as_bytes());
    m.float(2, piece.score);
    // Serialize sets the type of meta pieces only; a learned piece keeps the
    // default (NORMAL) and so has no type on the wire.
    if piece.kind != PieceType::Normal {
        m.uint(3, piece_type_number(piece.kind));
    }
    m
}

/// The `TrainerSpec` spm_train writes: every field it has a flag for, with
/// the flags' defaults where tokkit has no such option. `vocab_size` is the
/// number of pieces written (Serialize's rule for CHAR and soft limits, and
/// the same number otherwise).
fn trainer_message(pieces: usize, options: &SpmOptions) -> Message {
    let mut m = Message::default();
    m.uint(3, model_type_number(options.model_type));
    m.int(4, i32::try_from(pieces).unwrap_or(i32::MAX));
    m.int(6, 0); // self_test_sample_size
    m.bytes(7, b""); // input_format
    m.float(10, options.character_coverage);
    m.uint(11, options.input_sentence_size);
    m.int(14, i32::try_from(options.seed_size).unwrap_or(i32::MAX));
    m.float(15, options.shrinking_factor);
    let threads = (options.num_threads)
        .and_then(|n| i32::try_from(n).ok())
        .unwrap_or(DEFAULT_NUM_THREADS);
    m.int(16, threads);
    m.int(
        17,
        i32::try_from(options.num_sub_iterations).unwrap_or(i32::MAX),
    );
    m.int(18, MAX_SENTENCE_LENGTH);
    m.bool(19, options.shuffle_input_sentence);
    m.int(
        20,
        i32::try_from(options.max_piece_length).unwrap_or(i32::MAX),
    );
    m.bool(21, options.split_by_unicode_script);
    m.bool(22, options.split_by_whitespace);
    m.bool(23, options.split_by_number);
    m.bool(24, options.treat_whitespace_as_suffix);
    m.bool(25, options.split_digits);
    m.bool(26, options.allow_whitespace_only_pieces);
    for symbol in &options.control_symbols {
        m.bytes(30, symbol.as_bytes());
    }
    for symbol in &options.user_defined_symbols {
        m.bytes(31, symbol.as_bytes());
    }
    m.bool(32, true); // vocabulary_output_piece_score
    m.bool(33, true); // hard_vocab_limit
    m.bool(34, false); // use_all_vocab
    m.bool(35, options.byte_fallback);
    m.bytes(36, b""); // required_chars
    m.int(40, options.unk_id);
    m.int(41, options.bos_id);
    m.int(42, options.eos_id);
    m.int(43, options.pad_id);
    m.bytes(44, options.unk_surface.as_bytes());
    m.bytes(45, options.unk_piece.as_bytes());
    m.bytes(46, options.bos_piece.as_bytes());
    m.bytes(47, options.eos_piece.as_bytes());
    m.bytes(48, options.pad_piece.as_bytes());
    m.bool(49, false); // train_extremely_large_corpus
    m.bool(50, false); // enable_differential_privacy
    m.float(51, 0.0); // differential_privacy_noise_level
    m.uint(52, 0); // differential_privacy_clipping_threshold
    m.bytes(53, b""); // pretokenization_delimiter
    m.bytes(54, b""); // seed_sentencepieces_file
    m
}

/// The `NormalizerSpec` spm_train writes: the rule's name and charsmap, the
/// two whitespace flags and an empty `normalization_rule_tsv`.
fn normalizer_message(options: &SpmOptions) -> Result<Message> {
    let mut m = Message::default();
    m.bytes(1, options.normalization.as_bytes());
    m.bytes(2, builtin_charsmap(&options.normalization)?);
    m.bool(3, options.add_dummy_prefix);
    m.bool(4, options.remove_extra_whitespaces);
    m.bytes(6, b"");
    Ok(m)
}

/// The serialized `ModelProto` of `pieces` (in id order) trained with
/// `options`, as spm_train writes it to `<prefix>.model`.
pub fn model_bytes(pieces: &[SpmPiece], options: &SpmOptions) -> Result<Vec<u8>> {
    let mut model = Message::default();
    for piece in pieces {
        model.message(1, piece_message(piece));
    }
    model.message(2, trainer_message(pieces.len(), options));
    model.message(3, normalizer_message(options)?);
    Ok(model.0)
}

/// `score` as C++ `std::ostream << float` prints it (`%g`, six significant
/// digits): `0`, `-0`, `-3.45678`, `-1e+09`, `1.5e-05`, `inf`, `nan`.
pub fn c_float_text(score: f32) -> String {
    let value = f64::from(score);
    let sign = if value.is_sign_negative() { "-" } else { "" };
    if value.is_nan() {
        return format!("{sign}nan");
    }
    if value.is_infinite() {
        return format!("{sign}inf");
    }
    if value == 0.0 {
        return format!("{sign}0");
    }
    // Whole numbers of up to six digits print as integers: BPE's scores
    // (minus the rank) take this way, without the two float formattings
    // below (which were a third of writing a BPE model).
    if value.fract() == 0.0 && value.abs() < 1e6 {
        return format!("{sign}{}", value.abs() as u64);
    }
    // The exponent after rounding to six digits decides the style, as %g's
    // rule says; Rust's formatting rounds exact ties to even, as glibc does.
    let scientific = format!("{:.5e}", value.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..6).contains(&exponent) {
        let mantissa = trim_zeros(mantissa);
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.unsigned_abs())
    } else {
        let decimals = (5 - exponent) as usize;
        let fixed = format!("{:.*}", decimals, value.abs());
        format!("{sign}{}", trim_zeros(&fixed))
    }
}

/// Drops a fraction's trailing zeros, and the point if nothing is left.
fn trim_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// The `.vocab` listing spm_train writes beside the model: one `piece TAB
/// score` line per piece, in id order.
pub fn vocab_text(pieces: &[SpmPiece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        out.push_str(&piece.piece);
        out.push('\t');
        out.push_str(&c_float_text(piece.score));
        out.push('\n');
    }
    out
}

/// Stages `<prefix>.model` and `<prefix>.vocab` in `files`, as spm_train's
/// `--model_prefix` names them.
pub fn write_model_files(
    files: &mut Staged,
    prefix: &Path,
    pieces: &[SpmPiece],
    options: &SpmOptions,
) -> Result<()> {
    let with_suffix = |suffix: &str| {
        let mut name = prefix.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    files.write(&with_suffix(".model"), &model_bytes(pieces, options)?)?;
    files.write(&with_suffix(".vocab"), vocab_text(pieces).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::spm_model::SpmModelProto;

    fn pieces() -> Vec<SpmPiece> {
        let piece = |p: &str, score, kind| SpmPiece {
            piece: p.into(),
            score,
            kind,
        };
        vec![
            piece("<unk>", 0.0, PieceType::Unknown),
            piece("<s>", 0.0, PieceType::Control),
            piece("</s>", 0.0, PieceType::Control),
            piece("▁t", -0.0, PieceType::Normal),
            piece("he", -1.0, PieceType::Normal),
        ]
    }

    #[test]
    fn pieces_carry_a_type_only_when_not_normal() {
        let bytes = model_bytes(&pieces(), &SpmOptions::default()).unwrap();
        // pieces[0]: piece "<unk>", score 0.0, type UNKNOWN.
        let unk = [
            0x0a, 0x0e, 0x0a, 0x05, b'<', b'u', b'n', b'k', b'>', 0x15, 0, 0, 0, 0, 0x18, 2,
        ];
        assert_eq!(bytes[..unk.len()], unk);
        // pieces[3]: "▁t" with score -0.0 and no type field.
        let t = [
            0x0a, 0x0b, 0x0a, 0x04, 0xe2, 0x96, 0x81, b't', 0x15, 0, 0, 0, 0x80,
        ];
        let at = bytes.windows(t.len()).position(|w| w == t);
        assert!(at.is_some());
    }

    #[test]
    fn the_written_model_reads_back() {
        let options = SpmOptions {
            model_type: ModelType::Bpe,
            byte_fallback: true,
            pad_id: -1,
            treat_whitespace_as_suffix: true,
            add_dummy_prefix: false,
            unk_surface: "?".into(),
            ..SpmOptions::default()
        };
        let bytes = model_bytes(&pieces(), &options).unwrap();
        let proto = SpmModelProto::from_bytes(&bytes, Path::new("m")).unwrap();
        assert_eq!(proto.pieces, pieces());
        assert_eq!(proto.trainer.model_type, ModelType::Bpe);
        assert!(proto.trainer.byte_fallback && proto.trainer.treat_whitespace_as_suffix);
        assert_eq!(proto.trainer.unk_surface, "?");
        assert_eq!(proto.normalizer.name, "nmt_nfkc");
        assert_eq!(
            proto.normalizer.precompiled_charsmap,
            builtin_charsmap("nmt_nfkc").unwrap()
        );
        assert!(!proto.normalizer.add_dummy_prefix);
        assert!(proto.normalizer.remove_extra_whitespaces);
        // pad_id -1 is a ten-byte varint.
        let pad = [
            0xd8, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
        ];
        assert!(bytes.windows(pad.len()).any(|w| w == pad));
    }

    #[test]
    fn scores_print_as_cpp_streams_print_floats() {
        let cases: [(f32, &str); 17] = [
            (0.0, "0"),
            (-0.0, "-0"),
            (-1.0, "-1"),
            (-296.0, "-296"),
            (-3.456_789, "-3.45679"),
            (-12.5, "-12.5"),
            (-123_456.0, "-123456"),
            (999_999.0, "999999"),
            (1_000_000.0, "1e+06"),
            (-1_234_567.0, "-1.23457e+06"),
            // An exact tie rounds to even, as glibc's printf does.
            (1_234_565.0, "1.23456e+06"),
            (-1e9, "-1e+09"),
            (0.0001, "0.0001"),
            (0.000_015, "1.5e-05"),
            (1e-40, "9.99995e-41"),
            (f32::NEG_INFINITY, "-inf"),
            (-10.999_999, "-11"),
        ];
        for (score, text) in cases {
            assert_eq!(c_float_text(score), text, "{score:e}");
        }
    }

    #[test]
    fn vocab_lists_piece_tab_score() {
        assert_eq!(
            vocab_text(&pieces()),
            "<unk>\t0\n<s>\t0\n</s>\t0\n▁t\t-0\nhe\t-1\n"
        );
    }
}
