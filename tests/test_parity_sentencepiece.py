"""tokkit.SentencePieceProcessor against the real sentencepiece package: ids,
pieces, n-best lists, decoding and the vocabulary API, on every shared corpus
and on generated text, for Unigram and BPE (byte fallback) models and for
variants of them with user-defined symbols and other normalizer options."""

from __future__ import annotations

import random

import pytest
import sentencepiece as spm
from conftest import corpus_files, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from references import cut_documents
from spm_checks import MODELS, OPTIONS, assert_encode_options_match, comparable, pair
from spm_proto import normalizer, piece, trainer

import tokkit

UNIGRAM = [name for name in MODELS if name.startswith("unigram")]


def lines_of(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def assert_offset_mapping_matches(ours, ref, texts: list[str]) -> None:
    """return_type="offset_mapping" of str and of bytes (character and byte
    offsets), one text at a time and as a batch."""
    as_bytes = [t.encode("utf-8") for t in texts]
    for batch in (texts, as_bytes):
        got = ours.encode(batch, return_type="offset_mapping")
        assert got == ref.encode(batch, return_type="offset_mapping")
        for text in batch[:20]:
            for kwargs in ({}, {"return_bytes": True}):
                got = ours.encode(text, return_type="offset_mapping", **kwargs)
                assert got == ref.encode(text, return_type="offset_mapping", **kwargs)


def assert_normalize_matches(ours, ref, texts: list[str]) -> None:
    """normalize of a list of str and of bytes, with and without offsets."""
    as_bytes = [t.encode("utf-8") for t in texts]
    for batch in (texts, as_bytes):
        assert ours.normalize(batch) == ref.normalize(batch)
        assert ours.normalize(batch, with_offsets=True) == ref.normalize(batch, with_offsets=True)


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_ids_pieces_and_decode(name: str, path) -> None:
    ours, ref = pair(name)
    lines = lines_of(path)
    ids = ref.encode(lines, num_threads=2)
    assert ours.encode(lines, num_threads=2) == ids
    assert ours.encode(lines, out_type=str, num_threads=2) == ref.encode(
        lines, out_type=str, num_threads=2
    )
    assert ours.decode(ids) == ref.decode(ids)
    pieces = ref.encode(lines[:500], out_type=str)
    assert ours.decode(pieces) == ref.decode(pieces)
    assert_normalize_matches(ours, ref, lines[:300])
    assert_offset_mapping_matches(ours, ref, lines[:300])


@pytest.mark.parametrize("name", list(MODELS))
def test_whole_files_as_one_string(name: str) -> None:
    """Path scores of 100 KB+ texts reach the range where float ties and
    sentencepiece's rescaling of path scores decide the segmentation."""
    ours, ref = pair(name)
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        assert ours.encode(text, out_type=str) == ref.encode(text, out_type=str), path.name


@pytest.mark.parametrize("name", list(MODELS))
def test_one_kilobyte_documents(name: str) -> None:
    ours, ref = pair(name)
    docs = cut_documents(corpus_files(), 1024)
    assert ours.encode(docs, num_threads=2) == ref.encode(docs, num_threads=2)


@pytest.mark.parametrize("name", UNIGRAM)
def test_nbest_equals_sentencepiece(name: str) -> None:
    ours, ref = pair(name)
    lines = [line for path in corpus_files()[::3] for line in lines_of(path)[:40]]
    lines = [line[:60] for line in lines if line.strip()]
    for line in lines:
        for n in (2, 5):
            assert ours.nbest_encode(line, nbest_size=n) == ref.nbest_encode(line, nbest_size=n)
        for out_type in (str, bytes, "numpy"):
            got = ours.nbest_encode(line, nbest_size=3, out_type=out_type)
            assert comparable(got) == comparable(
                ref.nbest_encode(line, nbest_size=3, out_type=out_type)
            )


@pytest.mark.parametrize("name", list(MODELS))
def test_vocabulary_api(name: str) -> None:
    ours, ref = pair(name)
    n = ref.vocab_size()
    assert ours.vocab_size() == ours.get_piece_size() == len(ours) == n
    ids = list(range(n))
    assert ours.id_to_piece(ids) == ref.id_to_piece(ids)
    pieces = ref.id_to_piece(ids)
    assert ours.piece_to_id(pieces) == ref.piece_to_id(pieces)
    assert ours.piece_to_id("no such piece ☃☃") == ref.piece_to_id("no such piece ☃☃")
    assert ours.get_score(ids) == ref.get_score(ids)
    for method in ("is_unknown", "is_control", "is_unused", "is_byte"):
        assert getattr(ours, method)(ids) == getattr(ref, method)(ids), method
    for method in ("unk_id", "bos_id", "eos_id", "pad_id"):
        assert getattr(ours, method)() == getattr(ref, method)(), method
    with pytest.raises(IndexError):
        ours.id_to_piece(n)
    with pytest.raises(IndexError):
        ours.decode([n])


SAMPLES = [
    "",
    " ",
    "   ",
    "Hello world",
    "  leading, trailing and   inner   runs  ",
    "\uff46\uff55\uff4c\uff4c\u3000\uff54\uff45\uff58\uff54\u2460\u2461",
    "吾輩は猫である。名前はまだ無い。",
    "Привет, мир! Ёлка.",
    "emoji 😀🙃 zwj 👩‍👩‍👧 flags 🇯🇵",
    "tabs\tand\nnewlines\r\n",
    "\x00\x01 control",
    "unknown ☃ ᚠ ꙮ 𓀀",
]


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_encode_options(name: str, options: dict) -> None:
    ours, ref = pair(name)
    assert_encode_options_match(ours, ref, SAMPLES, options)


# Characters that exercise the normalizer (NFKC, full-width, ligatures,
# Hangul, half-width kana with voicing marks), whitespace and the space symbol.
SPECIAL = " \t\n\u3000\u00a0\uff41\uff42\u2460\ufb01\uac00\uac01\uff76\uff9e\u0301\u2581"
TEXT = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(SPECIAL)),
    max_size=60,
)


