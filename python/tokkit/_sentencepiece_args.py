"""How :class:`tokkit.SentencePieceProcessor` reads its arguments: as
sentencepiece's pybind11 binding reads them, with its exception types (a
TypeError for a value of the wrong type or past 32 bits)."""

from __future__ import annotations

import math
import operator
from typing import Any, TypeGuard

from tokkit.errors import InvalidArgumentError


def is_batch(value: Any) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    """Whether an input is a batch of them (a list or a tuple)."""
    return isinstance(value, list | tuple)


def int32(value: Any, what: str) -> int:
    """An int argument as sentencepiece's binding takes one: an ``int`` (or a
    NumPy integer) that fits in 32 bits; anything else is a TypeError there."""
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}") from None
    if not -(2**31) <= number < 2**31:
        raise TypeError(f"{what} {number} does not fit in a 32-bit int")
    return number


def piece_id(value: Any) -> int:
    """A piece id: a 32-bit int."""
    return int32(value, "piece id")


def flag(value: Any, what: str) -> bool:
    """A bool argument as sentencepiece's binding takes one: anything with a
    truth value of its own (bool, a number, None), not a str or a list."""
    if not hasattr(type(value), "__bool__"):
        raise TypeError(f"{what} must be a bool, not {type(value).__name__}")
    return bool(value)


def real(value: Any, what: str) -> float:
    """A float argument: an int or a float, as sentencepiece's binding takes."""
    if isinstance(value, str | bytes) or not hasattr(value, "__float__"):
        raise TypeError(f"{what} must be a number, not {type(value).__name__}")
    return float(value)


def sampling_args(sampling: Any, nbest_size: Any, alpha: Any, seed: Any) -> Any:
    """The (sampling, nbest_size, alpha, seed) the core takes, checked as
    sentencepiece checks them: sampling needs a finite ``alpha >= 0``."""
    nbest = int32(nbest_size, "nbest_size")
    theta = real(alpha, "alpha")
    if sampling and not (math.isfinite(theta) and theta >= 0):
        raise InvalidArgumentError(f"alpha must be a finite number >= 0 to sample, not {theta}")
    return (bool(sampling), nbest, theta, seed)


def as_text(value: Any) -> str:
    """A text argument: a str, or UTF-8 bytes."""
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if not isinstance(value, str):
        raise TypeError(f"input must be str or bytes, not {type(value).__name__}")
    return value
