"""Hostile arguments to every encoder's methods, side by side with the
reference: wrong types, lone surrogates, NUL, negative and huge numbers,
nested and mixed lists, generators.

Whatever the reference makes of such a call, tokkit must not answer with
an exception of a third kind: it raises a :class:`tokkit.TokkitError`, or
the reference's own exception type, or succeeds. The one allowance: where
the reference fails inside itself on a wrong type (an ``assert`` or a
missing attribute), tokkit's TypeError is the honest answer.

The cases that could take memory or time (huge padding, sample counts,
thread counts) are in test_hostile_input.py, each in a child process."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sentencepiece
import tiktoken
import tiktoken.load
import tokenizers
from conftest import shared_path
from google_bert import tokenization

import tokkit


def _words() -> Iterator[str]:
    yield "hello"
    yield "world"


# name -> a fresh value each time (a generator is used up by one call).
HOSTILE: dict[str, Callable[[], Any]] = {
    "None": lambda: None,
    "int": lambda: 1,
    "negative": lambda: -1,
    "2**40": lambda: 2**40,
    "2**70": lambda: 2**70,
    "float": lambda: 1.5,
    "nan": lambda: float("nan"),
    "bool": lambda: True,
    "bytes": lambda: b"hi",
    "surrogate": lambda: "a\ud800b",
    "nul": lambda: "a\x00b",
    "str": lambda: "hello",
    "empty str": lambda: "",
    "empty list": lambda: [],
    "[None]": lambda: [None],
    "nested ids": lambda: [[1, 2]],
    "mixed": lambda: ["a", 1],
    "generator": _words,
    "tuple": lambda: ("a", "b"),
    "dict": lambda: {},
    "object": lambda: object(),
    "ids": lambda: [1, 2, 3],
    "negative id": lambda: [1, -1],
    "id past 2**32": lambda: [1, 2**32 + 5],
    "str ids": lambda: ["1"],
    "pairs": lambda: [("a", "b")],
    "bad pair": lambda: [("a", 1)],
    "surrogate list": lambda: ["a\ud800"],
    "triples": lambda: [("a", "b", "c")],
}

# A call: (method, how the hostile value goes in).
Call = tuple[str, Callable[[Any], tuple[tuple[Any, ...], dict[str, Any]]]]


def alone(method: str) -> Call:
    return method, lambda v: ((v,), {})


def after(method: str, *first: Any) -> Call:
    return method, lambda v: ((*first, v), {})


def keyword(method: str, key: str, *args: Any, **more: Any) -> Call:
    return method, lambda v: (args, {key: v, **more})


TOKENIZER_CALLS: list[Call] = [
    alone("encode"),
    after("encode", "a first text"),
    keyword("encode", "is_pretokenized", "a"),
    ("encode", lambda v: ((v,), {"is_pretokenized": True})),
    keyword("encode", "add_special_tokens", "a"),
    alone("encode_batch"),
    ("encode_batch", lambda v: ((v,), {"is_pretokenized": True})),
    keyword("encode_batch", "add_special_tokens", ["a"]),
    alone("decode"),
    keyword("decode", "skip_special_tokens", [1, 2]),
    alone("decode_batch"),
    ("decode_batch", lambda v: (([v],), {})),
    alone("token_to_id"),
    alone("id_to_token"),
    keyword("get_vocab", "with_added_tokens"),
    keyword("get_vocab_size", "with_added_tokens"),
    alone("num_special_tokens_to_add"),
    *[
        keyword("enable_padding", key)
        for key in ("direction", "pad_id", "pad_type_id", "pad_token", "length")
    ],
    alone("enable_truncation"),
    keyword("enable_truncation", "stride", 8),
    keyword("enable_truncation", "strategy", 8),
    keyword("enable_truncation", "direction", 8),
    alone("from_str"),
    alone("from_buffer"),
    alone("from_file"),
]

ENCODING_CALLS: list[Call] = [
    *[
        alone(m)
        for m in (
            "word_to_tokens",
            "word_to_chars",
            "token_to_sequence",
            "token_to_chars",
            "token_to_word",
            "char_to_token",
            "char_to_word",
        )
    ],
    *[
        after(m, 1)
        for m in (
            "word_to_tokens",
            "word_to_chars",
            "token_to_chars",
            "char_to_token",
            "char_to_word",
        )
    ],
    # HF's in-place methods; the lengths that could take memory (pad) or
    # make HF panic (a stride not below the length) are elsewhere.
    *[keyword("pad", key, 30) for key in ("direction", "pad_id", "pad_type_id", "pad_token")],
    alone("truncate"),
    keyword("truncate", "direction", 30),
    alone("set_sequence_id"),
    alone("merge"),
    keyword("merge", "growing_offsets", []),
]

SENTENCEPIECE_CALLS: list[Call] = [
    *[
        alone(m)
        for m in (
            "encode",
            "encode_as_ids",
            "encode_as_pieces",
            "decode",
            "decode_ids",
            "decode_pieces",
            "piece_to_id",
            "id_to_piece",
            "get_score",
            "is_unknown",
            "is_control",
            "is_byte",
            "sample_encode_as_ids",
            "nbest_encode_as_ids",
            "EncodeAsIds",
            "DecodeIds",
            "IdToPiece",
            "PieceToId",
        )
    ],
    *[
        keyword("encode", key, "hello")
        for key in (
            "out_type",
            "add_bos",
            "add_eos",
            "reverse",
            "emit_unk_piece",
            "enable_sampling",
            "alpha",
            "nbest_size",
            "num_threads",
        )
    ],
    keyword("encode", "alpha", "hello", enable_sampling=True),
    keyword("encode", "nbest_size", "hello", enable_sampling=True),
    keyword("nbest_encode_as_ids", "nbest_size", "hello"),
    keyword("decode", "out_type", [1, 2]),
]

TIKTOKEN_CALLS: list[Call] = [
    *[
        alone(m)
        for m in (
            "encode",
            "encode_ordinary",
            "encode_batch",
            "encode_ordinary_batch",
            "decode",
            "decode_bytes",
            "decode_single_token_bytes",
            "decode_tokens_bytes",
            "decode_with_offsets",
            "decode_batch",
            "decode_bytes_batch",
            "encode_single_token",
            "is_special_token",
            "encode_to_numpy",
        )
    ],
    keyword("encode", "allowed_special", "hello <|endoftext|>"),
    keyword("encode", "disallowed_special", "hello <|endoftext|>"),
    keyword("encode_batch", "num_threads", ["a", "b"]),
]

BERT_CALLS: list[Call] = [
    alone("tokenize"),
    alone("convert_tokens_to_ids"),
    alone("convert_ids_to_tokens"),
]


def raised(call: Callable[[], Any]) -> BaseException | None:
    try:
        call()
    except Exception as e:
        return e
    return None


def foreign(ours: BaseException | None, ref: BaseException | None) -> bool:
    """Whether tokkit's outcome is an exception of a third kind."""
    if ours is None or isinstance(ours, tokkit.TokkitError):
        return False
    if ref is None:
        return True
    if isinstance(ours, type(ref)):
        return False
    return not (isinstance(ours, TypeError) and isinstance(ref, AssertionError | AttributeError))


