"""Shard writers, one per output format. A shard is written to hidden
temporary files beside its final names and renamed into place when complete,
so a shard that exists is whole (a killed run leaves only temporaries).

Names are ``shard_00000`` onwards, the same for every run of the same input:

- ``npy``: ``shard_N.npy`` (the ids, ``uint16`` or ``uint32``) and
  ``shard_N.offsets.npy`` (``int64``, where each document starts, and the end
  of the last);
- ``bin``: ``shard_N.bin``, the ids end to end with no header (nanoGPT's
  ``train.bin``, read with ``numpy.memmap``);
- ``megatron``: ``shard_N.bin`` and ``shard_N.idx``, Megatron-LM's
  ``IndexedDataset`` (one sequence per document; ``int32`` when the ids do not
  fit ``uint16``, as Megatron has no ``uint32``);
- ``parquet``: ``shard_N.parquet``, one row per document in a column ``ids``
  of ``list<uint32>``;
- ``ids``: ``shard_N.txt``, one line of space-separated ids per document.
"""

from __future__ import annotations

import os
import struct
from itertools import pairwise
from pathlib import Path
from typing import IO, Any

import numpy

FORMATS = ("npy", "bin", "megatron", "parquet", "ids")

# Megatron-LM's .idx: magic, version 1, then the dtype code of the .bin
MEGATRON_MAGIC = b"MMIDIDX\x00\x00"
MEGATRON_CODES = {numpy.dtype(numpy.uint16): 8, numpy.dtype(numpy.int32): 4}
# the .npy header is written before the length is known: room for any length
NPY_HEADER_BYTES = 128


def shard_names(fmt: str, index: int) -> list[str]:
    """The files of shard ``index`` in format ``fmt``, data file first."""
    stem = f"shard_{index:05d}"
    return {
        "npy": [f"{stem}.npy", f"{stem}.offsets.npy"],
        "bin": [f"{stem}.bin"],
        "megatron": [f"{stem}.bin", f"{stem}.idx"],
        "parquet": [f"{stem}.parquet"],
        "ids": [f"{stem}.txt"],
    }[fmt]


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.tmp")


