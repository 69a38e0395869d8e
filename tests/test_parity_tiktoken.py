"""tokkit's tiktoken encodings against the real tiktoken package, built from
the same local rank files: identical ids on every corpus, on generated text
and on pathological inputs; identical special-token behaviour."""

from __future__ import annotations

import pickle
import random
import string

import pytest
import tiktoken
import tiktoken.load
from conftest import corpus_files, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from references import tiktoken_encoding
from strategies import corpus_splices, interesting_chars

import tokkit

NAMES = ["r50k_base", "cl100k_base", "o200k_base"]


def reference(name: str) -> tiktoken.Encoding:
    return tiktoken_encoding(name, shared_path("vocab", "tiktoken", f"{name}.tiktoken"))


@pytest.fixture(scope="module", params=NAMES)
def pair(request) -> tuple[tokkit.TiktokenEncoding, tiktoken.Encoding]:
    name = request.param
    ours = tokkit.load_tiktoken(shared_path("vocab", "tiktoken", f"{name}.tiktoken"), name)
    return ours, reference(name)


@pytest.fixture(scope="module")
def cache() -> dict:
    return {}


def get_pair(cache: dict, name: str) -> tuple[tokkit.TiktokenEncoding, tiktoken.Encoding]:
    if name not in cache:
        path = shared_path("vocab", "tiktoken", f"{name}.tiktoken")
        cache[name] = (tokkit.load_tiktoken(path, name), reference(name))
    return cache[name]


# Corpora


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_ids_identical(cache, name, path):
    ours, ref = get_pair(cache, name)
    text = path.read_text(encoding="utf-8")
    ids = ours.encode_ordinary(text)
    assert ids == ref.encode_ordinary(text)
    assert ours.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")
    assert ours.decode(ids) == text


def test_corpus_batches_identical(pair):
    ours, ref = pair
    texts = [p.read_text(encoding="utf-8")[:20000] for p in corpus_files()]
    assert ours.encode_ordinary_batch(texts, num_threads=2) == ref.encode_ordinary_batch(texts)
    assert ours.encode_batch(texts, num_threads=2) == ref.encode_batch(texts)


def test_returned_lists_are_fresh(pair):
    # the ints in the lists are shared objects, the lists must not be
    ours, ref = pair
    text = "lists of shared ints"
    for encode in [ours.encode_ordinary, ours.encode, lambda t: ours.encode_batch([t])[0]]:
        first = encode(text)
        first[0] = -1
        first.append(12345)
        assert encode(text) == ref.encode_ordinary(text)


# Generated text

FRAGMENTS = [
    " ",
    "  ",
    "   ",
    "\t",
    "\n",
    "\n\n",
    "\r\n",
    "\r",
    " \n ",
    "\u00a0",
    "\u3000",
    "\u2028",
    "\x85",
    "\x0b",
    "'s",
    "'S",
    "'t",
    "'T",
    "'ll",
    "'LL",
    "'lL",
    "'re",
    "'RE",
    "'ve",
    "'Ve",
    "'m",
    "'M",
    "'d",
    "'D",
    "'\u017f",
    "'",
    "''",
    "don't",
    "I'M",
    "we'Re",
    "THEY'LL",
    "o'clock",
    "0",
    "12",
    "123",
    "4567890",
    "\u00bd",
    "\u0663\u0664",
    "Hello",
    "WORLD",
    "hello",
    "MiXeD",
    "\u01c5ungla",
    "\u02b0",
    "\u02b0\u02b0",
    "\u4e2d\u6587",
    "\u65e5\u672c\u8a9e",
    "\u0301",
    "e\u0301",
    "\u0301\u0301",
    "A\u0301",
    "\U0001f600",
    "\U0001f44d\U0001f3fd",
    "\U0001d518",
    "\U00010348",
    "!",
    "...",
    "//",
    "/",
    "?!",
    "$",
    "^",
    "\u00e9",
    "\u00df",
    "\u0130",
    "\u03a3\u03c3",
    "\ufb01",
    "\u200d",
    "\ufeff",
    "\x00",
    "<|",
    "|>",
    "\u0915\u094d\u0937",
]

texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=40).map(
    "".join
)


# Slices of the shared corpora with the fragments spliced in: the long tokens
# of a real vocabulary, which generated characters alone rarely make.
spliced_texts = corpus_splices(
    corpus_files(), st.one_of(st.sampled_from(FRAGMENTS), interesting_chars)
)


@pytest.mark.parametrize("name", NAMES)
@settings(deadline=None, max_examples=500)
@given(text=st.one_of(texts, spliced_texts))
def test_generated_text_identical(cache, name, text):
    ours, ref = get_pair(cache, name)
    ids = ours.encode_ordinary(text)
    assert ids == ref.encode_ordinary(text)
    assert ours.decode(ids) == text
    assert ours.decode_bytes(ids) == text.encode("utf-8")


# Runs of non-ASCII letters and punctuation without spaces: long pieces of
# 2- and 3-byte characters, where tokkit starts BPE from whole characters
# (models/bpe/char_seeds.rs) whenever that is exact.
script_runs = st.lists(
    st.one_of(
        st.characters(min_codepoint=lo, max_codepoint=hi)
        for lo, hi in [
            (0x4E00, 0x9FFF),  # CJK
            (0x3000, 0x30FF),  # CJK punctuation, kana
            (0xFF00, 0xFFEF),  # full-width forms
            (0xAC00, 0xD7A3),  # Hangul
            (0x0370, 0x04FF),  # Greek, Cyrillic
            (0x0900, 0x097F),  # Devanagari
            (0x0E00, 0x0E7F),  # Thai
            (0x0080, 0x07FF),  # every 2-byte character
            (0x0800, 0xFFFF),  # every 3-byte character
            (0x61, 0x7A),  # a few ASCII letters among them
        ]
    ),
    max_size=80,
).map("".join)


@pytest.mark.parametrize("name", NAMES)
@settings(deadline=None, max_examples=300)
@given(text=script_runs)
def test_script_runs_identical(cache, name, text):
    ours, ref = get_pair(cache, name)
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)


@pytest.mark.parametrize("name", NAMES)
@settings(deadline=None, max_examples=100)
@given(text=st.text(max_size=200))
def test_round_trip(cache, name, text):
    ours, ref = get_pair(cache, name)
    ids = ours.encode(text, disallowed_special=())
    assert ids == ref.encode(text, disallowed_special=())
    assert ours.decode(ids) == text


# Pathological inputs: results checked here, timings in bench/cases_tiktoken.py.


def pathological() -> dict[str, str]:
    rnd = random.Random(1234)
    return {
        "one-char-1e6": "a" * 10**6,
        "caret-1e6": "^" * 10**6,
        "letters-1MB": "".join(rnd.choice(string.ascii_letters) for _ in range(10**6)),
        "spaces-1MB": " " * 10**6,
        "mixed-whitespace-1MB": "".join(rnd.choice(" \t\n\r\u00a0") for _ in range(10**6)),
        "digits-1e6": "".join(rnd.choice(string.digits) for _ in range(10**6)),
        "cjk-1e5": "\u4e2d" * 10**5,
        "combining-1e5": "a" + "\u0301" * 10**5,
    }


def reference_ids(ref: tiktoken.Encoding, text: str) -> list[int]:
    """tiktoken's ids; where its regex engine overflows its stack (o200k on a
    megabyte of spaces panics), tiktoken's own fallback: the same pattern run
    by Python's ``regex`` module, then its native BPE."""
    try:
        return ref.encode_ordinary(text)
    except BaseException as err:
        if type(err).__name__ != "PanicException":
            raise
        return ref._encode_only_native_bpe(text)


@pytest.mark.parametrize("case", list(pathological()))
def test_pathological_inputs_identical(pair, case):
    ours, ref = pair
    text = pathological()[case]
    assert ours.encode_ordinary(text) == reference_ids(ref, text)


