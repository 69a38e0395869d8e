"""``count_tokens`` / ``count_tokens_batch`` of ``TiktokenEncoding`` and
``SentencePieceProcessor`` against the lengths of the reference packages'
``encode``, with the same arguments and the same errors, on corpus lines,
special-token text and generated text."""

from __future__ import annotations

import pytest
import sentencepiece as spm
import tiktoken
from conftest import corpus_lines, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from references import tiktoken_encoding
from spm_checks import MODELS, pair
from strategies import interesting_chars, texts

import tokkit

TIKTOKEN_NAMES = ["r50k_base", "cl100k_base", "o200k_base"]
SPM_MODELS = ["unigram-test", "bpe-llama2", "unigram-rut5"]
SPECIALS = ["<|endoftext|>", "<|fim_prefix|>", "<|endofprompt|>", "<|endoftext", "|>"]

# tiktoken's special-token arguments: the default, all allowed, one allowed,
# checks off, one checked, a checked string that is no special token
SPECIAL_ARGS = [
    {},
    {"allowed_special": "all"},
    {"allowed_special": {"<|endoftext|>"}},
    {"allowed_special": {"<|endoftext|>"}, "disallowed_special": ()},
    {"disallowed_special": ()},
    {"disallowed_special": {"<|endofprompt|>"}},
    {"disallowed_special": ["text"]},
    {"allowed_special": ["<|endoftext|>"]},
]

_cache: dict[str, tuple] = {}


def tiktoken_pair(name: str) -> tuple[tokkit.TiktokenEncoding, tiktoken.Encoding]:
    if name not in _cache:
        path = shared_path("vocab", "tiktoken", f"{name}.tiktoken")
        _cache[name] = (tokkit.load_tiktoken(path, name), tiktoken_encoding(name, path))
    return _cache[name]


def outcome(call, *args, **kwargs):
    """A call's result, or its error's type and (for ValueError, whose text
    tiktoken and tokkit share) message."""
    try:
        return call(*args, **kwargs)
    except (ValueError, TypeError) as e:
        return type(e), str(e) if type(e) is ValueError else None


def encoded_length(encoder, text, **kwargs) -> int:
    return len(encoder.encode(text, **kwargs))


def lengths(result):
    """``len`` of each id list, or the error as it is."""
    if isinstance(result, tuple):
        return result
    return [len(ids) for ids in result]


def error_type(result):
    """The result, or the error's type alone (sentencepiece's messages carry
    a status prefix)."""
    if isinstance(result, tuple):
        return result[0]
    if isinstance(result, list) and any(isinstance(x, tuple) for x in result):
        return next(x[0] for x in result if isinstance(x, tuple))
    return result


def assert_tiktoken_counts(name: str, text: str) -> None:
    ours, ref = tiktoken_pair(name)
    for kwargs in SPECIAL_ARGS:
        want = outcome(encoded_length, ref, text, **kwargs)
        assert outcome(ours.count_tokens, text, **kwargs) == want, kwargs


# --- tiktoken -----------------------------------------------------------------


@pytest.mark.parametrize("name", TIKTOKEN_NAMES)
def test_tiktoken_counts_of_corpus_lines(name):
    ours, ref = tiktoken_pair(name)
    lines = corpus_lines(90)
    for line in lines:
        assert ours.count_tokens(line) == len(ref.encode(line))
    for kwargs in SPECIAL_ARGS:
        want = lengths(outcome(ref.encode_batch, lines, num_threads=2, **kwargs))
        assert outcome(ours.count_tokens_batch, lines, num_threads=2, **kwargs) == want


@pytest.mark.parametrize("name", TIKTOKEN_NAMES)
def test_tiktoken_counts_of_special_token_text(name):
    for text in [
        "<|endoftext|>",
        "a<|endoftext|>b<|endoftext|>",
        "x <|fim_prefix|> y <|endofprompt|>",
        "<|endoftext<|endoftext|>|>",
        "text before <|endofprompt|>",
        "\ud800<|endoftext|>\udfff",  # lone surrogates, replaced as tiktoken does
        "",
    ]:
        assert_tiktoken_counts(name, text)


