"""The benchmark harness: every case runs tokkit and each reference on the same
input in the same process, checks they agree, then reports throughput and the
ratio tokkit / reference.

A case module (``bench/cases_*.py``) defines ``cases(quick: bool) -> list[Case]``.
"""

from __future__ import annotations

import functools
import gc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@dataclass
class Case:
    """One measurement: the same work done by several implementations.

    ``impls`` maps a name to a zero-argument callable doing the whole work once;
    the first entry is tokkit's. ``nbytes`` is the input size of one call (for
    MB/s). ``check`` runs before timing and raises when outputs differ.
    ``warmup=False`` skips the untimed first call of each implementation, for
    work that starts a fresh process every call and so has nothing to warm.
    ``notes`` are printed under the case's rows; ``summarize`` turns the best
    seconds of each implementation into more of them (ratios between rows).
    """

    name: str
    nbytes: int
    impls: dict[str, Callable[[], object]]
    check: Callable[[], None] | None = None
    repeat: int = 5
    notes: list[str] = field(default_factory=list)
    warmup: bool = True
    summarize: Callable[[dict[str, float]], list[str]] | None = None


def time_rounds(
    impls: dict[str, Callable[[], object]], repeat: int, warmup: bool = True
) -> dict[str, tuple]:
    """Best wall time of ``repeat`` calls of each implementation (after one
    warm-up each unless ``warmup`` is false), and its last result. A call run
    in a child process that reports its own ``seconds`` (see ``run_child``)
    is timed by that figure instead.

    The calls are taken in rounds, one call of every implementation per round,
    so a slow spell of the machine (this 2-core VM varies by up to 1.5x from
    one minute to the next) slows every implementation alike instead of
    whichever one was running: the ratios are what a run is for.
    """
    last = {impl: fn() for impl, fn in impls.items()} if warmup else {}
    best = dict.fromkeys(impls, float("inf"))
    for _ in range(repeat):
        for impl, fn in impls.items():
            gc.collect()
            start = time.perf_counter()
            last[impl] = fn()
            seconds = time.perf_counter() - start
            if isinstance(last[impl], dict) and "seconds" in last[impl]:
                seconds = last[impl]["seconds"]
            best[impl] = min(best[impl], seconds)
    return {impl: (best[impl], last[impl]) for impl in impls}


def run_case(case: Case) -> list[dict]:
    """Checks, times and returns one row per implementation; adds the
    ``summarize`` lines to ``case.notes``."""
    if case.check is not None:
        case.check()
    rows = []
    for impl, (seconds, result) in time_rounds(case.impls, case.repeat, case.warmup).items():
        row = {
            "case": case.name,
            "impl": impl,
            "seconds": seconds,
            "mb_per_s": case.nbytes / seconds / 1e6 if case.nbytes else None,
        }
        # an implementation run in a child process reports its own peak memory
        if isinstance(result, dict) and "peak_rss_mb" in result:
            row["peak_rss_mb"] = result["peak_rss_mb"]
        rows.append(row)
    ours = rows[0]
    for row in rows:
        row["tokkit_speedup"] = row["seconds"] / ours["seconds"]
        if row is not ours and "peak_rss_mb" in row and "peak_rss_mb" in ours:
            row["rss_vs_tokkit"] = row["peak_rss_mb"] / ours["peak_rss_mb"]
    if case.summarize is not None:
        case.notes.extend(case.summarize({row["impl"]: row["seconds"] for row in rows}))
    return rows


@functools.cache
def _random_bytes(n: int) -> bytes:
    return os.urandom(n)


def two_core_yardstick(repeat: int) -> Case:
    """The machine's own scaling from one core to two, run just before a
    2-thread case: SHA-256 of two 45 MB buffers, one after the other, then on
    two threads at once (hashlib releases the GIL). The threads share
    nothing, so no batch can scale better than this on the same machine in
    the same minute; on this VM it reads between about 1.65x and 1.95x,
    changing from minute to minute. The row of "1 thread" shows the ratio."""
    import hashlib
    import threading

    data = _random_bytes(45_000_000)

    def digest() -> None:
        hashlib.sha256(data).digest()

    def one_thread() -> None:
        digest()
        digest()

    def two_threads() -> None:
        threads = [threading.Thread(target=digest) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    return Case(
        name="two-core yardstick: SHA-256 of 2 x 45 MB, 2 threads",
        nbytes=2 * len(data),
        impls={"2 threads": two_threads, "1 thread": one_thread},
        repeat=repeat,
    )


def run_child(code: str, timed: str = "", env: dict[str, str] | None = None) -> dict:
    """Runs ``code`` and then ``timed`` in a fresh Python process, with ``env``
    added to the environment; returns its peak RSS in MB and, when ``timed``
    is given, the seconds that ``timed`` alone took. Imports go in ``code``:
    the interpreter's start and a peer's imports (up to a few tenths of a
    second) would otherwise swamp a training run that takes half a second."""
    import json
    import subprocess
    import sys

    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent
    # across fork and exec, so a child of a big process reports the parent's.
    script = f"""{code}
import json as _json, re as _re, time as _time
_start = _time.perf_counter()
{timed}
_seconds = _time.perf_counter() - _start
_hwm = _re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())
_report = {{'peak_rss_mb': int(_hwm.group(1)) / 1024}}
if {bool(timed)}:
    _report['seconds'] = _seconds
print(_json.dumps(_report))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise RuntimeError(f"child process failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def corpus_paths() -> list[Path]:
    """Every shared corpus file."""
    return sorted((SHARED / "corpus").rglob("*.txt"))