# Special tokens and the rest of the API


def test_special_tokens_behave_like_tiktoken(pair):
    ours, ref = pair
    eot = "<|endoftext|>"
    other = sorted(ref.special_tokens_set - {eot})
    text = f"hello {eot} world {other[0] if other else eot}!"
    for kwargs in [
        {"allowed_special": "all"},
        {"allowed_special": {eot}, "disallowed_special": ()},
        {"disallowed_special": ()},
        {"allowed_special": set(), "disallowed_special": set()},
        {"allowed_special": ref.special_tokens_set},
        {"allowed_special": {eot, "not a special token"}, "disallowed_special": ()},
    ]:
        assert ours.encode(text, **kwargs) == ref.encode(text, **kwargs), kwargs
        assert ours.encode_batch([text, "x"], **kwargs) == ref.encode_batch([text, "x"], **kwargs)
    for kwargs in [
        {},
        {"allowed_special": {other[0]}} if other else {"disallowed_special": {eot}},
        {"disallowed_special": {eot}},
        {"disallowed_special": ["world"]},
    ]:
        with pytest.raises(ValueError) as expected:
            ref.encode(text, **kwargs)
        with pytest.raises(ValueError) as got:
            ours.encode(text, **kwargs)
        assert str(got.value) == str(expected.value)
        with pytest.raises(ValueError):
            ours.encode_batch(["fine", text], **kwargs)
    assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
    assert ours.encode(f"{eot}{eot}", allowed_special="all") == [ref.eot_token] * 2


def test_lone_surrogates_like_tiktoken(pair):
    ours, ref = pair
    for text in ["\ud800", "a\udfffb", "\ud83d\ude00 x", "x\ud83d", "\udc00\ud800 \ud800"]:
        assert ours.encode(text) == ref.encode(text)
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
        assert ours.encode_ordinary_batch([text, "ok"]) == ref.encode_ordinary_batch([text, "ok"])


def test_api_values_identical(pair):
    ours, ref = pair
    assert ours.n_vocab == ref.n_vocab
    assert ours.max_token_value == ref.max_token_value
    assert ours.eot_token == ref.eot_token
    assert ours.special_tokens_set == ref.special_tokens_set
    assert ours.token_byte_values() == ref.token_byte_values()
    assert ours.name == ref.name
    for token in [0, 1, 255, 256, 1000, ref.eot_token, ref.max_token_value]:
        assert ours.decode_single_token_bytes(token) == ref.decode_single_token_bytes(token)
        assert ours.is_special_token(token) == ref.is_special_token(token)
    for piece in [b"hello", b" the", "<|endoftext|>", b"!"]:
        assert ours.encode_single_token(piece) == ref.encode_single_token(piece)
    with pytest.raises(KeyError):
        ours.encode_single_token(b"not a single token at all")
    with pytest.raises(KeyError):
        ours.decode_single_token_bytes(ref.max_token_value + 1)
    with pytest.raises(KeyError):
        ours.decode_bytes([ref.max_token_value + 1])


def test_pickle_round_trip(pair):
    ours, ref = pair
    clone = pickle.loads(pickle.dumps(ours))
    text = "pickled <|endoftext|> encoders still encode the same"
    assert clone.encode(text, allowed_special="all") == ref.encode(text, allowed_special="all")
    assert clone.name == ours.name
    assert clone._core.mergeable_ranks() == ref._mergeable_ranks


def test_decode_split_characters_like_tiktoken(pair):
    ours, ref = pair
    ids = ref.encode("\U0001f600\u4e2d\u00e9")
    for cut in range(len(ids) + 1):
        part = ids[:cut]
        assert ours.decode_bytes(part) == ref.decode_bytes(part)
        assert ours.decode(part) == ref.decode(part)
        assert ours.decode(part, errors="ignore") == ref.decode(part, errors="ignore")
    assert ours.decode_tokens_bytes(ids) == ref.decode_tokens_bytes(ids)
    assert ours.decode_batch([ids, ids[:1]]) == ref.decode_batch([ids, ids[:1]])