def foreign_outcomes(ours: Any, ref: Any, call: Call, skip: set[str] = frozenset()) -> list[str]:
    method, arguments = call
    found = []
    for name, make in HOSTILE.items():
        if name in skip:
            continue
        mine = raised(lambda make=make: _call(ours, method, arguments(make())))
        theirs = raised(lambda make=make: _call(ref, method, arguments(make())))
        if foreign(mine, theirs):
            found.append(
                f"{method}({name}): tokkit {type(mine).__name__}: {mine} | "
                f"reference {type(theirs).__name__ if theirs else 'ok'}: {theirs or ''}"
            )
    return found


def _call(obj: Any, method: str, arguments: tuple[tuple[Any, ...], dict[str, Any]]) -> Any:
    args, kwargs = arguments
    return getattr(obj, method)(*args, **kwargs)


def label(call: Call) -> str:
    method, arguments = call
    _, kwargs = arguments(0)
    return method + "".join(f"[{k}]" for k in kwargs)


TOKENIZER_FILES = ["bert-base-uncased", "gpt2", "rut5-large-spm-unigram"]


@pytest.fixture(scope="module", params=TOKENIZER_FILES)
def tokenizer_pair(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    path = str(shared_path("vocab", request.param, "tokenizer.json"))
    return tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)


