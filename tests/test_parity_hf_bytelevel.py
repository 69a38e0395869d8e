"""Byte-level BPE against HF ``tokenizers``: GPT-2's tokenizer.json, GPT-2's
encoder.json + vocab.bpe, and tokenizer.json files built with HF's own API
(Split regexes, ByteLevel options, trim_offsets): identical ids, tokens,
offsets and decoded text."""

from __future__ import annotations

import json

import pytest
import tokenizers
from conftest import corpus_files, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import corpus_splices, interesting_chars
from tokenizers import Regex, decoders, models, pre_tokenizers, processors

import tokkit

FRAGMENTS = [
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\u00a0",
    "'s",
    "'S",
    "'ll",
    "don't",
    "I'M",
    "123",
    "4567",
    "Hello",
    "WORLD",
    "\u01c5a",
    "\u4e2d\u6587",
    "\u0301",
    "e\u0301",
    "\U0001f600",
    "\U0001f44d\U0001f3fd",
    "!",
    "...",
    "//",
    "<|endoftext|>",
    "\u00e9",
    "\u00df",
    "\x00",
]
texts = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=30).map(
    "".join
)


def gpt2_files():
    return (
        shared_path("vocab", "gpt2", "tokenizer.json"),
        shared_path("vocab", "gpt2", "encoder.json"),
        shared_path("vocab", "gpt2", "vocab.bpe"),
    )


@pytest.fixture(scope="module")
def gpt2_json():
    path, _, _ = gpt2_files()
    ours, ref = tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(str(path))
    # The file sets truncation to 50 tokens; compare whole texts.
    ours.no_truncation()
    ref.no_truncation()
    return ours, ref


@pytest.fixture(scope="module")
def gpt2_files_pair():
    _, vocab, merges = gpt2_files()
    ours = tokkit.Tokenizer.from_gpt2(vocab, merges)
    ref = tokenizers.ByteLevelBPETokenizer(str(vocab), str(merges))
    return ours, ref


def assert_same(ours, ref, text, pair=None, skip_special=True):
    a = ours.encode(text, pair) if pair is not None else ours.encode(text)
    b = ref.encode(text, pair) if pair is not None else ref.encode(text)
    assert a.ids == b.ids
    assert a.tokens == b.tokens
    assert a.offsets == b.offsets
    assert ours.decode(a.ids, skip_special_tokens=skip_special) == ref.decode(
        b.ids, skip_special_tokens=skip_special
    )


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_gpt2_tokenizer_json_on_corpus(gpt2_json, path):
    ours, ref = gpt2_json
    assert_same(ours, ref, path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", corpus_files()[:20], ids=lambda p: p.name)
def test_gpt2_vocab_and_merges_on_corpus(gpt2_files_pair, path):
    ours, ref = gpt2_files_pair
    assert_same(ours, ref, path.read_text(encoding="utf-8")[:200_000])


@settings(deadline=None, max_examples=200)
@given(text=texts)
def test_gpt2_generated_text(gpt2_json, gpt2_files_pair, text):
    for ours, ref in (gpt2_json, gpt2_files_pair):
        assert_same(ours, ref, text)
        assert ours.decode(ours.encode(text).ids, skip_special_tokens=False) == text


spliced_texts = corpus_splices(
    corpus_files(), st.one_of(st.sampled_from(FRAGMENTS), interesting_chars)
)


@settings(deadline=None, max_examples=200)
@given(text=spliced_texts)
def test_gpt2_spliced_corpus_text(gpt2_json, text):
    ours, ref = gpt2_json
    assert_same(ours, ref, text)
    assert ours.decode(ours.encode(text).ids, skip_special_tokens=False) == text


def test_gpt2_special_token_pairs_and_batches(gpt2_json):
    ours, ref = gpt2_json
    text = "Hello<|endoftext|> world <|endoftext|>again"
    assert_same(ours, ref, text, skip_special=True)
    assert_same(ours, ref, text, skip_special=False)
    assert_same(ours, ref, "First sentence.", pair="Second one, here.")
    batch = ["a b c", "  spaced  out  ", "\U0001f600 emoji", ""]
    ours_batch = ours.encode_batch(batch)
    ref_batch = ref.encode_batch(batch)
    assert [e.ids for e in ours_batch] == [e.ids for e in ref_batch]
    assert [e.offsets for e in ours_batch] == [e.offsets for e in ref_batch]


def test_pathological_inputs(gpt2_json):
    ours, ref = gpt2_json
    for text in ["a" * 100_000, "^" * 100_000, " " * 100_000, "7" * 100_000]:
        assert ours.encode(text).ids == ref.encode(text).ids


# tokenizer.json files built with HF's API from GPT-2's vocabulary

LLAMA3_STYLE = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)


