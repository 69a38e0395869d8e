"""tokkit's FullTokenizer against google-research/bert ``tokenization.py``, run
side by side: identical tokens and ids on every shared corpus and on generated
text, with the uncased and the cased vocabulary."""

import pytest
from conftest import corpus_files, shared_path
from google_bert import tokenization
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import texts

import tokkit

VOCABS = {
    "uncased": ("bert-base-uncased", True),
    "cased": ("bert-base-cased", False),
}


@pytest.fixture(scope="module", params=sorted(VOCABS))
def pair(request):
    folder, lower = VOCABS[request.param]
    vocab = shared_path("vocab", folder, "vocab.txt")
    return (
        tokenization.FullTokenizer(str(vocab), do_lower_case=lower),
        tokkit.FullTokenizer(vocab, do_lower_case=lower),
    )


def assert_same(ref, ours, text):
    expected = ref.tokenize(text)
    assert ours.tokenize(text) == expected, repr(text)
    assert ours.encode(text) == ref.convert_tokens_to_ids(expected), repr(text)


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus(pair, path):
    ref, ours = pair
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = [ref.convert_tokens_to_ids(ref.tokenize(line)) for line in lines]
    assert ours.encode_batch(lines) == expected
    # a whole file at once: crosses line boundaries, exercises long inputs
    text = "\n".join(lines[:2000])
    assert_same(ref, ours, text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_generated_text(pair, text):
    assert_same(*pair, text)


@settings(max_examples=100, deadline=None)
@given(
    text=st.text(
        alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)
        | st.characters(max_codepoint=0x7F),
        max_size=20,
    )
)
def test_lone_surrogates(pair, text):
    # Python strs may hold lone surrogates; google's code tokenizes them
    assert_same(*pair, text)


def test_bytes_input_dropping_invalid_utf8(pair):
    ref, ours = pair
    data = "naïve café".encode() + b"\xff\xfe ok"
    assert ours.tokenize(data) == ref.tokenize(data)


@pytest.mark.parametrize(
    "text",
    ["a" * 1_000_000, "^" * 100_000, "中" * 100_000, "ab " * 300_000, "Σ" * 50_000],
    ids=["letters", "carets", "cjk", "short-words", "sigmas"],
)
def test_pathological(pair, text):
    ref, ours = pair
    assert ours.encode(text) == ref.convert_tokens_to_ids(ref.tokenize(text))


def test_basic_and_wordpiece_classes_match(pair):
    ref, ours = pair
    text = " \tHeLLo!how  \n Are yoU?  naïve ΟΔΟΣ 中文"
    lower = ref.basic_tokenizer.do_lower_case
    assert tokkit.BasicTokenizer(do_lower_case=lower).tokenize(text) == (
        ref.basic_tokenizer.tokenize(text)
    )
    words = " ".join(ref.basic_tokenizer.tokenize(text))
    assert ours.wordpiece_tokenizer.tokenize(words) == ref.wordpiece_tokenizer.tokenize(words)
    assert ours.vocab == dict(ref.vocab)
    assert ours.inv_vocab == ref.inv_vocab