@pytest.mark.parametrize("call", TOKENIZER_CALLS, ids=label)
def test_tokenizer(tokenizer_pair: tuple[Any, Any], call: Call) -> None:
    # Each call on a fresh pair of objects would cost a load each; the
    # setters' hostile values either fail or leave a setting the next call
    # replaces, so one pair serves all, reset after each call.
    ours, ref = tokenizer_pair
    try:
        assert foreign_outcomes(ours, ref, call) == []
    finally:
        for t in (ours, ref):
            t.no_padding()
            t.no_truncation()


@pytest.mark.parametrize("call", ENCODING_CALLS, ids=label)
def test_encoding(tokenizer_pair: tuple[Any, Any], call: Call) -> None:
    ours, ref = (t.encode("hello world, how are you", "fine") for t in tokenizer_pair)
    assert foreign_outcomes(ours, ref, call) == []


@pytest.fixture(
    scope="module", params=["llama2-spm-bpe/tokenizer.model", "rut5-large-spm-unigram/spiece.model"]
)
def sentencepiece_pair(request: pytest.FixtureRequest) -> tuple[Any, Any]:
    path = str(shared_path("vocab", *request.param.split("/")))
    return (
        tokkit.SentencePieceProcessor(model_file=path),
        sentencepiece.SentencePieceProcessor(model_file=path),
    )


@pytest.mark.parametrize("call", SENTENCEPIECE_CALLS, ids=label)
def test_sentencepiece(sentencepiece_pair: tuple[Any, Any], call: Call) -> None:
    assert foreign_outcomes(*sentencepiece_pair, call) == []


CL100K_SPECIALS = {
    "<|endoftext|>": 100257,
    "<|fim_prefix|>": 100258,
    "<|fim_middle|>": 100259,
    "<|fim_suffix|>": 100260,
    "<|endofprompt|>": 100276,
}


@pytest.fixture(scope="module")
def tiktoken_pair() -> tuple[Any, Any]:
    path = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    ours = tokkit.load_tiktoken(path, "cl100k_base")
    ranks = tiktoken.load.load_tiktoken_bpe(str(path))
    ref = tiktoken.Encoding(
        "cl100k_base",
        pat_str=ours._pat_str,
        mergeable_ranks=ranks,
        special_tokens=CL100K_SPECIALS,
    )
    return ours, ref


@pytest.mark.parametrize("call", TIKTOKEN_CALLS, ids=label)
def test_tiktoken(tiktoken_pair: tuple[Any, Any], call: Call) -> None:
    # tiktoken's ThreadPoolExecutor(nan) never starts a thread: it hangs.
    skip = {"nan"} if call[0].endswith("batch") else set()
    assert foreign_outcomes(*tiktoken_pair, call, skip) == []


@pytest.mark.parametrize("call", BERT_CALLS, ids=label)
def test_full_tokenizer(call: Call) -> None:
    vocab = str(shared_path("vocab", "bert-base-uncased", "vocab.txt"))
    ours = tokkit.FullTokenizer(vocab, do_lower_case=True)
    ref = tokenization.FullTokenizer(vocab, do_lower_case=True)
    assert foreign_outcomes(ours, ref, call) == []
