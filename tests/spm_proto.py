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


def split(data: bytes) -> list[tuple[int, int, bytes]]:
    """The fields of a message as ``(number, wire type, payload)``, for
    :func:`field` to join back (a length-delimited payload without its length)."""

    def read_varint(at: int) -> tuple[int, int]:
        n, shift = 0, 0
        while True:
            byte = data[at]
            n |= (byte & 0x7F) << shift
            at, shift = at + 1, shift + 7
            if byte < 0x80:
                return n, at

    fields, at = [], 0
    while at < len(data):
        key, at = read_varint(at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, end = read_varint(at)
            payload, at = data[at:end], end
        elif wire == 2:
            size, at = read_varint(at)
            payload, at = data[at : at + size], at + size
        else:
            size = {1: 8, 5: 4}[wire]
            payload, at = data[at : at + size], at + size
        fields.append((number, wire, payload))
    return fields


def charsmap(blob: bytes) -> bytes:
    """A ``normalizer_spec`` whose ``precompiled_charsmap`` is ``blob`` (the
    last value of a bytes field wins when messages merge)."""
    return field(3, 2, field(2, 2, blob))