def outcome(call, *args, **kwargs):
    """What a call returns, or the type of what it raises."""
    try:
        return call(*args, **kwargs)
    except Exception as error:
        return type(error)


@pytest.mark.parametrize("name", NAMES)
@settings(deadline=None, max_examples=200)
@given(text=st.one_of(texts, spliced_texts), data=st.data())
def test_decode_with_offsets_like_tiktoken(cache, name, text, data):
    """Offsets of every token, on whole texts and on any slice of their
    tokens (which may cut characters: both then raise)."""
    ours, ref = get_pair(cache, name)
    ids = ref.encode(text, allowed_special="all")
    start = data.draw(st.integers(0, len(ids)))
    end = data.draw(st.integers(start, len(ids)))
    for tokens in (ids, ids[start:end], [*ids, ref.max_token_value + 1]):
        assert outcome(ours.decode_with_offsets, tokens) == outcome(ref.decode_with_offsets, tokens)


@pytest.mark.parametrize("name", NAMES)
@settings(deadline=None, max_examples=100)
@given(text=st.one_of(texts, spliced_texts))
def test_encode_to_numpy_like_tiktoken(cache, name, text):
    ours, ref = get_pair(cache, name)
    for kwargs in ({}, {"allowed_special": "all"}, {"disallowed_special": ()}):
        got = outcome(ours.encode_to_numpy, text, **kwargs)
        want = outcome(ref.encode_to_numpy, text, **kwargs)
        if isinstance(want, type):
            assert got is want
        else:
            assert got.dtype == want.dtype
            assert got.tolist() == want.tolist()


def test_encode_to_numpy_refuses_like_tiktoken(pair):
    ours, ref = pair
    assert outcome(ours.encode_to_numpy, "a <|endoftext|>") is ValueError
    assert outcome(ref.encode_to_numpy, "a <|endoftext|>") is ValueError
    for text in ["\ud800", "x\ud83d"]:
        # tiktoken's UnicodeEncodeError; tokkit's own UnicodeError, naming
        # the surrogate.
        assert outcome(ref.encode_to_numpy, text) is UnicodeEncodeError
        assert outcome(ours.encode_to_numpy, text) is tokkit.InvalidUtf8Error


def test_encoding_built_from_ranks_like_tiktoken(pair):
    """The ``tiktoken.Encoding(...)`` form, with a pattern that has no
    hand-written splitter (so the regex engine path runs)."""
    ours_file, ref = pair
    ranks = ref._mergeable_ranks
    pattern = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
    specials = {"<|endoftext|>": ref.max_token_value + 1}
    mine = tokkit.TiktokenEncoding(
        "custom", pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials
    )
    theirs = tiktoken.Encoding(
        "custom", pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials
    )
    text = corpus_files()[0].read_text(encoding="utf-8")[:50000] + " <|endoftext|> x"
    assert mine.encode(text, allowed_special="all") == theirs.encode(text, allowed_special="all")
    same = tokkit.TiktokenEncoding(
        ref.name, pat_str=ref._pat_str, mergeable_ranks=ranks, special_tokens=ref._special_tokens
    )
    assert same.encode_ordinary(text) == ours_file.encode_ordinary(text)


