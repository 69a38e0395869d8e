"""Reading a corpus as chunks of documents, streamed so that memory holds a
few chunks, not the corpus.

Inputs: text files (a document per line, or with ``doc_per_file`` a document
per file), JSON Lines (one string field of each object), Parquet (one string
column); ``.gz`` and ``.zst`` files are decompressed on the fly; ``"-"`` is
standard input. A line ends at ``\\n``; a ``\\r`` before it is dropped (CRLF
files), and an empty line is an empty document, as in ``datasets``' text
loader. Blank lines of a JSON Lines file hold no document.

A record (a line, a row, a file) that cannot be read stops the run with its
file and line (:class:`tokkit.CorpusFormatError` for a malformed or missing
field, :class:`tokkit.InvalidUtf8Error` for bytes that are not UTF-8), or,
with ``skip_invalid``, is left out and counted.
"""

from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO

from tokkit._tokkit import split_lines
from tokkit.errors import CorpusFormatError, InvalidUtf8Error, TokkitFileNotFoundError

INPUT_FORMATS = ("auto", "text", "jsonl", "parquet")
COMPRESSED = (".gz", ".zst", ".zstd")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
FIRST_BLOCK = 1 << 16


@dataclass
class Chunk:
    """Documents read in one go, and what reading them found."""

    # a list of str, or a pyarrow string array (a Parquet column, or a text
    # file's lines over the bytes read)
    texts: Any
    # UTF-8 bytes of the texts together
    text_bytes: int
    # records left out as invalid (with skip_invalid)
    skipped: int = 0
    # the same documents read again as str, finding the lines that are not
    # UTF-8, for texts handed over as bytes the encoder found invalid
    reread: Callable[[], Chunk] | None = None


@dataclass(frozen=True)
class Reading:
    """How to read the inputs (the options of :func:`read_chunks`)."""

    input_format: str = "auto"
    field: str = "text"
    column: str = "text"
    doc_per_file: bool = False
    skip_invalid: bool = False
    chunk_bytes: int = 1 << 22


def input_format_of(path: str, reading: Reading, field_given: bool) -> str:
    """The format of ``path``: ``reading.input_format`` unless ``auto``, else
    by extension (after a compression suffix); stdin is JSON Lines when a
    field was named, text otherwise."""
    if reading.input_format != "auto":
        return reading.input_format
    if path == "-":
        return "jsonl" if field_given else "text"
    name = path.lower()
    for suffix in COMPRESSED:
        name = name.removesuffix(suffix)
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    return "text"


def check_inputs(paths: list[str]) -> None:
    """Refuses a missing input before any work is done."""
    for path in paths:
        if path != "-" and not Path(path).is_file():
            raise TokkitFileNotFoundError(2, "No such file", path)


def read_chunks(paths: list[str], reading: Reading, field_given: bool) -> Iterator[Chunk]:
    """The documents of every input in order, in chunks of about
    ``reading.chunk_bytes`` bytes."""
    for path in paths:
        kind = input_format_of(path, reading, field_given)
        if kind == "parquet":
            yield from _parquet_chunks(path, reading)
        elif reading.doc_per_file and kind == "text":
            yield _whole_file(path, reading)
        else:
            with _open(path) as stream:
                yield from _line_chunks(path, stream, kind, reading)


def _open(path: str) -> BinaryIO:
    """``path`` as a binary stream, decompressed by its extension."""
    if path == "-":
        return _Unclosed(sys.stdin.buffer)  # type: ignore[return-value]
    name = path.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith((".zst", ".zstd")):
        try:
            import zstandard  # type: ignore[import-untyped]
        except ImportError:
            raise ImportError(
                f"{path} is zstd-compressed: reading it needs zstandard (pip install zstandard)"
            ) from None
        return zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), closefd=True)
    return open(path, "rb")


