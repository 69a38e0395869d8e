"""Encoding's alignment methods (char_to_token, word_to_tokens, token_to_chars
and the rest) give HF's answers for every position, on real files, with and
without a post-processor, for pairs, padding on either side and overflowing
windows: the positions QA and NER code maps answers and labels through.
RoBERTa-family files (GPT-2 with RobertaProcessing) and a Sequence
post-processor (ByteLevel then a template, as Llama 3's) are checked the same
way. Input
split into words beforehand (``is_pretokenized``, as NER data comes) is
encoded as HF encodes it, word by word."""

import json

import pytest
import tokenizers
from conftest import corpus_files, shared_path
from hf_bpe_json import llama_json
from hf_checks import assert_batch_like_hf, assert_same_encoding
from hf_variants import roberta_json, sequence_post_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import texts

import tokkit


def _without_post_processor(path):
    document = json.loads(path.read_text(encoding="utf-8"))
    document["post_processor"] = None
    return json.dumps(document)


def _with_segment_ids(path):
    """ruT5 with template segment ids other than each sequence's index (A:1,
    B:0, one text 2): HF gives them to the sequences, not to the windows
    truncation cuts off."""
    document = json.loads(path.read_text(encoding="utf-8"))
    template = document["post_processor"]
    template["single"][0]["Sequence"]["type_id"] = 2
    template["pair"][0]["Sequence"]["type_id"] = 1
    template["pair"][2]["Sequence"]["type_id"] = 0
    return json.dumps(document)


