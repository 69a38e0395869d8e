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

import functools
import json
import os
import pickle
import threading
from typing import Any

try:
    import tokenizers
    import transformers
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError(
        "tokkit.transformers needs the `transformers` package: pip install transformers"
    ) from error

from transformers.tokenization_utils_base import PaddingStrategy, TruncationStrategy

from . import _tokkit
from .errors import TokkitError, TokkitFileNotFoundError

# transformers 5 encodes every call in one `_encode_plus`, which the fast path
# follows; older versions keep their own code over the tokkit backend.
_TRANSFORMERS_5 = int(transformers.__version__.split(".")[0]) >= 5

__all__ = ["Backend", "accelerate", "from_pretrained"]

# Settings transformers changes on the HF object; any change rebuilds tokkit's.
_REBUILDING_ATTRIBUTES = frozenset(
    {"post_processor", "normalizer", "pre_tokenizer", "decoder", "model"}
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
        # the pickled form, kept until the configuration changes
        object.__setattr__(self, "_state", None)
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
                # not part of the JSON: HF keeps it beside
                if built:
                    built.encode_special_tokens = self.hf.encode_special_tokens
                object.__setattr__(self, "_tokkit", built)
            tk = self._tokkit
        return tk if tk is not False else None

    def _stale(self) -> None:
        object.__setattr__(self, "_tokkit", None)
        object.__setattr__(self, "_state", None)

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
        elif name == "encode_special_tokens" and self._tokkit:
            # a setting of both objects, kept beside the JSON (see _fast)
            self._tokkit.encode_special_tokens = value

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

    # -- copies and pickles carry the HF tokenizer's JSON only -----------

    def __getstate__(self) -> dict[str, Any]:
        """The HF tokenizer's JSON without the padding and truncation that
        transformers sets anew for every call: the pickle, and so the
        ``datasets`` fingerprint of a map over this tokenizer, stays the same
        whatever the last call asked for (HF's own changes: datasets #5985)."""
        state = self._state
        if state is None:
            document = json.loads(self.hf.to_str())
            document["padding"] = None
            document["truncation"] = None
            state = json.dumps(document, ensure_ascii=False)
            object.__setattr__(self, "_state", state)
        return {"tokenizer.json": state}

    def __setstate__(self, state: dict[str, Any]) -> None:
        Backend.__init__(self, tokenizers.Tokenizer.from_str(state["tokenizer.json"]))

    def __deepcopy__(self, memo: dict[int, Any]) -> Backend:
        return Backend(tokenizers.Tokenizer.from_str(self.hf.to_str()))

    def __repr__(self) -> str:
        return f"tokkit.transformers.Backend({self.hf!r})"


# The arguments of transformers 5's `_encode_plus` the fast path below
# answers itself; any other (offsets, overflow, masks, split words, chat
# sanitising) goes to transformers' own code.
_FAST_FLAGS_OFF = (
    "is_split_into_words",
    "return_overflowing_tokens",
    "return_special_tokens_mask",
    "return_offsets_mapping",
    "sanitize_control_tokens",
)


def _fast_encode_plus(tokenizer: Any, text: Any, text_pair: Any = None, **kwargs: Any) -> Any:
    """transformers 5's ``TokenizersBackend._encode_plus`` for plain texts
    and pairs, with the columns of every encoding taken from flat arrays
    (``encode_batch_columns``) instead of a Python list per encoding and
    column; the same BatchEncoding, keys, order and encodings."""
    original = type(tokenizer)._encode_plus
    backend = tokenizer._tokenizer
    split_special_tokens = kwargs.get("split_special_tokens")
    if split_special_tokens is None:
        split_special_tokens = tokenizer.split_special_tokens
    if backend.encode_special_tokens != split_special_tokens:
        backend.encode_special_tokens = split_special_tokens
    fast = backend._fast() if isinstance(backend, Backend) else None
    is_batched = isinstance(text, (list, tuple))
    texts = text if is_batched else [text]
    pairs = text_pair if is_batched else [text_pair] if text_pair else None
    plain = (
        len(texts) > 0
        and not any(kwargs.get(flag) for flag in _FAST_FLAGS_OFF)
        and all(isinstance(t, str) for t in texts)
        and (pairs is None or (is_batched and isinstance(pairs, (list, tuple))))
        and (pairs is None or (len(pairs) == len(texts) and all(isinstance(p, str) for p in pairs)))
    )
    if fast is None or not plain:
        return original(tokenizer, text, text_pair, **kwargs)
    if not is_batched and isinstance(text_pair, str) and text_pair:
        pairs = [text_pair]
    max_length = kwargs.get("max_length")
    tokenizer.set_truncation_and_padding(
        padding_strategy=kwargs.get("padding_strategy", PaddingStrategy.DO_NOT_PAD),
        truncation_strategy=kwargs.get("truncation_strategy", TruncationStrategy.DO_NOT_TRUNCATE),
        max_length=max_length,
        stride=kwargs.get("stride", 0),
        pad_to_multiple_of=kwargs.get("pad_to_multiple_of"),
        padding_side=kwargs.get("padding_side"),
    )
    inputs = list(zip(texts, pairs, strict=True)) if pairs is not None else list(texts)
    encodings, columns = fast.encode_batch_columns(
        inputs, add_special_tokens=kwargs.get("add_special_tokens", True)
    )
    names = tokenizer.model_input_names
    return_type_ids = kwargs.get("return_token_type_ids")
    return_attention = kwargs.get("return_attention_mask")
    if return_type_ids is None:
        return_type_ids = "token_type_ids" in names
    if return_attention is None:
        return_attention = "attention_mask" in names
    # lists that datasets' Arrow writer takes whole (tokkit.arrays.Rows)
    data: dict[str, Any] = {"input_ids": columns._rows()}
    if return_type_ids:
        data["token_type_ids"] = columns._rows("type_ids")
    if return_attention:
        data["attention_mask"] = columns._rows("attention_mask")
    lengths = columns.lengths.tolist()
    if kwargs.get("return_length"):
        data["length"] = lengths
    if lengths:
        # transformers warns once about the first sequence that is too long
        longest = max(range(len(lengths)), key=lengths.__getitem__)
        verbose = kwargs.get("verbose", True)
        tokenizer._eventual_warn_about_too_long_sequence(
            data["input_ids"][longest], max_length, verbose
        )
    return_tensors = kwargs.get("return_tensors")
    # tokkit's Encoding answers every method BatchEncoding calls on HF's
    output = transformers.BatchEncoding(data, encodings, tensor_type=return_tensors)  # type: ignore[arg-type]
    if not is_batched and return_tensors is None:
        single = {key: value[0] for key, value in output.items()}
        output = transformers.BatchEncoding(single, output.encodings)
    return output


# What transformers 5 keeps of the vocabulary and merges it built the backend
# from. datasets fingerprints a tokenizer on every `map` by pickling its
# attributes with dill, whose pickler runs Python code per object: 0.4 s for
# GPT-2's 50,000 entries and merges. Each is swapped for an equal container
# that pickles as one blob (`_WholeDict`, `_WholeList`).
_INIT_CONTAINERS = ("_vocab", "_merges")


def _reduce_whole(self: Any) -> tuple[Any, ...]:
    """Pickles a container as one blob of the standard pickler's (made anew
    each time, so always current) that unpickles as the same class."""
    plain = dict(self) if isinstance(self, dict) else list(self)
    return _unpickled_whole, (type(self), pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL))