class _Unclosed:
    """Standard input, left open when reading it is done."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self, size: int) -> bytes:
        return self._stream.read(size)

    def __enter__(self) -> _Unclosed:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _blocks(stream: BinaryIO, size: int) -> Iterator[bytes]:
    """The stream in blocks of whole lines, about ``size`` bytes each (a
    longer line is one block of its own); the last may lack its newline.
    Each block is copied at most once. The first blocks are small and double
    up to ``size``, so that encoding starts at once and each block is read
    while the one before, twice its size, is encoded (a first 4 MB block held
    the encoder idle for 15-25 ms of a 170-350 ms cl100k run on the 6.7 MB
    mix)."""
    pending: list[Any] = []
    step = min(size, FIRST_BLOCK)
    while data := stream.read(step):
        step = min(2 * step, size)
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            pending.append(data)
            continue
        if not pending and cut == len(data):
            yield data
        else:
            yield b"".join([*pending, memoryview(data)[:cut]])
        pending = [data[cut:]] if cut < len(data) else []
    if pending:
        yield b"".join(pending)


def _line_chunks(path: str, stream: BinaryIO, kind: str, reading: Reading) -> Iterator[Chunk]:
    first_line = 1
    pa = _pyarrow_or_none() if kind == "text" else None
    for block in _blocks(stream, reading.chunk_bytes):
        in_place = _text_lines_in_place(pa, block) if pa is not None else None
        if in_place is not None:
            chunk, lines = in_place
            chunk.reread = partial(_reread, path, block, first_line, reading.skip_invalid)
        elif kind == "jsonl":
            chunk, lines = _jsonl_docs(path, _body(block), first_line, reading)
        else:
            chunk, lines = _text_docs(path, _body(block), first_line, reading.skip_invalid)
        first_line += lines
        yield chunk


def _body(block: bytes) -> bytes:
    """The lines of a block joined by ``\n``, without the last one's."""
    return block[:-1] if block.endswith(b"\n") else block


def _pyarrow_or_none() -> Any:
    try:
        import pyarrow  # type: ignore[import-untyped]
    except ImportError:
        return None
    return pyarrow


def _text_lines_in_place(pa: Any, block: bytes) -> tuple[Chunk, int] | None:
    """The lines of ``block`` as an Arrow string array over one buffer, the
    line ends (``\n``, ``\r\n``) cut out by the core without the GIL, which
    the encoders read in place: no str per line. The encoder checks the bytes
    are UTF-8 (see ``Chunk.reread``). None when a ``\r`` stands inside a
    line, which only the line-by-line reading keeps.

    On the 6.7 MB shared mix with cl100k at 2 threads, reading lines as str
    held the run to 69% of in-memory ``encode_batch_arrays``."""
    cut = split_lines(block)
    if cut is None:
        return None
    data, offsets = cut
    lines = len(offsets) // 8 - 1
    texts = pa.LargeStringArray.from_buffers(lines, pa.py_buffer(offsets), pa.py_buffer(data))
    return Chunk(texts, len(data)), lines