@pytest.mark.parametrize("name", list(MODELS))
@settings(deadline=None, max_examples=150)
@given(text=TEXT)
def test_generated_text(name: str, text: str) -> None:
    ours, ref = pair(name)
    ids = ref.encode(text)
    assert ours.encode(text) == ids
    assert ours.encode(text, out_type=str) == ref.encode(text, out_type=str)
    assert ours.decode(ids) == ref.decode(ids)
    assert ours.normalize(text, with_offsets=True) == ref.normalize(text, with_offsets=True)
    assert_normalize_matches(ours, ref, [text])
    assert_offset_mapping_matches(ours, ref, [text])


VARIANTS = {
    "user-defined": piece("<sep>", 4) + piece("<cls>", 4) + piece("▁<u>", 4),
    "suffix": trainer(treat_whitespace_as_suffix=1),
    "no-dummy-prefix": normalizer(add_dummy_prefix=0),
    "keep-whitespace": normalizer(remove_extra_whitespaces=0),
    "no-escape": normalizer(escape_whitespaces=0),
    "everything": piece("<sep>", 4)
    + trainer(treat_whitespace_as_suffix=1)
    + normalizer(add_dummy_prefix=0, remove_extra_whitespaces=0),
}
VARIANT_TEXTS = [
    *SAMPLES,
    "a <sep> b<sep>c <cls><cls>",
    "<sep>",
    "  <sep>  ",
    "x  y",
    "a <u> b<u>",
]


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("name", ["unigram-test", "bpe-llama2"])
def test_model_variants(name: str, variant: str) -> None:
    proto = shared_path(*MODELS[name]).read_bytes() + VARIANTS[variant]
    ref = spm.SentencePieceProcessor(model_proto=proto)
    ours = tokkit.SentencePieceProcessor(model_proto=proto)
    texts = VARIANT_TEXTS + lines_of(corpus_files()[0])[:200]
    for out_type in (int, str):
        assert ours.encode(texts, out_type=out_type) == ref.encode(texts, out_type=out_type)
    ids = ref.encode(texts)
    assert ours.decode(ids) == ref.decode(ids)
    assert_normalize_matches(ours, ref, texts)
    assert_offset_mapping_matches(ours, ref, texts)
    if name.startswith("unigram"):
        for text in VARIANT_TEXTS:
            assert ours.nbest_encode(text, nbest_size=4) == ref.nbest_encode(text, nbest_size=4)


