"""``tokkit.load_tekken`` against Mistral's ``Tekkenizer`` (mistral_common)
and against tiktoken built the way Tekkenizer builds it: tekken files written
from the shared rank files give the same ids, special-token ids and bytes, on
every corpus and on generated text; files Tekkenizer refuses are refused."""

from __future__ import annotations

import base64
import json
import os
import pickle
from pathlib import Path

import pytest
import tiktoken
import tiktoken.load
from conftest import corpus_files, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import corpus_splices, interesting_chars

import tokkit

# The split pattern of Mistral's tekken files (o200k's letter classes, one
# digit at a time).
PATTERN = (
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
    r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
LISTED = ["<unk>", "<s>", "</s>", "[INST]", "[/INST]", "[AVAILABLE_TOOLS]", "[IMG]"]

# name: (rank file, ordinary tokens kept, special tokens, listed, version)
SHAPES = {
    # a current file: specials listed and filled up, the vocabulary cut
    "v13": ("o200k_base", 150_000, 1000, LISTED, "v13"),
    # an old one: no special_tokens, so Tekkenizer's deprecated twenty
    "v3": ("cl100k_base", 100_256, 100, None, "v3"),
}


def ranks_of(name: str) -> dict[bytes, int]:
    before = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = ""  # tiktoken's copy is keyed by path only
    try:
        return tiktoken.load.load_tiktoken_bpe(
            str(shared_path("vocab", "tiktoken", f"{name}.tiktoken"))
        )
    finally:
        if before is None:
            del os.environ["TIKTOKEN_CACHE_DIR"]
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = before


def tekken_order(ranks: dict[bytes, int]) -> list[bytes]:
    """The tokens in a tekken file's order: the single bytes first, by value
    (tekken requires it; OpenAI's files start at ``!``), then the rest by
    rank. BPE looks up only merged tokens' ranks, whose order stays, so the
    same pieces come out."""
    return sorted(
        ranks, key=lambda token: (len(token) > 1, ranks[token] if len(token) > 1 else token)
    )


def tekken_json(tokens: list[bytes], kept: int, num_special: int, listed, version) -> dict:
    """A tekken file as Mistral writes them, for ``tokens`` in rank order."""

    def text_of(token: bytes) -> str | None:
        try:
            return token.decode("utf-8")
        except UnicodeDecodeError:
            return None

    vocab = [
        {"rank": rank, "token_bytes": base64.b64encode(token).decode(), "token_str": text_of(token)}
        for rank, token in enumerate(tokens)
    ]
    data = {
        "config": {
            "pattern": PATTERN,
            "num_vocab_tokens": len(vocab),
            "default_vocab_size": kept + num_special,
            "default_num_special_tokens": num_special,
            "version": version,
        },
        "vocab": vocab,
    }
    if listed is not None:
        data["special_tokens"] = [
            {"rank": i, "token_str": s, "is_control": True} for i, s in enumerate(listed)
        ]
    return data


def tekkenizer(path: Path):
    """mistral_common's Tekkenizer for ``path``: required in CI, where the test
    extra installs it, and skipped elsewhere without it."""
    try:
        from mistral_common.tokens.tokenizers.tekken import Tekkenizer
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("mistral_common is not installed")
    return Tekkenizer.from_file(path)


class Shape:
    """One tekken file, tokkit's encoding of it, and tiktoken built as
    Tekkenizer builds it (ordinary ranks only, ids moved past the specials)."""

    def __init__(self, directory: Path, name: str):
        file, kept, num_special, listed, version = SHAPES[name]
        tokens = tekken_order(ranks_of(file))
        self.path = directory / "tekken.json"
        self.path.write_text(json.dumps(tekken_json(tokens, kept, num_special, listed, version)))
        self.num_special = num_special
        self.ours = tokkit.load_tekken(self.path)
        kept_ranks = {token: rank for rank, token in enumerate(tokens[:kept])}
        self.tiktoken = tiktoken.Encoding(
            "tekken", pat_str=PATTERN, mergeable_ranks=kept_ranks, special_tokens={}
        )
        self._mistral = None

    def reference(self, text: str) -> list[int]:
        return [i + self.num_special for i in self.tiktoken.encode_ordinary(text)]

    @property
    def mistral(self):
        if self._mistral is None:
            self._mistral = tekkenizer(self.path)
        return self._mistral


@pytest.fixture(scope="module")
def shapes(tmp_path_factory) -> dict:
    return {name: Shape(tmp_path_factory.mktemp(name), name) for name in SHAPES}


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_ids(shapes, name, path):
    shape = shapes[name]
    text = path.read_text(encoding="utf-8")
    ids = shape.ours.encode_ordinary(text)
    assert ids == shape.reference(text)
    assert ids == shape.mistral.encode(text, bos=False, eos=False)
    assert shape.ours.decode(ids) == text == shape.mistral.decode(ids)


@pytest.mark.parametrize("name", SHAPES)
def test_vocabulary_and_special_tokens(shapes, name):
    shape = shapes[name]
    ours, mistral = shape.ours, shape.mistral
    assert ours.n_vocab == mistral.n_words
    assert ours.name == "tekken"
    assert len(ours.special_tokens_set) == mistral.num_special_tokens == shape.num_special
    for token in ours.special_tokens_set:
        assert ours.encode_single_token(token) == mistral.get_special_token(token)
    for special in ["<s>", "[INST]", f"<SPECIAL_{shape.num_special - 1}>"]:
        text = f"{special}Hello {special}"
        want = [mistral.get_special_token(special), *shape.reference("Hello ")]
        assert ours.encode(text, allowed_special="all")[:-1] == want
        # Tekkenizer reads special-token text as ordinary text
        assert ours.encode_ordinary(text) == mistral.encode(text, bos=False, eos=False)
    from mistral_common.tokens.tokenizers.base import SpecialTokenPolicy

    step = max(1, ours.n_vocab // 5000)
    for token in range(0, ours.n_vocab, step):
        want = mistral.id_to_byte_piece(token, SpecialTokenPolicy.KEEP)
        assert ours.decode_single_token_bytes(token) == want


@pytest.mark.parametrize("name", SHAPES)
def test_pickles(shapes, name):
    ours = shapes[name].ours
    again = pickle.loads(pickle.dumps(ours))
    text = "Tekken: [INST] 12345 ünïcödé 中文 <s>"
    assert again.encode(text, allowed_special="all") == ours.encode(text, allowed_special="all")


FRAGMENTS = [" ", "\n", "\r\n", "  \n", "/", "'s", "1", "1234567", "\u0663", "<s>", "[INST]"]
spliced = corpus_splices(corpus_files(), st.one_of(st.sampled_from(FRAGMENTS), interesting_chars))


@pytest.mark.parametrize("name", SHAPES)
@settings(deadline=None, max_examples=300)
@given(text=st.one_of(st.lists(interesting_chars, max_size=60).map("".join), spliced))
def test_generated_text_ids(shapes, name, text):
    shape = shapes[name]
    ids = shape.ours.encode_ordinary(text)
    assert ids == shape.reference(text)
    assert ids == shape.mistral.encode(text, bos=False, eos=False)


# Files Tekkenizer refuses


def small_tekken() -> dict:
    tokens = [bytes([b]) for b in range(256)] + [b"ab", b"abc", b" a"]
    return tekken_json(tokens, 259, 4, ["<unk>", "<s>"], "v7")


def edit(data: dict, where: str, value) -> dict:
    """``data`` with the field at the dotted path ``where`` set to ``value``
    (deleted when ``value`` is ``...``)."""
    *parents, last = where.split(".")
    node = data
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if isinstance(node, list):
        node[int(last)] = value
    elif value is ...:
        del node[last]
    else:
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("config.version", "v99"),
        ("config.version", ...),
        ("config.pattern", ...),
        ("config.default_vocab_size", 300),
        ("config.default_vocab_size", 3),
        ("config.default_num_special_tokens", 1),
        ("special_tokens.1", {"rank": 1, "token_str": "<unk>", "is_control": True}),
        ("special_tokens", ...),
        ("vocab.5.rank", 6),
        ("vocab.5.token_bytes", base64.b64encode(b"x").decode()),
        ("vocab.257.token_bytes", base64.b64encode(b"ab").decode()),
        ("vocab.257.extra", 1),
        ("vocab.257.token_bytes", "YWJ"),
        ("vocab", ...),
        ("config", ...),
    ],
)
def test_refused_like_tekkenizer(tmp_path, where, value):
    path = tmp_path / "tekken.json"
    path.write_text(json.dumps(edit(small_tekken(), where, value)))
    with pytest.raises((ValueError, AssertionError, KeyError)):
        tekkenizer(path)
    with pytest.raises(tokkit.VocabFormatError):
        tokkit.load_tekken(path)


@pytest.mark.parametrize(
    ("where", "value"),
    [
        # what Tekkenizer does not check reads as it reads it
        ("config.num_vocab_tokens", 12),
        ("special_tokens.0.is_control", False),
        # only the kept entries are checked
        ("config.default_vocab_size", 250),
        ("vocab.258.token_bytes", "YWI="),
        ("vocab.5.token_bytes", "B*Q=="),
    ],
)
def test_accepted_like_tekkenizer(tmp_path, where, value):
    path = tmp_path / "tekken.json"
    data = edit(small_tekken(), where, value)
    if where == "vocab.258.token_bytes":  # a repeat of "ab" beyond the cut
        data["config"]["default_vocab_size"] = 258 + 4
    path.write_text(json.dumps(data))
    mistral = tekkenizer(path)
    ours = tokkit.load_tekken(path)
    text = "abc ab a\x05 <s>"
    assert ours.encode_ordinary(text) == mistral.encode(text, bos=False, eos=False)
    assert ours.n_vocab == mistral.n_words


def test_missing_file(tmp_path):
    with pytest.raises(tokkit.TokkitError):
        tokkit.load_tekken(tmp_path / "tekken.json")
