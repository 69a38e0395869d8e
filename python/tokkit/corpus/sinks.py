"""Where encoded documents go: lines of ids on a stream, or shards in a
folder with the manifest that lets a stopped run resume.

Shards hold whole documents: a document goes to the current shard when it
fits under ``max_tokens_per_shard`` (or the shard is empty), else it opens
the next one. That rule looks at documents only, so the shards are the same
for any thread count and chunk size. ``manifest.json`` lists the finished
shards (documents and tokens of each) and is rewritten, temporary then
rename, after each one; resuming checks the run's settings are the same and
goes on from the next shard.
"""

from __future__ import annotations

import functools
import json
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import IO, Any

import numpy

from tokkit.corpus.shards import Shard, clear_temporaries, shard_names, write_id_lines
from tokkit.errors import InvalidArgumentError

MANIFEST = "manifest.json"


class Sink(ABC):
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

    @abstractmethod
    def add(self, ids: numpy.ndarray, offsets: numpy.ndarray) -> None:
        """Takes documents: ``ids[offsets[i]:offsets[i + 1]]`` is document ``i``."""

    def finish(self) -> None:  # noqa: B027 (nothing to do, unless a sink says otherwise)
        """Called once all documents are added."""

    def drop(self) -> None:  # noqa: B027 (nothing to do, unless a sink says otherwise)
        """Called when the run stops on an error."""

    def record(self, summary: dict[str, Any]) -> None:  # noqa: B027 (nothing to do, unless a sink says otherwise)
        """Keeps the summary of a finished run."""

    def prepare(self) -> None:  # noqa: B027
        """Does ahead of need what the sink will need (called on the writing
        thread once the first chunk is written)."""


class StreamSink(Sink):
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


class ShardSink(Sink):
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

    def prepare(self) -> None:
        # the tokenizer's digest, 10 ms for cl100k, which the first manifest needs
        _ = self.settings

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
