"""The corpus run: read documents in chunks (:mod:`.sources`), encode each
chunk with the tokenizer's flat batch call, no Python object per token
(:mod:`.encoders`), add BOS/EOS, and hand the ids to a sink (:mod:`.sinks`),
reading and writing beside the encoding (:mod:`.overlap`). A resumed run
skips the documents of the finished shards without encoding them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy

from tokkit.arrays import BatchArrays
from tokkit.corpus import DEFAULT_MAX_TOKENS_PER_SHARD, DTYPES, FORMATS
from tokkit.corpus.encoders import CorpusEncoder, Tokenizers
from tokkit.corpus.overlap import WriteBehind, read_ahead
from tokkit.corpus.progress import Progress
from tokkit.corpus.sinks import ShardSink, Sink, StreamSink
from tokkit.corpus.sources import (
    COMPRESSED,
    INPUT_FORMATS,
    Chunk,
    Reading,
    check_inputs,
    input_format_of,
    read_chunks,
)
from tokkit.errors import InvalidArgumentError, InvalidUtf8Error


def encode_corpus(
    tokenizer: Tokenizers,
    files: list[str | os.PathLike[str]] | str | os.PathLike[str],
    out_dir: str | os.PathLike[str] | IO[str] | None,
    *,
    format: str = "npy",
    input_format: str = "auto",
    field: str | None = None,
    column: str = "text",
    doc_per_file: bool = False,
    dtype: str = "auto",
    append_eos: bool = False,
    prepend_bos: bool = False,
    eos_token: str | None = None,
    bos_token: str | None = None,
    add_special_tokens: bool = True,
    max_tokens_per_shard: int = DEFAULT_MAX_TOKENS_PER_SHARD,
    threads: int | None = None,
    resume: bool = False,
    skip_invalid: bool = False,
    chunk_bytes: int = 1 << 22,
    progress: bool | None = None,
) -> dict[str, Any]:
    r"""Tokenizes a corpus into id shards for training; returns a summary.

    ``files`` are text files (a document per line, or per file with
    ``doc_per_file``), JSON Lines (the string ``field`` of each object,
    ``"text"`` by default), Parquet (the string ``column``), any of them
    ``.gz`` or ``.zst``, or ``"-"`` for standard input; ``input_format``
    overrides the choice by extension. ``format`` is ``npy``, ``bin``,
    ``megatron``, ``parquet`` or ``ids`` (see :mod:`tokkit.corpus.shards`);
    with ``out_dir=None`` (or a text stream) the ids go to standard output
    (or the stream), one line per document, and nothing is sharded.

    Every token of every document is written: a tokenizer.json's truncation
    and padding are not applied. The ids equal ``encode_batch``'s (``Tokenizer``
    with ``add_special_tokens``, ``TiktokenEncoding.encode_ordinary_batch``),
    with ``bos_token``/``eos_token`` (or the tokenizer's own) around each
    document when ``prepend_bos``/``append_eos``. ``dtype="auto"`` stores
    ``uint16`` when every id fits; ``"uint16"`` is refused before any work when
    one does not. The output does not depend on ``threads``; memory holds a
    few chunks of ``chunk_bytes``, whatever the corpus size.

    The summary: documents, tokens, bytes (of text), tokens_per_byte, shards,
    seconds, skipped (invalid records left out with ``skip_invalid``), dtype,
    files, resumed_shards, and what of the tokenizer was ignored.

    >>> import pathlib, tempfile, numpy
    >>> from tokkit import TiktokenEncoding
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "corpus.txt").write_text("hi\nyo\n")
    >>> ranks = {bytes([b]): b for b in range(256)}
    >>> eot = {"<|endoftext|>": 256}
    >>> tok = TiktokenEncoding("b", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens=eot)
    >>> summary = encode_corpus(tok, [folder / "corpus.txt"], folder / "out", append_eos=True)
    >>> summary["documents"], summary["tokens"], summary["dtype"]
    (2, 6, 'uint16')
    >>> numpy.load(folder / "out" / "shard_00000.npy").tolist()
    [104, 105, 256, 121, 111, 256]
    >>> numpy.load(folder / "out" / "shard_00000.offsets.npy").tolist()
    [0, 3, 6]
    """
    start = time.perf_counter()
    if isinstance(files, str | os.PathLike):
        paths = [os.fspath(files)]
    else:
        paths = [os.fspath(f) for f in files]
    _check_options(format, input_format, dtype, max_tokens_per_shard, chunk_bytes, paths)
    check_inputs(paths)
    reading = Reading(
        input_format=input_format,
        field=field or "text",
        column=column,
        doc_per_file=doc_per_file,
        skip_invalid=skip_invalid,
        chunk_bytes=chunk_bytes,
    )
    encoder = CorpusEncoder(tokenizer, add_special_tokens)
    try:
        bos = encoder.special_id("bos", bos_token) if prepend_bos else None
        eos = encoder.special_id("eos", eos_token) if append_eos else None
        stored = _resolve_dtype(dtype, encoder.id_bound)
        settings: dict[str, Any] = {
            "files": paths,
            "format": format,
            "dtype": str(stored),
            "reading": [input_format, reading.field, column, doc_per_file, skip_invalid],
            "bos": bos,
            "eos": eos,
            "add_special_tokens": add_special_tokens,
            "max_tokens_per_shard": max_tokens_per_shard,
        }
        if out_dir is None or hasattr(out_dir, "write"):
            sink: Sink = StreamSink(out_dir)  # type: ignore[arg-type]
        else:
            out = Path(out_dir)  # type: ignore[arg-type]
            settings["tokenizer_sha256"] = lambda: encoder.fingerprint
            sink = ShardSink(out, format, stored, max_tokens_per_shard, settings, resume)
        if sink.complete is not None:
            return {**sink.complete, "seconds": time.perf_counter() - start}
        meter = Progress(progress, _known_size(paths, reading))
        chunks = read_ahead(read_chunks(paths, reading, field is not None))
        plan = _Plan(encoder, threads or os.cpu_count() or 1, bos, eos, stored)
        documents, nbytes, skipped = _encode_all(chunks, plan, sink, meter)
    finally:
        encoder.restore()
    summary = {
        "documents": documents,
        "tokens": sink.tokens,
        "bytes": nbytes,
        "tokens_per_byte": sink.tokens / nbytes if nbytes else 0.0,
        "shards": sink.shards,
        "seconds": time.perf_counter() - start,
        "skipped": skipped,
        "dtype": "uint32" if format == "parquet" else sink.dtype_name,
        "format": format,
        "files": sink.files,
        "resumed_shards": sink.resumed_shards,
        "truncation_ignored": encoder.ignored["truncation"],
        "padding_ignored": encoder.ignored["padding"],
        "notes": encoder.notes,
    }
    sink.record(summary)
    return summary


@dataclass(frozen=True)
class _Plan:
    """What to do with each chunk: encode on ``threads``, add BOS/EOS, store as ``dtype``."""

    encoder: CorpusEncoder
    threads: int
    bos: int | None
    eos: int | None
    dtype: numpy.dtype


def _encode_all(
    chunks: Iterator[Chunk], plan: _Plan, sink: Sink, meter: Progress
) -> tuple[int, int, int]:
    """Encodes every chunk into ``sink``, past the documents it already
    holds; returns the documents, text bytes and invalid records read."""
    to_skip = sink.done_documents
    documents = nbytes = skipped = 0
    writer = WriteBehind(sink)
    try:
        for chunk in chunks:
            if to_skip and chunk.reread is not None:
                # documents to resume past are counted as the first run
                # counted them: without the lines that are not UTF-8
                chunk = chunk.reread()
            try:
                batch = _encode_rest(plan, chunk.texts, to_skip)
            except (InvalidUtf8Error, InvalidArgumentError):
                # the core says "not UTF-8" of an Arrow row as a bad argument
                if chunk.reread is None:
                    raise
                chunk = chunk.reread()
                batch = _encode_rest(plan, chunk.texts, to_skip)
            documents += len(chunk.texts)
            nbytes += chunk.text_bytes
            skipped += chunk.skipped
            to_skip = max(0, to_skip - len(chunk.texts))
            if batch is not None:
                writer.add(*with_specials(batch.ids, batch.offsets, plan.bos, plan.eos))
            meter.update(nbytes, documents, sink.tokens, sink.shards)
        writer.close()
    except BaseException:
        writer.stop()
        sink.drop()
        raise
    sink.finish()
    meter.finish(nbytes, documents, sink.tokens, sink.shards)
    return documents, nbytes, skipped


def _encode_rest(plan: _Plan, texts: Any, skip: int) -> BatchArrays | None:
    """The ids of ``texts`` after the first ``skip`` (None when none are left)."""
    if skip >= len(texts):
        return None
    return plan.encoder.encode(texts[skip:] if skip else texts, plan.threads)


def _check_options(
    fmt: str,
    input_format: str,
    dtype: str,
    max_tokens: int,
    chunk_bytes: int,
    paths: list[str],
) -> None:
    for name, value, allowed in (
        ("format", fmt, FORMATS),
        ("input_format", input_format, INPUT_FORMATS),
        ("dtype", dtype, DTYPES),
    ):
        if value not in allowed:
            raise InvalidArgumentError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    if max_tokens < 1 or chunk_bytes < 1:
        raise InvalidArgumentError("max_tokens_per_shard and chunk_bytes must be positive")
    if not paths:
        raise InvalidArgumentError("no input files: give at least one (- for standard input)")


def _resolve_dtype(dtype: str, id_bound: int) -> numpy.dtype:
    """The stored integer type: ``uint16`` when every id fits (``auto``)."""
    fits = id_bound <= 1 << 16
    if dtype == "uint16" and not fits:
        raise InvalidArgumentError(
            f"the tokenizer has ids up to {id_bound - 1}, more than uint16 holds (65535): "
            "use --dtype uint32 (or auto)"
        )
    if dtype == "uint16" or (dtype == "auto" and fits):
        return numpy.dtype(numpy.uint16)
    return numpy.dtype(numpy.uint32)


def _known_size(paths: list[str], reading: Reading) -> int | None:
    """The inputs' total size when it measures the text (plain files)."""
    if any(p == "-" or p.lower().endswith(COMPRESSED) for p in paths):
        return None
    if any(input_format_of(p, reading, False) != "text" for p in paths):
        return None
    return sum(os.path.getsize(p) for p in paths)


def with_specials(
    ids: numpy.ndarray, offsets: numpy.ndarray, bos: int | None, eos: int | None
) -> tuple[numpy.ndarray, numpy.ndarray]:
    """``ids`` with ``bos`` before and ``eos`` after each document."""
    extra = (bos is not None) + (eos is not None)
    if not extra:
        return ids, offsets
    count = len(offsets) - 1
    moved = offsets + numpy.arange(count + 1, dtype=numpy.int64) * extra
    out = numpy.empty(int(moved[-1]), dtype=numpy.uint32)
    keep = numpy.ones(len(out), dtype=bool)
    if bos is not None:
        out[moved[:-1]] = bos
        keep[moved[:-1]] = False
    if eos is not None:
        out[moved[1:] - 1] = eos
        keep[moved[1:] - 1] = False
    out[keep] = ids
    return out, moved
