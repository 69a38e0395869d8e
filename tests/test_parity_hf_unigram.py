"""tokkit.Tokenizer on a Unigram tokenizer.json (ruT5: Precompiled + Replace
normalizers, Metaspace) against HF tokenizers, and Tokenizer.from_sentencepiece
against sentencepiece. HF and sentencepiece differ on the same vocabulary
(ruT5's tokenizer.json maps unknown text to id 0, sentencepiece to 1); each
loader matches its own reference."""

from __future__ import annotations

import pytest
import sentencepiece as spm
import tokenizers
from conftest import corpus_files, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

import tokkit

SPECIAL = " \t\n\u3000\u00a0\uff41\u2460\ufb01\uac00\uff76\uff9e\u0301\u2581\u200d"
TEXT = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(SPECIAL)), max_size=60
)
_cache: dict[str, object] = {}


def hf_pair() -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    if "hf" not in _cache:
        path = str(shared_path("vocab", "rut5-large-spm-unigram", "tokenizer.json"))
        _cache["hf"] = (tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path))
    return _cache["hf"]


def spm_pair() -> tuple[tokkit.Tokenizer, spm.SentencePieceProcessor]:
    if "spm" not in _cache:
        path = str(shared_path("vocab", "rut5-large-spm-unigram", "spiece.model"))
        _cache["spm"] = (
            tokkit.Tokenizer.from_sentencepiece(path),
            spm.SentencePieceProcessor(model_file=path),
        )
    return _cache["spm"]


def lines(limit: int = 400) -> list[str]:
    return [line for p in corpus_files() for line in p.read_text("utf-8").splitlines()[:limit]]


def test_hf_unigram_ids_on_corpora() -> None:
    ours, ref = hf_pair()
    texts = lines()
    got = ours.encode_batch(texts)
    want = ref.encode_batch(texts)
    for text, a, b in zip(texts, got, want, strict=True):
        assert a.ids == b.ids, text
        # HF names an unknown piece by the (normalized) text it covers.
        assert a.tokens == b.tokens, text
        assert a.offsets == b.offsets, text


UNKNOWN_TEXTS = [
    "Hello ☃☃ world 𓀀x",
    "☃",
    "  ☃ ☃ ",
    "ab☃cd",
    "吾輩は猫である。名前はまだ無い。",
    "x\u0301☃ \uff76\uff9e☃\u2460",
    "\uff46\uff55\uff4c\uff4c\u3000☃\u3000\ufb01",
    "<pad>☃</s>☃<extra_id_0>☃",
    "emoji 😀🙃 zwj 👩\u200d👩\u200d👧 flags 🇯🇵",
]


def test_hf_unigram_unknown_tokens_named_by_their_text() -> None:
    """Side by side on text full of characters ruT5 does not know: HF's
    Encoding names each fused unknown run by the normalized text it covers."""
    ours, ref = hf_pair()
    for text in UNKNOWN_TEXTS:
        for pair in (None, "☃ pair ☃☃"):
            a, b = ours.encode(text, pair), ref.encode(text, pair)
            assert a.ids == b.ids, text
            assert a.tokens == b.tokens, text
            assert a.offsets == b.offsets, text
    got = ours.encode_batch(UNKNOWN_TEXTS)
    want = ref.encode_batch(UNKNOWN_TEXTS)
    assert [e.tokens for e in got] == [e.tokens for e in want]


def test_hf_unigram_offsets_and_decode() -> None:
    ours, ref = hf_pair()
    for text in [
        "Привет, мир!",
        "Hello   world  ",
        "  leading spaces",
        "\uff46\uff55\uff4c\uff4c\u3000width",
        "<pad> and </s> added tokens <extra_id_0>!",
        *lines(20),
    ]:
        a, b = ours.encode(text), ref.encode(text)
        assert a.ids == b.ids, text
        assert a.offsets == b.offsets, text
        assert ours.decode(b.ids) == ref.decode(b.ids), text
        assert ours.decode(b.ids, skip_special_tokens=False) == ref.decode(
            b.ids, skip_special_tokens=False
        )


@settings(deadline=None, max_examples=150)
@given(text=TEXT)
def test_hf_unigram_generated_text(text: str) -> None:
    ours, ref = hf_pair()
    a, b = ours.encode(text), ref.encode(text)
    assert a.ids == b.ids
    assert a.tokens == b.tokens
    assert a.offsets == b.offsets
    assert ours.decode(b.ids) == ref.decode(b.ids)


def test_from_sentencepiece_ids_offsets_decode() -> None:
    ours, ref = spm_pair()
    texts = lines(200)
    got = ours.encode_batch(texts, add_special_tokens=False)
    for text, enc in zip(texts, got, strict=True):
        assert enc.ids == ref.encode(text), text
    samples = ["Привет, мир!", "  two  spaces ", "\uff46\uff55\uff4c\uff4c\u3000width \u2603 x"]
    samples.append("a\u0301b")
    for text in [*samples, *texts[:300]]:
        enc = ours.encode(text)
        want = ref.encode(text, out_type="offset_mapping")
        assert enc.ids == want["ids"], text
        assert enc.offsets == want["offsets"], text
        # Tokens are sentencepiece's pieces (unknown runs named by their text).
        assert enc.tokens == ref.encode(text, out_type=str), text
        assert ours.decode(enc.ids) == ref.decode(enc.ids)


@settings(deadline=None, max_examples=100)
@given(text=TEXT)
def test_from_sentencepiece_generated_text(text: str) -> None:
    ours, ref = spm_pair()
    assert ours.encode(text).ids == ref.encode(text)


@pytest.mark.parametrize(
    "parts",
    [
        ("vocab", "spm-unigram-sentencepiece-test", "test_model.model"),
        ("vocab", "llama2-spm-bpe", "tokenizer.model"),
    ],
)
def test_from_sentencepiece_other_models(parts) -> None:
    path = str(shared_path(*parts))
    ours = tokkit.Tokenizer.from_sentencepiece(path)
    ref = spm.SentencePieceProcessor(model_file=path)
    for text in lines(100):
        ids = ref.encode(text)
        assert ours.encode(text).ids == ids, text
        assert ours.decode(ids) == ref.decode(ids), text
