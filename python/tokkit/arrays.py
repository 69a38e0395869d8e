"""Batches as flat arrays: :class:`BatchArrays`, what every encoder's
``encode_batch_arrays`` returns, and the reading of its inputs (a list of str,
a NumPy str or object array, a pyarrow string array or chunked array).

The ids of all texts lie end to end in one NumPy ``uint32`` array, and
``offsets`` (``int64``, one more than there are texts) says where each text's
start: Arrow's list layout, so :meth:`BatchArrays.to_arrow` wraps the same
memory. No Python list or int is made per text or per token.

NumPy is imported by the functions that use it, not with this module, so
that ``import tokkit`` stays quick and starts no OpenBLAS threads.

>>> import numpy
>>> batch = BatchArrays(numpy.array([5, 6, 7], numpy.uint32), numpy.array([0, 2, 3]))
>>> batch.to_list()
[[5, 6], [7]]
>>> batch.to_padded(pad_id=0)["input_ids"].tolist()
[[5, 6], [7, 0]]
>>> batch.to_padded(pad_id=0, direction="left")["attention_mask"].tolist()
[[1, 1], [0, 1]]
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from tokkit._tokkit import rows_match_flat, rows_of_flat
from tokkit.errors import InvalidArgumentError

if TYPE_CHECKING:
    import numpy

__all__ = ["BatchArrays"]


class BatchArrays:
    """The ids of many texts in flat NumPy arrays.

    ``ids`` (``uint32``) holds every text's ids end to end; text ``i``'s are
    ``ids[offsets[i]:offsets[i + 1]]``. ``type_ids`` and ``attention_mask``
    lie beside ``ids`` for :class:`tokkit.Tokenizer` (``None`` otherwise).
    The arrays are read-only views of the buffers tokkit filled.
    """

    __slots__ = ("attention_mask", "ids", "offsets", "type_ids")

    def __init__(
        self,
        ids: numpy.ndarray,
        offsets: numpy.ndarray,
        type_ids: numpy.ndarray | None = None,
        attention_mask: numpy.ndarray | None = None,
    ) -> None:
        import numpy

        self.ids = numpy.asarray(ids, dtype=numpy.uint32)
        self.offsets = numpy.asarray(offsets, dtype=numpy.int64)
        self.type_ids = None if type_ids is None else numpy.asarray(type_ids, numpy.uint32)
        self.attention_mask = (
            None if attention_mask is None else numpy.asarray(attention_mask, numpy.uint32)
        )

    @classmethod
    def _from_buffers(
        cls, ids: Any, offsets: Any, type_ids: Any, attention_mask: Any
    ) -> BatchArrays:
        """Wraps the buffers the core filled, without copying them."""
        import numpy

        def u32(buffer: Any) -> numpy.ndarray | None:
            return None if buffer is None else numpy.frombuffer(buffer, dtype=numpy.uint32)

        return cls(
            numpy.frombuffer(ids, dtype=numpy.uint32),
            numpy.frombuffer(offsets, dtype=numpy.int64),
            u32(type_ids),
            u32(attention_mask),
        )

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> numpy.ndarray:
        """The ids of text ``index``."""
        start, end = self.offsets[index], self.offsets[index + 1]
        return self.ids[start:end]

    def __repr__(self) -> str:
        return f"BatchArrays(texts={len(self)}, tokens={len(self.ids)})"

    @property
    def lengths(self) -> numpy.ndarray:
        """The number of ids of each text."""
        import numpy

        return numpy.diff(self.offsets)

    def to_list(self, column: str = "ids") -> list[list[int]]:
        """The ids (or the ``type_ids`` or ``attention_mask`` column) as a
        list of lists, as ``encode_batch`` returns them."""
        return rows_of_flat(self._column(column), self.offsets)

    def _rows(self, column: str = "ids") -> Rows:
        """:meth:`to_list` as :class:`Rows`, which pyarrow takes whole."""
        values = self._column(column)
        return Rows(rows_of_flat(values, self.offsets), values, self.offsets)

    def _column(self, column: str) -> numpy.ndarray:
        values = getattr(self, column) if column in self.__slots__ else None
        if values is None or column == "offsets":
            raise InvalidArgumentError(f"this batch has no column {column!r}")
        return values

    def to_padded(
        self,
        pad_id: int = 0,
        *,
        pad_type_id: int = 0,
        length: int | None = None,
        pad_to_multiple_of: int | None = None,
        direction: str = "right",
        dtype: Any = "int64",
    ) -> dict[str, numpy.ndarray]:
        """2-D arrays, one row per text, padded as HF's ``enable_padding``
        pads a batch: to ``length`` or else to the longest text, rounded up to
        a multiple of ``pad_to_multiple_of``, on the ``direction`` side.

        Returns ``input_ids`` and ``attention_mask`` (and ``token_type_ids``
        when the batch has type ids), in ``dtype``. A text longer than
        ``length`` raises: a 2-D array cannot hold it (truncate first).
        """
        import numpy

        if direction not in ("right", "left"):
            raise ValueError(f'direction must be "right" or "left", not {direction!r}')
        lengths = self.lengths
        longest = int(lengths.max(initial=0))
        if length is None:
            width = longest
        elif longest > length:
            row = int(numpy.argmax(lengths))
            raise InvalidArgumentError(
                f"text {row} has {longest} tokens, more than length={length}: "
                "truncate it first (enable_truncation) or pad to a larger length"
            )
        else:
            width = length
        if pad_to_multiple_of:
            width = -(-width // pad_to_multiple_of) * pad_to_multiple_of
        rows = numpy.repeat(numpy.arange(len(self)), lengths)
        cols = numpy.arange(len(self.ids)) - numpy.repeat(self.offsets[:-1], lengths)
        if direction == "left":
            cols += numpy.repeat(width - lengths, lengths)

        def padded(values: Any, fill: int) -> numpy.ndarray:
            out = numpy.full((len(self), width), fill, dtype=dtype)
            out[rows, cols] = values
            return out

        mask = 1 if self.attention_mask is None else self.attention_mask
        result = {"input_ids": padded(self.ids, pad_id)}
        if self.type_ids is not None:
            result["token_type_ids"] = padded(self.type_ids, pad_type_id)
        result["attention_mask"] = padded(mask, 0)
        return result

    def to_arrow(self) -> Any:
        """The ids as a ``pyarrow.LargeListArray`` (``large_list<uint32>``)
        over the same memory (needs pyarrow)."""
        pa = _pyarrow()
        return pa.LargeListArray.from_arrays(pa.array(self.offsets), pa.array(self.ids))


class Rows(list):  # type: ignore[type-arg]
    """One column of a :class:`BatchArrays` as a list of lists of int, equal
    to what :meth:`BatchArrays.to_list` returns, that pyarrow converts without
    reading every int: ``pyarrow.array(rows)``, which ``datasets`` calls on
    the columns a ``map`` returns, builds the ``list<int64>`` array from the
    flat arrays once the core has checked that the rows still hold them. Rows
    changed since are read as they are. A copy or a pickle is a plain list.
    """

    __slots__ = ("_flat", "_offsets")

    def __init__(self, rows: list[list[int]], flat: numpy.ndarray, offsets: numpy.ndarray) -> None:
        super().__init__(rows)
        self._flat, self._offsets = flat, offsets

    def __arrow_array__(self, type: Any = None) -> Any:
        import numpy

        pa = _pyarrow()
        flat, offsets = self._flat, self._offsets
        # pyarrow gives no-id rows a null type, and only a list<> up to 2**31 ids
        whole = 0 < len(flat) < 2**31 and rows_match_flat(self, flat, offsets)
        if not whole:
            return pa.array(list(self), type=type)
        array = pa.ListArray.from_arrays(
            pa.array(offsets.astype(numpy.int32)), pa.array(flat.astype(numpy.int64))
        )
        return array if type is None else array.cast(type)

    def __reduce__(self) -> tuple[Any, ...]:
        return list, (list(self),)


def _pyarrow() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped]
    except ImportError:
        raise ImportError(
            "pyarrow is not installed: BatchArrays.to_arrow and Arrow inputs need it "
            "(pip install pyarrow)"
        ) from None
    return pyarrow


def _core_texts(texts: Any) -> tuple[list[Any] | None, list[tuple[Any, ...]] | None]:
    """``texts`` as the core reads them: ``(strs, None)`` with a list, or
    ``(None, chunks)`` with the buffers of Arrow string arrays, read in place.
    The core checks the items of the list (a TypeError names the first that
    is not a str)."""
    # Without NumPy imported, texts cannot be an array.
    np = sys.modules.get("numpy")
    if np is not None and isinstance(texts, np.ndarray):
        if texts.ndim != 1:
            raise TypeError(f"texts must be a 1-D array, not {texts.ndim}-D")
        # 'U': fixed-width str; 'O': Python objects; 'T': NumPy 2's StringDType.
        if texts.dtype.kind not in "UOT":
            raise TypeError(
                f"a NumPy array of texts must hold str (dtype str, StringDType or object), "
                f"not {texts.dtype}"
            )
        return texts.tolist(), None
    if type(texts).__module__.startswith("pyarrow"):
        return None, _arrow_chunks(texts)
    if isinstance(texts, str | bytes):
        raise TypeError(f"texts must be a sequence of str, not one {type(texts).__name__}")
    return list(texts), None


def _arrow_chunks(texts: Any) -> list[tuple[Any, ...]]:
    """The offsets and data buffers of each chunk of a pyarrow string array."""
    import numpy

    pa = _pyarrow()
    chunks = texts.chunks if isinstance(texts, pa.ChunkedArray) else [texts]
    out = []
    first_row = 0
    for chunk in chunks:
        if not isinstance(chunk, pa.Array):
            raise TypeError(f"expected a pyarrow Array, not {type(chunk).__name__}")
        if pa.types.is_string_view(chunk.type):
            chunk = chunk.cast(pa.large_string())
        large = pa.types.is_large_string(chunk.type)
        if not (large or pa.types.is_string(chunk.type)):
            raise TypeError(
                f"an Arrow array of texts must be string or large_string, not {chunk.type}"
            )
        if len(chunk) == 0:
            continue
        if chunk.null_count:
            row = first_row + int(numpy.argmax(chunk.is_null().to_numpy(zero_copy_only=False)))
            raise InvalidArgumentError(
                f"row {row} of the Arrow array is null: fill or drop nulls first"
            )
        _, offsets, data = chunk.buffers()
        out.append((offsets, data, chunk.offset, len(chunk), large))
        first_row += len(chunk)
    return out
