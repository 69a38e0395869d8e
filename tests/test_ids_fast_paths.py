"""A run that reads only the ids takes shortcuts the full run does not: the
model gives a part's ids at once (byte-level BPE with one scratch), Llama's
BPE and HF's Unigram go word by word through a per-thread segment cache, and
ruT5's normalizers (Precompiled, Replace, Metaspace) build the text without
alignments, Precompiled looking up only the grapheme clusters some rule
starts with. Each shortcut must give HF's ids: on real files, on generated
text aimed at what the shortcuts skip (clusters, CR LF, flags, emoji joins,
full-width punctuation, space runs), with added tokens, pairs, truncation
and padding, cold and warm, and in batches. Where a shortcut would not be
exact (BPE with ``ignore_merges``, a vocabulary with ``▁`` inside a token),
the model goes the full way, and the ids are still HF's."""

from __future__ import annotations

import json

import pytest
import tokenizers
from conftest import corpus_lines, shared_path
from hf_bpe_json import llama_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lazy_paths import lazy_from_now, untruncated_pair
from strategies import interesting_chars, texts

import tokkit


def _file(*parts: str) -> str:
    return shared_path("vocab", *parts).read_text(encoding="utf-8")


def _llama(form: str, **model) -> str:
    model_file = shared_path("vocab", "llama2-spm-bpe", "tokenizer.model")
    return json.dumps(llama_json(model_file, form, **model))


def _with_added(document: str) -> str:
    """``document`` with added tokens of both kinds: normalized and not,
    stripping spaces and not, one a single word only."""
    tok = tokenizers.Tokenizer.from_str(document)
    tok.add_tokens(
        [
            tokenizers.AddedToken("hello world", normalized=True),
            tokenizers.AddedToken("<x>", normalized=False, lstrip=True, rstrip=True),
            tokenizers.AddedToken("ß", single_word=True),
        ]
    )
    tok.add_special_tokens(["[SPECIAL]"])
    return tok.to_str()


FILES = {
    "gpt2": lambda: _file("gpt2", "tokenizer.json"),
    "rut5": lambda: _file("rut5-large-spm-unigram", "tokenizer.json"),
    "llama-metaspace": lambda: _llama("metaspace"),
    "llama-legacy": lambda: _llama("legacy"),
    "bert": lambda: _file("bert-base-uncased", "tokenizer.json"),
    "rut5-added": lambda: _with_added(_file("rut5-large-spm-unigram", "tokenizer.json")),
    "llama-added": lambda: _with_added(_llama("metaspace")),
    # the whole-piece lookup of ignore_merges: the word cache stands aside
    "llama-ignore-merges": lambda: _llama("metaspace", ignore_merges=True),
}


@pytest.fixture(scope="module", params=list(FILES))
def pair_of(request) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    return untruncated_pair(FILES[request.param]())


# What the normalizer shortcuts skip or cut at: clusters that join across
# ASCII (combining marks, CR LF), flags, emoji with joiners and keycaps,
# Hangul syllables in parts, chars the charsmaps rewrite (full-width, ligatures,
# compatibility forms), the sentencepiece space, and runs of spaces.
TRICKY = (
    "e\u0301",
    "a\u0308\u0324",
    "\r\n",
    "\r",
    "\n",
    "\U0001f1fa\U0001f1f8\U0001f1ec",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "1\ufe0f\u20e3",
    "\u1100\u1161\u11a8",
    "\u0915\u094d\u0937",
    "\u0e01\u0e33",
    "\uff0c",
    "。",
    "\uff01",
    "ｶ\uff9e",
    "ﬁ",
    "㌀",
    "Ⅸ",
    "\u3000",
    "\u2581",
    "\u2581\u2581",
    "  ",
    "   ",
    " ",
    "\t",
    "\x00",
    "\u200b",
    "hello world",
    "<x>",
    "[SPECIAL]",
    "ß",
)
LETTERS = "abc xyz\u0410\u0411\u0412中文"
tricky_texts = st.lists(
    st.one_of(st.sampled_from(TRICKY), interesting_chars, st.sampled_from(LETTERS)),
    max_size=60,
).map("".join)
any_text = st.one_of(texts, tricky_texts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text, pair=st.none() | any_text)
def test_ids_alone_are_hf_ids(pair_of, text, pair):
    ours, ref = pair_of
    lazy_from_now(ours)
    expected = ref.encode(text, pair).ids
    assert ours.encode(text, pair).ids == expected, (text, pair)
    assert ours.encode(text, pair, add_special_tokens=False).ids == (
        ref.encode(text, pair, add_special_tokens=False).ids
    )
    # the full run, read for its details, stays HF's as well
    full = ours.encode(text, pair)
    expected_full = ref.encode(text, pair)
    assert (full.tokens, full.offsets, full.ids) == (
        expected_full.tokens,
        expected_full.offsets,
        expected_full.ids,
    ), (text, pair)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text, other=any_text)
def test_cold_warm_and_interleaved_ids_agree(pair_of, text, other):
    """A cached word gives the ids it gave when it was first merged, after
    other text and after another model used the thread's cache."""
    ours, ref = pair_of
    other_model = tokkit.Tokenizer.from_str(_file("rut5-large-spm-unigram", "tokenizer.json"))
    lazy_from_now(ours)
    cold = ours.encode(text).ids
    ours.encode(other)
    other_model.encode(text)
    warm = ours.encode(text).ids
    assert cold == warm == ref.encode(text).ids


def test_corpus_batches_with_truncation_and_padding(pair_of):
    ours, ref = pair_of
    docs = corpus_lines(60)
    batch = [*docs[:40], *zip(docs[40:50], docs[50:60], strict=True)]
    for tokenizer in (ours, ref):
        tokenizer.enable_truncation(40, stride=5)
        tokenizer.enable_padding(pad_to_multiple_of=8)
    try:
        lazy_from_now(ours)
        for threads in (1, 2):
            got = ours.encode_batch(batch, num_threads=threads)
            want = ref.encode_batch(batch)
            assert [e.ids for e in got] == [e.ids for e in want]
            assert [e.attention_mask for e in got] == [e.attention_mask for e in want]
            assert [[o.ids for o in e.overflowing] for e in got] == [
                [o.ids for o in e.overflowing] for e in want
            ]
    finally:
        for tokenizer in (ours, ref):
            tokenizer.no_truncation()
            tokenizer.no_padding()


def test_long_words_and_pathological_runs(pair_of):
    """Words past the cache's length limit, and one character repeated, go
    the uncached way to the same ids."""
    ours, ref = pair_of
    lazy_from_now(ours)
    for text in ("a" * 3000, "中" * 700, " " * 500 + "x", "\u2581" * 400, "ab" * 300 + " ok"):
        assert ours.encode(text).ids == ref.encode(text).ids
