"""Tokenizing a corpus into shards (issue 20): ``tokkit.encode_corpus``
(what ``tokkit encode --format npy`` runs) at 2 threads, I/O included, from
the text file and from Parquet, against tokkit's own in-memory
``encode_batch_arrays`` over the same documents already in a list, and
against nanoGPT's recipe: ``datasets`` loading the Parquet file and
``Dataset.map(num_proc=2)`` encoding with HF tokenizers (GPT-2) or tiktoken
(cl100k), then the ids concatenated into one ``.npy``.

Input: the shared corpora end to end (~6.7 MB, a document per line); the full
run adds a 64 MB file made by repeating it. Issue 20's bounds: the text-file
row's speed-up against in-memory ``encode_batch_arrays`` >= 0.85x, and
against the datasets pipeline >= 5x."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from harness import SHARED, Case, corpus_paths, run_child

# the datasets pipeline forks workers; HF's own threads would only fight them
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def _documents(data: bytes) -> list[str]:
    """The lines of ``data`` as ``encode_corpus`` reads them."""
    docs = [line.removesuffix("\r") for line in data.decode("utf-8").split("\n")]
    return docs[:-1] if docs and docs[-1] == "" else docs


def _inputs(work: Path, repeats: int) -> tuple[Path, Path, list[str]]:
    """The corpora end to end ``repeats`` times, as a text file and as a
    Parquet file of its lines, and the lines."""
    import pyarrow
    import pyarrow.parquet as pq

    data = b"".join(p.read_bytes() for p in corpus_paths())
    data = (data if data.endswith(b"\n") else data + b"\n") * repeats
    text = work / f"mix-{repeats}.txt"
    text.write_bytes(data)
    docs = _documents(data)
    parquet = work / f"mix-{repeats}.parquet"
    pq.write_table(pyarrow.table({"text": docs}), parquet)
    return text, parquet, docs


def _nanogpt(parquet: Path, out: Path, encode_batch: Callable, dtype: object) -> None:
    """nanoGPT's ``prepare.py``: ``datasets`` reads the documents,
    ``map(num_proc=2)`` encodes them, and the ids are concatenated into an
    array on disk (a ``.npy`` here, ``uint16`` as nanoGPT's where the ids fit)."""
    import datasets
    import numpy

    datasets.disable_caching()
    cache = out / "hf-cache"
    dataset = datasets.load_dataset(
        "parquet", data_files=str(parquet), split="train", cache_dir=str(cache)
    )

    def process(batch: dict) -> dict:
        ids = encode_batch(batch["text"])
        return {"ids": ids, "len": [len(i) for i in ids]}

    tokenized = dataset.map(process, batched=True, remove_columns=["text"], num_proc=2)
    total = int(numpy.sum(tokenized["len"], dtype=numpy.uint64))
    array = numpy.lib.format.open_memmap(
        out / "nanogpt.npy", mode="w+", dtype=dtype, shape=(total,)
    )
    at, shards = 0, 16
    for index in range(shards):
        part = tokenized.shard(num_shards=shards, index=index, contiguous=True).with_format("numpy")
        if len(part) == 0:
            continue
        ids = numpy.concatenate(part["ids"])
        array[at : at + len(ids)] = ids
        at += len(ids)
    array.flush()
    del array
    shutil.rmtree(cache, ignore_errors=True)
    # Written to disk as tokkit's shards are (fsync): else the next row's
    # fsync would wait on this pipeline's writes (ext4 commits them together).
    os.sync()


def _tokenizers() -> dict[str, tuple[object, Callable, Callable]]:
    """Each tokenizer: tokkit's, its in-memory 2-thread flat batch, and the
    reference batch encoder the datasets pipeline runs in each worker."""
    import tiktoken
    import tokenizers
    from references import tiktoken_encoding

    import tokkit

    gpt2_file = SHARED / "vocab" / "gpt2" / "tokenizer.json"
    gpt2 = tokkit.Tokenizer.from_file(gpt2_file)
    hf = tokenizers.Tokenizer.from_file(str(gpt2_file))
    hf.no_truncation()
    ranks = SHARED / "vocab" / "tiktoken" / "cl100k_base.tiktoken"
    cl100k = tokkit.load_tiktoken(ranks, "cl100k_base")
    reference: tiktoken.Encoding = tiktoken_encoding("cl100k_base", ranks)

    def untruncated(docs: object) -> object:
        gpt2.no_truncation()
        try:
            return gpt2.encode_batch_arrays(docs, num_threads=2)
        finally:
            gpt2.enable_truncation(50)

    return {
        "GPT-2 tokenizer.json": (
            gpt2,
            untruncated,
            lambda texts: [e.ids for e in hf.encode_batch(texts)],
        ),
        "cl100k": (
            cl100k,
            lambda docs: cl100k.encode_batch_arrays(docs, num_threads=2, ordinary=True),
            lambda texts: reference.encode_ordinary_batch(texts, num_threads=1),
        ),
    }


def _case(
    name: str, tools: tuple, inputs: tuple[Path, Path, list[str]], work: Path, repeat: int
) -> Case:
    import numpy

    import tokkit

    tokenizer, in_memory, reference = tools
    text, parquet, docs = inputs
    dtype = numpy.uint16 if name.startswith("GPT") else numpy.uint32

    def shards(source: Path) -> dict:
        target = work / "shards"
        shutil.rmtree(target, ignore_errors=True)
        return tokkit.encode_corpus(
            tokenizer, [source], target, format="npy", threads=2, progress=False
        )

    def nanogpt() -> None:
        target = work / "nanogpt"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        _nanogpt(parquet, target, reference, dtype)

    def check() -> None:
        want = in_memory(docs)
        shards(text)
        ids = numpy.concatenate(
            [numpy.load(p) for p in sorted((work / "shards").glob("shard_*[0-9].npy"))]
        )
        assert numpy.array_equal(ids, want.ids), "encode_corpus differs from in-memory"
        nanogpt()
        theirs = numpy.load(work / "nanogpt" / "nanogpt.npy")
        assert numpy.array_equal(ids, theirs), "encode_corpus differs from nanoGPT's"

    nbytes = text.stat().st_size
    return Case(
        name=f"{name}: {nbytes / 1e6:.1f} MB corpus to shards",
        nbytes=nbytes,
        impls={
            "tokkit encode_corpus --format npy, text file, 2 threads": lambda: shards(text),
            "tokkit encode_corpus --format npy, Parquet, 2 threads": lambda: shards(parquet),
            "tokkit encode_batch_arrays in memory, 2 threads": lambda: in_memory(docs),
            "datasets.map(num_proc=2) + reference -> .npy (nanoGPT)": nanogpt,
        },
        check=check,
        repeat=repeat,
    )


def _memory_case(work: Path, small: Path, large: Path) -> Case:
    """Peak RSS of ``encode_corpus`` (cl100k, npy, 2 threads), each run in a
    fresh process, on the mix and on ten times the mix: flat when memory is
    bounded by the chunks, not by the corpus."""
    ranks = SHARED / "vocab" / "tiktoken" / "cl100k_base.tiktoken"
    setup = f"import tokkit\ntok = tokkit.load_tiktoken({str(ranks)!r}, 'cl100k_base')"

    def run(source: Path) -> dict:
        target = work / "rss"
        shutil.rmtree(target, ignore_errors=True)
        timed = f"tokkit.encode_corpus(tok, [{str(source)!r}], {str(target)!r}, threads=2)"
        return run_child(setup, timed)

    return Case(
        name="encode_corpus peak RSS (cl100k, fresh process), mix and 10x the mix",
        nbytes=0,
        impls={
            f"{small.stat().st_size / 1e6:.0f} MB": lambda: run(small),
            f"{large.stat().st_size / 1e6:.0f} MB": lambda: run(large),
        },
        repeat=1,
        warmup=False,
    )


def cases(quick: bool) -> list[Case]:
    work = Path(tempfile.mkdtemp(prefix="tokkit-bench-corpus-"))
    out = []
    texts = []
    for repeats in [1] if quick else [1, 10]:
        inputs = _inputs(work, repeats)
        texts.append(inputs[0])
        for name, tools in _tokenizers().items():
            out.append(_case(name, tools, inputs, work, 2 if quick else 3))
    if len(texts) == 1:
        texts.append(_inputs(work, 10)[0])
    out.append(_memory_case(work, texts[0], texts[1]))
    return out
