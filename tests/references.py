"""What the parity tests and the benchmarks both build: documents cut from the
corpora, and the reference tiktoken encodings made from local rank files
(tiktoken would download them). The benchmarks import this module too, so both
measure and check exactly the same things."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken


def cut_documents(paths: list[Path], size: int) -> list[str]:
    """The files cut into documents of about ``size`` bytes, at line ends."""
    docs = []
    for path in paths:
        current: list[str] = []
        length = 0
        for line in path.read_text(encoding="utf-8").splitlines(keepends=True):
            current.append(line)
            length += len(line.encode("utf-8"))
            if length >= size:
                docs.append("".join(current))
                current, length = [], 0
        if current:
            docs.append("".join(current))
    return docs


def tiktoken_encoding(name: str, ranks_file: Path) -> tiktoken.Encoding:
    """tiktoken's own definition of ``name`` (pattern, special tokens), with
    the ranks read from ``ranks_file`` instead of downloaded. tiktoken is
    imported here, so the sentencepiece and BERT tests and benchmarks that
    only cut documents do not load it."""
    import tiktoken
    import tiktoken.load
    from tiktoken_ext import openai_public

    ranks = tiktoken.load.load_tiktoken_bpe(str(ranks_file))
    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = lambda *args, **kwargs: ranks
    try:
        spec = getattr(openai_public, name)()
    finally:
        openai_public.load_tiktoken_bpe = original
    return tiktoken.Encoding(**spec)
