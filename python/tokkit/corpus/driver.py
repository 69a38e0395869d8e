"""The corpus run: read documents in chunks, encode each chunk with the
tokenizer's flat batch call (no Python object per token), add BOS/EOS, cut
into shards, and keep a manifest so that a killed run resumes.

Shards hold whole documents: a document goes to the current shard when it
fits under ``max_tokens_per_shard`` (or the shard is empty), else it opens
the next one. That rule looks at documents only, so the shards are the same
for any thread count and chunk size. ``manifest.json`` in the output folder
lists the finished shards (documents and tokens of each) and is rewritten,
temporary then rename, after each one; ``resume`` reads it, checks the run's
settings are the same, skips the documents those shards hold without
encoding them, and goes on from the next shard.
"""

from __future__ import annotations

import functools
import json
import os
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy

from tokkit.arrays import BatchArrays
from tokkit.corpus.encoders import CorpusEncoder, Tokenizers
from tokkit.corpus.progress import Progress
from tokkit.corpus.shards import FORMATS, Shard, clear_temporaries, shard_names, write_id_lines
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

MANIFEST = "manifest.json"
DEFAULT_MAX_TOKENS_PER_SHARD = 100_000_000
DTYPES = ("auto", "uint16", "uint32")


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
            sink: _Sink = _StreamSink(out_dir)  # type: ignore[arg-type]
        else:
            out = Path(out_dir)  # type: ignore[arg-type]
            settings["tokenizer_sha256"] = lambda: encoder.fingerprint
            sink = _ShardSink(out, format, stored, max_tokens_per_shard, settings, resume)
        if sink.complete is not None:
            return {**sink.complete, "seconds": time.perf_counter() - start}
        meter = Progress(progress, _known_size(paths, reading))
        chunks = _ahead(read_chunks(paths, reading, field is not None))
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
    chunks: Iterator[Chunk], plan: _Plan, sink: _Sink, meter: Progress
) -> tuple[int, int, int]:
    """Encodes every chunk into ``sink``, past the documents it already
    holds; returns the documents, text bytes and invalid records read."""
    to_skip = sink.done_documents
    documents = nbytes = skipped = 0
    writer = _WriteBehind(sink)
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
                writer.add(*_with_specials(batch.ids, batch.offsets, plan.bos, plan.eos))
            meter.update(nbytes, documents, sink.tokens, sink.shards)
        writer.close()
    except BaseException:
        writer.stop()
        sink.drop()
        raise
    sink.finish()
    meter.finish(nbytes, documents, sink.tokens, sink.shards)
    return documents, nbytes, skipped


