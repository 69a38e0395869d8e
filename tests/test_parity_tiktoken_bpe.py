"""``tokkit.load_tiktoken_bpe`` against ``tiktoken.load.load_tiktoken_bpe``:
the same dict for the shared rank files, for edited ones and for generated
ones, the same lines refused; and encodings built from those ranks with other
models' patterns (Llama 3's, Qwen's) give tiktoken's ids."""

from __future__ import annotations

import base64
import contextlib
import os
from pathlib import Path

import pytest
import tiktoken
import tiktoken.load
from conftest import corpus_files, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import corpus_splices, interesting_chars

import tokkit

FILES = ["r50k_base", "cl100k_base", "o200k_base"]

# The split patterns of Llama 3 (meta-llama/llama3 tokenizer.py) and Qwen
# (QwenLM/Qwen tokenization_qwen.py): one digit or up to three at a time.
PATTERNS = {
    "llama3": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
    "qwen": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
}
SPECIALS = {
    "llama3": ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"],
    "qwen": ["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
}


@contextlib.contextmanager
def no_tiktoken_cache():
    """tiktoken keeps a copy of every file it reads, keyed by its path, and
    returns that copy the next time: a test's rewritten file would be read as
    its old contents. An empty cache directory turns the copy off."""
    before = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = ""
    try:
        yield
    finally:
        if before is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = before


def reference_ranks(path: Path) -> dict[bytes, int]:
    with no_tiktoken_cache():
        return tiktoken.load.load_tiktoken_bpe(str(path))


def same_outcome(path: Path) -> None:
    """tokkit reads ``path`` into tiktoken's dict, in its order, or refuses
    it with VocabFormatError where tiktoken raises ValueError."""
    try:
        want = reference_ranks(path)
    except ValueError as e:
        with pytest.raises(tokkit.VocabFormatError) as err:
            tokkit.load_tiktoken_bpe(path)
        # tiktoken's message quotes the line; ours names its number
        bad_line = str(e).split("Error parsing line ")[1]
        lines = path.read_bytes().splitlines()
        number = next(i + 1 for i, line in enumerate(lines) if repr(line) in bad_line)
        assert f"{path}:{number}:" in str(err.value)
        return
    got = tokkit.load_tiktoken_bpe(path)
    assert list(got.items()) == list(want.items())


# The loader


@pytest.mark.parametrize("name", FILES)
def test_shared_rank_files(name):
    path = shared_path("vocab", "tiktoken", f"{name}.tiktoken")
    got = tokkit.load_tiktoken_bpe(path)
    assert list(got.items()) == list(reference_ranks(path).items())
    assert tokkit.load_tiktoken_bpe(str(path)) == got


@pytest.mark.parametrize(
    "contents",
    [
        b"",
        b"\n\n",
        b"IQ== 0\n\nIg== 1\r\nIw==\t2\rJA==   3  \n",
        # the empty token (a speech model's rank file lists it), padding alone
        b"= 0\nIQ== 1\n",
        b"==== 0\n",
        # repeated token: first place, last rank; repeated rank: both kept
        b"IQ== 0\nIg== 1\nIQ== 2\nIw== 2\n",
        # base64 as Python decodes it without validation
        b"I*Q== 0\nIQ==IQ== 1\nIQ=x= 2\n\xffIg== 3\nIQI= 4\nIQIQ 5\n",
        # ranks as Python's int reads them
        b"IQ== +0\nIg== 1_0\nIw== -3\nJA== 007\n",
        b"IQ== 99999999999\n",
        # refused by both
        b"IQ== 0\nIg==\n",
        b"IQ== 0\nIg== 1 2\n",
        b"IQ== 0\nIg 1\n",
        b"IQ== 0\nI 1\n",
        b"IQ== 0\nIg== one\n",
        b"IQ== 0\nIg== 1__0\n",
        b"IQ== 0\nIg== 0x1\n",
        b"IQ== 0\n  \n",
    ],
)
def test_edited_rank_files(tmp_path, contents):
    path = tmp_path / "ranks.tiktoken"
    path.write_bytes(contents)
    same_outcome(path)


def test_real_file_with_an_empty_token_and_a_repeat(tmp_path):
    lines = shared_path("vocab", "tiktoken", "r50k_base.tiktoken").read_bytes().splitlines()
    edited = [b"= 50256", *lines[:300], lines[5], b"", *lines[300:]]
    path = tmp_path / "edited.tiktoken"
    path.write_bytes(b"\r\n".join(edited))
    same_outcome(path)


def test_missing_file(tmp_path):
    with pytest.raises(tokkit.TokkitError):
        tokkit.load_tiktoken_bpe(tmp_path / "absent.tiktoken")


token_fields = st.one_of(
    st.binary(max_size=6).map(base64.b64encode),
    st.binary(min_size=1, max_size=6).map(lambda b: base64.b64encode(b).rstrip(b"=")),
    st.lists(st.sampled_from(list(b"AQZaz09+/=*-_.\xff")), max_size=8).map(bytes),
)
rank_fields = st.one_of(
    st.integers(-5, 10**6).map(lambda n: str(n).encode()),
    st.lists(st.sampled_from(list(b"0123456789_+-x ")), min_size=1, max_size=6).map(bytes),
)
rank_lines = st.one_of(
    st.tuples(token_fields, st.sampled_from([b" ", b"\t", b"  ", b"\x0b"]), rank_fields).map(
        b"".join
    ),
    st.sampled_from([b"", b" ", b"IQ==", b"IQ== 1 2"]),
)


@settings(deadline=None, max_examples=300)
@given(lines=st.lists(rank_lines, max_size=8), ending=st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_generated_rank_files(tmp_path_factory, lines, ending):
    path = tmp_path_factory.mktemp("ranks") / "generated.tiktoken"
    path.write_bytes(ending.join(lines))
    same_outcome(path)


# Encodings built from the ranks with another model's pattern


@pytest.fixture(scope="module")
def encodings() -> dict:
    return {}


def get_pair(cache: dict, file: str, pattern: str):
    if (file, pattern) not in cache:
        path = shared_path("vocab", "tiktoken", f"{file}.tiktoken")
        ranks = tokkit.load_tiktoken_bpe(path)
        specials = {s: len(ranks) + i for i, s in enumerate(SPECIALS[pattern])}
        spec = {
            "name": f"{file}-{pattern}",
            "pat_str": PATTERNS[pattern],
            "mergeable_ranks": ranks,
            "special_tokens": specials,
        }
        ref_spec = spec | {"mergeable_ranks": reference_ranks(path)}
        cache[file, pattern] = (tokkit.TiktokenEncoding(**spec), tiktoken.Encoding(**ref_spec))
    return cache[file, pattern]


COMBINATIONS = [("cl100k_base", "llama3"), ("cl100k_base", "qwen"), ("o200k_base", "llama3")]


@pytest.mark.parametrize(("file", "pattern"), COMBINATIONS)
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_ids(encodings, file, pattern, path):
    ours, ref = get_pair(encodings, file, pattern)
    text = path.read_text(encoding="utf-8")
    ids = ours.encode_ordinary(text)
    assert ids == ref.encode_ordinary(text)
    assert ours.decode(ids) == text
    with_specials = text[:5000] + SPECIALS[pattern][1] + text[5000:10000]
    want = ref.encode(with_specials, allowed_special="all")
    assert ours.encode(with_specials, allowed_special="all") == want
    assert ours.encode_batch([text[:3000], with_specials], allowed_special="all") == [
        ref.encode(text[:3000]),
        want,
    ]


FRAGMENTS = [" ", "\n", "\r\n", "  \n", "'s", "'LL", "1", "12", "1234567", "\u0663", "<|"]
spliced = corpus_splices(corpus_files(), st.one_of(st.sampled_from(FRAGMENTS), interesting_chars))


@pytest.mark.parametrize(("file", "pattern"), COMBINATIONS)
@settings(deadline=None, max_examples=300)
@given(text=st.one_of(st.lists(interesting_chars, max_size=60).map("".join), spliced))
def test_generated_text_ids(encodings, file, pattern, text):
    ours, ref = get_pair(encodings, file, pattern)
    ids = ours.encode_ordinary(text)
    assert ids == ref.encode_ordinary(text)
    assert ours.decode_bytes(ids) == text.encode("utf-8")