def _with_prefix_space(path):
    """GPT-2 with ByteLevel's add_prefix_space (RoBERTa's setting): every
    word of split input gets its own prefix space."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document["pre_tokenizer"]["add_prefix_space"] = True
    for token in document["added_tokens"]:
        token["normalized"] = False
    return json.dumps(document)


FILES = {
    "bert": lambda: shared_path("vocab", "bert-base-uncased", "tokenizer.json").read_text(),
    "gpt2": lambda: shared_path("vocab", "gpt2", "tokenizer.json").read_text(),
    "gpt2-no-post-processor": lambda: _without_post_processor(
        shared_path("vocab", "gpt2", "tokenizer.json")
    ),
    "gpt2-prefix-space": lambda: _with_prefix_space(shared_path("vocab", "gpt2", "tokenizer.json")),
    # RoBERTa's own shape (no prefix space, trimmed offsets), then
    # add_prefix_space and trim_offsets the other ways
    "roberta": lambda: roberta_json(prefix_space=False, trim_offsets=True),
    "roberta-prefix-space": lambda: roberta_json(prefix_space=True, trim_offsets=True),
    "roberta-untrimmed": lambda: roberta_json(prefix_space=True, trim_offsets=False),
    "roberta-post-prefix-space-only": lambda: roberta_json(
        prefix_space=False, trim_offsets=True, post_prefix_space=True
    ),
    "sequence-post": sequence_post_json,
    "rut5": lambda: shared_path("vocab", "rut5-large-spm-unigram", "tokenizer.json").read_text(),
    "rut5-segment-ids": lambda: _with_segment_ids(
        shared_path("vocab", "rut5-large-spm-unigram", "tokenizer.json")
    ),
    "llama": lambda: json.dumps(
        llama_json(shared_path("vocab", "llama2-spm-bpe", "tokenizer.model"))
    ),
}

SETTINGS = {
    "plain": {},
    "pad-right": {"padding": {"length": 64, "direction": "right"}},
    "pad-left": {"padding": {"length": 64, "direction": "left"}},
    "overflow": {"truncation": {"max_length": 24, "stride": 5}},
    "overflow-pad-left": {
        "truncation": {"max_length": 24, "stride": 5},
        "padding": {"length": 32, "direction": "left"},
    },
}


@pytest.fixture(scope="module", params=list(FILES))
def pair_of(request):
    """(tokkit, HF) for one file, to be configured by ``configure``."""
    text = FILES[request.param]()
    return tokkit.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text)


def configure(tokenizer, setting):
    tokenizer.no_truncation()
    tokenizer.no_padding()
    if "truncation" in setting:
        tokenizer.enable_truncation(**setting["truncation"])
    if "padding" in setting:
        tokenizer.enable_padding(pad_id=0, pad_token="<pad>", **setting["padding"])


def assert_same_alignment(ours, ref, texts_in):
    """Every method at every token, word and character position (and a few
    past the end), for each sequence index, equals HF's, in the encoding and
    each overflowing window."""
    context = texts_in
    assert ours.n_sequences == ref.n_sequences, context
    n = len(ref.ids)
    for token in range(n + 2):
        assert ours.token_to_sequence(token) == ref.token_to_sequence(token), (context, token)
        assert ours.token_to_word(token) == ref.token_to_word(token), (context, token)
        assert ours.token_to_chars(token) == ref.token_to_chars(token), (context, token)
    words = max((w for w in ref.word_ids if w is not None), default=0)
    chars = max(len(t) for t in texts_in)
    for sequence in range(3):
        for word in range(words + 2):
            got = (ours.word_to_tokens(word, sequence), ours.word_to_chars(word, sequence))
            want = (ref.word_to_tokens(word, sequence), ref.word_to_chars(word, sequence))
            assert got == want, (context, word, sequence)
        for pos in range(chars + 2):
            got = (ours.char_to_token(pos, sequence), ours.char_to_word(pos, sequence))
            want = (ref.char_to_token(pos, sequence), ref.char_to_word(pos, sequence))
            assert got == want, (context, pos, sequence)
    for o, r in zip(ours.overflowing, ref.overflowing, strict=True):
        assert_same_alignment(o, r, texts_in)


def check(pair_of, setting, first, second=None):
    """Encodes (first, second) both ways: texts, or lists of words."""
    ours, ref = pair_of
    for tokenizer in pair_of:
        configure(tokenizer, setting)
    pretokenized = isinstance(first, list)
    texts_in = (" ".join(first), " ".join(second or [])) if pretokenized else (first, second or "")
    for add_special in (True, False):
        args = (first, second, pretokenized, add_special)
        got, want = ours.encode(*args), ref.encode(*args)
        assert_same_encoding(got, want, (first, second))
        assert_same_alignment(got, want, texts_in)


def corpus_lines(count):
    lines = []
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        lines += [line for line in text.splitlines() if line.strip()][:count]
    return lines


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_corpus_lines_and_pairs(pair_of, setting):
    lines = [line[:120] for line in corpus_lines(1)]
    for line in lines:
        check(pair_of, SETTINGS[setting], line)
    for first, second in zip(lines, lines[1:] + lines[:1], strict=True):
        check(pair_of, SETTINGS[setting], first, second)


@pytest.mark.parametrize("setting", list(SETTINGS))
@pytest.mark.parametrize(
    "first,second",
    [("", None), ("", ""), ("", "x y"), ("a b", ""), ("  ", " z "), ("don't stop", "me now")],
)
def test_empty_and_short_inputs(pair_of, setting, first, second):
    check(pair_of, SETTINGS[setting], first, second)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=texts,
    second=st.none() | texts,
    setting=st.sampled_from(list(SETTINGS)),
)
def test_generated_text(pair_of, first, second, setting):
    check(pair_of, SETTINGS[setting], first, second)


@pytest.mark.parametrize("setting", list(SETTINGS))
def test_words_of_corpus_lines(pair_of, setting):
    lines = [line[:120].split() for line in corpus_lines(1)]
    for words in lines:
        check(pair_of, SETTINGS[setting], words)
    for first, second in zip(lines, lines[1:] + lines[:1], strict=True):
        check(pair_of, SETTINGS[setting], first, second)


@pytest.mark.parametrize(
    "first,second",
    [
        ([], None),
        ([""], None),
        (["", "a", ""], ["b"]),
        (["don't", "[SEP]x"], []),
        ([" a b "], None),
    ],
)
def test_empty_words_and_specials_in_words(pair_of, first, second):
    check(pair_of, SETTINGS["plain"], first, second)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.lists(texts, max_size=6),
    second=st.none() | st.lists(texts, max_size=6),
    setting=st.sampled_from(list(SETTINGS)),
)
def test_generated_words(pair_of, first, second, setting):
    check(pair_of, SETTINGS[setting], first, second)


@pytest.mark.parametrize(
    "item",
    [
        ["split", "into", "words"],
        ("a", "tuple", "of", "words"),
        (["first", "words"], ["second", "ones"]),
        [["first", "words"], ["second"]],
        ["one", ["nested"]],
        "a str",
        [1, 2],
    ],
    ids=repr,
)
def test_batch_of_words(pair_of, item):
    """encode_batch with is_pretokenized takes what HF takes (a list or tuple
    of words, or a pair of them) and refuses with TypeError what HF refuses."""
    for tokenizer in pair_of:
        configure(tokenizer, SETTINGS["plain"])
    assert_batch_like_hf(*pair_of, [item, ["after", "it"]], is_pretokenized=True)
