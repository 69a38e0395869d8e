"""tokkit.Tokenizer on tokenizer.json files of BPE over characters against HF
tokenizers: Llama-2 style (byte fallback, fused <unk>, ▁ normalizer or
Metaspace, Replace/ByteFallback/Fuse/Strip decoder) built from the Llama 2
sentencepiece model, a small ``</w>`` model (OpenAI GPT / CLIP style) and HF
quicktour models (Whitespace, WhitespaceSplit, Punctuation and Digits
pre-tokenizers) trained here, and variants (no unknown token, unknowns not
fused, byte tokens missing, ignore_merges, a continuing-subword prefix)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import tokenizers
from conftest import corpus_files, shared_path
from hf_bpe_json import clip_style_json, llama_json, quicktour_json
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import texts as unicode_texts
from tokenizers import pre_tokenizers

import tokkit
from tokkit.errors import EncodingError

LLAMA = ("vocab", "llama2-spm-bpe", "tokenizer.model")
TEXT = st.one_of(
    unicode_texts,
    st.text(alphabet=st.sampled_from(" \t\n\u3000\u2581ab<>/s"), max_size=30),
    st.lists(st.sampled_from(["<s>", "</s>", "<unk>", " ", "  ", "héllo", "世界", "😀", "\n"])).map(
        "".join
    ),
)
SAMPLES = [
    "",
    " ",
    "Hello world",
    "  two  spaces ",
    "héllo 😀 世界\n\tx",
    "<s>hi</s> there <unk>",
    "</s>",
    "\u2581\u2581a \u2581",
    "\U0010ffff\U000e0001 \x00\x7f",
    "emoji 👩\u200d👩\u200d👧 flags 🇺🇸 and ︎ variation",
]


def corpus_lines(limit: int) -> list[str]:
    return [line for p in corpus_files() for line in p.read_text("utf-8").splitlines()[:limit]]


def _drop_bytes(data: dict[str, Any], missing: range) -> dict[str, Any]:
    """Removes the ``<0xNN>`` tokens of ``missing`` (ids keep their holes)."""
    gone = {f"<0x{b:02X}>" for b in missing}
    model = data["model"]
    model["vocab"] = {t: i for t, i in model["vocab"].items() if t not in gone}
    model["merges"] = [m for m in model["merges"] if not gone.intersection(m)]
    return data


def _llama(form: str = "metaspace", **model: Any) -> dict[str, Any]:
    return llama_json(shared_path(*LLAMA), form, **model)


def _clip(prefix: str | None = None, **model: Any) -> dict[str, Any]:
    return clip_style_json(corpus_lines(300), prefix=prefix, **model)


BUILDERS = {
    "llama": lambda: _llama(),
    "llama-legacy": lambda: _llama("legacy"),
    "llama-no-unk": lambda: _llama(unk_token=None),
    "llama-unk-unfused": lambda: _llama(fuse_unk=False),
    "llama-bytes-missing": lambda: _drop_bytes(_llama(), range(0x80, 0x100, 3)),
    "llama-ignore-merges": lambda: _llama(ignore_merges=True),
    "clip-style": lambda: _clip(),
    "clip-style-no-unk": lambda: _clip(unk_token=None),
    "clip-style-prefix": lambda: _clip(prefix="##"),
    "quicktour-whitespace": lambda: quicktour_json(corpus_lines(300), pre_tokenizers.Whitespace()),
    "quicktour-split-digits-punctuation": lambda: quicktour_json(
        corpus_lines(300),
        pre_tokenizers.Sequence(
            [
                pre_tokenizers.WhitespaceSplit(),
                pre_tokenizers.Punctuation(),
                pre_tokenizers.Digits(individual_digits=True),
            ]
        ),
    ),
}
_cache: dict[str, tuple[tokkit.Tokenizer, tokenizers.Tokenizer]] = {}


@pytest.fixture(scope="module")
def json_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bpe_chars")


def pair(name: str, json_dir: Path) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    if name not in _cache:
        path = json_dir / f"{name}.json"
        path.write_text(json.dumps(BUILDERS[name](), ensure_ascii=False), "utf-8")
        ref = tokenizers.Tokenizer.from_file(str(path))
        ours = tokkit.Tokenizer.from_file(path)
        _cache[name] = (ours, ref)
    return _cache[name]


def assert_same(ours: tokkit.Tokenizer, ref: tokenizers.Tokenizer, text: str) -> None:
    a, b = ours.encode(text), ref.encode(text)
    assert a.ids == b.ids, text
    assert a.tokens == b.tokens, text
    assert a.offsets == b.offsets, text
    assert ours.decode(b.ids) == ref.decode(b.ids), text
    assert ours.decode(b.ids, skip_special_tokens=False) == ref.decode(
        b.ids, skip_special_tokens=False
    ), text


@pytest.mark.parametrize("name", list(BUILDERS))
def test_samples_and_pairs(name: str, json_dir: Path) -> None:
    ours, ref = pair(name, json_dir)
    for text in SAMPLES:
        assert_same(ours, ref, text)
    a, b = ours.encode("first text", "second  one"), ref.encode("first text", "second  one")
    assert (a.ids, a.type_ids, a.offsets) == (b.ids, b.type_ids, b.offsets)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_corpora(name: str, json_dir: Path) -> None:
    ours, ref = pair(name, json_dir)
    lines = corpus_lines(200 if name.startswith("llama-") else 400)
    got, want = ours.encode_batch(lines), ref.encode_batch(lines)
    for text, a, b in zip(lines, got, want, strict=True):
        assert a.ids == b.ids, text
        assert a.tokens == b.tokens, text
        assert a.offsets == b.offsets, text
    decoded = ours.decode_batch([b.ids for b in want])
    assert decoded == ref.decode_batch([b.ids for b in want])
    for text, b in list(zip(lines, want, strict=True))[::10]:
        assert ours.decode(b.ids, skip_special_tokens=False) == ref.decode(
            b.ids, skip_special_tokens=False
        ), text


def test_whole_documents(json_dir: Path) -> None:
    """Many lines as one piece (Llama does not split): the heap merge path."""
    ours, ref = pair("llama", json_dir)
    for path in corpus_files():
        text = path.read_text("utf-8")[:20_000]
        assert_same(ours, ref, text)


@pytest.mark.parametrize("name", list(BUILDERS))
@settings(deadline=None, max_examples=40)
@given(text=TEXT)
def test_generated_text(name: str, text: str, json_dir: Path) -> None:
    ours, ref = pair(name, json_dir)
    assert_same(ours, ref, text)


def test_unknown_token_missing_from_vocab_fails_like_hf(json_dir: Path) -> None:
    data = _clip(unk_token="<nope>")
    path = json_dir / "unk-missing.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    ref = tokenizers.Tokenizer.from_file(str(path))
    ours = tokkit.Tokenizer.from_file(path)
    assert ours.encode("the end").ids == ref.encode("the end").ids
    with pytest.raises(Exception, match="<nope>"):
        ref.encode("the \u2603 end")
    with pytest.raises(EncodingError, match="<nope>"):
        ours.encode("the \u2603 end")


def test_regex_replace_decoder_decodes_as_hf(json_dir: Path) -> None:
    data = _clip()
    data["decoder"] = {"type": "Replace", "pattern": {"Regex": "a+"}, "content": "b"}
    path = json_dir / "regex-decoder.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    ref = tokenizers.Tokenizer.from_file(str(path))
    ours = tokkit.Tokenizer.from_file(path)
    ids = ref.encode("a banana and an aardvark, aaah").ids
    assert ours.decode(ids) == ref.decode(ids)


def _gpt2() -> dict[str, Any]:
    """GPT-2's tokenizer.json (byte-level BPE), without its truncation."""
    data = json.loads(shared_path("vocab", "gpt2", "tokenizer.json").read_text("utf-8"))
    data["truncation"] = None
    return data


