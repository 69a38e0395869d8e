"""Every tokkit encoder pickles small and deterministic bytes, and works in
worker processes (fork and spawn) and in ``datasets.Dataset.map(num_proc=2)``
(issue 19, "Pickling and processes"). Threads sharing one encoder are in
test_threads_fork.py.

Expected ids come from the reference packages (tokenizers, sentencepiece,
tiktoken), never from a run of tokkit."""

from __future__ import annotations

import json
import multiprocessing
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sentencepiece
import tokenizers
from conftest import corpus_lines, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from references import tiktoken_encoding

import tokkit

# The bound of issue 19: a pickle is at most this many times its files.
MAX_RATIO = 1.2
# Long enough for a loaded machine, short enough that a deadlock fails the run.
TIMEOUT = 120


def vocab(*parts: str) -> Path:
    return shared_path("vocab", *parts)


# What each encoder is loaded from, how tokkit loads it and how the
# reference gives its ids.


def hf_ids(hf: tokenizers.Tokenizer, texts: list[str]) -> list[list[int]]:
    return [e.ids for e in hf.encode_batch(texts)]


CASES: dict[str, Callable[[], tuple[Any, list[Path], Callable[[Any, list[str]], Any]]]] = {}


def case(name: str):
    def register(fn):
        CASES[name] = fn
        return fn

    return register


@case("bert tokenizer.json")
def _bert():
    path = vocab("bert-base-uncased", "tokenizer.json")
    return tokkit.Tokenizer.from_file(path), [path], lambda t, xs: hf_ids(t, xs)


@case("gpt2 tokenizer.json")
def _gpt2():
    path = vocab("gpt2", "tokenizer.json")
    return tokkit.Tokenizer.from_file(path), [path], lambda t, xs: hf_ids(t, xs)


@case("gpt2 vocab.json + merges.txt")
def _gpt2_files():
    files = [vocab("gpt2", "encoder.json"), vocab("gpt2", "vocab.bpe")]
    return tokkit.Tokenizer.from_gpt2(*files), files, lambda t, xs: hf_ids(t, xs)


@case("rut5 spiece.model as Tokenizer")
def _rut5_tokenizer():
    path = vocab("rut5-large-spm-unigram", "spiece.model")
    return tokkit.Tokenizer.from_sentencepiece(path), [path], lambda t, xs: hf_ids(t, xs)


@case("rut5 SentencePieceProcessor")
def _rut5():
    path = vocab("rut5-large-spm-unigram", "spiece.model")
    return tokkit.SentencePieceProcessor(path), [path], lambda t, xs: t.encode(xs)


@case("cl100k")
def _cl100k():
    path = vocab("tiktoken", "cl100k_base.tiktoken")
    return (
        tokkit.load_tiktoken(path, "cl100k_base"),
        [path],
        lambda t, xs: t.encode_ordinary_batch(xs),
    )


@case("bert FullTokenizer")
def _full():
    path = vocab("bert-base-uncased", "vocab.txt")
    return tokkit.FullTokenizer(path), [path], lambda t, xs: [t.encode(x) for x in xs]


@case("bert WordpieceTokenizer")
def _wordpiece():
    path = vocab("bert-base-uncased", "vocab.txt")
    wp = tokkit.WordpieceTokenizer(tokkit.load_vocab(path))
    return wp, [path], lambda t, xs: [t.tokenize(x.lower()) for x in xs]


