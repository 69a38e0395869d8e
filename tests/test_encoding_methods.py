"""HF's in-place ``Encoding`` methods, ``pad``, ``truncate`` and
``set_sequence_id``, and its ``Encoding.merge``, run side by side with HF
``tokenizers`` on BERT, GPT-2 and ruT5 (Unigram): every field, the
overflowing windows within windows, ``n_sequences``, the alignment queries
and pickles agree with HF's, whether the encoding was made lazily (its
strings and offsets not yet made) or in full. Where HF panics (a stride not
below the length kept) tokkit raises ``InvalidArgumentError``; where HF
would run out of memory, tokkit refuses (tests/test_hostile_input.py)."""

from __future__ import annotations

import pickle

import pytest
import tokenizers
from conftest import corpus_lines, shared_path
from hf_checks import assert_same_encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import interesting_chars

import tokkit

FILES = ["bert-base-uncased", "gpt2", "rut5-large-spm-unigram"]

short_texts = st.lists(interesting_chars, max_size=24).map("".join)
# A corpus line by its index, or generated text.
sources = st.integers(0, 29) | short_texts
directions = st.sampled_from(["right", "left"])
pad_ops = st.tuples(
    st.just("pad"),
    st.integers(0, 60),
    directions,
    st.integers(0, 5),
    st.integers(0, 2),
    st.sampled_from(["[PAD]", "<pad>", "é"]),
)
truncate_ops = st.tuples(st.just("truncate"), st.integers(0, 30), st.integers(0, 6), directions)
sequence_ops = st.tuples(st.just("set_sequence_id"), st.integers(0, 2))
ops = st.lists(pad_ops | truncate_ops | sequence_ops, min_size=1, max_size=3)
fast = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module", params=FILES)
def pair_of(request) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    path = str(shared_path("vocab", request.param, "tokenizer.json"))
    both = tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)
    for tokenizer in both:
        tokenizer.no_padding()
        tokenizer.no_truncation()
    return both


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return corpus_lines(30)


def text_of(source: int | str, lines: list[str]) -> str:
    return lines[source % len(lines)] if isinstance(source, int) else source


def encode_three(pair_of, text, pair, windows: bool):
    """HF's encoding, and tokkit's made lazily and in full; with `windows`,
    cut by the tokenizer into windows of 12 tokens."""
    ours, ref = pair_of
    if windows:
        for tokenizer in pair_of:
            tokenizer.enable_truncation(12, stride=2)
    try:
        ours.encode_batch([""] * 40)  # encodings dropped unread: the next are lazy
        lazy = ours.encode(text, pair)
        full = ours.encode(text, pair)
        full.tokens  # noqa: B018 (made in full now)
        return ref.encode(text, pair), lazy, full
    finally:
        for tokenizer in pair_of:
            tokenizer.no_truncation()


def apply(encoding, op) -> None:
    name, *args = op
    if name == "pad":
        length, direction, pad_id, pad_type_id, pad_token = args
        encoding.pad(
            length,
            direction=direction,
            pad_id=pad_id,
            pad_type_id=pad_type_id,
            pad_token=pad_token,
        )
    elif name == "truncate":
        max_length, stride, direction = args
        encoding.truncate(max_length, stride=stride, direction=direction)
    else:
        encoding.set_sequence_id(*args)


def assert_like_hf(ours, ref, context, overlapping: bool = False) -> None:
    """Every field, window and alignment query of `ours` is HF's. Where
    `set_sequence_id` made sequence ranges overlap, HF finds a token's
    sequence in hash-map order, which changes from run to run: then only
    whether it has one is compared."""
    assert_same_encoding(ours, ref, context)
    assert_same_queries(ours, ref, context, overlapping)
    for o, r in zip(ours.overflowing, ref.overflowing, strict=True):
        assert_same_queries(o, r, context, overlapping)


