"""The benchmark harness: every case runs tokkit and each reference on the same
input in the same process, checks they agree, then reports throughput and the
ratio tokkit / reference.

A case module (``bench/cases_*.py``) defines ``cases(quick: bool) -> list[Case]``.
"""

from __future__ import annotations

import gc
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
    """

    name: str
    nbytes: int
    impls: dict[str, Callable[[], object]]
    check: Callable[[], None] | None = None
    repeat: int = 5
    notes: list[str] = field(default_factory=list)


def time_best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls (after one warm-up), and the last result."""
    result = fn()
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def run_case(case: Case) -> list[dict]:
    """Checks, times and returns one row per implementation."""
    if case.check is not None:
        case.check()
    rows = []
    for impl, fn in case.impls.items():
        seconds, result = time_best(fn, case.repeat)
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
    ours = rows[0]["seconds"]
    for row in rows:
        row["tokkit_speedup"] = row["seconds"] / ours
    return rows


def run_child(code: str) -> dict:
    """Runs ``code`` in a fresh Python process; returns its peak RSS in MB."""
    import json
    import subprocess
    import sys

    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent
    # across fork and exec, so a child of a big process reports the parent's.
    script = (
        code
        + "\nimport json, re"
        + "\nhwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read())"
        + "\nprint(json.dumps({'peak_rss_mb': int(hwm.group(1)) / 1024}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def corpus_paths() -> list[Path]:
    """Every shared corpus file."""
    return sorted((SHARED / "corpus").rglob("*.txt"))
