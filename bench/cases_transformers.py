"""transformers on tokkit (issue 19): ``datasets.Dataset.map(batched=True)``
calling a transformers tokenizer, as people tokenize a dataset, with the
tokenizer from ``tokkit.transformers.from_pretrained`` against the same map
with transformers' own fast tokenizer, BERT and GPT-2, on ~10 MB of shared
corpus documents (~1 MB with ``--quick``). Issue 19's bound: the tokkit map
is >= 4x faster (its speed-up column). The map writes its Arrow output the
same way for both, so that part of the work is in both timings."""

from __future__ import annotations

from harness import SHARED, Case, corpus_paths
from references import cut_documents


def _documents(budget: int) -> list[str]:
    docs = cut_documents(corpus_paths(), 1000)
    total = sum(len(d.encode("utf-8")) for d in docs)
    if total >= budget:
        return docs[: max(1, len(docs) * budget // total)]
    return docs * (budget // total) + docs[: len(docs) * (budget % total) // total]


def cases(quick: bool) -> list[Case]:
    import datasets
    import transformers

    import tokkit.transformers

    datasets.disable_caching()
    datasets.disable_progress_bars()
    transformers.logging.set_verbosity_error()
    docs = _documents(1_000_000 if quick else 10_000_000)
    data = datasets.Dataset.from_dict({"text": docs})
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    out = []
    for name in ("bert-base-uncased", "gpt2"):
        folder = SHARED / "vocab" / name
        ours = tokkit.transformers.from_pretrained(folder)
        native = transformers.AutoTokenizer.from_pretrained(str(folder))

        def mapped(tok: object) -> object:
            return data.map(lambda batch: tok(batch["text"]), batched=True)  # type: ignore[operator]

        def check(ours=ours, native=native) -> None:
            sample = data.select(range(0, len(data), max(1, len(data) // 300)))
            got = sample.map(lambda b: ours(b["text"]), batched=True)
            want = sample.map(lambda b: native(b["text"]), batched=True)
            for column in want.column_names:
                assert got[column] == want[column], f"{column} differs from transformers'"

        out.append(
            Case(
                name=f"{name} datasets.map(batched=True), {len(docs)} ~1KB docs",
                nbytes=nbytes,
                impls={
                    "tokkit.transformers": lambda ours=ours: mapped(ours),
                    "transformers (HF tokenizers)": lambda native=native: mapped(native),
                },
                check=check,
                repeat=2 if quick else 3,
            )
        )
    return out