def test_offset_mapping_options() -> None:
    """Sampled offset mappings hold the sampled ids; the options sentencepiece
    refuses with this return type are refused as a RuntimeError."""
    ours, ref = pair("unigram-test")
    text = "Hello world, again and again."
    sample = {"enable_sampling": True, "alpha": 0.5, "nbest_size": -1, "seed": 7}
    mapped = ours.encode(text, return_type="offset_mapping", **sample)
    assert mapped["ids"] == ours.encode(text, **sample)
    for option in ("add_bos", "add_eos", "reverse", "emit_unk_piece"):
        with pytest.raises(RuntimeError):
            ref.encode(text, return_type="offset_mapping", **{option: True})
        with pytest.raises(RuntimeError):
            ours.encode(text, return_type="offset_mapping", **{option: True})
    with pytest.raises(ValueError):
        ours.encode(text, out_type=int, return_type="offset_mapping")
    with pytest.raises(ValueError):
        ours.encode(text, return_bytes=True)


def test_sentencepiece_0_2_3_names() -> None:
    """LoadFromFile, load_from_file, Tokenize, Detokenize and Normalize as
    sentencepiece 0.2.3 has them."""
    path = str(shared_path(*MODELS["unigram-test"]))
    ours, ref = tokkit.SentencePieceProcessor(), spm.SentencePieceProcessor()
    assert ours.LoadFromFile(path) == ref.LoadFromFile(path)
    assert ours.load_from_file(path) == ref.load_from_file(path)
    text = "Hello  world, \uff48\uff45\uff4c\uff4c\uff4f!"
    assert ours.Tokenize(text) == ref.Tokenize(text)
    assert ours.Detokenize(ref.Tokenize(text)) == ref.Detokenize(ref.Tokenize(text))
    assert ours.Normalize(text, with_offsets=True) == ref.Normalize(text, with_offsets=True)
    assert ours.EncodeAsOffsetMapping(text) == ref.EncodeAsOffsetMapping(text)


@pytest.mark.parametrize("name", list(MODELS))
def test_pathological_inputs(name: str) -> None:
    ours, ref = pair(name)
    rnd = random.Random(5)
    letters = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(200_000))
    runs = "".join(rnd.choice(["  ", " " * 40, "a", "ab", "x" * 30]) for _ in range(20_000))
    for text in (
        "a" * 1_000_000,
        "ab" * 300_000,
        "☃" * 200_000,
        "-" * 100_000 + "x",
        " " * 300_000 + "x",
        letters,
        runs,
    ):
        assert ours.encode(text) == ref.encode(text)


def test_decode_edge_cases() -> None:
    ours, ref = pair("bpe-llama2")
    for pieces in (["<0xE3>", "<0x81>"], ["<0xFF>", "▁a", "<0xE3>", "<0x81>", "<0x82>"], ["<s>"]):
        assert ours.decode(pieces) == ref.decode(pieces)
    assert ours.decode([]) == ref.decode([]) == ""
    assert ours.decode([[1, 2], [], [450]]) == ref.decode([[1, 2], [], [450]])
    assert ours.decode(450) == ref.decode(450)


def test_pickle_round_trip() -> None:
    import pickle

    ours, _ = pair("unigram-test")
    clone = pickle.loads(pickle.dumps(ours))
    assert clone.encode("pickled text") == ours.encode("pickled text")
