"""A damaged tokenizer.json is refused with a TokkitError, or loads and then
encodes and decodes, but never crashes or raises anything else: real files
(BERT, GPT-2, ruT5, a Llama-style BPE over characters) with one to three values
replaced by junk, removed, or reversed, chosen by hypothesis."""

from __future__ import annotations

import copy
import json
import random
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

from conftest import shared_path
from hf_bpe_json import llama_json
from hypothesis import given, settings
from hypothesis import strategies as st

import tokkit

JUNK: list[Any] = [
    None,
    -1,
    0,
    1,
    2**40,
    -(2**40),
    1e300,
    "",
    "x" * 5000,
    [],
    {},
    [1, 2],
    {"a": 1},
    True,
    "<0xZZ>",
    "(",
    "[",
    "\\",
    "\u2581",
    "Split",
    "Sequence",
    "BPE",
]
TEXTS = [
    "Hello world, ünïcödé 日本語 😀 [CLS] <mask> <s>",
    "",
    " " * 40,
    "a" * 3000,
    "\x00\x1f\t\n",
]


@cache
def bases() -> dict[str, Any]:
    vocab = "vocab"
    return {
        "bert": json.loads(shared_path(vocab, "bert-base-uncased", "tokenizer.json").read_text()),
        "gpt2": json.loads(shared_path(vocab, "gpt2", "tokenizer.json").read_text()),
        "rut5": json.loads(
            shared_path(vocab, "rut5-large-spm-unigram", "tokenizer.json").read_text()
        ),
        "llama": llama_json(shared_path(vocab, "llama2-spm-bpe", "tokenizer.model")),
    }


def places(value: Any, rnd: random.Random, at: tuple = ()) -> list[tuple]:
    """Paths to values in the document (a sample of long lists and maps)."""
    out = [at] if at else []
    if isinstance(value, dict):
        keys = list(value)
        for key in keys if len(keys) <= 40 else rnd.sample(keys, 40):
            out += places(value[key], rnd, (*at, key))
    elif isinstance(value, list):
        indices = range(len(value)) if len(value) <= 8 else rnd.sample(range(len(value)), 8)
        for i in indices:
            out += places(value[i], rnd, (*at, i))
    return out


def damage(document: dict, rnd: random.Random) -> dict:
    document = copy.deepcopy(document)
    targets = places(document, rnd)
    for _ in range(rnd.randint(1, 3)):
        *parents, last = rnd.choice(targets)
        holder = document
        try:
            for key in parents:
                holder = holder[key]
            choice = rnd.random()
            if choice < 0.2 and isinstance(holder, dict):
                del holder[last]
            elif choice < 0.35 and isinstance(holder[last], str):
                holder[last] = holder[last][::-1]
            else:
                holder[last] = rnd.choice(JUNK)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    return document


@settings(deadline=None, max_examples=60)
@given(name=st.sampled_from(["bert", "gpt2", "rut5", "llama"]), rnd=st.randoms())
def test_damaged_files_fail_cleanly(name: str, rnd: random.Random) -> None:
    document = damage(bases()[name], rnd)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "tokenizer.json"
        path.write_text(json.dumps(document))
        try:
            tokenizer = tokkit.Tokenizer.from_file(path)
            for text in TEXTS:
                encoding = tokenizer.encode(text, "a pair")
                tokenizer.decode(encoding.ids)
                tokenizer.decode(encoding.ids, skip_special_tokens=False)
            tokenizer.encode_batch(TEXTS)
        except tokkit.TokkitError:
            pass
