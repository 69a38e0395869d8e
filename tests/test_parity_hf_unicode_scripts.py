"""HF's UnicodeScripts pre-tokenizer: tokenizers built with it (alone before
byte-level BPE, with GPT-2's split after it, and over WordPiece) against HF
on every corpus, on text mixing scripts and on any characters: every
Encoding field, single and pairs, batches."""

from __future__ import annotations

import itertools

import pytest
import tokenizers
from conftest import corpus_files, shared_path
from hf_checks import assert_batch_like_hf, assert_same_encoding
from hf_variants import gpt2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import interesting_chars
from tokenizers import pre_tokenizers

import tokkit


def byte_level(use_regex: bool) -> tokenizers.Tokenizer:
    tok = gpt2()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.UnicodeScripts(),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=use_regex),
        ]
    )
    return tok


def wordpiece() -> tokenizers.Tokenizer:
    tok = tokenizers.Tokenizer.from_file(
        str(shared_path("vocab", "bert-base-uncased", "tokenizer.json"))
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.UnicodeScripts()]
    )
    return tok


SHAPES = {
    "byte-level": lambda: byte_level(use_regex=False),
    "byte-level-regex": lambda: byte_level(use_regex=True),
    "wordpiece": wordpiece,
}


@pytest.fixture(scope="module", params=list(SHAPES))
def pair_of(request):
    text = SHAPES[request.param]().to_str()
    return tokkit.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text)


def assert_same(ours, ref, first, second=None):
    got = ours.encode(first, second)
    assert_same_encoding(got, ref.encode(first, second), (first, second))


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus(pair_of, path):
    assert_same(*pair_of, path.read_text(encoding="utf-8")[:30000])


# Letters of many scripts, the characters HF's table treats specially (the
# space, U+30FC, kana beside Han), digits and punctuation (Common), combining
# marks (Inherited), and characters newer than its Unicode 9.0 table (Any).
SCRIPT_CHARS = st.one_of(
    st.sampled_from(" \u30fc\u3005\u00a0\t\n0123456789.,!?-'\u3002\u300c"),
    st.sampled_from("a\u00e9\u0101Z\u03b1\u03a9\u0436\u05d0\u0627\u0905\u0e01\uac00"),
    st.characters(min_codepoint=0x3040, max_codepoint=0x30FF),  # kana
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E20),  # Han
    st.characters(min_codepoint=0x0300, max_codepoint=0x036F),  # combining
    st.sampled_from("\U0001f970\U0001fa80\u08be\u0860\U00011d00\U0001e900"),
    interesting_chars,
)
mixed = st.lists(SCRIPT_CHARS, max_size=60).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=mixed, second=st.none() | mixed)
def test_generated_text(pair_of, first, second):
    assert_same(*pair_of, first, second)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=40))
def test_any_characters(pair_of, text):
    assert_same(*pair_of, text)


def test_batches(pair_of):
    ours, ref = pair_of
    texts = []
    for path in corpus_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        texts += [line[:200] for line in lines if line.strip()][:3]
    assert_batch_like_hf(ours, ref, texts)
    assert_batch_like_hf(ours, ref, list(itertools.pairwise(texts)))
