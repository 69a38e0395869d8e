"""Byte-level BPE cuts a piece of CJK text into segments no merge crosses
(rust_src/models/char_joins.rs) and merges each on its own. These tests
encode CJK-heavy text side by side with tiktoken (cl100k, o200k, r50k) and
with HF tokenizers on GPT-2's tokenizer.json: in a fresh thread (empty
per-thread memos), again on the same thread, after and inside other text,
and in a two-thread batch. The text mixes scripts, rare and 4-byte
characters, and vocabulary tokens that hold partial characters (such as
o200k's ``b"\\xad\\xe6"``, the tail of one character and the lead byte of
the next), completed into text: there the cut must not fall."""

from __future__ import annotations

import functools
import threading

import pytest
import tokenizers
from conftest import corpus_files, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from references import tiktoken_encoding

import tokkit

NAMES = ["cl100k_base", "o200k_base", "r50k_base"]

RANGES = [
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0x3040, 0x30FF),  # hiragana, katakana
    (0xAC00, 0xD7A3),  # Hangul syllables
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF00, 0xFFEF),  # full-width forms
    (0x1F300, 0x1FAFF),  # emoji
    (0x20000, 0x3134F),  # CJK extensions B-G (4 bytes)
    (0x3400, 0x4DBF),  # CJK extension A
]
cjk_chars = st.one_of(
    *(st.characters(min_codepoint=lo, max_codepoint=hi) for lo, hi in RANGES),
    st.characters(codec="utf-8"),  # any code point
    st.sampled_from(
        "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会"
    ),
    st.sampled_from(" \n。、\uff0c「」\uff01\uff1f…"),  # full-width , ! ?
)


@functools.cache
def partial_tokens(name: str) -> list[bytes]:
    """The tokens of ``name`` with a character boundary between bytes of
    which one side is a partial character, non-ASCII ones first."""
    ranks = tokkit.load_tiktoken_bpe(shared_path("vocab", "tiktoken", f"{name}.tiktoken"))
    out = []
    for token in ranks:
        if token.isascii():
            continue
        try:
            token.decode("utf-8")
        except UnicodeDecodeError:
            out.append(token)
    return sorted(out)


# Bytes that begin a character, put before a token that starts inside one.
LEADS = [b"", b"\xe4", b"\xe5\xad", b"\xe6", b"\xe7", b"\xe8\x80", b"\xf0\x9f", b"\xf0\xa0\x80"]
LEADS += [b"\xc3", b"\xe3\x81"]


@st.composite
def completed_token(draw, name: str) -> str:
    """A token of ``name`` holding partial characters, with random bytes
    before and after it that make whole characters of its ends where they
    can: the text where its inner boundary stands between two characters."""
    token = draw(st.sampled_from(partial_tokens(name)))
    lead = draw(st.sampled_from(LEADS))
    tail = bytes(draw(st.lists(st.integers(0x80, 0xBF), max_size=3)))
    return (lead + token + tail).decode("utf-8", errors="replace")


def cjk_text(name: str) -> st.SearchStrategy[str]:
    return st.lists(st.one_of(cjk_chars, completed_token(name)), min_size=1, max_size=60).map(
        "".join
    )


@functools.cache
def tiktoken_pair(name: str):
    path = shared_path("vocab", "tiktoken", f"{name}.tiktoken")
    return tokkit.load_tiktoken(path, name), tiktoken_encoding(name, path)


@functools.cache
def other_text() -> str:
    """Ordinary text to encode between and around the generated text."""
    return "".join(p.read_text(encoding="utf-8")[:400] for p in corpus_files())


def in_fresh_thread(call, *args):
    """``call(*args)`` on a new thread: its per-thread memos start empty."""
    out = []
    worker = threading.Thread(target=lambda: out.append(call(*args)))
    worker.start()
    worker.join()
    return out[0]


def check_tiktoken(name: str, text: str) -> None:
    ours, ref = tiktoken_pair(name)
    want = ref.encode_ordinary(text)
    assert in_fresh_thread(ours.encode_ordinary, text) == want, "cold"
    assert ours.encode_ordinary(text) == want, "warm"
    other = other_text()
    assert ours.encode_ordinary(other) == ref.encode_ordinary(other)
    assert ours.encode_ordinary(text) == want, "after other text"
    around = other[:200] + text + other[200:] + text
    assert ours.encode_ordinary(around) == ref.encode_ordinary(around), "inside other text"


@pytest.mark.parametrize("name", NAMES)
def test_generated_cjk_text_like_tiktoken(name):
    @settings(deadline=None, max_examples=150)
    @given(text=cjk_text(name))
    def check(text):
        check_tiktoken(name, text)

    check()


@pytest.mark.parametrize("name", NAMES)
def test_joined_tokens_like_tiktoken(name):
    """Runs of completed partial-character tokens only: every boundary among
    them was made by a token that straddles one."""

    @settings(deadline=None, max_examples=150)
    @given(parts=st.lists(completed_token(name), min_size=1, max_size=12))
    def check(parts):
        check_tiktoken(name, "".join(parts))

    check()


@pytest.mark.parametrize("name", NAMES)
def test_two_thread_batch_like_tiktoken(name):
    ours, ref = tiktoken_pair(name)

    @settings(deadline=None, max_examples=40)
    @given(docs=st.lists(cjk_text(name), min_size=2, max_size=12))
    def check(docs):
        want = [ref.encode_ordinary(d) for d in docs]
        assert ours.encode_ordinary_batch(docs, num_threads=2) == want
        assert ours.encode_batch(docs, num_threads=2, disallowed_special=()) == want

    check()


@pytest.mark.parametrize("name", NAMES)
def test_cjk_corpora_like_tiktoken(name):
    ours, ref = tiktoken_pair(name)
    for path in corpus_files():
        if path.parent.name not in ("chinese", "japanese", "multilingual"):
            continue
        text = path.read_text(encoding="utf-8")[:200_000]
        assert ours.encode_ordinary(text) == ref.encode_ordinary(text), path.name


@functools.cache
def gpt2_pair():
    path = shared_path("vocab", "gpt2", "tokenizer.json")
    ours, ref = tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(str(path))
    # The file sets truncation to 50 tokens; compare whole texts.
    ours.no_truncation()
    ref.no_truncation()
    return ours, ref


def check_gpt2(text: str) -> None:
    ours, ref = gpt2_pair()
    want = ref.encode(text)
    for got in (in_fresh_thread(ours.encode, text), ours.encode(text)):
        assert got.ids == want.ids
        assert got.offsets == want.offsets
        assert got.tokens == want.tokens
    around = other_text()[:300] + text
    assert ours.encode(around).ids == ref.encode(around).ids


def test_gpt2_tokenizer_json_like_hf():
    @settings(deadline=None, max_examples=150)
    @given(text=st.one_of(cjk_text("r50k_base"), cjk_text("o200k_base")))
    def check(text):
        check_gpt2(text)

    check()


def test_gpt2_tokenizer_json_batch_like_hf():
    ours, ref = gpt2_pair()

    @settings(deadline=None, max_examples=30)
    @given(docs=st.lists(cjk_text("r50k_base"), min_size=2, max_size=10))
    def check(docs):
        want = [e.ids for e in ref.encode_batch(docs)]
        assert [e.ids for e in ours.encode_batch(docs, num_threads=2)] == want

    check()
