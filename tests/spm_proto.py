"""Builds sentencepiece ``.model`` variants for tests by appending protobuf
fields to a real model: repeated fields append, message fields merge, so an
extra piece or a changed option needs no protobuf package."""

from __future__ import annotations

import struct


def varint(n: int) -> bytes:
    """Protobuf base-128 varint (n >= 0)."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, wire: int, payload: bytes) -> bytes:
    """One field: key, then the payload (length-prefixed for wire type 2)."""
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def piece(text: str, kind: int, score: float = 0.0) -> bytes:
    """A ``pieces`` entry (kind: 1 normal, 2 unknown, 3 control, 4 user-defined,
    5 unused, 6 byte)."""
    body = (
        field(1, 2, text.encode("utf-8"))
        + field(2, 5, struct.pack("<f", score))
        + field(3, 0, varint(kind))
    )
    return field(1, 2, body)


TRAINER_FIELDS = {"model_type": 3, "treat_whitespace_as_suffix": 24, "byte_fallback": 35}
NORMALIZER_FIELDS = {"add_dummy_prefix": 3, "remove_extra_whitespaces": 4, "escape_whitespaces": 5}


def trainer(**options: int) -> bytes:
    """A ``trainer_spec`` holding the given integer/bool options."""
    body = b"".join(field(TRAINER_FIELDS[k], 0, varint(int(v))) for k, v in options.items())
    return field(2, 2, body)


def normalizer(**options: int) -> bytes:
    """A ``normalizer_spec`` holding the given bool options."""
    body = b"".join(field(NORMALIZER_FIELDS[k], 0, varint(int(v))) for k, v in options.items())
    return field(3, 2, body)
