"""tokkit.SentencePieceProcessor on CHAR and WORD models against the real
sentencepiece package: ids, pieces and decoding on every shared corpus, on
whole files and on generated text, encode options, the vocabulary API, the
refusal to sample or list n-best segmentations (sentencepiece refuses too), and
Tokenizer.from_sentencepiece. The models are trained here, offline, with
sentencepiece's own trainer on one Latin and one CJK corpus."""

from __future__ import annotations

from pathlib import Path

import pytest
import sentencepiece as spm
from conftest import corpus_files, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from spm_checks import OPTIONS, assert_encode_options_match
from spm_proto import normalizer, piece, trainer

import tokkit

CORPORA = {
    "latin": ("corpus", "english", "botchan.txt"),
    "cjk": ("corpus", "japanese", "wagahaiwa_nekodearu.txt"),
}
USER = {"user_defined_symbols": ["<sep>", "ab", "abc", "▁the", "☃"], "control_symbols": ["<ctl>"]}

# name: (corpus, model_type, vocab_size, trainer options)
BASE = {
    "char-latin": ("latin", "char", 200, {}),
    "char-latin-small": ("latin", "char", 40, {}),
    "word-latin": ("latin", "word", 3000, {}),
    "char-cjk": ("cjk", "char", 2000, {}),
    "word-cjk": ("cjk", "word", 2000, {}),
}
VARIANTS = {
    "char-bytes": ("latin", "char", 400, {"byte_fallback": True}),
    "word-bytes": ("cjk", "word", 1500, {"byte_fallback": True}),
    "char-user": ("latin", "char", 200, USER),
    "word-user": ("latin", "word", 3000, USER),
    "char-suffix": (
        "latin",
        "char",
        200,
        {"treat_whitespace_as_suffix": True, "remove_extra_whitespaces": False},
    ),
    "word-suffix": (
        "latin",
        "word",
        3000,
        {
            "treat_whitespace_as_suffix": True,
            "allow_whitespace_only_pieces": True,
            "remove_extra_whitespaces": False,
        },
    ),
    "word-identity": (
        "latin",
        "word",
        3000,
        {"add_dummy_prefix": False, "normalization_rule_name": "identity"},
    ),
    "char-nfkc-cf": ("cjk", "char", 2000, {"normalization_rule_name": "nmt_nfkc_cf"}),
    "word-ids": (
        "latin",
        "word",
        3000,
        {"pad_id": 0, "eos_id": 1, "unk_id": 2, "bos_id": -1, "unk_surface": "<?>"},
    ),
}
MODELS = {**BASE, **VARIANTS}

_cache: dict[str, tuple[tokkit.SentencePieceProcessor, spm.SentencePieceProcessor, str]] = {}


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spm-types")


def trained(name: str, directory: Path) -> tuple[tokkit.SentencePieceProcessor, object, str]:
    """(tokkit, sentencepiece, model path) for a model trained once per session."""
    if name not in _cache:
        corpus, model_type, vocab_size, options = MODELS[name]
        prefix = directory / name
        spm.SentencePieceTrainer.train(
            input=str(shared_path(*CORPORA[corpus])),
            model_type=model_type,
            vocab_size=vocab_size,
            model_prefix=str(prefix),
            minloglevel=2,
            **options,
        )
        path = f"{prefix}.model"
        _cache[name] = (
            tokkit.SentencePieceProcessor(model_file=path),
            spm.SentencePieceProcessor(model_file=path),
            path,
        )
    return _cache[name]