def assert_same_queries(ours, ref, context, overlapping: bool) -> None:
    assert ours.n_sequences == ref.n_sequences, context
    assert len(ours) == len(ref), context
    n = len(ref)
    for token in sorted({0, 1, n // 2, n - 1, n, n + 1} - {-1}):
        for query in ("token_to_chars", "token_to_word"):
            assert getattr(ours, query)(token) == getattr(ref, query)(token), (query, context)
        got, want = ours.token_to_sequence(token), ref.token_to_sequence(token)
        if overlapping:
            assert (got is None) == (want is None), (token, context)
        else:
            assert got == want, (token, context)
    last = max((end for _, end in ref.offsets), default=0)
    for sequence in (0, 1):
        for pos in sorted({0, 1, last // 2, max(last - 1, 0), last}):
            for query in ("char_to_token", "char_to_word"):
                got = getattr(ours, query)(pos, sequence)
                assert got == getattr(ref, query)(pos, sequence), (query, pos, context)
        for word in (0, 1, 2):
            for query in ("word_to_tokens", "word_to_chars"):
                got = getattr(ours, query)(word, sequence)
                assert got == getattr(ref, query)(word, sequence), (query, word, context)


def refuses_like_hf_panic(ours, ref, op) -> bool:
    """Applies `op` to HF's encoding; where HF panics (a stride not below
    the length kept), checks that tokkit refuses it and says so."""
    try:
        apply(ref, op)
    except BaseException as error:  # PanicException derives from BaseException
        assert "Panic" in type(error).__name__, error
        for encoding in ours:
            with pytest.raises(tokkit.errors.InvalidArgumentError, match="stride"):
                apply(encoding, op)
        return True
    return False


@fast
@given(first=sources, second=st.none() | sources, windows=st.booleans(), steps=ops)
def test_pad_truncate_and_set_sequence_id_like_hf(pair_of, lines, first, second, windows, steps):
    text = text_of(first, lines)
    pair = None if second is None else text_of(second, lines)
    ref, lazy, full = encode_three(pair_of, text, pair, windows)
    for op in steps:
        if refuses_like_hf_panic((lazy, full), ref, op):
            break
        for encoding in (lazy, full):
            apply(encoding, op)
    context = (text, pair, windows, steps)
    overlapping = any(op[0] == "set_sequence_id" for op in steps)
    for ours in (lazy, full):
        assert_like_hf(ours, ref, context, overlapping)
        assert_same_encoding(pickle.loads(pickle.dumps(ours)), ref, context)


merged_inputs = st.lists(
    st.tuples(
        short_texts,
        st.none() | short_texts,
        st.none() | st.tuples(st.integers(4, 16), st.integers(0, 3), directions),
    ),
    max_size=3,
)


@fast
@given(inputs=merged_inputs, growing_offsets=st.booleans(), lazily=st.booleans())
def test_merge_like_hf(pair_of, inputs, growing_offsets, lazily):
    ours, ref = pair_of
    if lazily:
        ours.encode_batch([""] * 40)
    mine, theirs = [], []
    for text, pair, cut in inputs:
        a, b = ours.encode(text, pair), ref.encode(text, pair)
        if cut is not None:
            max_length, stride, direction = cut
            if len(b) > max_length:
                stride = min(stride, max_length - 1)
            for encoding in (a, b):
                encoding.truncate(max_length, stride=stride, direction=direction)
        mine.append(a)
        theirs.append(b)
    merged = tokkit.Encoding.merge(mine, growing_offsets=growing_offsets)
    expected = tokenizers.Encoding.merge(theirs, growing_offsets=growing_offsets)
    context = (inputs, growing_offsets)
    assert_like_hf(merged, expected, context)
    assert_same_encoding(pickle.loads(pickle.dumps(merged)), expected, context)
    # the inputs are left as they were
    for a, b in zip(mine, theirs, strict=True):
        assert_same_encoding(a, b, context)


def test_merge_corpus_pairs_after_set_sequence_id(pair_of, lines):
    """Corpus lines and a pair, each marked a sequence, merged with and
    without growing offsets, then padded on the left and cut into windows."""
    ours = pair_of[0]
    for growing_offsets in (True, False):
        merged = []
        for tokenizer in pair_of:
            encodings = [
                tokenizer.encode(lines[1]),
                tokenizer.encode(lines[12], lines[22]),
                tokenizer.encode(lines[25]),
            ]
            # each already has sequence 0's range: the new ones overlap it
            for sequence, encoding in enumerate(encodings):
                encoding.set_sequence_id(sequence)
            module = tokkit if tokenizer is ours else tokenizers
            merged.append(module.Encoding.merge(encodings, growing_offsets))
        assert_like_hf(*merged, growing_offsets, overlapping=True)
        for encoding in merged:
            encoding.pad(len(encoding) + 5, direction="left", pad_id=7)
        assert_like_hf(*merged, growing_offsets, overlapping=True)
        for encoding in merged:
            encoding.truncate(16, stride=5, direction="left")
        assert_like_hf(*merged, growing_offsets)


def test_merge_of_nothing_and_defaults(pair_of):
    ours, ref = pair_of
    assert_like_hf(tokkit.Encoding.merge([]), tokenizers.Encoding.merge([]), "empty")
    a, b = ours.encode("hello there"), ref.encode("hello there")
    assert_like_hf(tokkit.Encoding.merge([a, a]), tokenizers.Encoding.merge([b, b]), "defaults")
    a.pad(20)
    b.pad(20)
    assert_like_hf(a, b, "pad defaults")
    a.truncate(3)
    b.truncate(3)
    assert_like_hf(a, b, "truncate defaults")


def test_wrong_directions_are_value_errors(pair_of):
    ours, ref = pair_of
    for encoding in (ours.encode("hello"), ref.encode("hello")):
        with pytest.raises(ValueError):
            encoding.pad(10, direction="up")
        with pytest.raises(ValueError):
            encoding.truncate(1, direction="up")
    with pytest.raises(TypeError):
        tokkit.Encoding.merge([ref.encode("hello")])


def test_truncating_to_nothing_nests_only_so_deep(pair_of):
    """Truncating to 0 tokens makes the whole encoding its one window, so
    padding and truncating to 0 in turn nests windows a level each time:
    HF's recursion would end in a stack overflow; tokkit stops at 32
    levels, and what it made still pickles."""
    ours, ref = pair_of
    a, b = ours.encode("hello"), ref.encode("hello")
    for _ in range(3):
        for encoding in (a, b):
            encoding.truncate(0)
            encoding.pad(2)
    assert_like_hf(a, b, "nested")
    with pytest.raises(tokkit.errors.InvalidArgumentError, match="nest"):
        for _ in range(70):
            a.truncate(0)
            a.pad(1)
    assert pickle.loads(pickle.dumps(a)).ids == a.ids