@pytest.mark.parametrize("name", TIKTOKEN_NAMES)
def test_tiktoken_batch_error_is_the_first_offending_text(name):
    ours, ref = tiktoken_pair(name)
    batch = ["fine", "x <|endofprompt|>", "<|endoftext|>"]
    for kwargs in SPECIAL_ARGS:
        want = lengths(outcome(ref.encode_batch, batch, **kwargs))
        assert outcome(ours.count_tokens_batch, batch, **kwargs) == want, kwargs
    assert ours.count_tokens_batch([]) == []
    with pytest.raises(tokkit.InvalidArgumentError):
        ours.count_tokens_batch(batch, num_threads=0)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(TIKTOKEN_NAMES),
    st.lists(st.one_of(interesting_chars, st.sampled_from(SPECIALS)), max_size=40).map("".join),
)
def test_tiktoken_counts_of_generated_text(name, text):
    assert_tiktoken_counts(name, text)


# --- sentencepiece ------------------------------------------------------------

BOS_EOS = [{}, {"add_bos": True}, {"add_eos": True}, {"add_bos": True, "add_eos": True}]


@pytest.mark.parametrize("name", SPM_MODELS)
def test_spm_counts_of_corpus_lines(name):
    ours, ref = pair(name)
    lines = corpus_lines(90)
    for kwargs in BOS_EOS:
        # ruT5 has no BOS: a ValueError from both
        want = error_type(lengths(outcome(ref.encode, lines, **kwargs)))
        assert error_type([outcome(ours.count_tokens, line, **kwargs) for line in lines]) == want
        got = outcome(ours.count_tokens_batch, lines, num_threads=2, **kwargs)
        assert error_type(got) == want


@pytest.mark.parametrize("name", SPM_MODELS)
def test_spm_constructor_defaults_apply(name):
    path = str(shared_path(*MODELS[name]))
    ours = tokkit.SentencePieceProcessor(model_file=path, add_bos=True, add_eos=True)
    ref = spm.SentencePieceProcessor(model_file=path, add_bos=True, add_eos=True)
    for text in ["Hello world", "", "  ", "日本語"]:
        for kwargs in ({}, {"add_bos": False}, {"add_bos": False, "add_eos": False}):
            want = error_type(outcome(encoded_length, ref, text, **kwargs))
            assert error_type(outcome(ours.count_tokens, text, **kwargs)) == want


@pytest.mark.parametrize("name", ["unigram-test", "bpe-llama2"])
def test_spm_sampled_count_is_the_length_of_that_sample(name):
    ours, _ = pair(name)
    sampling = {"enable_sampling": True, "alpha": 0.5, "nbest_size": -1}
    lines = [line for line in corpus_lines(30) if line]
    for seed, line in enumerate(lines):
        sample = ours.encode(line, seed=seed, **sampling)
        assert ours.count_tokens(line, seed=seed, **sampling) == len(sample)
    # A batch seeds text i with seed + i, as encode of a batch does.
    batch = ours.encode(lines, seed=7, **sampling)
    assert ours.count_tokens_batch(lines, seed=7, **sampling) == [len(x) for x in batch]


@pytest.mark.parametrize("name", SPM_MODELS)
def test_spm_count_errors_are_encodes(name):
    ours, ref = pair(name)
    bad = [
        {"enable_sampling": True, "nbest_size": 1},
        {"enable_sampling": True, "alpha": None, "nbest_size": 0},
        {"add_bos": "yes"},
    ]
    for kwargs in bad:
        want = outcome(ref.encode, "Hello", **kwargs)
        assert isinstance(want, tuple), kwargs
        got = outcome(ours.count_tokens, "Hello", **kwargs)
        assert got[0] is want[0], kwargs
        assert outcome(ours.count_tokens_batch, ["Hello"], **kwargs)[0] is want[0]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SPM_MODELS), texts, st.sampled_from(BOS_EOS))
def test_spm_counts_of_generated_text(name, text, kwargs):
    ours, ref = pair(name)
    want = error_type(outcome(encoded_length, ref, text, **kwargs))
    assert error_type(outcome(ours.count_tokens, text, **kwargs)) == want
