"""Checks shared by the sentencepiece parity tests (Unigram/BPE models and
CHAR/WORD models)."""

from __future__ import annotations

import pytest

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