def _text_docs(path: str, body: bytes, first_line: int, skip_invalid: bool) -> tuple[Chunk, int]:
    """The lines of ``body`` (lines joined by ``\\n``) as documents, and how many lines."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return _text_docs_line_by_line(path, body, first_line, skip_invalid)
    docs = text.split("\n")
    nbytes = len(body) - (len(docs) - 1)
    if "\r" in text:
        # every line ending in \r is followed by \n, or is the last
        nbytes -= text.count("\r\n") + text.endswith("\r")
        docs = [d[:-1] if d.endswith("\r") else d for d in docs]
    return Chunk(docs, nbytes), len(docs)


def _reread(path: str, block: bytes, first_line: int, skip_invalid: bool) -> Chunk:
    return _text_docs(path, _body(block), first_line, skip_invalid)[0]


def _text_docs_line_by_line(
    path: str, body: bytes, first_line: int, skip_invalid: bool
) -> tuple[Chunk, int]:
    """:func:`_text_docs` for a block with bytes that are not UTF-8: finds
    the lines they are on."""
    lines = body.split(b"\n")
    docs, nbytes, skipped = [], 0, 0
    for number, raw in enumerate(lines, first_line):
        raw = raw.removesuffix(b"\r")
        try:
            docs.append(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            if not skip_invalid:
                raise InvalidUtf8Error(
                    f"{path}:{number}: the line is not valid UTF-8 (byte {error.start}): "
                    "fix the file or pass --skip-invalid to leave such lines out"
                ) from None
            skipped += 1
            continue
        nbytes += len(raw)
    return Chunk(docs, nbytes, skipped), len(lines)


def _jsonl_docs(path: str, body: bytes, first_line: int, reading: Reading) -> tuple[Chunk, int]:
    """The field ``reading.field`` of each JSON line of ``body``."""
    try:
        lines: list[Any] = body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        lines = body.split(b"\n")
    docs, nbytes, skipped = [], 0, 0
    for number, line in enumerate(lines, first_line):
        try:
            text = _json_field(line, reading.field)
        except (CorpusFormatError, InvalidUtf8Error) as error:
            if not reading.skip_invalid:
                raise type(error)(
                    f"{path}:{number}: {error} (or pass --skip-invalid to leave such lines out)"
                ) from None
            skipped += 1
            continue
        if text is None:
            continue
        docs.append(text)
        nbytes += len(text) if text.isascii() else len(text.encode("utf-8"))
    return Chunk(docs, nbytes, skipped), len(lines)


def _json_field(line: str | bytes, field: str) -> str | None:
    """The string ``field`` of the JSON object on ``line`` (None for a blank line)."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InvalidUtf8Error(f"the line is not valid UTF-8 (byte {error.start})") from None
    if not line.strip():
        return None
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise CorpusFormatError(f"not a JSON object: {error.msg} at column {error.colno}") from None
    if not isinstance(record, dict):
        raise CorpusFormatError(f"a JSON {type(record).__name__}, not an object")
    text = record.get(field)
    if not isinstance(text, str):
        found = "missing" if field not in record else f"a {type(text).__name__}, not a string"
        keys = ", ".join(repr(k) for k in list(record)[:8])
        raise CorpusFormatError(f"field {field!r} is {found} (the object has {keys or 'no keys'})")
    # A JSON escape can spell half a surrogate pair, which is no text at all.
    if "\\u" in line and not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidUtf8Error(
                f"field {field!r} holds a lone surrogate (\\ud800-\\udfff), which is not text"
            ) from None
    return text


def _whole_file(path: str, reading: Reading) -> Chunk:
    """``path`` as one document."""
    with _open(path) as stream:
        data = stream.read()
    try:
        return Chunk([data.decode("utf-8")], len(data))
    except UnicodeDecodeError as error:
        if reading.skip_invalid:
            return Chunk([], 0, 1)
        raise InvalidUtf8Error(
            f"{path}: the file is not valid UTF-8 (byte {error.start}): "
            "fix it or pass --skip-invalid to leave such files out"
        ) from None


def _parquet_chunks(path: str, reading: Reading) -> Iterator[Chunk]:
    """The column ``reading.column`` of a Parquet file, in batches of rows."""
    from tokkit.arrays import _pyarrow

    pa = _pyarrow()
    import pyarrow.compute as pc  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    if path == "-":
        raise CorpusFormatError("Parquet cannot be read from standard input: give its path")
    parquet = pq.ParquetFile(path)
    names = parquet.schema_arrow.names
    if reading.column not in names:
        raise CorpusFormatError(
            f"{path}: no column {reading.column!r} (columns: {', '.join(names)}); "
            "name the text column with --column"
        )
    kind = parquet.schema_arrow.field(reading.column).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        if not pa.types.is_string_view(kind):
            raise CorpusFormatError(f"{path}: column {reading.column!r} is {kind}, not strings")
    meta = parquet.metadata
    index = names.index(reading.column)
    size = sum(
        meta.row_group(g).column(index).total_uncompressed_size for g in range(meta.num_row_groups)
    )
    rows = max(1, reading.chunk_bytes * max(1, meta.num_rows) // max(1, size))
    first_row = 0
    for batch in parquet.iter_batches(batch_size=rows, columns=[reading.column]):
        texts = batch.column(0)
        skipped = 0
        if texts.null_count:
            if not reading.skip_invalid:
                row = first_row + int(pc.index(pc.is_null(texts), True).as_py())
                raise CorpusFormatError(
                    f"{path}: row {row}: column {reading.column!r} is null "
                    "(or pass --skip-invalid to leave such rows out)"
                )
            skipped = texts.null_count
            texts = texts.drop_null()
        first_row += len(batch)
        nbytes = pc.sum(pc.binary_length(texts)).as_py() or 0
        yield Chunk(texts, nbytes, skipped)