def _unpickled_whole(kind: type, blob: bytes) -> Any:
    return kind(pickle.loads(blob))


class _WholeDict(dict):  # type: ignore[type-arg]
    """A dict that pickles as one blob (see :func:`_reduce_whole`)."""

    __slots__ = ()
    __reduce__ = _reduce_whole


class _WholeList(list):  # type: ignore[type-arg]
    """A list that pickles as one blob (see :func:`_reduce_whole`)."""

    __slots__ = ()
    __reduce__ = _reduce_whole


# The container that stands for each plain one.
_WHOLE: dict[type, type] = {dict: _WholeDict, list: _WholeList}


def accelerate(
    tokenizer: transformers.PreTrainedTokenizerBase,
) -> transformers.PreTrainedTokenizerBase:
    """Switches one loaded transformers fast tokenizer to tokkit, in place,
    and returns it. Other instances and the classes are not touched: the
    backend is replaced on this instance, and on transformers 5 this
    instance's ``_encode_plus`` takes the columns from flat arrays."""
    inner = getattr(tokenizer, "_tokenizer", None)
    if isinstance(inner, Backend):
        return tokenizer
    if not isinstance(inner, tokenizers.Tokenizer):
        raise TypeError(
            f"{type(tokenizer).__name__} is not a transformers fast tokenizer "
            "(it has no tokenizers.Tokenizer backend to replace)"
        )
    tokenizer._tokenizer = Backend(inner)
    for name in _INIT_CONTAINERS:
        value = tokenizer.__dict__.get(name)
        whole = _WHOLE.get(type(value))
        if whole is not None:
            setattr(tokenizer, name, whole(value))
    if _TRANSFORMERS_5:
        # an instance attribute, so only this tokenizer takes the fast path;
        # a partial of a module function pickles and deep-copies
        tokenizer._encode_plus = functools.partial(_fast_encode_plus, tokenizer)  # type: ignore[method-assign]
    return tokenizer


def from_pretrained(
    folder: str | os.PathLike[str], **kwargs: Any
) -> transformers.PreTrainedTokenizerBase:
    """``transformers.AutoTokenizer.from_pretrained(folder, **kwargs)``,
    accelerated by tokkit. ``folder`` is a local tokenizer folder."""
    path = os.fspath(folder)
    if not os.path.isdir(path):
        raise TokkitFileNotFoundError(f"{path!r} is not a tokenizer folder")
    names = os.listdir(path)
    if not any(name in _VOCABULARY_FILES or name.endswith(".model") for name in names):
        raise TokkitFileNotFoundError(
            f"{path!r} has no tokenizer.json (nor vocab.txt, vocab.json and merges.txt, "
            "or a sentencepiece .model) to build a tokenizer from"
        )
    tokenizer = transformers.AutoTokenizer.from_pretrained(path, **kwargs)
    return accelerate(tokenizer)


# The files a transformers tokenizer is built from; without any of them
# AutoTokenizer fails with a message that names none.
_VOCABULARY_FILES = frozenset({"tokenizer.json", "vocab.txt", "vocab.json", "tekken.json"})
