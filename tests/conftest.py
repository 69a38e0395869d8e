"""Shared fixtures: the data in ../shared/data, required when CI is set."""

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def shared_path(*parts: str) -> Path:
    """A file under ../shared/data: a failure in CI when missing, a skip elsewhere."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is missing (the shared data must sit beside the checkout)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def corpus_files() -> list[Path]:
    """Every corpus file, for parametrising parity tests."""
    root = SHARED / "corpus"
    if not root.exists():
        if os.environ.get("CI"):
            raise RuntimeError(f"{root} is missing and CI is set")
        return []
    return sorted(p for p in root.rglob("*.txt") if p.is_file())


def corpus_lines(count: int = 64) -> list[str]:
    """An empty line, then non-blank corpus lines in three scripts (English,
    Japanese, the multilingual "naughty strings"), ``count // 3`` of each."""
    out = [""]
    for name in (
        "english/botchan.txt",
        "japanese/wagahaiwa_nekodearu.txt",
        "multilingual/blns.txt",
    ):
        text = shared_path("corpus", *name.split("/")).read_text(encoding="utf-8")
        out += [line for line in text.splitlines() if line.strip()][: count // 3]
    return out
