"""Reading and writing beside the encoding: the encoders release the GIL,
so a thread reads the next chunk and another writes the last one while the
calling thread encodes. Each hand-over holds at most one or two chunks,
which bounds memory."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import numpy

from tokkit.corpus.sinks import Sink
from tokkit.corpus.sources import Chunk

_END = object()


def read_ahead(chunks: Iterator[Chunk]) -> Iterator[Chunk]:
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


class WriteBehind:
    """Hands encoded chunks to a sink on a thread of its own, so that
    writing one (the ids converted to the stored type, the file writes)
    overlaps encoding the next; at most two wait, which bounds memory. On
    the 67 MB mix with cl100k the writes took 0.2-0.8 s of a 3.6 s run."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self._jobs: queue.Queue[Any] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write, daemon=True)
        self._thread.start()

    def _write(self) -> None:
        # takes every job, so that a put never waits forever; after an
        # error the rest are dropped
        first = True
        while (job := self._jobs.get()) is not _END:
            if self._error is None:
                try:
                    self.sink.add(*job)
                    if first:
                        # while the next chunk is encoded, without the GIL
                        self.sink.prepare()
                        first = False
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