class _WriteBehind:
    """Hands encoded chunks to a sink on a thread of its own, so that
    writing one (the ids converted to the stored type, the file writes)
    overlaps encoding the next; at most two wait, which bounds memory. On
    the 67 MB mix with cl100k the writes took 0.2-0.8 s of a 3.6 s run."""

    def __init__(self, sink: _Sink) -> None:
        self.sink = sink
        self._jobs: queue.Queue[Any] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, daemon=True)
        self._thread.start()

    def _write(self) -> None:
        # takes every job, so that a put never waits forever; after an
        # error the rest are dropped
        while (job := self._jobs.get()) is not _END:
            if self._error is None:
                try:
                    self.sink.add(*job)
                except BaseException as error:
                    self._error = error

    def add(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
        """Queues documents for the sink (raises what an earlier write raised)."""
        self._raise()
        self._jobs.put((ids, offsets))

    def close(self) -> None:
        """Waits until every queued chunk is written; raises what writing raised."""
        self.stop()
        self._raise()

    def stop(self) -> None:
        """Ends the thread once it has taken what is queued."""
        if self._thread.is_alive():
            self._jobs.put(_END)
            self._thread.join()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error


def _ahead(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """``chunks``, each read on a thread of its own while the one before is
    encoded (the encoders release the GIL). An error while reading is raised
    here; a consumer that stops early stops the reader."""
    ready: queue.Queue[Any] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: Any) -> bool:
        """Hands ``item`` over unless the consumer has stopped."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not offer(chunk):
                    return
            offer(_END)
        except BaseException as error:
            offer(error)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        # a reader blocked on standard input cannot be woken: it is a daemon,
        # left to end with the process
        reader.join(timeout=1.0)


_END = object()


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


def _with_specials(
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


class _Sink:
    """Where encoded documents go."""

    complete: dict[str, Any] | None = None
    done_documents = 0
    tokens = 0
    shards = 0
    resumed_shards = 0
    dtype_name = ""

    @property
    def files(self) -> list[str]:
        """The files written, shard by shard."""
        return []

    def add(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """Called once all documents are added."""

    def drop(self) -> None:
        """Called when the run stops on an error."""

    def record(self, summary: dict[str, Any]) -> None:
        """Keeps the summary of a finished run."""


class _StreamSink(_Sink):
    """Lines of ids on a text stream (standard output by default)."""

    def __init__(self, out: IO[str] | None) -> None:
        import sys

        self.out = out if out is not None else sys.stdout
        self.dtype_name = "uint32"

    def add(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
        write_id_lines(self.out, ids, offsets)
        self.tokens += len(ids)

    def finish(self) -> None:
        self.out.flush()


class _ShardSink(_Sink):
    """Shards in a folder, with the manifest that lets a run resume."""

    def __init__(
        self,
        out_dir: Path,
        fmt: str,
        dtype: numpy.dtype,
        max_tokens: int,
        settings: dict[str, Any],
        resume: bool,
    ) -> None:
        self.out_dir, self.fmt, self.dtype, self.max_tokens = out_dir, fmt, dtype, max_tokens
        self.dtype_name = "int32" if fmt == "megatron" and dtype.itemsize == 4 else str(dtype)
        self._settings = settings
        self.done: list[dict[str, Any]] = []
        self.shard: Shard | None = None
        out_dir.mkdir(parents=True, exist_ok=True)
        manifest = out_dir / MANIFEST
        if manifest.exists():
            if not resume:
                raise InvalidArgumentError(
                    f"{out_dir} already holds a run ({MANIFEST}): pass --resume to finish it, "
                    "or write to another folder"
                )
            self._resume(json.loads(manifest.read_text(encoding="utf-8")))
        elif (out_dir / shard_names(fmt, 0)[0]).exists():
            raise InvalidArgumentError(
                f"{out_dir} holds shards but no {MANIFEST}: write to another folder"
            )
        clear_temporaries(out_dir)

    @functools.cached_property
    def settings(self) -> dict[str, Any]:
        """The run's settings, the tokenizer's digest in place of the callable
        that waits for it (taken when first needed)."""
        return {k: v() if callable(v) else v for k, v in self._settings.items()}

    def _resume(self, manifest: dict[str, Any]) -> None:
        if manifest.get("settings") != self.settings:
            changed = [
                k for k in self.settings if manifest.get("settings", {}).get(k) != self.settings[k]
            ]
            raise InvalidArgumentError(
                f"{self.out_dir}: cannot resume: the run there used other settings "
                f"({', '.join(changed) or 'unknown'} differ)"
            )
        for shard in manifest["shards"]:
            if not all((self.out_dir / name).exists() for name in shard["files"]):
                break
            self.done.append(shard)
        self.shards = self.resumed_shards = len(self.done)
        self.tokens = sum(s["tokens"] for s in self.done)
        self.done_documents = sum(s["documents"] for s in self.done)
        self.complete = (
            manifest.get("summary") if len(self.done) == len(manifest["shards"]) else None
        )
        if self.complete is not None:
            self.complete = {**self.complete, "resumed_shards": self.shards}

    def add(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
        first, count = 0, len(offsets) - 1
        while first < count:
            if self.shard is None:
                self.shard = Shard(self.out_dir, self.fmt, self.shards, self.dtype)
            room = self.max_tokens - self.shard.tokens
            ends = offsets[first + 1 :] - offsets[first]
            fit = int(numpy.searchsorted(ends, room, side="right"))
            if fit == 0 and self.shard.documents == 0:
                fit = 1  # a document longer than a shard is a shard of its own
            if fit:
                a, b = int(offsets[first]), int(offsets[first + fit])
                self.shard.add(ids[a:b], offsets[first : first + fit + 1] - a)
                self.tokens += b - a
                first += fit
            if first < count:
                self._close()

    def _close(self) -> None:
        assert self.shard is not None
        paths = self.shard.close()
        self.done.append(
            {
                "files": [p.name for p in paths],
                "documents": self.shard.documents,
                "tokens": self.shard.tokens,
            }
        )
        self.shard = None
        self.shards += 1
        self._write_manifest(None)

    def finish(self) -> None:
        if self.shard is not None and self.shard.documents:
            self._close()
        elif self.shard is not None:
            self.shard.drop()

    def drop(self) -> None:
        if self.shard is not None:
            self.shard.drop()

    def record(self, summary: dict[str, Any]) -> None:
        self._write_manifest(summary)

    @property
    def files(self) -> list[str]:
        return [str(self.out_dir / name) for shard in self.done for name in shard["files"]]

    def _write_manifest(self, summary: dict[str, Any] | None) -> None:
        manifest = {"settings": self.settings, "shards": self.done, "summary": summary}
        temporary = self.out_dir / f".{MANIFEST}.tmp"
        temporary.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        os.replace(temporary, self.out_dir / MANIFEST)
