"""ruT5's tokenizer.json through ``tokkit.Tokenizer.from_file`` against HF
tokenizers on generated text that walks every shortcut of its fast path
(Precompiled + Replace ``" {2,}"`` + Metaspace, then Unigram through the
segment cache): runs of spaces, tabs and newlines, Cyrillic, characters the
charsmap rewrites (accents, ligatures, full-width forms, Chinese
punctuation) beside characters that join grapheme clusters, ``▁`` literals,
control characters and CJK. The ids alone (the lazy encoding, never read in
full), the full encodings, a cold and a warm cache, text interleaved with
other text, and a batch on two threads all give HF's."""

from __future__ import annotations

import functools

import tokenizers
from conftest import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

import tokkit

PIECES = [
    " ",
    "  ",
    "     ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    " \n ",
    "привет",
    "Съешь же ещё этих мягких французских булок",
    "й",
    "и\u0306",
    "e\u0301",
    "café",
    "ﬁ",
    "①",
    "\uff46\uff55\uff4c\uff4c",
    "\u3000",
    "ｶﾞ",
    "\uff0c",
    "\uff0e",
    "\uff1a",
    "\uff1f",
    "\uff01",
    "\uff0c\u0301",
    "\u0301",
    "\u200d",
    "👩\u200d👧",
    "🇯🇵",
    "▁",
    "▁▁x",
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\u00ad",
    "中文",
    "吾輩は猫である",
    "カタカナー",
    "한국어",
    "ab",
    "The quick brown fox",
    "<pad>",
    "</s>",
    "<extra_id_0>",
]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=24).map("".join)


def path() -> str:
    return str(shared_path("vocab", "rut5-large-spm-unigram", "tokenizer.json"))


@functools.cache
def reference() -> tokenizers.Tokenizer:
    return tokenizers.Tokenizer.from_file(path())


@functools.cache
def ids_only() -> tokkit.Tokenizer:
    """A tokenizer whose encodings are never read past their ids, so it
    stays on the lazy path."""
    return tokkit.Tokenizer.from_file(path())


@functools.cache
def full() -> tokkit.Tokenizer:
    return tokkit.Tokenizer.from_file(path())


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_ids_alone_equal_hf(text: str) -> None:
    want = reference().encode(text).ids
    assert ids_only().encode(text).ids == want
    assert ids_only().encode_batch([text, text])[1].ids == want


@settings(max_examples=300, deadline=None)
@given(TEXT, st.one_of(st.none(), TEXT))
def test_full_encodings_equal_hf(text: str, pair: str | None) -> None:
    a, b = full().encode(text, pair), reference().encode(text, pair)
    assert a.ids == b.ids
    assert a.tokens == b.tokens
    assert a.offsets == b.offsets


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=6), st.lists(TEXT, max_size=6))
def test_cold_warm_and_interleaved(texts: list[str], others: list[str]) -> None:
    """A new tokenizer starts with a cold cache; the same texts again find
    it warm; other texts between them fill it with other segments."""
    want = [e.ids for e in reference().encode_batch(texts)]
    cold = tokkit.Tokenizer.from_file(path())
    assert [cold.encode(t).ids for t in texts] == want
    assert [cold.encode(t).ids for t in texts] == want
    for text, expected in zip(texts, want, strict=True):
        for other in others:
            cold.encode(other)
        assert cold.encode(text).ids == expected


@settings(max_examples=40, deadline=None)
@given(st.lists(TEXT, min_size=2, max_size=40))
def test_batch_on_two_threads(texts: list[str]) -> None:
    want = reference().encode_batch(texts)
    got = ids_only().encode_batch(texts, num_threads=2)
    assert [e.ids for e in got] == [e.ids for e in want]
    got = full().encode_batch(texts, num_threads=2)
    for a, b in zip(got, want, strict=True):
        assert (a.ids, a.tokens, a.offsets) == (b.ids, b.tokens, b.offsets)
