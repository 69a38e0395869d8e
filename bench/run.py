"""Run every benchmark: ``python bench/run.py [--quick] [--only NAME]``.

Each ``bench/cases_*.py`` module contributes cases; for each case the same input
goes to tokkit and to every reference, outputs are checked equal, then MB/s (or
seconds and peak RSS for training) and tokkit's speed-up are printed and
written to ``bench/results/results.md``. A module that times in its own way
(``cases_peers``: fresh text, each case in a child process) defines
``measure(quick) -> (rows, notes)`` instead of ``cases``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
# Documents and reference encodings are built by the parity tests' own helpers.
sys.path.insert(0, str(HERE.parent / "tests"))

from harness import run_case  # noqa: E402


def format_rows(rows: list[dict]) -> list[str]:
    lines = [
        "| case | implementation | MB/s | seconds | tokkit speed-up |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        mbs = f"{row['mb_per_s']:.2f}" if row["mb_per_s"] is not None else "-"
        extra = ""
        if row.get("peak_rss_mb"):
            extra = f" (peak RSS {row['peak_rss_mb']:.0f} MB"
            if "rss_vs_tokkit" in row:
                extra += f", {row['rss_vs_tokkit']:.2f}x tokkit's"
            extra += ")"
        lines.append(
            f"| {row['case']} | {row['impl']}{extra} | {mbs} | {row['seconds']:.4f} "
            f"| {row['tokkit_speedup']:.2f}x |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, fewer repeats")
    parser.add_argument("--only", help="run only the case modules whose name contains this")
    args = parser.parse_args(argv)

    rows: list[dict] = []
    notes: list[str] = []
    for path in sorted(HERE.glob("cases_*.py")):
        if args.only and args.only not in path.stem:
            continue
        module = importlib.import_module(path.stem)
        # A module with its own method of timing (cases_peers) gives its rows.
        if hasattr(module, "measure"):
            module_rows, module_notes = module.measure(args.quick)
            rows.extend(module_rows)
            notes.extend(module_notes)
            continue
        for case in module.cases(args.quick):
            case_rows = run_case(case)
            for line in format_rows(case_rows)[2:]:
                print(line, flush=True)
            for note in case.notes:
                print(f"  note: {note}", flush=True)
                notes.append(f"- {case.name}: {note}")
            rows.extend(case_rows)

    table = "\n".join(format_rows(rows) + (["", *notes] if notes else []))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "results.md").write_text(table + "\n", encoding="utf-8")
    print("\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
