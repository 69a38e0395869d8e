"""The progress line of a corpus run: bytes, MB/s, documents/s, tokens/s and
shards, redrawn on stderr at most five times a second, and only on a
terminal, so logs and pipes never fill with redraws (as the trainers' bars in
``rust_src/train/progress.rs``)."""

from __future__ import annotations

import sys
import time

REDRAW_SECONDS = 0.2


class Progress:
    """Counts what a run has done and shows it when ``enabled``."""

    def __init__(self, enabled: bool | None, total_bytes: int | None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.total_bytes = total_bytes
        self.start = time.perf_counter()
        self._drawn = 0.0

    def update(
        self, nbytes: int, documents: int, tokens: int, shards: int, done: bool = False
    ) -> None:
        """Redraws the line when it is due (always when ``done``)."""
        now = time.perf_counter()
        if not self.enabled or (now - self._drawn < REDRAW_SECONDS and not done):
            return
        self._drawn = now
        seconds = max(now - self.start, 1e-9)
        bar = ""
        if self.total_bytes:
            # the text leaves out line ends: a whole file reads as 100%
            share = 1.0 if done else min(nbytes / self.total_bytes, 1.0)
            filled = int(share * 20)
            bar = f"[{'#' * filled}{'.' * (20 - filled)}] {share:4.0%} "
        sys.stderr.write(
            f"\r{bar}{nbytes / 1e6:,.1f} MB, {nbytes / 1e6 / seconds:,.1f} MB/s, "
            f"{documents / seconds:,.0f} docs/s, {tokens / seconds:,.0f} tokens/s, "
            f"{shards} shards "
        )
        sys.stderr.flush()

    def finish(self, nbytes: int, documents: int, tokens: int, shards: int) -> None:
        """Draws the last line and ends it."""
        if self.enabled:
            self.update(nbytes, documents, tokens, shards, done=True)
            sys.stderr.write("\n")
            sys.stderr.flush()
