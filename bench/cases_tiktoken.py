"""Byte-level BPE: tokkit against tiktoken and bpe-openai (cl100k_base,
o200k_base), on ~1 KB and ~100 KB documents from the shared corpora,
single-threaded and with 2 threads, and on the pathological inputs (one
character repeated, a megabyte without a split point, long runs of whitespace
and digits); the time and peak memory of loading each rank file; and GPT-2's
tokenizer.json against HF tokenizers. Each 2-thread case follows the
machine's own two-core scaling, measured just before it."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from pathlib import Path

from harness import SHARED, Case, corpus_paths, run_child, two_core_yardstick
from references import cut_documents, tiktoken_encoding

NAMES = ["cl100k_base", "o200k_base"]


def _encodings(name: str) -> dict[str, object]:
    import tokkit

    path = SHARED / "vocab" / "tiktoken" / f"{name}.tiktoken"
    out = {
        "tokkit": tokkit.load_tiktoken(path, name),
        "tiktoken": tiktoken_encoding(name, path),
    }
    try:
        import bpe_openai

        out["bpe-openai"] = bpe_openai.get_encoding(name)
    except ImportError:
        pass
    return out


def _sample(docs: list[str], budget: int) -> list[str]:
    """Documents spread evenly over the corpora, about ``budget`` bytes."""
    total = sum(len(d.encode("utf-8")) for d in docs)
    step = max(1, total // budget)
    return docs[::step]


def _loop(encode: Callable[[str], list[int]], docs: list[str]) -> Callable[[], object]:
    return lambda: [encode(d) for d in docs]


def _check(encs: dict[str, object], docs: list[str], skip: tuple[str, ...] = ()) -> Callable:
    def check() -> None:
        want = [encs["tokkit"].encode_ordinary(d) for d in docs]
        for impl, enc in encs.items():
            if impl in skip:
                continue
            got = [enc.encode_ordinary(d) for d in docs]
            assert got == want, f"{impl} differs from tokkit"

    return check


def _pathological(quick: bool) -> dict[str, str]:
    n = 10**5 if quick else 10**6
    rnd = random.Random(1234)
    return {
        "one char x1e6": "a" * n,
        "'^' x1e6": "^" * n,
        "1MB letters, no spaces": "".join(rnd.choice(string.ascii_letters) for _ in range(n)),
        "1MB spaces": " " * n,
        "1MB digits": "".join(rnd.choice(string.digits) for _ in range(n)),
    }


def _load_case(name: str) -> Case:
    """Loading the rank file and encoding one word, each in a fresh process
    (peak RSS includes the interpreter and the import, ~14 MB for either)."""
    path = SHARED / "vocab" / "tiktoken" / f"{name}.tiktoken"
    tests = Path(__file__).resolve().parents[1] / "tests"
    ours = f"import tokkit\ntokkit.load_tiktoken({str(path)!r}, {name!r}).encode('hello')"
    ref = (
        f"import sys\nsys.path.insert(0, {str(tests)!r})\n"
        "from pathlib import Path\nfrom references import tiktoken_encoding\n"
        f"tiktoken_encoding({name!r}, Path({str(path)!r})).encode('hello')"
    )
    return Case(
        name=f"{name} load",
        nbytes=0,
        impls={"tokkit": lambda: run_child(ours), "tiktoken": lambda: run_child(ref)},
        repeat=1,
    )


def _gpt2_cases(docs: list[str], repeat: int) -> list[Case]:
    import tokenizers

    import tokkit

    path = SHARED / "vocab" / "gpt2" / "tokenizer.json"
    ours = tokkit.Tokenizer.from_file(path)
    ref = tokenizers.Tokenizer.from_file(str(path))
    # The file truncates to 50 tokens; measure whole documents.
    ours.no_truncation()
    ref.no_truncation()

    def check() -> None:
        for d in docs[:200]:
            a, b = ours.encode(d), ref.encode(d)
            assert (a.ids, a.offsets) == (b.ids, b.offsets), "HF differs from tokkit"

    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    return [
        Case(
            name="gpt2 tokenizer.json ~1KB docs, encode, 1 thread",
            nbytes=nbytes,
            impls={"tokkit": _loop(ours.encode, docs), "hf-tokenizers": _loop(ref.encode, docs)},
            check=check,
            repeat=repeat,
        ),
        two_core_yardstick(repeat),
        Case(
            name=f"gpt2 tokenizer.json ~1KB docs, encode_batch of {len(docs)}, 2 threads",
            nbytes=nbytes,
            impls={
                "tokkit": lambda: ours.encode_batch(docs, num_threads=2),
                # HF's batch runs on its global pool (both cores here).
                "hf-tokenizers": lambda: ref.encode_batch(docs),
                "tokkit, 1 thread": lambda: ours.encode_batch(docs, num_threads=1),
            },
            check=check,
            repeat=repeat,
        ),
    ]


def cases(quick: bool) -> list[Case]:
    paths = corpus_paths()
    short = _sample(cut_documents(paths, 1000), 300_000 if quick else 2_000_000)
    long = _sample(cut_documents(paths, 100_000), 300_000 if quick else 2_000_000)
    # Ten rounds: on this VM a slow spell can last through five of them, and
    # the 2x targets are judged on these ratios.
    repeat = 2 if quick else 10
    out = _gpt2_cases(short, repeat)
    for name in NAMES:
        out.append(_load_case(name))
        encs = _encodings(name)
        for label, docs in [("~1KB docs", short), ("~100KB docs", long)]:
            nbytes = sum(len(d.encode("utf-8")) for d in docs)
            out.append(
                Case(
                    name=f"{name} {label}, 1 thread",
                    nbytes=nbytes,
                    impls={impl: _loop(enc.encode_ordinary, docs) for impl, enc in encs.items()},
                    check=_check(encs, docs[:200]),
                    repeat=repeat,
                )
            )
        nbytes = sum(len(d.encode("utf-8")) for d in short)
        impls = {
            impl: (lambda enc=enc: enc.encode_ordinary_batch(short, num_threads=2))
            for impl, enc in encs.items()
        }
        impls["tokkit, 1 thread"] = lambda enc=encs["tokkit"]: enc.encode_ordinary_batch(
            short, num_threads=1
        )
        out.append(two_core_yardstick(repeat))
        out.append(
            Case(
                name=f"{name} ~1KB docs, batch of {len(short)}, 2 threads",
                nbytes=nbytes,
                impls=impls,
                check=_check(encs, short[:200]),
                repeat=repeat,
            )
        )
        for label, text in _pathological(quick).items():
            impls = {
                impl: (lambda enc=enc, text=text: enc.encode_ordinary(text))
                for impl, enc in encs.items()
            }
            # tiktoken's regex engine overflows its stack on o200k with a
            # megabyte of whitespace (a panic): leave it out there.
            skip = ["tiktoken"] if name == "o200k_base" and label == "1MB spaces" else []
            # bpe-openai refuses long inputs ("Input too long to encode safely").
            if "bpe-openai" in encs:
                try:
                    encs["bpe-openai"].encode_ordinary(text)
                except ValueError:
                    skip.append("bpe-openai")
            skip = tuple(skip)
            for impl in skip:
                impls.pop(impl)
            out.append(
                Case(
                    name=f"{name} {label}",
                    nbytes=len(text.encode("utf-8")),
                    impls=impls,
                    check=_check(encs, [text], skip),
                    repeat=1,
                )
            )
    return out
