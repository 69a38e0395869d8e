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
import shutil
import struct
from itertools import pairwise
from pathlib import Path
from typing import IO, Any

import numpy

from tokkit.errors import InvalidArgumentError

# Megatron-LM's .idx: magic, version 1, then the dtype code of the .bin
MEGATRON_MAGIC = b"MMIDIDX\x00\x00"
MEGATRON_CODES = {numpy.dtype(numpy.uint16): 8, numpy.dtype(numpy.int32): 4}
# the .npy header is written before the length is known: room for any length
NPY_HEADER_BYTES = 128
# entries of a Megatron index written at a time
INDEX_BLOCK = 1 << 20


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
    closed (renamed into place) or dropped. The ids and the document index
    are streamed to disk as they come, so memory holds neither."""

    def __init__(self, out_dir: Path, fmt: str, index: int, dtype: numpy.dtype) -> None:
        self.paths = [out_dir / name for name in shard_names(fmt, index)]
        self.fmt = fmt
        wide = fmt == "megatron" and dtype.itemsize == 4
        self.dtype = numpy.dtype(numpy.int32) if wide else dtype
        self.tokens = 0
        self.documents = 0
        self._file: IO[bytes] | None = None
        # npy: the offsets file; megatron: the document lengths (int32), from
        # which the .idx is written when the shard closes
        self._index: IO[bytes] | None = None
        self._sizes = out_dir / f".{self.paths[0].stem}.sizes.tmp"
        self._parquet: Any = None
        if fmt == "parquet":
            from tokkit.arrays import _pyarrow

            pa = _pyarrow()
            import pyarrow.parquet as pq  # type: ignore[import-untyped]

            schema = pa.schema([("ids", pa.list_(pa.uint32()))])
            self._parquet = pq.ParquetWriter(_temporary(self.paths[0]), schema)
            return
        self._file = open(_temporary(self.paths[0]), "wb")
        if fmt == "npy":
            self._file.write(b"\0" * NPY_HEADER_BYTES)
            self._index = open(_temporary(self.paths[1]), "wb")
            self._index.write(b"\0" * NPY_HEADER_BYTES)
            self._index.write(numpy.zeros(1, "<i8").tobytes())
        elif fmt == "megatron":
            self._index = open(self._sizes, "wb")

    def add(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
        """Appends documents: ``ids[offsets[i]:offsets[i + 1]]`` is document
        ``i`` (``offsets`` starts at 0)."""
        if self._parquet is not None:
            self._add_parquet(ids, offsets)
        elif self.fmt == "ids":
            self._write(_id_lines(ids, offsets))
        else:
            self._write(numpy.ascontiguousarray(ids, dtype=self.dtype).data)
        if self._file is not None:
            # On the writer's thread, while the next chunk is encoded: the
            # disk takes each chunk as it comes, and the fsync that closes
            # the shard waits for the last one only (for the whole shard it
            # was 14 ms of a 170 ms cl100k run on the 6.7 MB mix).
            self._file.flush()
            _datasync(self._file.fileno())
        if self.fmt == "npy" and self._index is not None:
            self._index.write((offsets[1:] + self.tokens).astype("<i8").tobytes())
        elif self.fmt == "megatron" and self._index is not None:
            self._index.write(numpy.diff(offsets).astype("<i4").tobytes())
        self.tokens += len(ids)
        self.documents += len(offsets) - 1

    def _write(self, data: Any) -> None:
        if self._file is not None:
            self._file.write(data)

    def _add_parquet(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
        from tokkit.arrays import _pyarrow

        self._parquet.write_table(_pyarrow().table({"ids": id_lists(ids, offsets)}))

    def close(self) -> list[Path]:
        """Finishes the shard and renames its files into place; returns them."""
        if self._parquet is not None:
            self._parquet.close()
        if self._file is not None:
            if self.fmt == "npy":
                self._file.seek(0)
                self._file.write(_npy_header(self.dtype, self.tokens))
            _sync_close(self._file)
        if self._index is not None and self.fmt == "npy":
            self._index.seek(0)
            self._index.write(_npy_header(numpy.dtype("<i8"), self.documents + 1))
            _sync_close(self._index)
        elif self._index is not None:
            self._index.close()
            with open(_temporary(self.paths[1]), "wb") as out:
                _write_megatron_index(out, self._sizes, self.dtype, self.documents)
                _sync(out)
            self._sizes.unlink()
        for path in self.paths:
            os.replace(_temporary(path), path)
        return self.paths

    def drop(self) -> None:
        """Abandons the shard, removing its temporaries."""
        if self._parquet is not None:
            self._parquet.close()
        for stream in (self._file, self._index):
            if stream is not None:
                stream.close()
        for path in [*self.paths, self._sizes]:
            _temporary(path).unlink(missing_ok=True)
        self._sizes.unlink(missing_ok=True)


def id_lists(ids: numpy.ndarray, offsets: numpy.ndarray) -> Any:
    """The documents of ``ids`` (cut at ``offsets``) as a ``list<uint32>``
    Arrow array, the column of a ``parquet`` shard."""
    from tokkit.arrays import _pyarrow

    pa = _pyarrow()
    if len(offsets) and offsets[-1] > numpy.iinfo(numpy.int32).max:
        # list<> has int32 offsets: refused rather than wrapped around
        raise InvalidArgumentError(
            f"{int(offsets[-1])} tokens in one list<uint32> column, past its int32 offsets: "
            "make shards (or batches) smaller"
        )
    return pa.ListArray.from_arrays(
        pa.array(offsets.astype(numpy.int32)), pa.array(ids.astype(numpy.uint32, copy=False))
    )


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


def _write_megatron_index(out: IO[bytes], sizes: Path, dtype: numpy.dtype, count: int) -> None:
    """Megatron-LM's ``.idx`` for ``count`` documents, one sequence each,
    whose lengths are the int32s in ``sizes``: header, counts, sequence
    lengths (int32), byte pointers into the .bin (int64) and document
    indices (int64, 0 to the count), written a block at a time."""
    out.write(MEGATRON_MAGIC)
    out.write(struct.pack("<QBQQ", 1, MEGATRON_CODES[dtype], count, count + 1))
    with open(sizes, "rb") as lengths:
        shutil.copyfileobj(lengths, out)
    start = 0
    with open(sizes, "rb") as lengths:
        while block := lengths.read(4 * INDEX_BLOCK):
            steps = numpy.frombuffer(block, "<i4").astype(numpy.int64) * dtype.itemsize
            ends = numpy.cumsum(steps) + start
            out.write((ends - steps).astype("<i8").tobytes())
            start = int(ends[-1])
    for first in range(0, count + 1, INDEX_BLOCK):
        out.write(numpy.arange(first, min(count + 1, first + INDEX_BLOCK), dtype="<i8").tobytes())


# macOS has no fdatasync
_datasync = getattr(os, "fdatasync", os.fsync)


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