def _with_dropout(
    name: str, p: float, json_dir: Path
) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    data = {**BUILDERS, "gpt2": _gpt2}[name]()
    data["model"]["dropout"] = p
    path = json_dir / f"{name}-dropout-{p}.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    return tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(str(path))


@pytest.mark.parametrize("name", ["llama", "clip-style", "llama-ignore-merges", "gpt2"])
def test_full_dropout_merges_nothing_like_hf(name: str, json_dir: Path) -> None:
    ours, ref = _with_dropout(name, 1.0, json_dir)
    for text in [*SAMPLES, *corpus_lines(30)]:
        a, b = ours.encode(text), ref.encode(text)
        assert (a.ids, a.offsets) == (b.ids, b.offsets), text


@pytest.mark.parametrize("name", ["llama", "clip-style", "gpt2"])
def test_dropout_samples_like_hf(name: str, json_dir: Path) -> None:
    """Random on both sides: the same text covered, frequent outcomes of
    tokkit seen in HF, token counts of one distribution (means within six
    standard errors)."""
    ours, ref = _with_dropout(name, 0.3, json_dir)
    text = "the lowest merges are often dropped in tokenization"
    n = 1500
    got = [ours.encode(text, add_special_tokens=False).tokens for _ in range(n)]
    want = [ref.encode(text, add_special_tokens=False).tokens for _ in range(n)]
    assert {"".join(t) for t in got} == {"".join(t) for t in want}
    # HF's dropout puts skipped merges back after the next merge, so only
    # the last merges of a word are ever lost: few distinct outcomes.
    seen = Counter(tuple(t) for t in got)
    assert len(seen) > 1
    assert {k for k, v in seen.items() if v > n // 20} <= {tuple(t) for t in want}

    def mean_var(samples: list[list[str]]) -> tuple[float, float]:
        counts = [len(t) for t in samples]
        mean = sum(counts) / n
        return mean, sum((c - mean) ** 2 for c in counts) / (n - 1)

    (m1, v1), (m2, v2) = mean_var(got), mean_var(want)
    assert abs(m1 - m2) < 6 * ((v1 + v2) / n) ** 0.5 + 1e-9, (m1, m2)


def test_zero_dropout_is_no_dropout(json_dir: Path) -> None:
    data = _clip(dropout=0.0)
    path = json_dir / "dropout-zero.json"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    ours, ref = tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(str(path))
    for text in corpus_lines(50):
        assert ours.encode(text).ids == ref.encode(text).ids, text


def test_one_character_repeated(json_dir: Path) -> None:
    ours, ref = pair("llama", json_dir)
    for text in ["a" * 200_000, "😀" * 50_000, "a b" * 30_000]:
        assert ours.encode(text).ids == ref.encode(text).ids


@pytest.mark.parametrize("name", ["llama", "clip-style"])
def test_vocabulary_lookups(name: str, json_dir: Path) -> None:
    ours, ref = pair(name, json_dir)
    assert ours.get_vocab() == ref.get_vocab()
    for added in [True, False]:
        assert ours.get_vocab_size(added) == ref.get_vocab_size(added)
    for token in ["\u2581the", "<0x41>", "<unk>", "<s>", "the</w>", "nope"]:
        assert ours.token_to_id(token) == ref.token_to_id(token), token
    for i in [0, 1, 2, 3, 100, 399, 31999, 32000]:
        assert ours.id_to_token(i) == ref.id_to_token(i), i
