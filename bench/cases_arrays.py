"""Flat-array batches (``encode_batch_arrays``) against each encoder's own
``encode_batch`` (lists of ids; ``Encoding`` objects for ``Tokenizer``), on
~1 KB documents from the shared corpora, 2 threads, from a list of str and
from a pyarrow string array read in place. Issue 19's bound: the flat batch
runs at >= 90% of ``encode_batch``'s throughput (a speed-up column >= 0.90x
on the ``encode_batch`` rows means it holds)."""

from __future__ import annotations

from collections.abc import Callable

from harness import SHARED, Case, corpus_paths
from references import cut_documents


def _sample(docs: list[str], budget: int) -> list[str]:
    """Documents spread evenly over the corpora, about ``budget`` bytes."""
    total = sum(len(d.encode("utf-8")) for d in docs)
    return docs[:: max(1, total // budget)]


def _encoders() -> dict[str, tuple[Callable, Callable]]:
    """Each encoder's (flat batch, list batch), both on 2 threads."""
    import tokkit

    vocab = SHARED / "vocab"
    gpt2 = tokkit.Tokenizer.from_file(vocab / "gpt2" / "tokenizer.json")
    gpt2.no_truncation()
    cl100k = tokkit.load_tiktoken(vocab / "tiktoken" / "cl100k_base.tiktoken", "cl100k_base")
    llama = tokkit.SentencePieceProcessor(str(vocab / "llama2-spm-bpe" / "tokenizer.model"))
    bert = tokkit.FullTokenizer(vocab / "bert-base-uncased" / "vocab.txt")
    return {
        "gpt2 Tokenizer": (
            lambda xs: gpt2.encode_batch_arrays(xs, num_threads=2),
            lambda xs: gpt2.encode_batch(xs, num_threads=2),
        ),
        "cl100k TiktokenEncoding (ordinary)": (
            lambda xs: cl100k.encode_batch_arrays(xs, num_threads=2, ordinary=True),
            lambda xs: cl100k.encode_ordinary_batch(xs, num_threads=2),
        ),
        "llama2 SentencePieceProcessor": (
            lambda xs: llama.encode_batch_arrays(xs, num_threads=2),
            lambda xs: llama.encode(xs, num_threads=2),
        ),
        "bert FullTokenizer": (
            lambda xs: bert.encode_batch_arrays(xs, num_threads=2),
            lambda xs: bert.encode_batch(xs, num_threads=2),
        ),
    }


def _ids(rows: object) -> list[list[int]]:
    return [getattr(row, "ids", row) for row in rows]  # type: ignore[attr-defined]


def cases(quick: bool) -> list[Case]:
    import pyarrow

    docs = _sample(cut_documents(corpus_paths(), 1000), 300_000 if quick else 2_000_000)
    column = pyarrow.array(docs, pyarrow.large_string())
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    repeat = 2 if quick else 10
    out = []
    for name, (arrays, lists) in _encoders().items():

        def check(arrays=arrays, lists=lists) -> None:
            want = _ids(lists(docs))
            assert arrays(docs).to_list() == want, "flat ids differ from encode_batch's"
            assert arrays(column).to_list() == want, "Arrow input differs from a list's"

        out.append(
            Case(
                name=f"{name} ~1KB docs, batch of {len(docs)}, 2 threads",
                nbytes=nbytes,
                impls={
                    "tokkit encode_batch_arrays": lambda arrays=arrays: arrays(docs),
                    "tokkit encode_batch_arrays, Arrow input": lambda arrays=arrays: arrays(column),
                    "tokkit encode_batch": lambda lists=lists: lists(docs),
                },
                check=check,
                repeat=repeat,
            )
        )
    return out
