"""Bad sentencepiece models: truncated, corrupt or unsupported files give a
tokkit error that names the problem; nothing crashes or panics."""

from __future__ import annotations

import random

import pytest
import sentencepiece as spm
from conftest import shared_path
from spm_proto import piece, trainer

import tokkit
from tokkit import TokkitError, UnsupportedError, VocabFormatError

MODEL = ("vocab", "spm-unigram-sentencepiece-test", "test_model.model")


def raw() -> bytes:
    return shared_path(*MODEL).read_bytes()


def test_truncated_files_raise_vocab_format_error() -> None:
    data = raw()
    failures = 0
    for cut in [1, 2, 3, 5, 8, 13, *range(100, len(data), len(data) // 97)]:
        try:
            tokkit.SentencePieceProcessor(model_proto=data[:cut])
        except VocabFormatError as e:
            failures += 1
            assert "<serialized model>" in str(e)
    # A cut can land on a field boundary and leave a smaller valid model; most
    # land inside a field.
    assert failures > 50


def test_truncation_message_names_the_problem(tmp_path) -> None:
    data = raw()
    path = tmp_path / "cut.model"
    path.write_bytes(data[: len(data) // 2 + 1])
    with pytest.raises(VocabFormatError) as err:
        tokkit.SentencePieceProcessor(model_file=path)
    message = str(err.value)
    assert str(path) in message
    assert "truncated" in message or "past the end" in message


def test_random_corruption_never_crashes() -> None:
    data = raw()
    rng = random.Random(1234)
    for _ in range(300):
        broken = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            broken[rng.randrange(len(broken))] = rng.randrange(256)
        try:
            sp = tokkit.SentencePieceProcessor(model_proto=bytes(broken))
        except TokkitError:
            continue
        sp.encode("still usable after corruption: \uff48\uff45\uff4c\uff4c\uff4f \u2603")
        sp.decode(list(range(min(50, sp.vocab_size()))))


def test_garbage_and_empty_files(tmp_path) -> None:
    for content in (b"", b"not a model at all", bytes(range(256)) * 4):
        path = tmp_path / "bad.model"
        path.write_bytes(content)
        with pytest.raises(VocabFormatError):
            tokkit.SentencePieceProcessor(model_file=path)
    with pytest.raises(FileNotFoundError):
        tokkit.SentencePieceProcessor(model_file=tmp_path / "missing.model")


def test_invalid_vocabularies_match_sentencepiece_refusals() -> None:
    cases = {
        "defined twice": raw() + piece("▁the", 1),
        "byte_fallback": raw() + piece("<0x41>", 6),
    }
    for needle, proto in cases.items():
        with pytest.raises(RuntimeError):
            spm.SentencePieceProcessor(model_proto=proto)
        with pytest.raises(VocabFormatError, match=needle):
            tokkit.SentencePieceProcessor(model_proto=proto)


def test_word_and_char_model_types_load_and_refuse_nbest() -> None:
    """A Unigram vocabulary read as WORD (3) or CHAR (4): sentencepiece's
    pieces (its user-defined and unused pieces included); n-best refused.
    An unknown model_type value is a format error."""
    texts = ["Hello world", "  I have a pen ☃☃  ", "吾輩は猫である", "<s> <unk> </s>"]
    for model_type in (3, 4):
        proto = raw() + trainer(model_type=model_type)
        ours = tokkit.SentencePieceProcessor(model_proto=proto)
        ref = spm.SentencePieceProcessor(model_proto=proto)
        assert ours.encode(texts, out_type=str) == ref.encode(texts, out_type=str)
        assert ours.encode(texts) == ref.encode(texts)
        with pytest.raises(RuntimeError):
            ref.nbest_encode("text", nbest_size=3)
        with pytest.raises(UnsupportedError, match=r"WORD|CHAR"):
            ours.nbest_encode("text", nbest_size=3)
    with pytest.raises(VocabFormatError, match="model_type"):
        tokkit.SentencePieceProcessor(model_proto=raw() + trainer(model_type=9))


def test_unigram_only_operations_on_bpe() -> None:
    sp = tokkit.SentencePieceProcessor(
        model_file=shared_path("vocab", "llama2-spm-bpe", "tokenizer.model")
    )
    with pytest.raises(UnsupportedError, match="Unigram"):
        sp.nbest_encode("text", nbest_size=3)
    with pytest.raises(UnsupportedError):
        sp.calculate_entropy("text", alpha=0.1)


def test_unloaded_processor() -> None:
    sp = tokkit.SentencePieceProcessor()
    assert sp.vocab_size() == 0
    with pytest.raises(RuntimeError):
        sp.encode("text")
