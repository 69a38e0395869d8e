"""``Tokenizer.from_file`` against tokkit's dedicated path on the same
vocabulary, reading the ids only (issue 21's bound: >= 0.9x): GPT-2's
tokenizer.json against ``tokkit.load_tiktoken`` with the r50k ranks, BERT
uncased's tokenizer.json against ``tokkit.FullTokenizer`` (HF compat), ruT5's
tokenizer.json against ``tokkit.SentencePieceProcessor`` on its
``spiece.model``, and Llama 2's sentencepiece BPE as transformers writes its
tokenizer.json (Metaspace, scheme "first"; built by the tests' ``llama_json``)
against ``tokkit.SentencePieceProcessor`` on ``tokenizer.model``. ``encode``
per document and ``encode_batch`` on one thread and two, ~1 KB documents of
the shared corpora. The files' truncation and padding are turned off. The
speed-up column of the dedicated row is the ratio from_file / dedicated.

The tokenizer.json and sentencepiece pipelines are not the same: HF keeps the
trailing whitespace sentencepiece drops, and its templates add ``</s>``
(ruT5) or ``<s>`` (Llama); the from_file ids are checked against HF, the
dedicated paths have their own parity benches."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from harness import SHARED, Case, corpus_paths
from references import cut_documents

import tokkit

VOCAB = SHARED / "vocab"


def _sample(docs: list[str], budget: int) -> list[str]:
    total = sum(len(d.encode("utf-8")) for d in docs)
    return docs[:: max(1, total // budget)]


def _from_file(path: Path) -> tokkit.Tokenizer:
    tokenizer = tokkit.Tokenizer.from_file(path)
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def _ratio(impls: dict[str, float]) -> list[str]:
    ours, dedicated = impls["Tokenizer.from_file"], impls["dedicated"]
    return [f"from_file / dedicated = {dedicated / ours:.2f} (bound >= 0.9)"]


def _llama_json() -> Path:
    """Llama 2's tokenizer.json, written beside the results (not kept in git)."""
    from hf_bpe_json import llama_json

    document = llama_json(VOCAB / "llama2-spm-bpe" / "tokenizer.model", "metaspace")
    path = Path(__file__).resolve().parent / "results" / "llama2-tokenizer.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def _pairs() -> list[tuple[str, Path, Callable, Callable]]:
    """(name, its tokenizer.json, the dedicated encode of one text, its
    batch encode of texts on n threads)."""
    gpt2 = tokkit.load_tiktoken(VOCAB / "tiktoken" / "r50k_base.tiktoken", "r50k_base")
    bert = tokkit.FullTokenizer(VOCAB / "bert-base-uncased" / "vocab.txt", compat="hf")
    spm = tokkit.SentencePieceProcessor(
        model_file=str(VOCAB / "rut5-large-spm-unigram" / "spiece.model")
    )
    llama = tokkit.SentencePieceProcessor(
        model_file=str(VOCAB / "llama2-spm-bpe" / "tokenizer.model")
    )
    return [
        (
            "gpt2 (r50k tiktoken)",
            VOCAB / "gpt2" / "tokenizer.json",
            gpt2.encode_ordinary,
            lambda docs, n: gpt2.encode_ordinary_batch(docs, num_threads=n),
        ),
        (
            "bert-base-uncased (FullTokenizer)",
            VOCAB / "bert-base-uncased" / "tokenizer.json",
            bert.encode,
            lambda docs, n: bert.encode_batch(docs, num_threads=n),
        ),
        (
            "rut5 unigram (SentencePieceProcessor)",
            VOCAB / "rut5-large-spm-unigram" / "tokenizer.json",
            spm.encode,
            lambda docs, n: spm.encode(docs, num_threads=n),
        ),
        (
            "llama2 sentencepiece BPE (SentencePieceProcessor)",
            _llama_json(),
            llama.encode,
            lambda docs, n: llama.encode(docs, num_threads=n),
        ),
    ]


def _check(ours: tokkit.Tokenizer, path: Path, docs: list[str]) -> Callable[[], None]:
    """The from_file ids equal HF's."""

    def check() -> None:
        import tokenizers

        ref = tokenizers.Tokenizer.from_file(str(path))
        ref.no_truncation()
        ref.no_padding()
        for d in docs[:200]:
            assert ours.encode(d).ids == ref.encode(d).ids, f"{path}: HF differs from tokkit"

    return check


def cases(quick: bool) -> list[Case]:
    docs = _sample(cut_documents(corpus_paths(), 1000), 300_000 if quick else 1_000_000)
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    repeat = 2 if quick else 10
    out = []
    for name, path, encode, batch in _pairs():
        ours = _from_file(path)
        check = _check(ours, path, docs)
        out.append(
            Case(
                name=f"{name} ~1KB docs, encode(d).ids, 1 thread",
                nbytes=nbytes,
                impls={
                    "Tokenizer.from_file": lambda ours=ours: [ours.encode(d).ids for d in docs],
                    "dedicated": lambda encode=encode: [encode(d) for d in docs],
                },
                check=check,
                repeat=repeat,
                summarize=_ratio,
            )
        )
        for threads in (1, 2):
            out.append(
                Case(
                    name=f"{name} ~1KB docs, encode_batch ids of {len(docs)}, {threads} thread(s)",
                    nbytes=nbytes,
                    impls={
                        "Tokenizer.from_file": lambda ours=ours, n=threads: [
                            e.ids for e in ours.encode_batch(docs, num_threads=n)
                        ],
                        "dedicated": lambda batch=batch, n=threads: batch(docs, n),
                    },
                    repeat=repeat,
                    summarize=_ratio,
                )
            )
    return out
