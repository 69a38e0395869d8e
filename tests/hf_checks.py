"""Checks shared by the HF ``tokenizers`` parity tests."""

from __future__ import annotations

import pytest

# Every per-token field of an Encoding.
FIELDS = [
    "ids",
    "tokens",
    "offsets",
    "type_ids",
    "attention_mask",
    "special_tokens_mask",
    "word_ids",
    "sequence_ids",
]


def assert_same_encoding(ours, ref, context) -> None:
    """Every field equals HF's, in the encoding and each overflowing window."""
    for field in FIELDS:
        assert getattr(ours, field) == getattr(ref, field), (field, context)
    assert len(ours.overflowing) == len(ref.overflowing), context
    for o, r in zip(ours.overflowing, ref.overflowing, strict=True):
        assert_same_encoding(o, r, context)


def assert_batch_like_hf(ours, ref, batch: list, **kwargs) -> None:
    """``encode_batch`` gives HF's encodings for ``batch`` (on two threads),
    or a TypeError where HF raises one."""
    try:
        expected = ref.encode_batch(batch, **kwargs)
    except TypeError:
        with pytest.raises(TypeError):
            ours.encode_batch(batch, **kwargs)
        return
    got = ours.encode_batch(batch, num_threads=2, **kwargs)
    for a, b in zip(got, expected, strict=True):
        assert_same_encoding(a, b, batch)
