"""Byte-level BPE with tiktoken's encodings: tokkit against tiktoken and
bpe-openai (cl100k_base, o200k_base), on ~1 KB and ~100 KB documents from the
shared corpora, single-threaded and with 2 threads, and on the pathological
inputs (one character repeated, a megabyte without a split point, long runs
of whitespace and digits)."""

from __future__ import annotations

import random
import string
from collections.abc import Callable

from harness import SHARED, Case, corpus_paths, load_documents

NAMES = ["cl100k_base", "o200k_base"]


def _encodings(name: str) -> dict[str, object]:
    import tiktoken
    import tiktoken.load
    from tiktoken_ext import openai_public

    import tokkit

    path = SHARED / "vocab" / "tiktoken" / f"{name}.tiktoken"
    ranks = tiktoken.load.load_tiktoken_bpe(str(path))
    original = openai_public.load_tiktoken_bpe
    openai_public.load_tiktoken_bpe = lambda *args, **kwargs: ranks
    try:
        spec = getattr(openai_public, name)()
    finally:
        openai_public.load_tiktoken_bpe = original
    out = {
        "tokkit": tokkit.load_tiktoken(path, name),
        "tiktoken": tiktoken.Encoding(**spec),
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


def cases(quick: bool) -> list[Case]:
    paths = corpus_paths()
    short = _sample(load_documents(paths, 1000), 300_000 if quick else 2_000_000)
    long = _sample(load_documents(paths, 100_000), 300_000 if quick else 2_000_000)
    repeat = 2 if quick else 5
    out = []
    for name in NAMES:
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
            skip = ("tiktoken",) if name == "o200k_base" and label == "1MB spaces" else ()
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
