"""``tokkit.convert``: a vocabulary in one file format written in another
(``tokkit convert`` on the command line). The work is done in Rust; this
module names the source."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tokkit import _tokkit
from tokkit.errors import InvalidArgumentError

StrPath = str | os.PathLike[str]


def convert(
    output: StrPath,
    *,
    tokenizer: StrPath | None = None,
    vocab: StrPath | None = None,
    merges: StrPath | None = None,
    spm: StrPath | None = None,
    tiktoken: StrPath | None = None,
    encoding: str | None = None,
    pattern: str | None = None,
    lowercase: bool = True,
    to: str | None = None,
) -> dict[str, Any]:
    """Writes the vocabulary of one source as ``output``, in the format its
    suffix names (``.json``: tokenizer.json, ``.tiktoken``: rank file) or
    ``to`` (``"tokenizer.json"`` or ``"tiktoken"``).

    The source is one of: ``tokenizer`` (a tokenizer.json, to ``.tiktoken``),
    ``vocab`` with ``merges`` (GPT-2's vocab.json and merges.txt), ``vocab``
    alone (a BERT vocab.txt, ``lowercase`` for an uncased model), ``spm`` (a
    sentencepiece .model) or ``tiktoken`` (a .tiktoken with its
    ``encoding``'s name, or a split ``pattern``). Any of them goes to
    ``.tiktoken`` when it is byte-level BPE as tiktoken runs it. The written
    file, loaded by its own library (HF tokenizers, tiktoken), gives the
    source's ids. What it cannot express is refused with the reason
    (:class:`tokkit.UnsupportedError`) and nothing is written; the file is
    written to a temporary and renamed.

    Returns a summary: ``path``, ``format``, ``tokens``, and for a
    ``.tiktoken`` the ``pattern`` and ``special_tokens`` (text to id) that
    ``tiktoken.Encoding`` needs beside it; ``notes`` say where the file is
    known to part from the source in rare texts.

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "vocab.txt").write_text("[UNK]\\n[CLS]\\n[SEP]\\nhello\\n##s\\n")
    >>> summary = convert(folder / "tokenizer.json", vocab=folder / "vocab.txt")
    >>> summary["format"], summary["tokens"]
    ('tokenizer.json', 5)
    >>> from tokkit import Tokenizer
    >>> Tokenizer.from_file(summary["path"]).encode("Hellos").tokens
    ['[CLS]', 'hello', '##s', '[SEP]']
    """
    kind, files = source_files(
        tokenizer=tokenizer, vocab=vocab, merges=merges, spm=spm, tiktoken=tiktoken
    )
    return _tokkit.convert_files(
        kind,
        files,
        Path(output),
        to=to,
        lowercase=lowercase,
        encoding=encoding,
        pattern=pattern,
    )


def source_files(
    *,
    tokenizer: StrPath | None = None,
    vocab: StrPath | None = None,
    merges: StrPath | None = None,
    spm: StrPath | None = None,
    tiktoken: StrPath | None = None,
) -> tuple[str, list[Path]]:
    """The kind of the one source given and its files."""
    given = [
        name
        for name, value in (
            ("tokenizer", tokenizer),
            ("vocab", vocab),
            ("spm", spm),
            ("tiktoken", tiktoken),
        )
        if value
    ]
    if len(given) != 1:
        got = f" (got {', '.join('--' + g for g in given)})" if given else ""
        raise InvalidArgumentError(
            "give one of --tokenizer tokenizer.json, --vocab vocab.txt, --vocab vocab.json "
            f"--merges merges.txt, --spm x.model or --tiktoken x.tiktoken{got}"
        )
    if merges and not vocab:
        raise InvalidArgumentError("--merges goes with --vocab vocab.json (GPT-2's pair)")
    if tokenizer:
        return "tokenizer.json", [Path(tokenizer)]
    if vocab and merges:
        return "gpt2", [Path(vocab), Path(merges)]
    if vocab:
        return "vocab.txt", [Path(vocab)]
    if spm:
        return "sentencepiece", [Path(spm)]
    return "tiktoken", [Path(str(tiktoken))]