def built(pre_tokenizer, post_processor=None, ignore_merges=False, normalized_added=True):
    _, vocab, merges = gpt2_files()
    model = models.BPE.from_file(str(vocab), str(merges), ignore_merges=ignore_merges)
    tok = tokenizers.Tokenizer(model)
    tok.pre_tokenizer = pre_tokenizer
    tok.decoder = decoders.ByteLevel()
    if post_processor is not None:
        tok.post_processor = post_processor
    tok.add_special_tokens(["<|endoftext|>"])
    if normalized_added:
        tok.add_tokens(["<mask>", "xyzzy"])
    else:
        tok.add_special_tokens(["<mask>", "xyzzy"])
    return tok


CONFIGS = {
    "split-llama3-isolated": lambda: built(
        pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(LLAMA3_STYLE), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        ),
        processors.ByteLevel(trim_offsets=False),
        ignore_merges=True,
    ),
    "split-digits-then-bytelevel": lambda: built(
        pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(r"\d"), behavior="isolated"),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
            ]
        )
    ),
    "prefix-space-trim-offsets": lambda: built(
        pre_tokenizers.ByteLevel(add_prefix_space=True),
        processors.ByteLevel(trim_offsets=True),
        normalized_added=False,
    ),
    "prefix-space-normalized-added": lambda: built(
        pre_tokenizers.ByteLevel(add_prefix_space=True),
        processors.ByteLevel(trim_offsets=True),
    ),
    "trim-offsets-no-prefix": lambda: built(
        pre_tokenizers.ByteLevel(add_prefix_space=False),
        processors.ByteLevel(trim_offsets=True, add_prefix_space=False),
    ),
    **{
        f"split-{behavior}": (
            lambda behavior=behavior: built(
                pre_tokenizers.Sequence(
                    [
                        pre_tokenizers.Split(" ", behavior=behavior),
                        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
                    ]
                )
            )
        )
        for behavior in [
            "removed",
            "isolated",
            "merged_with_previous",
            "merged_with_next",
            "contiguous",
        ]
    },
    "split-inverted-regex": lambda: built(
        pre_tokenizers.Sequence(
            [
                pre_tokenizers.Split(Regex(r"\p{L}+"), behavior="removed", invert=True),
                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
            ]
        )
    ),
}


@pytest.fixture(scope="module", params=list(CONFIGS))
def built_pair(request, tmp_path_factory):
    ref = CONFIGS[request.param]()
    path = tmp_path_factory.mktemp("tok") / "tokenizer.json"
    path.write_text(ref.to_str(), encoding="utf-8")
    return tokkit.Tokenizer.from_file(path), ref, request.param


SAMPLES = [
    "Hello world!  It's 2024 -- don't  panic\n\n  ok\r\n\tdone   ",
    "<mask> xyzzy<|endoftext|>tail  <mask>x",
    " leading space and trailing ",
    "\u4e2d\u6587 \U0001f600\U0001f44d\U0001f3fd caf\u00e9 na\u0131ve",
    "a  b   c    d",
    "",
]


def test_built_tokenizers_on_samples_and_corpus(built_pair):
    ours, ref, _ = built_pair
    for text in SAMPLES:
        assert_same(ours, ref, text)
        assert_same(ours, ref, text, skip_special=False)
    for path in corpus_files()[:6]:
        assert_same(ours, ref, path.read_text(encoding="utf-8")[:30_000])


@settings(deadline=None, max_examples=60)
@given(text=texts)
def test_built_tokenizers_on_generated_text(built_pair, text):
    ours, ref, name = built_pair
    a, b = ours.encode(text), ref.encode(text)
    assert (a.ids, a.tokens) == (b.ids, b.tokens)
    assert ours.decode(a.ids) == ref.decode(b.ids)
    assert a.offsets == b.offsets, name


def prefix_space_pair(tmp_path):
    ref = CONFIGS["prefix-space-trim-offsets"]()
    path = tmp_path / "tokenizer.json"
    path.write_text(ref.to_str(), encoding="utf-8")
    return tokkit.Tokenizer.from_file(path), ref


