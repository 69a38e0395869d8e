"""The fresh-text method of ``cases_peers.py``, run in a child process per
case and mode so that every implementation starts with cold caches:

- the documents (~1 KB or ~100 KB, cut from every shared corpus) are dealt
  into disjoint sets, each an even share of every language stream;
- every implementation first encodes the warm-up set (untimed), then in each
  round the round's own set, which it has never seen; the order of the
  implementations rotates from round to round, so a slow spell of the
  machine falls on all of them;
- a "repeated" pass then encodes the warm-up set again (same documents);
- with ``encode`` per document, each stream of a set is timed on its own;
  a batch is one call per set. The CPU time of each of the process's threads
  is kept, so a batch call that runs on more threads than asked shows it;
- every output is compared with the reference's ids afterwards.

``python bench/fresh_text.py CASE MODE ROUNDS STEP`` prints the figures as
JSON; MODE is ``1KB``, ``100KB`` (one ``encode`` per document), ``batch1`` or
``batch2`` (one batch call per stream of a set, on 1 or 2 threads).
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from harness import SHARED, corpus_paths  # noqa: E402
from peers import Case, Ids, Impl, build  # noqa: E402
from references import cut_documents  # noqa: E402

MODES = {"1KB": 1000, "100KB": 100_000, "batch1": 1000, "batch2": 1000}


def stream_of(path: Path) -> str:
    """The language stream of a corpus file: its folder under corpus/."""
    return path.relative_to(SHARED / "corpus").parts[0]


def documents(size: int, step: int) -> list[tuple[str, str]]:
    """(stream, document) for every ``step``-th document of ``size`` bytes,
    in corpus order."""
    docs = [(stream_of(p), d) for p in corpus_paths() for d in cut_documents([p], size)]
    return docs[::step]


def deal(docs: list[tuple[str, str]], sets: int) -> list[dict[str, list[str]]]:
    """The documents dealt in turn into ``sets`` sets, each grouped by stream."""
    out: list[dict[str, list[str]]] = [{} for _ in range(sets)]
    for i, (stream, doc) in enumerate(docs):
        out[i % sets].setdefault(stream, []).append(doc)
    return out


def as_list(ids: object) -> list[int]:
    return ids.tolist() if hasattr(ids, "tolist") else list(ids)


def thread_ticks() -> dict[str, int]:
    """CPU time so far of each thread of this process, in clock ticks."""
    out = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            stat = Path(f"/proc/self/task/{tid}/stat").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        # the fields after the command's ")": utime and stime are 12th and 13th
        fields = stat.rsplit(")", 1)[1].split()
        out[tid] = int(fields[11]) + int(fields[12])
    return out


def _pass(impl: Impl, docs: list[str], mode: str) -> tuple[list, float, float, dict]:
    """(outputs, wall seconds, CPU seconds, CPU ticks per thread) of one
    timed pass over ``docs``. The CPU time says how many cores were busy
    only on an idle machine; the ticks per thread show a pool's threads
    sharing the work (threads a call starts and ends count as one, "ended")."""
    gc.collect()
    before = thread_ticks()
    cpu, start = time.process_time(), time.perf_counter()
    if mode in ("1KB", "100KB"):
        encode = impl.encode
        out = [encode(d) for d in docs]
    else:
        out = impl.batch(docs, 2 if mode == "batch2" else 1)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    ticks = {tid: n - before.get(tid, 0) for tid, n in thread_ticks().items()}
    # threads the call started and ended are gone from /proc: their share
    ticks["ended"] = max(0, round(cpu * os.sysconf("SC_CLK_TCK")) - sum(ticks.values()))
    return out, wall, cpu, ticks


def _timed(
    impls: list[Impl],
    sets: list[dict[str, list[str]]],
    mode: str,
    failed: dict[str, str],
    references: dict[str, Ids] | None = None,
) -> dict:
    """Per implementation, per round and stream: seconds, bytes, CPU seconds;
    with ``references`` (by name), how many documents' ids equal those of the
    implementation's reference (compared as each pass ends, untimed: the
    outputs of a whole run would not fit). An
    implementation that raises (or panics) is recorded in ``failed`` and
    left out from then on."""
    figures: dict[str, dict] = {
        i.name: {"rounds": [], "same": 0, "docs": 0, "ticks": {}} for i in impls
    }
    for r, one_set in enumerate(sets):
        want = {
            name: {s: [as_list(reference(d)) for d in docs] for s, docs in one_set.items()}
            for name, reference in (references or {}).items()
        }
        order = impls[r % len(impls) :] + impls[: r % len(impls)]
        for impl in order:
            streams = {}
            for stream, docs in one_set.items():
                if impl.name in failed:
                    break
                try:
                    out, wall, cpu, ticks = _pass(impl, docs, mode)
                except BaseException as error:
                    # pyo3's PanicException (a peer's Rust panic) is a BaseException
                    if isinstance(error, (KeyboardInterrupt, SystemExit)):
                        raise
                    failed[impl.name] = f"{type(error).__name__} on {stream} text: {error}"[:200]
                    break
                nbytes = sum(len(d.encode("utf-8")) for d in docs)
                streams[stream] = {"seconds": wall, "cpu": cpu, "bytes": nbytes}
                spent = figures[impl.name]["ticks"]
                for tid, n in ticks.items():
                    spent[tid] = spent.get(tid, 0) + n
                if want:
                    expected = want[impl.reference_name or ""][stream]
                    figures[impl.name]["same"] += sum(
                        as_list(a) == b for a, b in zip(out, expected, strict=True)
                    )
                    figures[impl.name]["docs"] += len(docs)
                del out
            figures[impl.name]["rounds"].append(streams)
    return figures


def measure(case: Case, mode: str, rounds: int, step: int) -> tuple[dict, dict[str, str]]:
    """The figures of every implementation of ``case`` in ``mode``, and the
    implementations that failed, with their error."""
    impls = case.impls
    sets = deal(documents(MODES[mode], step), rounds + 1)
    if mode.startswith("batch"):
        # one batch call per set, all streams mixed, as a batch is used: a
        # batch per stream is too small for some peers to split across threads
        sets = [{"all": [d for docs in one_set.values() for d in docs]} for one_set in sets]
    warm, fresh = sets[0], sets[1:]
    failed: dict[str, str] = {}
    _timed(impls, [warm], mode, failed)
    references = {"": case.reference}
    references.update({i.reference_name: i.reference for i in impls if i.reference_name})
    result = _timed(impls, fresh, mode, failed, references)
    # Repeated text is the secondary figure: three rounds are enough.
    again = [warm] * min(rounds, 3)
    repeated = _timed(impls, again, mode, failed) if mode != "batch2" else {}
    figures = {
        impl.name: {
            "rounds": result[impl.name]["rounds"],
            "agree": result[impl.name]["same"] / result[impl.name]["docs"],
            "docs": result[impl.name]["docs"],
            "repeated": repeated[impl.name]["rounds"] if repeated else None,
            "checked_against": impl.reference_name,
            # CPU ticks of each thread that worked
            "thread_ticks": {k: n for k, n in result[impl.name]["ticks"].items() if n},
        }
        for impl in impls
        if impl.name not in failed
    }
    return figures, failed


def main(argv: list[str]) -> int:
    key, mode, rounds, step = argv[0], argv[1], int(argv[2]), int(argv[3])
    case = build(key)
    figures, failed = measure(case, mode, rounds, step)
    notes = case.notes + [f"{name} failed, left out: {error}" for name, error in failed.items()]
    report = {"case": case.name, "reference": case.reference_name, "notes": notes}
    print(json.dumps({**report, "impls": figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
