"""tokkit against the newer encoders on PyPI (issue 21): fastokens, gigatoken,
tokie, bpe-openai, rs-bpe and kitoken, beside the references (tiktoken, HF
tokenizers, sentencepiece), on fresh text (see ``fresh_text.py`` for the
method; ``peers.py`` for who reads which vocabulary).

Each case and mode runs in its own process: ~1 KB and ~100 KB documents one
``encode`` at a time, and batches of ~1 KB documents on 1 thread and on 2
(after the machine's two-core yardstick). MB/s add every round's bytes and
seconds; "tokkit ÷ peer" is the median over rounds of the ratio within a
round (the same documents, the same minute), with its range. A peer counts
as exact when its ids equal the reference's on every document; a 1-thread
batch that kept more than one core busy (see ONE_CORE) is shown but left out
of the comparison. Writes ``results/peers.md`` (the summary table and
per-stream figures), ``results/peers.svg`` (bar chart) and
``results/peers.json`` (every round's seconds, bytes and CPU time per stream).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bar_chart import svg
from harness import run_case, two_core_yardstick
from peers import BUILDERS

HERE = Path(__file__).resolve().parent
MODES = {
    "1KB": "~1 KB docs, encode, 1 thread",
    "100KB": "~100 KB docs, encode, 1 thread",
    "batch1": "~1 KB docs, batch, 1 thread",
    "batch2": "~1 KB docs, batch, 2 threads",
}
STREAMS = ["english", "chinese", "japanese", "code", "multilingual"]
# A 1-thread batch ran on more than one core when its CPU time exceeds its
# wall time by this much. On a busy machine a process gets less than a core,
# so the threads that did the work are shown too.
ONE_CORE = 1.15


def _child(key: str, mode: str, rounds: int, step: int) -> dict:
    threads = "2" if mode == "batch2" else "1"
    env = {**os.environ, "RAYON_NUM_THREADS": threads, "RAYON_RS_NUM_THREADS": threads}
    args = [str(HERE / "fresh_text.py"), key, mode, str(rounds), str(step)]
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(f"{key} {mode} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _sum(rounds: list[dict], what: str, streams: list[str] | None = None) -> float:
    return sum(
        s[what] for r in rounds for name, s in r.items() if streams is None or name in streams
    )


def _mbps(rounds: list[dict], streams: list[str] | None = None) -> float:
    return _sum(rounds, "bytes", streams) / _sum(rounds, "seconds", streams) / 1e6


def _workers(ticks: dict[str, int]) -> str:
    """The threads that did at least a tenth of the work, as shares; threads
    started and ended within each call count as one ("ended")."""
    total = sum(ticks.values()) or 1
    shares = sorted(((n / total, k) for k, n in ticks.items() if n * 10 >= total), reverse=True)
    return "+".join(f"{share:.0%}" + (" ended" if k == "ended" else "") for share, k in shares)


def _several_cores(s: dict) -> bool:
    return s["cpu"] > ONE_CORE


def summarize(figures: dict) -> dict:
    """Per implementation: MB/s (fresh, repeated, per stream and per round),
    CPU / wall, agreement, and its speed against the first tokkit row."""
    impls = figures["impls"]
    ours = next(iter(impls.values()))
    out = {}
    for name, f in impls.items():
        rounds = f["rounds"]
        ratios = [
            _sum([mine], "seconds") / _sum([theirs], "seconds")
            for mine, theirs in zip(rounds, ours["rounds"], strict=True)
        ]
        out[name] = {
            "mbps": _mbps(rounds),
            "seconds": _sum(rounds, "seconds"),
            "rounds": [_mbps([r]) for r in rounds],
            "streams": {s: _mbps(rounds, [s]) for s in STREAMS if s in rounds[0]},
            "repeated": _mbps(f["repeated"]) if f["repeated"] else None,
            "cpu": _sum(rounds, "cpu") / _sum(rounds, "seconds"),
            "threads": _workers(f["thread_ticks"]),
            "agree": f["agree"],
            "docs": f["docs"],
            # how many times faster the first tokkit row is, round by round
            "vs_tokkit": statistics.median(ratios),
            "vs_tokkit_range": (min(ratios), max(ratios)),
        }
    return out


def _differ(s: dict) -> str:
    """How many documents' ids differ from the reference's, of how many."""
    return f"{round((1 - s['agree']) * s['docs'])} of {s['docs']} docs"


def fastest_exact(summary: dict, mode: str) -> str | None:
    """The fastest peer whose ids are the reference's on every document (and
    whose 1-thread batch kept to one core)."""
    exact = [
        name
        for name, s in summary.items()
        if not name.startswith("tokkit")
        and s["agree"] == 1.0
        and (mode != "batch1" or not _several_cores(s))
    ]
    return max(exact, key=lambda n: summary[n]["mbps"], default=None)


def _notes(figures: dict, summary: dict, mode: str) -> list[str]:
    notes = [f"reference: {figures['reference']}, {next(iter(summary.values()))['docs']} docs"]
    others = [n for n, f in figures["impls"].items() if f["checked_against"]]
    if others:
        against = figures["impls"][others[0]]["checked_against"]
        notes.append(f"checked against {against} instead: {', '.join(others)}")
    differ = [f"{n} {_differ(s)}" for n, s in summary.items() if s["agree"] < 1.0]
    notes.append(
        "ids identical to the reference on every document: "
        + ", ".join(n for n, s in summary.items() if s["agree"] == 1.0)
        + (f"; ids DIFFER: {', '.join(differ)}" if differ else "")
    )
    if mode == "batch1":
        busy = [f"{n} {s['cpu']:.2f}" for n, s in summary.items() if _several_cores(s)]
        if busy:
            notes.append(f"more than one core busy (CPU / wall), not compared: {', '.join(busy)}")
    if mode.startswith("batch"):
        notes.append(
            "CPU / wall (threads' shares of the work): "
            + ", ".join(f"{n} {s['cpu']:.2f} ({s['threads']})" for n, s in summary.items())
        )
    peer = fastest_exact(summary, mode)
    ours = next(iter(summary))
    spread = ", ".join(
        f"{n} {min(s['rounds']):.1f}-{max(s['rounds']):.1f}" for n, s in summary.items()
    )
    notes.append(f"MB/s range over rounds: {spread}")
    if peer is not None:
        s = summary[peer]
        low, high = s["vs_tokkit_range"]
        per_stream = ", ".join(
            f"{st} {summary[ours]['streams'][st]:.1f} | {s['streams'][st]:.1f}"
            for st in summary[ours]["streams"]
        )
        notes.append(
            f"tokkit / fastest exact peer ({peer}): {s['vs_tokkit']:.2f} "
            f"(rounds {low:.2f}-{high:.2f})"
            + (
                f"; repeated text: {summary[ours]['repeated'] / s['repeated']:.2f}"
                if s["repeated"]
                else ""
            )
        )
        if per_stream:
            notes.append(f"MB/s per stream, {ours} | {peer}: {per_stream}")
    return notes + [f"{figures['case']}: {n}" for n in figures["notes"]]


def _rows(case: str, summary: dict, repeated: bool) -> list[dict]:
    rows = []
    for name, s in summary.items():
        mark = "" if s["agree"] == 1.0 else f" (ids DIFFER on {_differ(s)})"
        mbps = s["repeated"] if repeated else s["mbps"]
        rows.append(
            {
                "case": case,
                "impl": name + mark,
                "mb_per_s": mbps,
                "seconds": s["seconds"],
                "tokkit_speedup": s["vs_tokkit"],
            }
        )
    if repeated:
        ours = rows[0]["mb_per_s"]
        for row in rows:
            row["tokkit_speedup"] = ours / row["mb_per_s"]
    return rows


def _speed(s: dict) -> str:
    """MB/s fresh, and repeated after a slash when measured."""
    return f"{s['mbps']:.1f}" + (f" / {s['repeated']:.1f}" if s["repeated"] else "")


def _table_row(case: str, label: str, summary: dict, mode: str) -> str:
    """One line of the summary table: every implementation's MB/s (flagged
    when its ids differ or its 1-thread batch used more cores), and tokkit
    against the fastest exact peer, fresh (median and range over rounds)
    and repeated."""
    parts = []
    for name, s in summary.items():
        flag = "" if s["agree"] == 1.0 else f" (ids differ on {_differ(s)})"
        if mode == "batch1" and _several_cores(s):
            flag += f" ({s['cpu']:.1f} cores)"
        parts.append(f"{name} {_speed(s)}{flag}")
    ours = summary[next(iter(summary))]
    peer = fastest_exact(summary, mode)
    ratio, again = "-", "-"
    if peer is not None:
        s = summary[peer]
        low, high = s["vs_tokkit_range"]
        ratio = f"{s['vs_tokkit']:.2f} ({low:.2f}-{high:.2f}) {peer}"
        if s["repeated"]:
            fastest = max(
                (n for n in summary if not n.startswith("tokkit") and summary[n]["agree"] == 1.0),
                key=lambda n: summary[n]["repeated"],
            )
            again = f"{ours['repeated'] / summary[fastest]['repeated']:.2f} {fastest}"
    return f"| {case} | {label} | {_speed(ours)} | {'; '.join(parts)} | {ratio} | {again} |"


def _stream_row(case: str, label: str, summary: dict, mode: str) -> str:
    """tokkit's MB/s and the fastest exact peer's, per language stream."""
    ours = summary[next(iter(summary))]
    peer = fastest_exact(summary, mode)
    theirs = summary[peer]["streams"] if peer else {}
    cells = [
        f"{ours['streams'][st]:.1f} / {theirs[st]:.1f}" if st in theirs else "-" for st in STREAMS
    ]
    return f"| {case} | {label} | {peer or '-'} | {' | '.join(cells)} |"


def measure(quick: bool) -> tuple[list[dict], list[str]]:
    """Every case in every mode: results-table rows and notes; writes
    results/peers.md and results/peers.svg."""
    # --quick: a 25th of the documents, and only the two main modes.
    rounds, step = (2, 25) if quick else (5, 1)
    modes = {m: MODES[m] for m in ("1KB", "batch2")} if quick else MODES
    rows: list[dict] = []
    notes: list[str] = []
    table = [
        "| case | mode | tokkit MB/s, fresh / repeated | implementations, MB/s fresh / repeated "
        "| tokkit ÷ fastest exact peer, fresh: median (rounds) | repeated |",
        "|---|---|---:|---|---|---|",
    ]
    streams = [
        "MB/s per language stream, tokkit / the fastest exact peer:",
        "",
        "| case | mode | fastest exact peer | " + " | ".join(STREAMS) + " |",
        "|---|---|---|" + "---:|" * len(STREAMS),
    ]
    panels: dict[str, dict[str, dict[str, float]]] = {m: {} for m in ("1KB", "batch2")}
    raw: list[dict] = []
    for key in BUILDERS:
        one_thread_batch = None
        for mode, label in modes.items():
            yardstick = ""
            if mode == "batch2":
                stick = {r["impl"]: r["seconds"] for r in run_case(two_core_yardstick(3))}
                yardstick = f"{stick['1 thread'] / stick['2 threads']:.2f}x"
            figures = _child(key, mode, rounds, step)
            raw.append({"mode": mode, "yardstick": yardstick, **figures})
            summary = summarize(figures)
            name = f"{figures['case']}, {label}"
            case_rows = _rows(f"{name}, fresh", summary, repeated=False)
            if mode != "batch2":
                case_rows += _rows(f"{name}, repeated", summary, repeated=True)
            case_notes = _notes(figures, summary, mode)
            ours = next(iter(summary))
            if mode == "batch1":
                one_thread_batch = summary[ours]["mbps"]
            if mode == "batch2":
                scaling = (
                    f"; tokkit 2 / 1 thread batch {summary[ours]['mbps'] / one_thread_batch:.2f}x"
                    if one_thread_batch
                    else ""
                )
                case_notes.insert(0, f"two-core yardstick {yardstick}{scaling}")
            for row in case_rows:
                print(f"| {row['case']} | {row['impl']} | {row['mb_per_s']:.2f} |", flush=True)
            for note in case_notes:
                print(f"  note: {note}", flush=True)
            rows += case_rows
            notes += [f"- {name}: {n}" for n in case_notes]
            stick = f" (yardstick {yardstick})" if yardstick else ""
            table.append(_table_row(figures["case"], label + stick, summary, mode))
            if not mode.startswith("batch"):
                streams.append(_stream_row(figures["case"], label, summary, mode))
            if mode in panels:
                panels[mode][figures["case"]] = {n: s["mbps"] for n, s in summary.items()}
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "peers.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    lines = [*table, "", *streams, "", *notes]
    (out / "peers.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    chart = svg(
        [
            ("fresh ~1 KB documents, 1 thread (encode per document)", panels["1KB"]),
            ("fresh ~1 KB documents, batch on 2 threads", panels["batch2"]),
        ]
    )
    (out / "peers.svg").write_text(chart, encoding="utf-8")
    return rows, notes
