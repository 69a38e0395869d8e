"""``Tokenizer.encode`` and ``encode_batch`` compute the ids without token
strings or offsets and make those on first read, unless the tokenizer's
recent encodings had theirs read (then it makes them at once). Whatever is
read first, and whether the encoding was read before or not, every field
equals HF's, and a pickle is the same bytes."""

from __future__ import annotations

import gc
import json
import pickle
import weakref

import pytest
import tokenizers
from conftest import corpus_lines, shared_path
from hf_bpe_json import llama_json
from hf_checks import FIELDS, assert_same_encoding
from hf_variants import roberta_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lazy_paths import lazy_from_now
from strategies import texts
from tokenizers import normalizers, pre_tokenizers

import tokkit


def _file(*parts: str) -> str:
    return shared_path("vocab", *parts).read_text(encoding="utf-8")


def _strip_then_metaspace_first() -> str:
    """ruT5 with a normalizer that strips leading spaces before Metaspace's
    scheme "first": whether a text starts the input then depends on the
    alignments, so ids come from a full run."""
    tok = tokenizers.Tokenizer.from_str(_file("rut5-large-spm-unigram", "tokenizer.json"))
    tok.normalizer = normalizers.Strip(left=True, right=False)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="first")
    return tok.to_str()


# The files keep their truncation and padding: BERT's pads to 128 and
# GPT-2's truncates to 50, so windows and padding are made lazily too.
FILES = {
    "bert": lambda: _file("bert-base-uncased", "tokenizer.json"),
    "gpt2": lambda: _file("gpt2", "tokenizer.json"),
    "rut5": lambda: _file("rut5-large-spm-unigram", "tokenizer.json"),
    "llama": lambda: json.dumps(
        llama_json(shared_path("vocab", "llama2-spm-bpe", "tokenizer.model"), "metaspace")
    ),
    "roberta": lambda: roberta_json(prefix_space=True, trim_offsets=True),
    "strip-metaspace-first": _strip_then_metaspace_first,
}


@pytest.fixture(scope="module", params=list(FILES))
def document(request) -> str:
    return FILES[request.param]()


@pytest.fixture(scope="module")
def pair_of(document) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    """Both tokenizers, shared by the tests that leave their settings alone."""
    return tokkit.Tokenizer.from_str(document), tokenizers.Tokenizer.from_str(document)


# Each order reads one field first; the rest follow in FIELDS order.
FIRST_READS = ["ids", "tokens", "offsets", "word_ids", "overflowing", "pickle"]


def _read_first(encoding, field: str) -> None:
    if field == "pickle":
        pickle.dumps(encoding)
    else:
        getattr(encoding, field)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, pair=st.none() | texts, first=st.sampled_from(FIRST_READS))
def test_any_read_order_gives_hf_encoding(pair_of, text, pair, first):
    ours, ref = pair_of
    lazy_from_now(ours)
    encoding = ours.encode(text, pair)
    _read_first(encoding, first)
    assert_same_encoding(encoding, ref.encode(text, pair), (text, pair, first))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, other=texts)
def test_cold_warm_and_interleaved_agree(pair_of, text, other):
    """The same text encoded before and after other text, read in different
    orders, gives the same fields and the same pickle."""
    ours, _ = pair_of
    lazy_from_now(ours)
    cold = ours.encode(text)
    _read_first(cold, "ids")
    _read_first(ours.encode(other), "offsets")
    warm = ours.encode(text)
    _read_first(warm, "offsets")
    untouched = ours.encode(text)
    assert pickle.dumps(cold) == pickle.dumps(warm) == pickle.dumps(untouched)
    again = ours.encode(text)
    for field in FIELDS:
        assert getattr(again, field) == getattr(cold, field), field


