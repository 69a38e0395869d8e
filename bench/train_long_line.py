"""A corpus whose one line is 200 MB (issue 22): each trainer in a fresh
process, its seconds and peak RSS. tests/test_train_faults.py runs the same
at 20 MB with a memory bound; this is the full size, too slow for CI.

    python bench/train_long_line.py [--mb 200]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAINERS = {
    "wordpiece": "WordPieceTrainer(vocab_size=500, show_progress=False)",
    "bpe": "BpeTrainer(vocab_size=500, show_progress=False)",
    "bytelevel": "BpeTrainer(vocab_size=500, byte_level=True, show_progress=False)",
    "unigram": "SentencePieceTrainer('unigram', vocab_size=500, show_progress=False)",
    "spm-bpe": "SentencePieceTrainer('bpe', vocab_size=500, show_progress=False)",
}


def write_line(path: Path, size: int) -> None:
    """One line of `size` bytes: words of 2-8 letters a-j from a list of 2,000."""
    rng = random.Random(7)
    words = [
        "".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(2000)
    ]
    with open(path, "w", encoding="ascii") as f:
        written = 0
        while written < size:
            chunk = " ".join(rng.choices(words, k=10_000)) + " "
            f.write(chunk)
            written += len(chunk)
        f.write("\n")


def run(name: str, corpus: Path, out: Path) -> tuple[float, float, str]:
    code = (
        "from tokkit.train import *\n"
        f"s = {TRAINERS[name]}.train([{str(corpus)!r}], {str(out)!r})\n"
        "print(s['lines'], s['bytes'], s['distinct_words'], s['vocab_size'])\n"
    )
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    summary = process.stdout.read().strip()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        summary = f"failed ({status})"
    return seconds, usage.ru_maxrss / 1024, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200, help="length of the line in MB")
    parser.add_argument("--only", choices=sorted(TRAINERS), action="append")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "line.txt"
        write_line(corpus, args.mb * 1_000_000)
        print(f"one line of {corpus.stat().st_size:,} bytes")
        print("| trainer | seconds | peak RSS (MB) | lines bytes distinct-words vocab |")
        print("|---|---:|---:|---|")
        for name in args.only or TRAINERS:
            seconds, rss, summary = run(name, corpus, Path(folder) / name)
            print(f"| {name} | {seconds:.1f} | {rss:.0f} | {summary} |", flush=True)


if __name__ == "__main__":
    main()
