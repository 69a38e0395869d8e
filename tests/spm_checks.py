"""Checks shared by the sentencepiece parity tests (Unigram/BPE models and
CHAR/WORD models)."""

from __future__ import annotations

import pytest
import sentencepiece as spm
from conftest import shared_path

import tokkit

# The shared sentencepiece models, by name.
MODELS = {
    "unigram-test": ("vocab", "spm-unigram-sentencepiece-test", "test_model.model"),
    "unigram-ja": ("vocab", "spm-unigram-sentencepiece-test", "test_ja_model.model"),
    "bpe-llama2": ("vocab", "llama2-spm-bpe", "tokenizer.model"),
    "unigram-rut5": ("vocab", "rut5-large-spm-unigram", "spiece.model"),
}

_pairs: dict[str, tuple[tokkit.SentencePieceProcessor, spm.SentencePieceProcessor]] = {}


def pair(name: str) -> tuple[tokkit.SentencePieceProcessor, spm.SentencePieceProcessor]:
    """(tokkit, sentencepiece) processors for a shared model, loaded once."""
    if name not in _pairs:
        path = str(shared_path(*MODELS[name]))
        _pairs[name] = (
            tokkit.SentencePieceProcessor(model_file=path),
            spm.SentencePieceProcessor(model_file=path),
        )
    return _pairs[name]


# The encode options the parity tests run every sample with.
OPTIONS = [
    {},
    {"add_bos": True},
    {"add_eos": True, "reverse": True},
    {"emit_unk_piece": True},
    {"add_bos": True, "add_eos": True, "reverse": True, "emit_unk_piece": True},
]


def comparable(out):
    """``out`` with NumPy arrays as (dtype, values), so results compare with ==."""
    if hasattr(out, "dtype"):
        return str(out.dtype), out.tolist()
    if isinstance(out, list):
        return [comparable(x) for x in out]
    return out


def assert_encode_options_match(ours, ref, samples: list[str], options: dict) -> None:
    """``encode`` with ``options`` gives sentencepiece's ids, pieces, pieces as
    bytes and ids as NumPy arrays, for the batch and for each text, or fails
    with a ValueError where it does."""
    for out_type in (int, str, bytes, "numpy"):
        try:
            expected = comparable(ref.encode(samples, out_type=out_type, **options))
        except ValueError:
            with pytest.raises(ValueError):
                ours.encode(samples, out_type=out_type, **options)
            continue
        assert comparable(ours.encode(samples, out_type=out_type, **options)) == expected
        for text, want in zip(samples, expected, strict=True):
            assert comparable(ours.encode(text, out_type=out_type, **options)) == want