def reference(name: str) -> tuple[Any, list[Path]]:
    """The reference encoder for a case, and its files."""
    _, files, _ = CASES[name]()
    if name == "gpt2 vocab.json + merges.txt":
        model = tokenizers.models.BPE.from_file(*map(str, files))
        hf = tokenizers.Tokenizer(model)
        hf.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
        hf.decoder = tokenizers.decoders.ByteLevel()
        return hf, files
    if name == "rut5 spiece.model as Tokenizer":
        # HF has no loader for a .model; the ruT5 folder's tokenizer.json is
        # the same model, and sentencepiece gives the ids
        return sentencepiece.SentencePieceProcessor(model_file=str(files[0])), files
    if name == "rut5 SentencePieceProcessor":
        return sentencepiece.SentencePieceProcessor(model_file=str(files[0])), files
    if name == "cl100k":
        return tiktoken_encoding("cl100k_base", files[0]), files
    if name == "bert WordpieceTokenizer":
        # WordPiece over whitespace-separated words, google's word length limit
        model = tokenizers.models.WordPiece.from_file(str(files[0]), max_input_chars_per_word=200)
        hf = tokenizers.Tokenizer(model)
        hf.pre_tokenizer = tokenizers.pre_tokenizers.WhitespaceSplit()
        return hf, files
    if name == "bert FullTokenizer":
        hf = tokenizers.Tokenizer.from_file(str(vocab("bert-base-uncased", "tokenizer.json")))
        # google's FullTokenizer neither pads nor truncates
        hf.no_padding()
        hf.no_truncation()
        return hf, files
    return tokenizers.Tokenizer.from_file(str(files[0])), files


def reference_ids(name: str, texts: list[str]) -> list[Any]:
    ref, _ = reference(name)
    if name == "rut5 spiece.model as Tokenizer":
        return ref.encode(texts)
    if name == "rut5 SentencePieceProcessor":
        return ref.encode(texts)
    if name == "cl100k":
        return ref.encode_ordinary_batch(texts)
    if name == "bert FullTokenizer":
        # google's FullTokenizer gives the ids HF's BERT gives without [CLS] and [SEP]
        return [ref.encode(t, add_special_tokens=False).ids for t in texts]
    if name == "bert WordpieceTokenizer":
        return [ref.encode(t.lower()).tokens for t in texts]
    return hf_ids(ref, texts)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    # Text google's BERT and HF's agree on (no control characters, no
    # accents to strip differently): the comparison is about pickling.
    return [t for t in corpus_lines() if t.isprintable() and t.isascii()][:40]


# Size and determinism


@pytest.mark.parametrize("name", list(CASES))
def test_pickle_is_the_size_of_its_files_and_never_changes(name: str, texts: list[str]) -> None:
    encoder, files, encode = CASES[name]()
    before = pickle.dumps(encoder)
    size = sum(f.stat().st_size for f in files)
    assert len(before) <= MAX_RATIO * size, (len(before), size)
    for _ in range(2):
        encode(encoder, texts)
        encode(encoder, texts[:1])
    assert pickle.dumps(encoder) == before
    assert pickle.dumps(encoder, protocol=2) == pickle.dumps(encoder, protocol=2)
    copy = pickle.loads(before)
    assert pickle.dumps(copy) == before
    assert encode(copy, texts) == reference_ids(name, texts)


def test_tokenizer_settings_survive_and_calls_leave_the_pickle_alone(texts: list[str]) -> None:
    path = vocab("bert-base-uncased", "tokenizer.json")
    tok = tokkit.Tokenizer.from_file(path)
    hf = tokenizers.Tokenizer.from_file(str(path))
    plain = pickle.dumps(tok)
    for t in (tok, hf):
        t.enable_truncation(12, stride=3, strategy="longest_first", direction="left")
        t.enable_padding(direction="left", pad_id=7, pad_token="[MASK]", pad_to_multiple_of=8)
    padded = pickle.dumps(tok)
    assert padded != plain
    pairs = list(zip(texts[::2], texts[1::2], strict=False))
    tok.encode_batch(pairs)
    tok.encode(texts[0], texts[1])
    assert pickle.dumps(tok) == padded
    copy = pickle.loads(padded)
    assert copy.truncation == hf.truncation
    assert copy.padding == hf.padding
    got = copy.encode_batch(pairs)
    want = hf.encode_batch(pairs)
    assert [e.ids for e in got] == [e.ids for e in want]
    assert [e.attention_mask for e in got] == [e.attention_mask for e in want]
    assert [[o.ids for o in e.overflowing] for e in got] == [
        [o.ids for o in e.overflowing] for e in want
    ]
    # the pickle follows the settings, not the history of calls
    fresh = tokkit.Tokenizer.from_file(path)
    for t in (copy, fresh):
        t.no_padding()
        t.no_truncation()
    assert pickle.dumps(copy) == pickle.dumps(fresh) != plain