@pytest.mark.parametrize(
    "layout",
    [
        lambda line, i: line + b"\r\n",  # Windows line endings
        lambda line, i: line + b"\r",  # old Mac line endings
        lambda line, i: line.replace(b" ", b"\t") + b"\n",
        lambda line, i: b"  " + line.replace(b" ", b"   ") + b" \t\n",
        lambda line, i: line + (b"\n\n" if i % 7 == 0 else b"\n"),  # blank lines
    ],
    ids=["crlf", "cr", "tabs", "spaces", "blank-lines"],
)
def test_rank_file_layouts_read_like_tiktoken(tmp_path, layout):
    """Files that tiktoken's loader reads (it splits with Python's
    ``splitlines()`` and ``split()``) give the same ranks here."""
    original = shared_path("vocab", "tiktoken", "r50k_base.tiktoken").read_bytes()
    path = tmp_path / "r50k_base.tiktoken"
    path.write_bytes(b"".join(layout(line, i) for i, line in enumerate(original.splitlines())))
    ranks = tiktoken.load.load_tiktoken_bpe(str(path))
    ours = tokkit.load_tiktoken(path, "r50k_base")
    assert ours._core.mergeable_ranks() == ranks
    text = "Files written elsewhere still encode the same."
    assert ours.encode_ordinary(text) == reference("r50k_base").encode_ordinary(text)


@pytest.mark.parametrize("spelling", [b"=", b"=="])
def test_empty_token_reads_like_tiktoken(tmp_path, spelling):
    """Whisper's rank files list an empty token (its base64 is padding
    alone): tiktoken loads it, never produces it and decodes it to nothing.
    Loaded as p50k_edit (r50k's ranks and pattern, no asserted token count):
    as r50k_base, both tiktoken and tokkit refuse a 50258th token."""
    original = shared_path("vocab", "tiktoken", "r50k_base.tiktoken").read_bytes()
    path = tmp_path / "r50k_base.tiktoken"
    path.write_bytes(original + spelling + b" 50257\n")
    ranks = tiktoken.load.load_tiktoken_bpe(str(path))
    assert ranks[b""] == 50257
    ref = tiktoken.Encoding(
        "p50k_edit",
        pat_str=reference("r50k_base")._pat_str,
        mergeable_ranks=ranks,
        special_tokens={
            "<|endoftext|>": 50256,
            "<|fim_prefix|>": 50281,
            "<|fim_middle|>": 50282,
            "<|fim_suffix|>": 50283,
        },
    )
    ours = tokkit.load_tiktoken(path, "p50k_edit")
    assert ours._core.mergeable_ranks() == ranks
    assert (ours.n_vocab, ours.max_token_value) == (ref.n_vocab, ref.max_token_value)
    assert ours.token_byte_values() == ref.token_byte_values()
    assert ours.encode_single_token(b"") == ref.encode_single_token(b"") == 50257
    assert ours.decode_single_token_bytes(50257) == ref.decode_single_token_bytes(50257)
    for file in corpus_files():
        text = file.read_text(encoding="utf-8")[:20000]
        ids = ref.encode(text, allowed_special="all")
        assert ours.encode(text, allowed_special="all") == ids
        with_empty = [50257, *ids[:50], 50257]
        # (tiktoken's decode_with_offsets raises IndexError on an empty token)
        assert ours.decode(with_empty) == ref.decode(with_empty)
        assert ours.decode_tokens_bytes(with_empty) == ref.decode_tokens_bytes(with_empty)


@pytest.mark.parametrize("line", [0, 500, 49999])
def test_a_repeated_token_reads_like_tiktoken(tmp_path, line):
    """A token listed twice: tiktoken's loader builds a dict, so the token
    keeps its first place and takes its last rank (its first rank is then
    no token's). Loaded as p50k_edit: no asserted token count."""
    lines = shared_path("vocab", "tiktoken", "r50k_base.tiktoken").read_bytes().splitlines()
    path = tmp_path / "r50k_base.tiktoken"
    path.write_bytes(b"\n".join([*lines, lines[line].split()[0] + b" 50257"]) + b"\n")
    ranks = tiktoken.load.load_tiktoken_bpe(str(path))
    ref = tiktoken.Encoding(
        "p50k_edit",
        pat_str=reference("r50k_base")._pat_str,
        mergeable_ranks=ranks,
        special_tokens={"<|endoftext|>": 50256},
    )
    ours = tokkit.load_tiktoken(path, "p50k_edit")
    assert ours._core.mergeable_ranks() == ranks
    for file in corpus_files():
        text = file.read_text(encoding="utf-8")[:20000]
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text)
