"""Worst cases stay linear (issue 21): on every encoder, 1 MB of one repeated
character, of spaces, or of letters without spaces, against 1 MB of
ordinary text (the shared corpora's English, Chinese, Japanese, code and
multilingual files, a slice of each). The bound is 3x the ordinary time.

Every row is tokkit; the references run on these inputs in the parity tests
(``test_pathological_inputs`` in the tiktoken, sentencepiece and HF files).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from harness import SHARED, Case, corpus_paths

import tokkit

ORDINARY = "ordinary text"
BOUND = 3.0


def _inputs(n: int) -> dict[str, str]:
    rnd = random.Random(21)
    per_file = max(1, n // len(corpus_paths()))
    mix = "".join(p.read_text(encoding="utf-8")[:per_file] for p in corpus_paths())
    return {
        ORDINARY: mix.encode("utf-8")[:n].decode("utf-8", "ignore"),
        "one char": "a" * n,
        "spaces": " " * n,
        "letters, no spaces": "".join(rnd.choice(string.ascii_letters) for _ in range(n)),
        "'abcdefghij' repeated": "abcdefghij" * (n // 10),
    }


def _encoders() -> dict[str, Callable[[str], object]]:
    vocab = SHARED / "vocab"
    gpt2 = tokkit.Tokenizer.from_file(vocab / "gpt2" / "tokenizer.json")
    gpt2.no_truncation()
    bert = tokkit.FullTokenizer(str(vocab / "bert-base-uncased" / "vocab.txt"))
    tiktoken = vocab / "tiktoken"
    encoders: dict[str, Callable[[str], object]] = {
        "cl100k": tokkit.load_tiktoken(
            tiktoken / "cl100k_base.tiktoken", "cl100k_base"
        ).encode_ordinary,
        "o200k": tokkit.load_tiktoken(
            tiktoken / "o200k_base.tiktoken", "o200k_base"
        ).encode_ordinary,
        "GPT-2 tokenizer.json": lambda text: gpt2.encode(text).ids,
        "BERT uncased": bert.tokenize,
    }
    for name, folder, file in (
        ("Llama 2 sentencepiece BPE", "llama2-spm-bpe", "tokenizer.model"),
        ("ruT5 sentencepiece Unigram", "rut5-large-spm-unigram", "spiece.model"),
    ):
        encoders[name] = tokkit.SentencePieceProcessor(str(vocab / folder / file)).encode
    return encoders


def _ratios(times: dict[str, float]) -> list[str]:
    base = times[ORDINARY]
    parts = [
        f"{label} {seconds / base:.1f}x{'' if seconds / base <= BOUND else ' (over)'}"
        for label, seconds in times.items()
        if label != ORDINARY
    ]
    return [f"time / ordinary text's (bound {BOUND:.0f}x): " + ", ".join(parts)]


def cases(quick: bool) -> list[Case]:
    inputs = _inputs(10**5 if quick else 10**6)
    out = []
    for name, encode in _encoders().items():
        out.append(
            Case(
                name=f"worst case, {name}, 1 MB",
                nbytes=len(inputs[ORDINARY].encode("utf-8")),
                impls={
                    label: (lambda encode=encode, text=text: encode(text))
                    for label, text in inputs.items()
                },
                repeat=3,
                summarize=_ratios,
            )
        )
    return out
