"""A drop-in for ``sentencepiece.SentencePieceProcessor``, with the model parsed
and run in Rust (no ``protobuf`` and no ``sentencepiece`` install needed).

Outputs equal sentencepiece's: ids, pieces, n-best lists, decoding. Sampling
(subword regularisation for Unigram models, BPE-dropout for BPE models) draws
from the same distribution; pass ``seed=`` or call :func:`set_random_seed` to
make it reproducible.

>>> import tokkit
>>> sp = tokkit.SentencePieceProcessor()
>>> sp.vocab_size()
0
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from tokkit._sentencepiece_args import (
    as_text,
    flag,
    int32,
    is_batch,
    piece_id,
    real,
    sampling_args,
)
from tokkit._sentencepiece_vocab import PieceQueries
from tokkit._tokkit import _SentencePiece
from tokkit._tokkit import set_random_seed as _set_random_seed
from tokkit.arrays import BatchArrays
from tokkit.errors import InvalidArgumentError, UnsupportedError

__all__ = ["SentencePieceProcessor", "set_random_seed"]


def set_random_seed(seed: int) -> None:
    """Fixes the random stream of every later sampling call without ``seed=``.

    >>> set_random_seed(1)
    """
    _set_random_seed(int(seed))


_BEST = (False, -1, 0.1, None)


# What the calls can return: ids and pieces everywhere; bytes pieces and
# NumPy ids from encode and nbest_encode; offset mappings from encode.
_IDS_OR_PIECES: tuple[Any, ...] = (int, str)
_ARRAYS_TOO = (*_IDS_OR_PIECES, bytes, "numpy")


def _return_kind(kind: Any, kinds: tuple[Any, ...]) -> Any:
    """``kind`` if it is one of ``kinds``, else a ValueError naming them."""
    if kind not in kinds:
        names = ", ".join(k if isinstance(k, str) else k.__name__ for k in kinds)
        raise ValueError(f"unsupported return type {kind!r}: this call returns {names}")
    return kind


def _as_kind(out: list[Any], kind: Any) -> Any:
    """Ids or pieces of one text as ``kind`` asks: a NumPy ``int32`` array of
    the ids, UTF-8 bytes of the pieces, or as they are."""
    if kind == "numpy":
        import numpy

        return numpy.array(out, dtype=numpy.int32)
    if kind is bytes:
        return [piece.encode("utf-8") for piece in out]
    return out


class SentencePieceProcessor(PieceQueries):
    """Loads a sentencepiece ``.model`` and encodes/decodes like sentencepiece.

    The constructor arguments set the defaults of :meth:`encode`, as in
    sentencepiece.
    """

    def __init__(
        self,
        model_file: str | os.PathLike[str] | None = None,
        model_proto: bytes | None = None,
        out_type: type = int,
        add_bos: bool = False,
        add_eos: bool = False,
        reverse: bool = False,
        emit_unk_piece: bool = False,
        enable_sampling: bool = False,
        nbest_size: int = -1,
        alpha: float = 0.1,
        num_threads: int = -1,
    ) -> None:
        self._model: _SentencePiece | None = None
        self._out_type = _return_kind(out_type, _IDS_OR_PIECES)
        self._add_bos = add_bos
        self._add_eos = add_eos
        self._reverse = reverse
        self._emit_unk_piece = emit_unk_piece
        self._enable_sampling = enable_sampling
        self._nbest_size = nbest_size
        self._alpha = alpha
        self._num_threads = num_threads
        self._plain = out_type is int and not (
            add_bos or add_eos or reverse or emit_unk_piece or enable_sampling
        )
        if model_file is not None or model_proto is not None:
            self.load(model_file=model_file, model_proto=model_proto)

    # Loading ---------------------------------------------------------------

    def load(
        self,
        model_file: str | os.PathLike[str] | None = None,
        model_proto: bytes | None = None,
    ) -> bool:
        """Loads a model from a file or from serialized bytes."""
        if model_file is not None and model_proto is not None:
            raise ValueError("model_file and model_proto must be exclusive.")
        if model_proto is not None:
            return self.load_from_serialized_proto(model_proto)
        if model_file is None:
            raise ValueError("Either model_file or model_proto must be specified.")
        self._model = _SentencePiece.from_file(os.fspath(model_file))
        self._refresh()
        return True

    def load_from_serialized_proto(self, serialized: bytes) -> bool:
        """Loads a model from the bytes of a ``.model`` file."""
        if hasattr(serialized, "SerializeToString"):
            serialized = serialized.SerializeToString()
        self._model = _SentencePiece.from_bytes(bytes(serialized))
        self._refresh()
        return True

    def _refresh(self) -> None:
        unk, bos, eos, pad = self._m.special_ids()
        self._ids = {"unk": unk, "bos": bos, "eos": eos, "pad": pad}

    def serialized_model_proto(self) -> bytes:
        """The bytes of the loaded ``.model``."""
        return self._m.serialized()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_model"] = None
        state["_model_proto"] = self.serialized_model_proto() if self._model is not None else None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        proto = state.pop("_model_proto", None)
        self.__dict__.update(state)
        if proto is not None:
            self.load_from_serialized_proto(proto)

    # Encoding --------------------------------------------------------------

    def _check_bos_eos(self, add_bos: bool, add_eos: bool) -> None:
        """sentencepiece's ValueError when asked for a piece the model lacks."""
        if add_bos and self._ids["bos"] < 0:
            raise ValueError("BOS token is not defined as a control symbol in this model.")
        if add_eos and self._ids["eos"] < 0:
            raise ValueError("EOS token is not defined as a control symbol in this model.")

    def _bos_eos(self, add_bos: Any, add_eos: Any) -> tuple[bool, bool]:
        """The ``add_bos`` / ``add_eos`` of a call: the constructor's where
        one is None, checked as flags."""
        add_bos = flag(self._add_bos if add_bos is None else add_bos, "add_bos")
        add_eos = flag(self._add_eos if add_eos is None else add_eos, "add_eos")
        return add_bos, add_eos

    def _sampling(
        self, enable_sampling: Any, nbest_size: Any, alpha: Any, num_threads: Any, seed: Any
    ) -> tuple[Any, int]:
        """The core's sampling arguments and the thread count of an encode
        call: the constructor's where an argument is None, checked as
        sentencepiece checks them."""
        sampling = self._enable_sampling if enable_sampling is None else enable_sampling
        sampling = flag(sampling, "enable_sampling")
        nbest_size = self._nbest_size if nbest_size is None else nbest_size
        alpha = self._alpha if alpha is None else alpha
        num_threads = self._num_threads if num_threads is None else num_threads
        if sampling and (nbest_size is None or nbest_size in (0, 1) or alpha is None):
            raise ValueError(
                'When enable_sampling is True, We must specify "nbest_size > 1" or '
                '"nbest_size = -1", and "alpha".'
            )
        if not isinstance(num_threads, int):
            raise TypeError("num_threads must be int")
        return sampling_args(sampling, nbest_size, alpha, seed), num_threads

    def _rewrite(
        self, out: list[Any], is_ids: bool, add_bos: bool, add_eos: bool, reverse: bool, emit_unk
    ) -> list[Any]:
        self._check_bos_eos(add_bos, add_eos)
        if not is_ids and emit_unk:
            unk = self._ids["unk"]
            if unk < 0:
                raise ValueError("UNK token is not defined in this model.")
            unk_piece = self._m.id_to_piece(unk)
            out = [unk_piece if self._m.piece_to_id(p) == unk else p for p in out]
        if reverse:
            out = out[::-1]
        if add_bos:
            out.insert(0, self._ids["bos"] if is_ids else self._m.id_to_piece(self._ids["bos"]))
        if add_eos:
            out.append(self._ids["eos"] if is_ids else self._m.id_to_piece(self._ids["eos"]))
        return out

    def encode(
        self,
        input: str | Sequence[str],
        out_type: Any = None,
        add_bos: bool | None = None,
        add_eos: bool | None = None,
        reverse: bool | None = None,
        emit_unk_piece: bool | None = None,
        enable_sampling: bool | None = None,
        nbest_size: int | None = None,
        alpha: float | None = None,
        num_threads: int | None = None,
        seed: int | None = None,
        return_type: Any = None,
        return_bytes: bool | None = None,
    ) -> Any:
        """Encodes a string (or a list of strings) to ids (``out_type=int``,
        or ``"numpy"`` for ``int32`` arrays) or pieces (``out_type=str``, or
        ``bytes``), or (``"offset_mapping"``, as sentencepiece 0.2.3) to
        ``{"ids", "pieces", "offsets"}`` where each offset is a piece's
        (start, end) in the input, in characters, or in bytes with
        ``return_bytes`` (then the pieces are bytes too; the default follows
        the input). ``return_type`` is 0.2.3's name for ``out_type``. With
        ``enable_sampling``, Unigram models sample (``nbest_size=-1``: the
        whole lattice; ``k > 1``: among the k best) with inverse temperature
        ``alpha``; BPE models apply BPE-dropout
        with probability ``alpha``; CHAR and WORD models cannot be sampled
        (``UnsupportedError``, a ``RuntimeError`` as sentencepiece raises).
        """
        if (
            self._plain
            and type(input) is str
            and out_type in (None, int)
            and add_bos is add_eos is reverse is emit_unk_piece is enable_sampling is None
            and return_type is return_bytes is None
        ):
            # The common call, kept short: it costs ~10% of encoding a 1 KB text.
            return self._m.encode_ids(input, _BEST)
        if return_type is not None:
            if out_type is not None:
                raise ValueError("Cannot specify both out_type and return_type.")
            out_type = return_type
        if return_bytes is not None and out_type != "offset_mapping":
            raise ValueError("return_bytes is only supported when return_type='offset_mapping'")
        kind = self._out_type if out_type is None else out_type
        kind = _return_kind(kind, (*_ARRAYS_TOO, "offset_mapping"))
        add_bos, add_eos = self._bos_eos(add_bos, add_eos)
        reverse = flag(self._reverse if reverse is None else reverse, "reverse")
        emit_unk = self._emit_unk_piece if emit_unk_piece is None else emit_unk_piece
        args, num_threads = self._sampling(enable_sampling, nbest_size, alpha, num_threads, seed)
        is_ids = kind is int or kind == "numpy"
        if kind == "offset_mapping":
            if add_bos or add_eos or reverse or emit_unk:
                raise UnsupportedError(
                    "add_bos, add_eos, reverse and emit_unk_piece are not supported with "
                    "return_type='offset_mapping' (nor in sentencepiece)"
                )
            return self._offset_mapping(input, args, return_bytes)
        if is_batch(input):
            texts = [as_text(t) for t in input]
            batch: list[list[int]] | list[list[str]]
            if is_ids:
                batch = self._m.encode_ids_batch(texts, num_threads, args)
            else:
                batch = self._m.encode_pieces_batch(texts, num_threads, args)
            rewritten = [
                self._rewrite(x, is_ids, add_bos, add_eos, reverse, emit_unk) for x in batch
            ]
            return [_as_kind(x, kind) for x in rewritten]
        text = as_text(input)
        out = self._m.encode_ids(text, args) if is_ids else self._m.encode_pieces(text, args)
        return _as_kind(self._rewrite(out, is_ids, add_bos, add_eos, reverse, emit_unk), kind)

    def _offset_mapping(self, input: Any, args: Any, return_bytes: bool | None) -> Any:
        if is_batch(input):
            if return_bytes is None:
                return_bytes = bool(input) and isinstance(input[0], bytes)
            return [self._offset_mapping(text, args, return_bytes) for text in input]
        if return_bytes is None:
            return_bytes = isinstance(input, bytes)
        ids, pieces, offsets = self._m.encode_offsets(as_text(input), args, return_bytes)
        shown = _as_kind(pieces, bytes) if return_bytes else pieces
        return {"ids": ids, "pieces": shown, "offsets": offsets}

    def encode_batch_arrays(
        self,
        input: Any,
        add_bos: bool | None = None,
        add_eos: bool | None = None,
        enable_sampling: bool | None = None,
        nbest_size: int | None = None,
        alpha: float | None = None,
        num_threads: int | None = None,
        seed: int | None = None,
    ) -> BatchArrays:
        """The ids of many texts (as :meth:`encode` with ``out_type=int``
        gives them) into flat NumPy arrays, without a list per text: see
        :class:`tokkit.BatchArrays`. ``input`` may be a list of str, a NumPy
        str or object array, or a pyarrow string array (read in place)."""
        add_bos, add_eos = self._bos_eos(add_bos, add_eos)
        self._check_bos_eos(add_bos, add_eos)
        args, num_threads = self._sampling(enable_sampling, nbest_size, alpha, num_threads, seed)
        bos = self._ids["bos"] if add_bos else None
        eos = self._ids["eos"] if add_eos else None
        return self._m.encode_ids_arrays(input, num_threads, args, bos, eos)

    def count_tokens(
        self,
        input: str,
        add_bos: bool | None = None,
        add_eos: bool | None = None,
        enable_sampling: bool | None = None,
        nbest_size: int | None = None,
        alpha: float | None = None,
        seed: int | None = None,
    ) -> int:
        """``len(encode(input, ...))`` with the same arguments (the
        constructor's where one is None), counted without building the ids;
        with sampling, the length of one sample (the one ``encode`` gives
        with the same ``seed``)."""
        extra = self._bos_eos_count(add_bos, add_eos)
        args, _ = self._sampling(enable_sampling, nbest_size, alpha, None, seed)
        return self._m.count_ids(as_text(input), args) + extra

    def count_tokens_batch(
        self,
        input: Sequence[str],
        add_bos: bool | None = None,
        add_eos: bool | None = None,
        enable_sampling: bool | None = None,
        nbest_size: int | None = None,
        alpha: float | None = None,
        num_threads: int | None = None,
        seed: int | None = None,
    ) -> list[int]:
        """:meth:`count_tokens` of many texts, on ``num_threads`` threads
        (the constructor's by default; -1: one per core)."""
        extra = self._bos_eos_count(add_bos, add_eos)
        args, num_threads = self._sampling(enable_sampling, nbest_size, alpha, num_threads, seed)
        texts = [as_text(t) for t in input]
        return [n + extra for n in self._m.count_ids_batch(texts, num_threads, args)]

    def _bos_eos_count(self, add_bos: bool | None, add_eos: bool | None) -> int:
        """How many of BOS and EOS an encode call with these arguments adds."""
        add_bos, add_eos = self._bos_eos(add_bos, add_eos)
        self._check_bos_eos(add_bos, add_eos)
        return int(add_bos) + int(add_eos)

    def encode_as_offset_mapping(self, input: Any, **kwargs: Any) -> Any:
        """:meth:`encode` with ``return_type="offset_mapping"``."""
        return self.encode(input, return_type="offset_mapping", **kwargs)

    def encode_as_ids(self, input: str | Sequence[str], **kwargs: Any) -> list[Any]:
        """:meth:`encode` with ``out_type=int``."""
        return self.encode(input, out_type=int, **kwargs)

    def encode_as_pieces(self, input: str | Sequence[str], **kwargs: Any) -> list[Any]:
        """:meth:`encode` with ``out_type=str``."""
        return self.encode(input, out_type=str, **kwargs)

    def sample_encode_as_ids(
        self,
        input: str | Sequence[str],
        nbest_size: int | None = None,
        alpha: float | None = None,
        **kwargs: Any,
    ) -> list[Any]:
        """:meth:`encode` to ids with sampling on."""
        return self.encode(
            input, out_type=int, enable_sampling=True, nbest_size=nbest_size, alpha=alpha, **kwargs
        )

    def sample_encode_as_pieces(
        self,
        input: str | Sequence[str],
        nbest_size: int | None = None,
        alpha: float | None = None,
        **kwargs: Any,
    ) -> list[Any]:
        """:meth:`encode` to pieces with sampling on."""
        return self.encode(
            input, out_type=str, enable_sampling=True, nbest_size=nbest_size, alpha=alpha, **kwargs
        )

    def nbest_encode(
        self,
        input: str | Sequence[str],
        nbest_size: int | None = None,
        out_type: Any = None,
        add_bos: bool | None = None,
        add_eos: bool | None = None,
        reverse: bool | None = None,
        emit_unk_piece: bool | None = None,
    ) -> list[Any]:
        """The ``nbest_size`` best segmentations, best first (Unigram only),
        as ids, pieces, pieces as bytes or ``"numpy"`` arrays of ids."""
        kind = _return_kind(self._out_type if out_type is None else out_type, _ARRAYS_TOO)
        nbest_size = int32(self._nbest_size if nbest_size is None else nbest_size, "nbest_size")
        if nbest_size <= 0:
            nbest_size = 1
        flags = (
            self._add_bos if add_bos is None else add_bos,
            self._add_eos if add_eos is None else add_eos,
            self._reverse if reverse is None else reverse,
            self._emit_unk_piece if emit_unk_piece is None else emit_unk_piece,
        )
        is_ids = kind is int or kind == "numpy"

        def one(text: Any) -> list[Any]:
            results = self._m.nbest(as_text(text), nbest_size)
            rewritten = [self._rewrite(r[0] if is_ids else r[1], is_ids, *flags) for r in results]
            return [_as_kind(r, kind) for r in rewritten]

        if is_batch(input):
            return [one(t) for t in input]
        return one(input)

    def nbest_encode_as_ids(self, input: str | Sequence[str], nbest_size: int | None = None) -> Any:
        """:meth:`nbest_encode` to ids."""
        return self.nbest_encode(input, nbest_size=nbest_size, out_type=int)

    def nbest_encode_as_pieces(
        self, input: str | Sequence[str], nbest_size: int | None = None
    ) -> Any:
        """:meth:`nbest_encode` to pieces."""
        return self.nbest_encode(input, nbest_size=nbest_size, out_type=str)

    def sample_encode_and_score(
        self,
        input: str | Sequence[str],
        num_samples: int | None = None,
        alpha: float | None = None,
        wor: bool | None = None,
        include_best: bool | None = None,
        out_type: type | None = None,
        add_bos: bool | None = None,
        add_eos: bool | None = None,
        reverse: bool | None = None,
        emit_unk_piece: bool | None = None,
        seed: int | None = None,
    ) -> list[Any]:
        """``num_samples`` sampled segmentations with their scores (Unigram only).

        With replacement, the score is the log probability of the sample; without
        (``wor=True``), the log of its inclusion probability (Kool et al. 2019).
        """
        out_type = _return_kind(self._out_type if out_type is None else out_type, _IDS_OR_PIECES)
        num_samples = 1 if num_samples is None else int32(num_samples, "num_samples")
        if num_samples < 0:
            raise InvalidArgumentError(f"num_samples must be >= 0, not {num_samples}")
        alpha = real(self._alpha if alpha is None else alpha, "alpha")
        flags = (
            self._add_bos if add_bos is None else add_bos,
            self._add_eos if add_eos is None else add_eos,
            self._reverse if reverse is None else reverse,
            self._emit_unk_piece if emit_unk_piece is None else emit_unk_piece,
        )
        is_ids = out_type is int

        def one(text: Any) -> list[Any]:
            results = self._m.sample_and_score(
                as_text(text), num_samples, alpha, (bool(wor), bool(include_best)), seed
            )
            return [
                (self._rewrite(r[0] if is_ids else r[1], is_ids, *flags), r[2]) for r in results
            ]

        if is_batch(input):
            return [one(t) for t in input]
        return one(input)

    def calculate_entropy(
        self, input: str | Sequence[str], alpha: float | None = None, num_threads: int | None = None
    ) -> Any:
        """Entropy (nats) of the segmentation distribution sampling draws from."""
        alpha = real(self._alpha if alpha is None else alpha, "alpha")
        num_threads = self._num_threads if num_threads is None else num_threads
        if is_batch(input):
            return self._m.entropy([as_text(t) for t in input], alpha, num_threads)
        return self._m.entropy([as_text(input)], alpha, 1)[0]

    def normalize(self, input: Any, with_offsets: bool | None = None) -> Any:
        """``input`` (a text, or a list of them) as the model normalizes it
        before segmenting; with ``with_offsets``, a ``(text, offsets)`` pair
        whose offsets give, for each character of the text and its end, the
        character of the input it comes from. ``bytes`` in, ``bytes`` and
        byte offsets out, as in sentencepiece."""
        if isinstance(input, list):
            return [self.normalize(text, with_offsets) for text in input]
        is_bytes = isinstance(input, bytes)
        text, offsets = self._m.normalize(as_text(input), is_bytes)
        out = text.encode("utf-8") if is_bytes else text
        return (out, offsets) if with_offsets else out

    # Decoding --------------------------------------------------------------

    def decode(
        self, input: Any, out_type: type | None = str, num_threads: int | None = None
    ) -> str | list[str]:
        """Decodes ids or pieces (or lists of them) to text."""
        if out_type not in (str, None):
            raise ValueError(f"unsupported out_type {out_type!r} for decode")
        num_threads = self._num_threads if num_threads is None else num_threads
        if input is None or (isinstance(input, str | bytes) and len(input) == 0):
            input = []
        if isinstance(input, str | bytes) or not hasattr(input, "__len__"):
            input = [input]
        input = list(input)
        is_batch = bool(input) and hasattr(input[0], "__len__")
        is_batch = is_batch and not isinstance(input[0], str | bytes)
        batch = [list(x) for x in input] if is_batch else [input]
        is_pieces = any(len(x) > 0 and isinstance(x[0], str | bytes) for x in batch)
        if is_pieces:
            pieces = [[as_text(p) for p in x] for x in batch]
            out = self._m.decode_pieces(pieces, num_threads)
        else:
            out = self._m.decode_ids([[piece_id(i) for i in x] for x in batch], num_threads)
        return out if is_batch else out[0]

    def decode_ids(self, input: Any, **kwargs: Any) -> str | list[str]:
        """:meth:`decode` of ids."""
        return self.decode(input, **kwargs)

    def decode_pieces(self, input: Any, **kwargs: Any) -> str | list[str]:
        """:meth:`decode` of pieces."""
        return self.decode(input, **kwargs)

    # sentencepiece's CamelCase names.
    Load = load
    LoadFromSerializedProto = load_from_serialized_proto
    Encode = encode
    EncodeAsIds = encode_as_ids
    EncodeAsPieces = encode_as_pieces
    EncodeAsOffsetMapping = encode_as_offset_mapping
    SampleEncodeAsIds = sample_encode_as_ids
    SampleEncodeAsPieces = sample_encode_as_pieces
    NBestEncode = nbest_encode
    NBestEncodeAsIds = nbest_encode_as_ids
    NBestEncodeAsPieces = nbest_encode_as_pieces
    SampleEncodeAndScore = sample_encode_and_score
    CalculateEntropy = calculate_entropy
    Decode = decode
    DecodeIds = decode_ids
    DecodePieces = decode_pieces
    Normalize = normalize
    LoadFromFile = load
    load_from_file = load
    tokenize = encode
    detokenize = decode
    Tokenize = encode
    Detokenize = decode