def lines_of(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def assert_same(ours, ref, texts: list[str]) -> None:
    """Ids, pieces and decoding (of ids and of pieces) equal for `texts`."""
    ids = ref.encode(texts, num_threads=2)
    assert ours.encode(texts, num_threads=2) == ids
    pieces = ref.encode(texts, out_type=str, num_threads=2)
    assert ours.encode(texts, out_type=str, num_threads=2) == pieces
    assert ours.decode(ids) == ref.decode(ids)
    assert ours.decode(pieces[:300]) == ref.decode(pieces[:300])


@pytest.mark.parametrize("name", list(BASE))
@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_lines(name: str, path: Path, model_dir: Path) -> None:
    ours, ref, _ = trained(name, model_dir)
    assert_same(ours, ref, lines_of(path))


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variants_on_every_corpus(name: str, model_dir: Path) -> None:
    ours, ref, _ = trained(name, model_dir)
    texts = [line for path in corpus_files() for line in lines_of(path)[:150]]
    assert_same(ours, ref, texts + SAMPLES)


WHOLE_FILES = [
    ("english", "botchan.txt"),
    ("japanese", "wagahaiwa_nekodearu.txt"),
    ("multilingual", "blns.txt"),
    ("code", "rust_sample_code.txt"),
]


@pytest.mark.parametrize("name", list(MODELS))
def test_whole_files_as_one_string(name: str, model_dir: Path) -> None:
    ours, ref, _ = trained(name, model_dir)
    for parts in WHOLE_FILES:
        text = shared_path("corpus", *parts).read_text(encoding="utf-8")
        ids = ref.encode(text)
        assert ours.encode(text) == ids, parts
        assert ours.encode(text, out_type=str) == ref.encode(text, out_type=str), parts
        assert ours.decode(ids) == ref.decode(ids), parts


SAMPLES = [
    "",
    " ",
    "   ",
    "Hello world",
    "  leading, trailing and   inner   runs  ",
    "\uff46\uff55\uff4c\uff4c\u3000\uff54\uff45\uff58\uff54\u2460\u2461 Ǆ ß ﬁ",
    "吾輩は猫である。名前はまだ無い。",
    "Привет, мир! Ёлка.",
    "emoji 😀🙃 zwj 👩‍👩‍👧 flags 🇯🇵",
    "tabs\tand\nnewlines\r\n",
    "\x00\x01 control",
    "unknown ☃ ᚠ ꙮ 𓀀 ☃☃",
    "a <sep> b<sep>c abcab ab the▁the ▁ x",
    "<s> </s> <unk> <pad> <ctl> <0x41>",
    "the the  the   the",
]


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_encode_options(name: str, options: dict, model_dir: Path) -> None:
    ours, ref, _ = trained(name, model_dir)
    assert_encode_options_match(ours, ref, SAMPLES, options)


SPECIAL = " \t\n\u3000\u00a0\uff41\uff42\u2460\ufb01\uac00\uff76\uff9e\u0301\u2581☃<>"
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(SPECIAL),
        st.sampled_from("the and of 吾輩は猫である"),
    ),
    max_size=60,
)


GENERATED = ["char-latin", "word-latin", "char-cjk", "word-bytes", "char-user", "word-suffix"]


@pytest.mark.parametrize("name", GENERATED)
@settings(deadline=None, max_examples=100)
@given(text=TEXT)
def test_generated_text(name: str, text: str, model_dir: Path) -> None:
    ours, ref, _ = trained(name, model_dir)
    ids = ref.encode(text)
    assert ours.encode(text) == ids
    pieces = ref.encode(text, out_type=str)
    assert ours.encode(text, out_type=str) == pieces
    assert ours.decode(ids) == ref.decode(ids)
    assert ours.decode(pieces) == ref.decode(pieces)


@pytest.mark.parametrize("name", list(MODELS))
def test_vocabulary_api(name: str, model_dir: Path) -> None:
    ours, ref, _ = trained(name, model_dir)
    n = ref.vocab_size()
    assert ours.vocab_size() == ours.get_piece_size() == len(ours) == n
    ids = list(range(n))
    assert ours.id_to_piece(ids) == ref.id_to_piece(ids)
    pieces = ref.id_to_piece(ids)
    assert ours.piece_to_id(pieces) == ref.piece_to_id(pieces)
    assert ours.get_score(ids) == ref.get_score(ids)
    for method in ("is_unknown", "is_control", "is_unused", "is_byte"):
        assert getattr(ours, method)(ids) == getattr(ref, method)(ids), method
    for method in ("unk_id", "bos_id", "eos_id", "pad_id"):
        assert getattr(ours, method)() == getattr(ref, method)(), method
    # Every id decodes as sentencepiece decodes it, alone and all together.
    assert ours.decode([[i] for i in ids]) == ref.decode([[i] for i in ids])
    assert ours.decode(ids) == ref.decode(ids)


SAMPLING = [
    {"enable_sampling": True, "nbest_size": -1, "alpha": 0.1},
    {"enable_sampling": True, "nbest_size": 3, "alpha": 0.5},
    {"enable_sampling": True, "nbest_size": 1000, "alpha": 0.1},
    {"enable_sampling": True, "nbest_size": 0, "alpha": 0.1},
    {"enable_sampling": True, "nbest_size": 1, "alpha": 0.1},
]