def test_trim_offsets_after_prefix_space_on_multibyte_char(tmp_path):
    # HF trims offsets in characters: the prefix space stands for the whole "é"
    ours, ref = prefix_space_pair(tmp_path)
    assert ours.encode("<|endoftext|>\u00e9").offsets == ref.encode("<|endoftext|>\u00e9").offsets


# Errors


def test_refuses_unknown_pre_tokenizers(tmp_path):
    path, _, _ = gpt2_files()
    data = json.loads(path.read_text(encoding="utf-8"))
    data["pre_tokenizer"] = {"type": "PreTokenizerOfTomorrow"}
    bad = tmp_path / "tokenizer.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(tokkit.UnsupportedError, match="PreTokenizerOfTomorrow"):
        tokkit.Tokenizer.from_file(bad)


@pytest.mark.parametrize(
    "version",
    [
        ["#version: 0.2 - Trained by huggingface/tokenizers"],
        ["#version: 0.3"],
        ["#version"],
        [],
        ["#version: 0.2", "#version: again, between merges"],
    ],
)
def test_merges_version_lines_as_hf(tmp_path, version):
    """HF skips every line starting with ``#version`` (its own trainer writes
    ``#version: 0.2 - Trained by huggingface/tokenizers``), wherever it is."""
    _, vocab, merges = gpt2_files()
    lines = merges.read_text(encoding="utf-8").splitlines()[1:]
    path = tmp_path / "merges.txt"
    path.write_text("\n".join([*version[:1], *lines[:100], *version[1:], *lines[100:]]) + "\n")
    ours = tokkit.Tokenizer.from_gpt2(vocab, path)
    ref = tokenizers.ByteLevelBPETokenizer(str(vocab), str(path))
    for file in corpus_files()[:8]:
        assert_same(ours, ref, file.read_text(encoding="utf-8")[:5000])


def test_empty_token_loads_as_in_hf(tmp_path):
    """Whisper's vocab.json lists ``""``: HF loads it (in vocab.json and in a
    tokenizer.json vocabulary), never produces it, and decodes it to nothing."""
    path, vocab_path, merges = gpt2_files()
    vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
    vocab[""] = len(vocab)
    with_empty = tmp_path / "vocab.json"
    with_empty.write_text(json.dumps(vocab), encoding="utf-8")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["model"]["vocab"] = vocab
    document["truncation"] = None
    json_path = tmp_path / "tokenizer.json"
    json_path.write_text(json.dumps(document), encoding="utf-8")
    pairs = [
        (
            tokkit.Tokenizer.from_gpt2(with_empty, merges),
            tokenizers.ByteLevelBPETokenizer(str(with_empty), str(merges)),
        ),
        (tokkit.Tokenizer.from_file(json_path), tokenizers.Tokenizer.from_file(str(json_path))),
    ]
    empty = vocab[""]
    for ours, ref in pairs:
        assert ours.token_to_id("") == ref.token_to_id("") == empty
        assert ours.id_to_token(empty) == ref.id_to_token(empty)
        assert ours.get_vocab_size() == ref.get_vocab_size()
        for file in corpus_files():
            text = file.read_text(encoding="utf-8")[:5000]
            assert_same(ours, ref, text)
            ids = [empty, *ref.encode(text).ids[:40], empty]
            assert ours.decode(ids) == ref.decode(ids)


def test_corrupt_gpt2_files(tmp_path):
    _, vocab, merges = gpt2_files()
    lines = merges.read_text(encoding="utf-8").splitlines()
    cases = {
        "unknown token": [*lines[:10], "Ġzzzq Ġqqqz", *lines[10:]],
        "three tokens": [*lines[:10], "a b c", *lines[10:]],
    }
    for name, content in cases.items():
        bad = tmp_path / f"{name}.txt"
        bad.write_text("\n".join(content) + "\n", encoding="utf-8")
        with pytest.raises(tokkit.VocabFormatError) as err:
            tokkit.Tokenizer.from_gpt2(vocab, bad)
        assert f"{bad}:11:" in str(err.value), name
    broken = tmp_path / "vocab.json"
    broken.write_text('{"a": 0, "b": ', encoding="utf-8")
    with pytest.raises(tokkit.VocabFormatError):
        tokkit.Tokenizer.from_gpt2(broken, merges)