@pytest.mark.parametrize("first", FIRST_READS)
def test_batch_with_padding_and_windows_like_hf(document, first):
    """A batch pads to its longest and cuts windows with a stride; each
    encoding, read first in any way, is HF's."""
    ours, ref = tokkit.Tokenizer.from_str(document), tokenizers.Tokenizer.from_str(document)
    for tokenizer in (ours, ref):
        tokenizer.enable_truncation(24, stride=4)
        tokenizer.enable_padding(pad_to_multiple_of=8)
    docs = corpus_lines(12)
    batch = [*docs[:6], *zip(docs[6:9], docs[9:12], strict=True)]
    lazy_from_now(ours)
    got = ours.encode_batch(batch, num_threads=2)
    for encoding in got:
        _read_first(encoding, first)
    for a, b in zip(got, ref.encode_batch(batch), strict=True):
        assert_same_encoding(a, b, first)


def test_reading_or_not_changes_nothing_but_time(pair_of):
    """Encodings read in full, then read for their ids only, then in full
    again (the tokenizer changes course twice) are HF's throughout."""
    ours, ref = pair_of
    docs = corpus_lines(60)
    for round_ in range(3):
        for doc in docs:
            got, want = ours.encode(doc), ref.encode(doc)
            if round_ == 1:
                assert got.ids == want.ids, doc
            else:
                assert_same_encoding(got, want, doc)


def test_pretokenized_and_post_process_like_hf(pair_of):
    ours, ref = pair_of
    lazy_from_now(ours)
    words = ["Hello", " wörld", "", "日本語のテキスト"]
    a = ours.encode(words, is_pretokenized=True)
    b = ref.encode(words, is_pretokenized=True)
    assert_same_encoding(a, b, words)
    raw = [t.encode("two words", add_special_tokens=False) for t in (ours, ref)]
    assert_same_encoding(ours.post_process(raw[0]), ref.post_process(raw[1]), "post_process")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_count_tokens_is_the_length_of_the_ids(pair_of, text):
    ours, _ = pair_of
    assert ours.count_tokens(text) == len(ours.encode(text).ids)


@pytest.mark.parametrize("threads", [1, 2])
def test_batch_ids_are_a_new_list_on_every_read_and_follow_changes(document, threads):
    """A batch's encodings come with their ids already listed (made while
    the rest of the batch is encoded): each read still returns a list of its
    own, equal to HF's, and a change in place (truncate, pad,
    set_sequence_id) shows in the next read even when none came before."""
    ours = tokkit.Tokenizer.from_str(document)
    ref = tokenizers.Tokenizer.from_str(document)
    for tok in (ours, ref):
        tok.no_truncation()
        tok.no_padding()
    lines = corpus_lines(30)
    expected = [e.ids for e in ref.encode_batch(lines)]
    got = ours.encode_batch(lines, num_threads=threads)
    assert [e.ids for e in got] == expected
    first = got[1].ids
    first.append(-1)
    assert got[1].ids == expected[1]
    assert got[1].ids is not got[1].ids

    changed = ours.encode_batch(lines, num_threads=threads)
    hf_changed = ref.encode_batch(lines)
    for e in (changed[1], hf_changed[1]):
        e.truncate(3)
    for e in (changed[2], hf_changed[2]):
        e.pad(len(e.ids) + 4, pad_id=7)
    for e in (changed[3], hf_changed[3]):
        e.set_sequence_id(1)
    for i in (1, 2, 3):
        assert changed[i].ids == hf_changed[i].ids
        assert changed[i].sequence_ids == hf_changed[i].sequence_ids


def test_a_batch_list_handed_out_is_seen_by_the_cycle_collector(document):
    """The ids list a batch makes ahead is kept from the cycle collector only
    while the Encoding alone holds it: once read, a cycle through it is
    collected like one through any list."""

    class Node:
        pass

    ours = tokkit.Tokenizer.from_str(document)
    encodings = ours.encode_batch(corpus_lines(5), num_threads=2)
    ids = encodings[0].ids
    assert gc.is_tracked(ids)
    node = Node()
    node.ids = ids
    ids.append(node)
    alive = weakref.ref(node)
    del ids, node
    gc.collect()
    assert alive() is None
    assert encodings[0].ids == ours.encode(corpus_lines(5)[0]).ids
