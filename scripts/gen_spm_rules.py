"""Regenerates rust_src/normalize/rules/*.bin: the precompiled charsmaps that
sentencepiece's trainer embeds for its built-in normalization rules.

sentencepiece compiles them into the library (``normalization_rule.h``); the
simplest faithful copy is the blob a model trained with each rule carries.
Needs the sentencepiece package (a test extra): ``python scripts/gen_spm_rules.py``.
"""

from __future__ import annotations

import io
from pathlib import Path

import sentencepiece as spm

RULES = ("nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf")
OUT = Path(__file__).resolve().parents[1] / "rust_src" / "normalize" / "rules"


def varint(data: bytes, pos: int) -> tuple[int, int]:
    """A protobuf varint at ``pos``: (value, position after it)."""
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def fields(data: bytes) -> dict[int, bytes]:
    """The last length-delimited field of each number in a message (the
    others are skipped by wire type)."""
    out: dict[int, bytes] = {}
    pos = 0
    while pos < len(data):
        key, pos = varint(data, pos)
        wire = key & 7
        if wire == 0:
            _, pos = varint(data, pos)
        elif wire == 2:
            size, pos = varint(data, pos)
            out[key >> 3] = data[pos : pos + size]
            pos += size
        else:
            pos += 4 if wire == 5 else 8
    return out


def charsmap(rule: str) -> bytes:
    """The ``normalizer_spec.precompiled_charsmap`` of a tiny model trained
    with ``rule``."""
    model = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(["a tiny corpus", "for one rule"] * 10),
        model_writer=model,
        model_type="char",
        vocab_size=30,
        hard_vocab_limit=False,
        normalization_rule_name=rule,
        minloglevel=2,
    )
    normalizer = fields(model.getvalue())[3]
    return fields(normalizer)[2]


def main() -> None:
    for rule in RULES:
        blob = charsmap(rule)
        (OUT / f"{rule}.bin").write_bytes(blob)
        print(f"{rule}: {len(blob)} bytes")


if __name__ == "__main__":
    main()