class Shard:
    """One shard being written: whole documents are added, then it is
    closed (renamed into place) or dropped."""

    def __init__(self, out_dir: Path, fmt: str, index: int, dtype: numpy.dtype) -> None:
        self.paths = [out_dir / name for name in shard_names(fmt, index)]
        self.fmt = fmt
        self.dtype = (
            numpy.dtype(numpy.int32) if fmt == "megatron" and dtype.itemsize == 4 else dtype
        )
        self.tokens = 0
        self.documents = 0
        # document lengths, for the index files written when the shard closes
        self._lengths: list[numpy.ndarray] = []
        self._file: IO[bytes] | None = None
        self._parquet: Any = None
        if fmt == "parquet":
            from tokkit.arrays import _pyarrow

            pa = _pyarrow()
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            schema = pa.schema([("ids", pa.list_(pa.uint32()))])
            self._parquet = pq.ParquetWriter(_temporary(self.paths[0]), schema)
        else:
            self._file = open(_temporary(self.paths[0]), "wb")
            if fmt == "npy":
                self._file.write(b"\0" * NPY_HEADER_BYTES)

    def add(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
        """Appends documents: ``ids[offsets[i]:offsets[i + 1]]`` is document
        ``i`` (``offsets`` starts at 0)."""
        self.tokens += len(ids)
        self.documents += len(offsets) - 1
        if self._parquet is not None:
            self._add_parquet(ids, offsets)
            return
        assert self._file is not None
        if self.fmt == "ids":
            self._file.write(_id_lines(ids, offsets))
            return
        self._file.write(numpy.ascontiguousarray(ids, dtype=self.dtype).data)
        if self.fmt in ("npy", "megatron"):
            self._lengths.append(numpy.diff(offsets))

    def _add_parquet(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
        from tokkit.arrays import _pyarrow

        pa = _pyarrow()
        column = pa.ListArray.from_arrays(
            pa.array(offsets.astype(numpy.int32)), pa.array(ids.astype(numpy.uint32, copy=False))
        )
        self._parquet.write_table(pa.table({"ids": column}))

    def close(self) -> list[Path]:
        """Finishes the shard and renames its files into place; returns them."""
        if self._parquet is not None:
            self._parquet.close()
        else:
            assert self._file is not None
            if self.fmt == "npy":
                self._file.seek(0)
                self._file.write(_npy_header(self.dtype, self.tokens))
            _sync_close(self._file)
        lengths = numpy.concatenate([numpy.zeros(0, numpy.int64), *self._lengths])
        if self.fmt == "npy":
            offsets = numpy.concatenate([[0], numpy.cumsum(lengths)]).astype(numpy.int64)
            with open(_temporary(self.paths[1]), "wb") as out:
                numpy.save(out, offsets)
                _sync(out)
        elif self.fmt == "megatron":
            with open(_temporary(self.paths[1]), "wb") as out:
                out.write(_megatron_index(self.dtype, lengths))
                _sync(out)
        for path in self.paths:
            os.replace(_temporary(path), path)
        return self.paths

    def drop(self) -> None:
        """Abandons the shard, removing its temporaries."""
        if self._parquet is not None:
            self._parquet.close()
        elif self._file is not None:
            self._file.close()
        for path in self.paths:
            _temporary(path).unlink(missing_ok=True)


def write_id_lines(out: IO[str], ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
    """Documents as lines of ids on a text stream (``tokkit encode`` without
    ``-o``)."""
    out.write(_id_lines(ids, offsets).decode("ascii"))


def _id_lines(ids: numpy.ndarray, offsets: numpy.ndarray) -> bytes:
    values = ids.tolist()
    bounds = offsets.tolist()
    lines = [" ".join(map(str, values[a:b])) for a, b in pairwise(bounds)]
    return ("\n".join(lines) + "\n").encode("ascii") if lines else b""


def _npy_header(dtype: numpy.dtype, length: int) -> bytes:
    """A version 1.0 ``.npy`` header for a 1-D array, padded to
    :data:`NPY_HEADER_BYTES` as the format allows (NumPy reads the spaces)."""
    fields = f"{{'descr': '{dtype.str}', 'fortran_order': False, 'shape': ({length},), }}"
    room = NPY_HEADER_BYTES - 10
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", room) + fields.ljust(room - 1).encode() + b"\n"


def _megatron_index(dtype: numpy.dtype, lengths: numpy.ndarray) -> bytes:
    """Megatron-LM's ``.idx`` for documents of ``lengths`` tokens, one
    sequence each: header, counts, sequence lengths (int32), byte pointers
    (int64) and document indices (int64, 0 to the count)."""
    count = len(lengths)
    pointers = numpy.zeros(count, numpy.int64)
    numpy.cumsum(lengths[:-1] * dtype.itemsize, out=pointers[1:])
    return b"".join(
        [
            MEGATRON_MAGIC,
            struct.pack("<Q", 1),
            struct.pack("<B", MEGATRON_CODES[dtype]),
            struct.pack("<Q", count),
            struct.pack("<Q", count + 1),
            lengths.astype("<i4").tobytes(),
            pointers.astype("<i8").tobytes(),
            numpy.arange(count + 1, dtype="<i8").tobytes(),
        ]
    )


def _sync(out: IO[bytes]) -> None:
    out.flush()
    os.fsync(out.fileno())


def _sync_close(out: IO[bytes]) -> None:
    _sync(out)
    out.close()


def clear_temporaries(out_dir: Path) -> None:
    """Removes the temporaries a killed run left."""
    for path in out_dir.glob(".shard_*.tmp"):
        path.unlink(missing_ok=True)