def test_added_tokens_of_the_file_survive(texts: list[str]) -> None:
    data = json.loads(vocab("bert-base-uncased", "tokenizer.json").read_text(encoding="utf-8"))
    data["added_tokens"] += [
        {"id": 30522, "content": "<ent>", "single_word": False, "lstrip": True,
         "rstrip": False, "normalized": False, "special": True},
        {"id": 30523, "content": "hello world", "single_word": False, "lstrip": False,
         "rstrip": False, "normalized": True, "special": False},
    ]  # fmt: skip
    text = json.dumps(data)
    tok = pickle.loads(pickle.dumps(tokkit.Tokenizer.from_str(text)))
    hf = tokenizers.Tokenizer.from_str(text)
    inputs = [f"{t} <ent> Hello World" for t in texts[:10]]
    assert [e.ids for e in tok.encode_batch(inputs)] == hf_ids(hf, inputs)
    assert tok.get_vocab_size() == hf.get_vocab_size()


def test_encoding_pickles_every_column() -> None:
    tok = tokkit.Tokenizer.from_file(vocab("bert-base-uncased", "tokenizer.json"))
    tok.enable_truncation(10, stride=1)
    enc = tok.encode("the quick brown fox jumps over", "the lazy dog")
    assert enc.overflowing
    copy = pickle.loads(pickle.dumps(enc))
    assert pickle.dumps(copy) == pickle.dumps(enc)
    columns = ("ids", "tokens", "offsets", "type_ids", "attention_mask", "special_tokens_mask")
    for column in (*columns, "word_ids", "sequence_ids", "n_sequences"):
        assert getattr(copy, column) == getattr(enc, column), column
    assert [o.ids for o in copy.overflowing] == [o.ids for o in enc.overflowing]
    assert copy.char_to_token(3, 1) == enc.char_to_token(3, 1)


def test_trainers_and_word_counts_pickle(tmp_path: Path) -> None:
    trainers = [
        tokkit.WordPieceTrainer(500, special_tokens=["[UNK]", "[CLS]", "[SEP]"]),
        tokkit.BpeTrainer(400, byte_level=True, special_tokens=["<s>"]),
        tokkit.SentencePieceTrainer("bpe", 300),
        tokkit.UnigramTrainer(300),
    ]
    for trainer in trainers:
        data = pickle.dumps(trainer)
        copy = pickle.loads(data)
        assert type(copy) is type(trainer)
        assert vars(copy) == vars(trainer)
        assert pickle.dumps(copy) == data
    corpus = shared_path("corpus", "english", "botchan.txt")
    counts = trainers[1].count([corpus])
    data = pickle.dumps(counts)
    assert pickle.dumps(pickle.loads(data)) == data
    out = pickle.loads(pickle.dumps(trainers[1])).train_from_counts(pickle.loads(data), tmp_path)
    assert out["vocab_size"] == 400


@pytest.fixture(scope="module")
def gpt2_pair() -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    path = vocab("gpt2", "tokenizer.json")
    return tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(str(path))


@given(batch=st.lists(st.text(max_size=40), max_size=8))
@settings(deadline=None, max_examples=40)
def test_any_text_leaves_the_pickle_alone(
    gpt2_pair: tuple[tokkit.Tokenizer, tokenizers.Tokenizer], batch: list[str]
) -> None:
    tok, hf = gpt2_pair
    before = pickle.dumps(tok)
    ids = [e.ids for e in tok.encode_batch(batch, num_threads=2)]
    assert pickle.dumps(tok) == before
    assert [e.ids for e in pickle.loads(before).encode_batch(batch)] == ids == hf_ids(hf, batch)


# Processes