@pytest.mark.parametrize("name", ["char-latin", "word-latin", "char-bytes"])
def test_sampling_and_nbest_are_refused(name: str, model_dir: Path) -> None:
    """sentencepiece refuses to sample CHAR and WORD models and to list their
    n-best segmentations, whatever the arguments (ValueError for the argument
    combinations its Python layer rejects first); tokkit refuses the same calls."""
    ours, ref, _ = trained(name, model_dir)
    for kwargs in SAMPLING:
        for out_type in (int, str):
            with pytest.raises((RuntimeError, ValueError)) as ref_error:
                ref.encode("Hello world", out_type=out_type, **kwargs)
            # The same builtin class as sentencepiece's, so drop-in callers
            # catch it.
            expected = ValueError if ref_error.type is ValueError else RuntimeError
            with pytest.raises(expected):
                ours.encode("Hello world", out_type=out_type, **kwargs)
            with pytest.raises(expected):
                ours.encode(["Hello", "world"], out_type=out_type, **kwargs)
    for n in (0, 1, 3):
        with pytest.raises(RuntimeError):
            ref.nbest_encode("Hello world", nbest_size=n)
        with pytest.raises(RuntimeError, match="Unigram") as ours_error:
            ours.nbest_encode("Hello world", nbest_size=n)
        assert isinstance(ours_error.value, tokkit.UnsupportedError)
    # Gone from sentencepiece 0.2.x; Unigram-only in older versions.
    with pytest.raises(tokkit.UnsupportedError, match=r"CHAR|WORD"):
        ours.sample_encode_and_score("Hello world", num_samples=2, alpha=0.1)
    with pytest.raises(tokkit.UnsupportedError, match=r"CHAR|WORD"):
        ours.calculate_entropy("Hello world", alpha=0.1)
    # Sampling left off, the arguments do not matter.
    assert ours.encode("Hello world", nbest_size=3, alpha=0.5) == ref.encode(
        "Hello world", nbest_size=3, alpha=0.5
    )


DECODE_PIECES = [
    ["▁Hello", "▁", "world"],
    ["<unk>", "▁the", "<s>", "</s>"],
    ["<0xE3>", "<0x81>", "<0x82>", "x", "<0xFF>"],
    ["▁", "▁", "a", "<sep>", "▁the"],
    ["not a piece", "▁at▁all"],
]


@pytest.mark.parametrize("name", list(MODELS))
def test_decode_pieces(name: str, model_dir: Path) -> None:
    ours, ref, _ = trained(name, model_dir)
    for pieces in DECODE_PIECES:
        assert ours.decode(pieces) == ref.decode(pieces), pieces


@pytest.mark.parametrize("name", [*GENERATED, "word-user"])
def test_tokenizer_from_sentencepiece(name: str, model_dir: Path) -> None:
    """The general Tokenizer on the same model: ids, offsets into the
    original text and tokens (sentencepiece's pieces) equal sentencepiece's."""
    _, ref, path = trained(name, model_dir)
    ours = tokkit.Tokenizer.from_sentencepiece(path)
    texts = [line for p in corpus_files()[::4] for line in lines_of(p)[:60]] + SAMPLES
    for text in texts:
        enc = ours.encode(text)
        want = ref.encode(text, out_type="offset_mapping")
        assert enc.ids == want["ids"], text
        assert enc.offsets == want["offsets"], text
        assert enc.tokens == ref.encode(text, out_type=str), text
        assert ours.decode(enc.ids) == ref.decode(enc.ids), text


PROTO_VARIANTS = {
    "no-escape": normalizer(escape_whitespaces=0),
    "no-dummy-prefix": normalizer(add_dummy_prefix=0, remove_extra_whitespaces=0),
    "suffix": trainer(treat_whitespace_as_suffix=1),
    "extra-pieces": piece("<sep>", 4)
    + piece("▁<u>", 4)
    + piece("▁zz", 5)
    + piece("ǂ", 5)
    + piece("<ctl>", 3)
    + piece("▁▁", 1),
}


@pytest.mark.parametrize("variant", list(PROTO_VARIANTS))
@pytest.mark.parametrize("name", ["char-latin", "word-latin"])
def test_proto_variants(name: str, variant: str, model_dir: Path) -> None:
    """Trained models with options or pieces changed in the protobuf."""
    path = trained(name, model_dir)[2]
    proto = Path(path).read_bytes() + PROTO_VARIANTS[variant]
    ref = spm.SentencePieceProcessor(model_proto=proto)
    ours = tokkit.SentencePieceProcessor(model_proto=proto)
    texts = [*SAMPLES, "a <u> b<u> zz ǂ ▁zz", "x  y", "<sep><sep>ǂ"]
    texts += [line for p in corpus_files()[::5] for line in lines_of(p)[:100]]
    assert_same(ours, ref, texts)


@pytest.mark.parametrize("name", ["char-latin", "word-latin", "char-bytes", "word-user"])
def test_pathological_inputs(name: str, model_dir: Path) -> None:
    ours, ref, _ = trained(name, model_dir)
    for text in ("a" * 1_000_000, "ab " * 300_000, "☃" * 200_000, " " * 100_000 + "x"):
        assert ours.encode(text) == ref.encode(text)


def test_pickle_round_trip(model_dir: Path) -> None:
    import pickle

    ours, ref, _ = trained("word-latin", model_dir)
    clone = pickle.loads(pickle.dumps(ours))
    assert clone.encode("pickled text") == ref.encode("pickled text")
