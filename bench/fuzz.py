"""The long run of tests/test_fuzz_loaders.py: damaged tokenizer.json,
sentencepiece .model and .tiktoken files, each loaded by tokkit and by the
reference in a child process, for as many minutes as asked.

    python bench/fuzz.py --minutes 30 [--scale 25]

Each round runs the fuzz tests with a new hypothesis seed and ``scale``
times CI's number of examples, and every case's outcome is counted: both
refuse, both load and agree, and the failures (crashes, hangs, foreign
exceptions, memory past the bound, disagreements with the reference).
Failing tests are listed with their seed, to be replayed with
``pytest tests/test_fuzz_loaders.py --hypothesis-seed=SEED``. Needs the
test extras and ../shared/data."""

from __future__ import annotations

import argparse
import collections
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINE = {"both refuse", "both load and agree"}


def run_round(seed: int, scale: float, log: Path) -> list[str]:
    """One pytest run; the ids of the tests that failed."""
    env = dict(os.environ, TOKKIT_FUZZ_SCALE=str(scale), TOKKIT_FUZZ_LOG=str(log))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "tests" / "test_fuzz_loaders.py"),
            "-q",
            "-p",
            "no:cacheprovider",
            f"--hypothesis-seed={seed}",
            "-rf",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    return [line.split(" ", 2)[1] for line in done.stdout.splitlines() if line.startswith("FAILED")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--scale", type=float, default=25, help="times CI's examples per round")
    args = parser.parse_args()
    deadline = time.monotonic() + args.minutes * 60
    counts: collections.Counter[str] = collections.Counter()
    failures: list[tuple[int, str]] = []
    seed = int(time.time())
    rounds = 0
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "cases.txt"
        while time.monotonic() < deadline:
            failures += [(seed, test) for test in run_round(seed, args.scale, log)]
            rounds += 1
            seed += 1
        counts.update(log.read_text(encoding="utf-8").split("\n")[:-1] if log.exists() else [])
    total = sum(counts.values())
    print(f"{rounds} rounds, {total} damaged files loaded by tokkit and the reference")
    for kind, n in counts.most_common():
        print(f"  {n:7d}  {kind}{'' if kind in FINE else '  <- failure'}")
    for seed, test in failures:
        print(f"FAILED {test} (--hypothesis-seed={seed})")
    sys.exit(1 if failures or set(counts) - FINE else 0)


if __name__ == "__main__":
    main()
