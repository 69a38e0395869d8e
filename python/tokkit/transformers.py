"""transformers on tokkit: ``from_pretrained(folder)`` and ``accelerate(tok)``.

A transformers fast tokenizer keeps an HF ``tokenizers.Tokenizer`` in
``tok._tokenizer`` and calls it for every encode and decode. ``accelerate``
swaps that object, on one instance only, for a :class:`Backend` that answers
the encode and decode calls with a ``tokkit.Tokenizer`` built from the same
``tokenizer.json``. Everything else (the components transformers reads or
replaces, ``save``, the vocabulary look-ups) stays with the HF object, which
also remains the one source of the configuration: when transformers changes
it (added tokens, a new post-processor, ``encode_special_tokens``), the tokkit
tokenizer is rebuilt from HF's ``to_str()`` before the next call, so both
always describe the same tokenizer. Padding and truncation, which
transformers sets before every call, are mirrored without a rebuild.

``transformers`` is optional; importing this module without it raises an
ImportError that says so.
"""

from __future__ import annotations

import os
import threading
from typing import Any

try:
    import tokenizers
    import transformers
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "tokkit.transformers needs the `transformers` package: pip install transformers"
    ) from error

from . import _tokkit
from .errors import TokkitError

__all__ = ["Backend", "accelerate", "from_pretrained"]

# Settings transformers changes on the HF object; any change rebuilds tokkit's.
_REBUILDING_ATTRIBUTES = frozenset(
    {"post_processor", "normalizer", "pre_tokenizer", "decoder", "model", "encode_special_tokens"}
)
# Mutating calls forwarded to HF, after which tokkit's copy is rebuilt.
_REBUILDING_CALLS = frozenset({"add_tokens", "add_special_tokens", "train", "train_from_iterator"})
# Calls both objects take with the same arguments, so no rebuild is needed.
_MIRRORED_CALLS = frozenset({"enable_truncation", "no_truncation", "enable_padding", "no_padding"})


class Backend:
    """Stands in for the ``tokenizers.Tokenizer`` inside a transformers
    tokenizer: encode and decode run on tokkit, the rest on the HF object
    (``Backend.hf``). When tokkit cannot read the HF tokenizer's current
    ``to_str()`` (a component it does not know), every call stays with HF."""

    def __init__(self, hf: tokenizers.Tokenizer) -> None:
        object.__setattr__(self, "hf", hf)
        object.__setattr__(self, "_tokkit", None)
        object.__setattr__(self, "_lock", threading.Lock())

    # -- the tokkit side -------------------------------------------------

    def _fast(self) -> _tokkit.Tokenizer | None:
        """The tokkit tokenizer for the HF object's configuration, or None
        when tokkit cannot read it."""
        tk = self._tokkit
        if tk is not None:
            return tk if tk is not False else None
        with self._lock:
            if self._tokkit is None:
                try:
                    built: Any = _tokkit.Tokenizer.from_str(self.hf.to_str())
                except TokkitError:
                    built = False
                object.__setattr__(self, "_tokkit", built)
            tk = self._tokkit
        return tk if tk is not False else None

    def _stale(self) -> None:
        object.__setattr__(self, "_tokkit", None)

    def encode(self, sequence, pair=None, is_pretokenized=False, add_special_tokens=True):
        tk = self._fast()
        target = tk if tk is not None else self.hf
        return target.encode(sequence, pair, is_pretokenized, add_special_tokens)

    def encode_batch(self, input, is_pretokenized=False, add_special_tokens=True):
        tk = self._fast()
        if tk is None:
            return self.hf.encode_batch(input, is_pretokenized, add_special_tokens)
        return tk.encode_batch(
            input, is_pretokenized=is_pretokenized, add_special_tokens=add_special_tokens
        )

    def decode(self, ids, skip_special_tokens=True):
        tk = self._fast()
        target = tk if tk is not None else self.hf
        return target.decode(ids, skip_special_tokens=skip_special_tokens)

    def decode_batch(self, sequences, skip_special_tokens=True):
        tk = self._fast()
        target = tk if tk is not None else self.hf
        return target.decode_batch(sequences, skip_special_tokens=skip_special_tokens)

    # -- everything else: the HF object ----------------------------------

    def __getattr__(self, name: str) -> Any:
        value = getattr(self.hf, name)
        if name in _REBUILDING_CALLS:
            return self._rebuilding(value)
        if name in _MIRRORED_CALLS:
            return self._mirrored(name, value)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.hf, name, value)
        if name in _REBUILDING_ATTRIBUTES:
            self._stale()

    def _rebuilding(self, call):
        def rebuilding(*args, **kwargs):
            try:
                return call(*args, **kwargs)
            finally:
                self._stale()

        return rebuilding

    def _mirrored(self, name: str, call):
        def mirrored(*args, **kwargs):
            result = call(*args, **kwargs)
            tk = self._tokkit
            if tk:
                try:
                    getattr(tk, name)(*args, **kwargs)
                except (TokkitError, TypeError, ValueError):
                    # HF took it and tokkit did not: rebuild from HF's state
                    self._stale()
            return result

        return mirrored

    # -- copies and pickles carry the HF object only ---------------------

    def __getstate__(self) -> dict[str, Any]:
        return {"hf": self.hf}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["hf"])

    def __deepcopy__(self, memo: dict[int, Any]) -> Backend:
        return Backend(tokenizers.Tokenizer.from_str(self.hf.to_str()))

    def __repr__(self) -> str:
        return f"tokkit.transformers.Backend({self.hf!r})"


def accelerate(
    tokenizer: transformers.PreTrainedTokenizerBase,
) -> transformers.PreTrainedTokenizerBase:
    """Switches one loaded transformers fast tokenizer to tokkit, in place,
    and returns it. Other instances and the classes are not touched."""
    inner = getattr(tokenizer, "_tokenizer", None)
    if isinstance(inner, Backend):
        return tokenizer
    if not isinstance(inner, tokenizers.Tokenizer):
        raise TypeError(
            f"{type(tokenizer).__name__} is not a transformers fast tokenizer "
            "(it has no tokenizers.Tokenizer backend to replace)"
        )
    tokenizer._tokenizer = Backend(inner)
    return tokenizer


def from_pretrained(
    folder: str | os.PathLike[str], **kwargs: Any
) -> transformers.PreTrainedTokenizerBase:
    """``transformers.AutoTokenizer.from_pretrained(folder, **kwargs)``,
    accelerated by tokkit. ``folder`` is a local tokenizer folder."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{os.fspath(folder)!r} is not a tokenizer folder")
    tokenizer = transformers.AutoTokenizer.from_pretrained(os.fspath(folder), **kwargs)
    return accelerate(tokenizer)
