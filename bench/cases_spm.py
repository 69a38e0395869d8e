"""SentencePiece models: tokkit.SentencePieceProcessor vs the sentencepiece package.

Encode (best path), sampling (Unigram ``alpha=0.1, nbest_size=-1``; BPE-dropout
``alpha=0.1``) and n-best, on ~1 KB documents cut from the shared corpora, one
thread (a Python loop over documents) and all threads (one batch call). The
ruT5 tokenizer.json case compares tokkit.Tokenizer with HF tokenizers.
"""

from __future__ import annotations

import os

import sentencepiece
import tokenizers
from harness import SHARED, Case, corpus_paths
from references import cut_documents

import tokkit

VOCAB = SHARED / "vocab"
MODELS = {
    "spm-unigram-test": VOCAB / "spm-unigram-sentencepiece-test" / "test_model.model",
    "spm-unigram-ruT5": VOCAB / "rut5-large-spm-unigram" / "spiece.model",
    "spm-bpe-llama2": VOCAB / "llama2-spm-bpe" / "tokenizer.model",
}


def sample_documents(quick: bool) -> list[str]:
    """~1 KB documents from the corpora of more than 10 KB."""
    paths = [p for p in corpus_paths() if p.stat().st_size > 10_000]
    docs = cut_documents(paths, 1024)
    step = 8 if quick else 2
    return docs[::step]


def encode_case(
    name: str,
    ours: tokkit.SentencePieceProcessor,
    ref: sentencepiece.SentencePieceProcessor,
    docs: list[str],
) -> Case:
    """Best-path encoding of ``docs`` one by one, ids checked equal first."""

    def check() -> None:
        assert [ours.encode(d) for d in docs] == [ref.encode(d) for d in docs]

    return Case(
        f"{name} encode 1KB docs, 1 thread",
        sum(len(d.encode("utf-8")) for d in docs),
        {
            "tokkit": lambda: [ours.encode(d) for d in docs],
            "sentencepiece": lambda: [ref.encode(d) for d in docs],
        },
        check=check,
    )


def cases(quick: bool) -> list[Case]:
    docs = sample_documents(quick)
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    threads = os.cpu_count() or 1
    out: list[Case] = []
    for name, path in MODELS.items():
        ours = tokkit.SentencePieceProcessor(model_file=str(path))
        ref = sentencepiece.SentencePieceProcessor(model_file=str(path))
        out.append(encode_case(name, ours, ref, docs))
        out.append(
            Case(
                f"{name} encode 1KB docs, batch {threads} threads",
                nbytes,
                {
                    "tokkit": lambda o=ours: o.encode(docs, num_threads=threads),
                    "sentencepiece": lambda r=ref: r.encode(docs, num_threads=threads),
                },
                check=lambda o=ours, r=ref: _same(
                    o.encode(docs, num_threads=threads), r.encode(docs, num_threads=threads)
                ),
            )
        )
        sample = {"enable_sampling": True, "alpha": 0.1, "nbest_size": -1}
        out.append(
            Case(
                f"{name} sample alpha=0.1 nbest=-1, 1 thread",
                nbytes,
                {
                    "tokkit": lambda o=ours, s=sample: [o.encode(d, **s) for d in docs],
                    "sentencepiece": lambda r=ref, s=sample: [r.encode(d, **s) for d in docs],
                },
                check=lambda o=ours, r=ref, s=sample: _same_lengths_close(o, r, docs, s),
            )
        )
        if "bpe" not in name:
            small = docs[: max(1, len(docs) // 8)]
            small_bytes = sum(len(d.encode("utf-8")) for d in small)
            out.append(
                Case(
                    f"{name} nbest_encode k=8, 1 thread",
                    small_bytes,
                    {
                        "tokkit": lambda o=ours, m=small: [
                            o.nbest_encode(d, nbest_size=8) for d in m
                        ],
                        "sentencepiece": lambda r=ref, m=small: [
                            r.nbest_encode(d, nbest_size=8) for d in m
                        ],
                    },
                    check=lambda o=ours, r=ref, m=small: _same(
                        [o.nbest_encode(d, nbest_size=8) for d in m],
                        [r.nbest_encode(d, nbest_size=8) for d in m],
                    ),
                )
            )
    return out + hf_cases(docs, nbytes)


def hf_cases(docs: list[str], nbytes: int) -> list[Case]:
    """ruT5's tokenizer.json (Unigram, Precompiled, Metaspace): tokkit vs HF."""
    path = str(VOCAB / "rut5-large-spm-unigram" / "tokenizer.json")
    ours = tokkit.Tokenizer.from_file(path)
    ref = tokenizers.Tokenizer.from_file(path)
    return [
        Case(
            "ruT5 tokenizer.json encode 1KB docs, 1 thread",
            nbytes,
            {
                "tokkit": lambda: [ours.encode(d).ids for d in docs],
                "hf-tokenizers": lambda: [ref.encode(d).ids for d in docs],
            },
            check=lambda: _same(
                [ours.encode(d).ids for d in docs], [ref.encode(d).ids for d in docs]
            ),
        )
    ]


def _same(a: object, b: object) -> None:
    assert a == b


def _same_lengths_close(ours, ref, docs: list[str], sample: dict) -> None:
    """Samples differ by design; check both cover the same documents and decode back."""
    for d in docs[:20]:
        a = ours.encode(d, **sample)
        b = ref.encode(d, **sample)
        assert ref.decode(a) == ref.decode(b) == ref.decode(ref.encode(d))