def _encode_everything(encoders: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    """What a worker computes: batches on two threads and single calls."""
    return {
        "bert": [e.ids for e in encoders["bert"].encode_batch(texts, num_threads=2)],
        "bert_single": [encoders["bert"].encode(t).ids for t in texts],
        "gpt2": [e.ids for e in encoders["gpt2"].encode_batch(texts, num_threads=2)],
        "spm": encoders["spm"].encode(texts, num_threads=2),
        "cl100k": encoders["cl100k"].encode_ordinary_batch(texts, num_threads=2),
        "full": encoders["full"].encode_batch(texts, num_threads=2),
    }


_INHERITED: dict[str, Any] = {}


def _child_encode(texts: list[str]) -> dict[str, Any]:
    # fork: the encoders come from the parent's memory, pools and all
    return _encode_everything(_INHERITED, texts)


def _spawned_encode(encoders: dict[str, Any], texts: list[str]) -> dict[str, Any]:
    # spawn: the encoders arrive pickled
    return _encode_everything(encoders, texts)


@pytest.fixture(scope="module")
def encoders() -> dict[str, Any]:
    return {
        "bert": CASES["bert tokenizer.json"]()[0],
        "gpt2": CASES["gpt2 tokenizer.json"]()[0],
        "spm": CASES["rut5 SentencePieceProcessor"]()[0],
        "cl100k": CASES["cl100k"]()[0],
        "full": CASES["bert FullTokenizer"]()[0],
    }


def expected(texts: list[str]) -> dict[str, Any]:
    bert = reference_ids("bert tokenizer.json", texts)
    return {
        "bert": bert,
        "bert_single": bert,
        "gpt2": reference_ids("gpt2 tokenizer.json", texts),
        "spm": reference_ids("rut5 SentencePieceProcessor", texts),
        "cl100k": reference_ids("cl100k", texts),
        "full": reference_ids("bert FullTokenizer", texts),
    }


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_fork_after_threaded_batches(encoders: dict[str, Any], texts: list[str]) -> None:
    # The parent's batches start tokkit's worker threads; a child made by
    # fork has none of them, and must neither wait for them nor need an
    # environment variable.
    want = expected(texts)
    assert _encode_everything(encoders, texts) == want
    _INHERITED.update(encoders)
    context = multiprocessing.get_context("fork")
    with context.Pool(2) as pool:
        results = pool.map_async(_child_encode, [texts, texts[::-1]]).get(TIMEOUT)
    assert results[0] == want
    assert results[1] == {k: v[::-1] for k, v in want.items()}
    # and the parent's pools still work after the fork
    assert _encode_everything(encoders, texts) == want


def test_spawn_ships_pickles(encoders: dict[str, Any], texts: list[str]) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        result = pool.apply_async(_spawned_encode, (encoders, texts)).get(TIMEOUT)
    assert result == expected(texts)


# datasets


def test_datasets_map_num_proc_2_and_a_stable_fingerprint(texts: list[str]) -> None:
    datasets = pytest.importorskip("datasets")
    from datasets.fingerprint import Hasher

    path = vocab("bert-base-uncased", "tokenizer.json")
    tok = tokkit.Tokenizer.from_file(path)
    tok.enable_truncation(32)
    tok.enable_padding(length=32)
    fingerprint = Hasher.hash(tok)

    def tokenize(batch: dict[str, list[str]]) -> dict[str, list[list[int]]]:
        return {"input_ids": [e.ids for e in tok.encode_batch(batch["text"])]}

    data = datasets.Dataset.from_dict({"text": texts})
    mapped = data.map(tokenize, batched=True, batch_size=8, num_proc=2)
    again = data.map(tokenize, batched=True, batch_size=8, num_proc=2)
    assert Hasher.hash(tok) == fingerprint
    assert mapped._fingerprint == again._fingerprint
    hf = tokenizers.Tokenizer.from_file(str(path))
    hf.enable_truncation(32)
    hf.enable_padding(length=32)
    assert mapped["input_ids"] == hf_ids(hf, texts)
