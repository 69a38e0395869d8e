"""transformers on tokkit (issue 19): ``tokkit.transformers.accelerate`` and
``from_pretrained`` give the same ``BatchEncoding`` as transformers' own fast
tokenizer, key for key and value for value, for every call people make:
single texts, batches, pairs, padding, truncation with stride and overflow,
offsets, special-token masks, split words, NumPy tensors, the encodings'
word and sequence ids, decoding, added tokens, ``save_pretrained``, ``pad``
and ``DataCollatorWithPadding``. The expected side is always transformers
running on HF ``tokenizers``; no model weights or network are needed: the
tokenizer folders are built from ``../shared/data``."""

from __future__ import annotations

import copy as copy_module
import json
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

import datasets
import numpy
import pytest
import tokenizers
import transformers
from conftest import corpus_lines, shared_path
from hf_bpe_json import llama_json
from hf_variants import roberta_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import texts as generated_texts

import tokkit
import tokkit.transformers as tt


def shared_folder(name: str) -> Any:
    return lambda _tmp: shared_path("vocab", name)


def saved_folder(make: Any) -> Any:
    """A folder written by transformers' ``save_pretrained`` of ``make()``."""

    def build(tmp: Path) -> Path:
        make().save_pretrained(tmp)
        return tmp

    return build


def bert_cased() -> Any:
    return transformers.BertTokenizerFast(
        vocab_file=str(shared_path("vocab", "bert-base-cased", "vocab.txt")), do_lower_case=False
    )


def roberta() -> Any:
    text = roberta_json(prefix_space=False, trim_offsets=True)
    return transformers.RobertaTokenizerFast(tokenizer_object=tokenizers.Tokenizer.from_str(text))


def llama2() -> Any:
    document = llama_json(shared_path("vocab", "llama2-spm-bpe", "tokenizer.model"))
    backend = tokenizers.Tokenizer.from_str(json.dumps(document))
    return transformers.LlamaTokenizerFast(tokenizer_object=backend)


FOLDERS = {
    "bert-uncased": shared_folder("bert-base-uncased"),
    "bert-cased": saved_folder(bert_cased),
    "gpt2": shared_folder("gpt2"),
    "roberta": saved_folder(roberta),
    "llama2": saved_folder(llama2),
    "rut5": shared_folder("rut5-large-spm-unigram"),
}


@pytest.fixture(scope="module", params=list(FOLDERS))
def folder(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return FOLDERS[request.param](tmp_path_factory.mktemp(request.param))


@pytest.fixture(scope="module")
def trio(folder: Path) -> tuple[Any, Any, Any]:
    """transformers' own tokenizer, one accelerated after loading, and one
    from ``tokkit.transformers.from_pretrained``."""
    native = transformers.AutoTokenizer.from_pretrained(str(folder))
    accelerated = tt.accelerate(transformers.AutoTokenizer.from_pretrained(str(folder)))
    loaded = tt.from_pretrained(folder)
    for tok in (accelerated, loaded):
        assert isinstance(tok._tokenizer, tt.Backend)
        assert tok._tokenizer._fast() is not None, "tokkit fell back to HF"
    if native.pad_token is None:
        for tok in (native, accelerated, loaded):
            tok.pad_token = tok.eos_token or tok.unk_token
    return native, accelerated, loaded


def assert_same_values(got: Any, want: Any, where: Any) -> None:
    if isinstance(want, numpy.ndarray):
        assert isinstance(got, numpy.ndarray), where
        assert got.dtype == want.dtype, where
        assert numpy.array_equal(got, want), where
    else:
        assert got == want, where


def assert_same_batch(got: Any, want: Any, where: Any) -> None:
    """Same keys and values, and the same encodings behind them."""
    assert list(got.keys()) == list(want.keys()), where
    for key in want:
        assert_same_values(got[key], want[key], (where, key))
    if want.encodings is None:
        assert got.encodings is None, where
        return
    assert len(got.encodings) == len(want.encodings), where
    for i in range(len(want.encodings)):
        assert got.word_ids(i) == want.word_ids(i), (where, i)
        assert got.sequence_ids(i) == want.sequence_ids(i), (where, i)
        assert got.tokens(i) == want.tokens(i), (where, i)
        for char in range(0, 40, 3):
            assert got.char_to_token(i, char) == want.char_to_token(i, char), (where, i, char)


def assert_call_alike(trio: tuple[Any, Any, Any], *args: Any, **kwargs: Any) -> None:
    """The same BatchEncoding, or both fail (HF raises a bare Exception
    where tokkit raises a TokkitError, e.g. a pair too short to truncate)."""
    native, *ours = trio
    try:
        want = native(*args, **kwargs)
    except Exception as error:
        for tok in ours:
            with pytest.raises(tokkit.TokkitError):
                tok(*args, **kwargs)
        assert "truncat" in str(error).lower()
        return
    for tok in ours:
        assert_same_batch(tok(*args, **kwargs), want, (args, kwargs))


LINES = corpus_lines(24)
PAIRS = [line[::-1] for line in LINES]

CALLS: list[dict[str, Any]] = [
    {},
    {"padding": True},
    {"padding": "max_length", "max_length": 24, "truncation": True},
    {"padding": True, "pad_to_multiple_of": 8, "padding_side": "left"},
    {
        "truncation": True,
        "max_length": 12,
        "stride": 3,
        "return_overflowing_tokens": True,
        "return_offsets_mapping": True,
    },
    {"return_offsets_mapping": True, "return_special_tokens_mask": True, "return_length": True},
    {"add_special_tokens": False, "return_token_type_ids": True, "return_attention_mask": False},
    {"padding": True, "truncation": True, "max_length": 16, "return_tensors": "np"},
]


@pytest.mark.parametrize("call", range(len(CALLS)))
def test_batches_single_and_pairs(trio: tuple[Any, Any, Any], call: int) -> None:
    kwargs = CALLS[call]
    assert_call_alike(trio, LINES, **kwargs)
    assert_call_alike(trio, LINES, text_pair=PAIRS, **kwargs)
    if kwargs.get("return_tensors") is None:
        assert_call_alike(trio, LINES[3], **kwargs)
        assert_call_alike(trio, LINES[3], text_pair=PAIRS[5], **kwargs)


def test_edge_inputs(trio: tuple[Any, Any, Any]) -> None:
    """An empty pair is no pair; empty texts; a tuple batch; tensors."""
    assert_call_alike(trio, LINES[3], "")
    assert_call_alike(trio, ["", LINES[1]], text_pair=["", ""])
    assert_call_alike(trio, tuple(LINES[:3]), return_length=True)
    assert_call_alike(trio, LINES[:1], padding=True, return_tensors="np")
    text = f"{LINES[1]} {trio[0].all_special_tokens[-1]} {LINES[2]}"
    assert_call_alike(trio, [text], split_special_tokens=True)
    assert_call_alike(trio, [text])
    native, *ours = trio
    for bad in ([], [LINES[0], 7], 7):
        with pytest.raises(Exception) as want:
            native(bad)
        for tok in ours:
            with pytest.raises(want.type):
                tok(bad)
    for tok in ours:
        assert tok.encode(LINES[2]) == native.encode(LINES[2])
        assert tok.encode(LINES[2], LINES[4], max_length=9, truncation=True) == native.encode(
            LINES[2], LINES[4], max_length=9, truncation=True
        )


def test_truncation_strategies_of_pairs(trio: tuple[Any, Any, Any]) -> None:
    for strategy in ("longest_first", "only_first", "only_second"):
        assert_call_alike(
            trio, LINES, text_pair=PAIRS, truncation=strategy, max_length=40, padding=True
        )


def test_split_into_words(trio: tuple[Any, Any, Any]) -> None:
    words = [line.split() for line in LINES if line.split()]
    assert_call_alike(trio, words, is_split_into_words=True, return_offsets_mapping=True)
    assert_call_alike(trio, words[2], is_split_into_words=True)
    assert_call_alike(
        trio, words, text_pair=words[::-1], is_split_into_words=True, padding=True, truncation=True
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=generated_texts, second=st.none() | generated_texts)
def test_generated_text(trio: tuple[Any, Any, Any], first: str, second: str | None) -> None:
    assert_call_alike(trio, first, second, return_offsets_mapping=True)


def test_decoding_and_vocabulary(trio: tuple[Any, Any, Any]) -> None:
    native, *ours = trio
    ids = native(LINES, text_pair=PAIRS)["input_ids"]
    for tok in ours:
        for skip in (False, True):
            assert tok.batch_decode(ids, skip_special_tokens=skip) == native.batch_decode(
                ids, skip_special_tokens=skip
            )
            assert tok.decode(ids[4], skip_special_tokens=skip) == native.decode(
                ids[4], skip_special_tokens=skip
            )
        assert tok.convert_ids_to_tokens(ids[4]) == native.convert_ids_to_tokens(ids[4])
        assert tok.tokenize(LINES[5]) == native.tokenize(LINES[5])
        assert tok.get_vocab() == native.get_vocab()
        assert len(tok) == len(native)
        assert tok.num_special_tokens_to_add(True) == native.num_special_tokens_to_add(True)


def test_pad_and_data_collator(trio: tuple[Any, Any, Any]) -> None:
    native, *ours = trio
    features = [native(line) for line in LINES[:8]]
    want = transformers.DataCollatorWithPadding(native, return_tensors="np")(features)
    for tok in ours:
        got = transformers.DataCollatorWithPadding(tok, return_tensors="np")(
            [tok(line) for line in LINES[:8]]
        )
        assert_same_batch(got, want, "collator")
        padded = tok.pad(features, padding="max_length", max_length=200, return_tensors="np")
        assert_same_batch(
            padded,
            native.pad(features, padding="max_length", max_length=200, return_tensors="np"),
            "pad",
        )


def test_added_tokens_then_save_pretrained(folder: Path, tmp_path: Path) -> None:
    """Tokens added after loading split the text as in transformers, and
    what ``save_pretrained`` writes loads in transformers without tokkit."""
    native = transformers.AutoTokenizer.from_pretrained(str(folder))
    ours = tt.from_pretrained(folder)
    new = ["<extra_1>", "wonderful", transformers.AddedToken("[ctl]", lstrip=True)]
    assert ours.add_tokens(new) == native.add_tokens(new)
    assert ours.add_tokens(["<sp>"], special_tokens=True) == native.add_tokens(
        ["<sp>"], special_tokens=True
    )
    text = "a <extra_1> wonderful  [ctl] day<sp>and  more"
    assert_same_batch(ours(text), native(text), text)
    ids = native(text)["input_ids"]
    assert ours.decode(ids, skip_special_tokens=True) == native.decode(
        ids, skip_special_tokens=True
    )
    assert {i: str(t) for i, t in ours.added_tokens_decoder.items()} == {
        i: str(t) for i, t in native.added_tokens_decoder.items()
    }
    ours.save_pretrained(tmp_path)
    script = (
        "import sys, json, transformers\n"
        "assert 'tokkit' not in sys.modules\n"
        f"t = transformers.AutoTokenizer.from_pretrained({str(tmp_path)!r})\n"
        f"print(json.dumps(t({text!r})['input_ids']))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ids


def test_pickles_and_copies_stay_accelerated(trio: tuple[Any, Any, Any]) -> None:
    native, accelerated, _ = trio
    want = native(LINES, text_pair=PAIRS)
    for copy in (pickle.loads(pickle.dumps(accelerated)), copy_module.deepcopy(accelerated)):
        assert isinstance(copy._tokenizer, tt.Backend)
        assert_same_batch(copy(LINES, text_pair=PAIRS), want, "copied")


def test_accelerate_refuses_a_tokenizer_without_backend() -> None:
    with pytest.raises(TypeError, match="fast tokenizer"):
        tt.accelerate(object())
    with pytest.raises(tokkit.TokkitFileNotFoundError, match="not a tokenizer folder"):
        tt.from_pretrained("/nonexistent/folder")


def test_a_folder_without_its_files_names_them(tmp_path: Path) -> None:
    (tmp_path / "tokenizer_config.json").write_text("{}")
    with pytest.raises(tokkit.TokkitFileNotFoundError, match=r"no tokenizer\.json"):
        tt.from_pretrained(tmp_path)


def test_accelerate_touches_one_instance_only() -> None:
    folder = shared_path("vocab", "gpt2")
    one = tt.from_pretrained(folder)
    other = transformers.AutoTokenizer.from_pretrained(str(folder))
    assert isinstance(one._tokenizer, tt.Backend)
    assert isinstance(other._tokenizer, tokenizers.Tokenizer)
    assert type(one) is type(other)


def test_dataset_map_with_workers() -> None:
    """``datasets.Dataset.map(batched=True, num_proc=2)`` ships the
    accelerated tokenizer to its workers and gives transformers' ids."""
    folder = shared_path("vocab", "bert-base-uncased")
    native = transformers.AutoTokenizer.from_pretrained(str(folder))
    ours = tt.from_pretrained(folder)
    data = datasets.Dataset.from_dict({"text": corpus_lines(60)})
    want = data.map(lambda b: native(b["text"]), batched=True, batch_size=16)
    got = data.map(lambda b: ours(b["text"]), batched=True, batch_size=16, num_proc=2)
    assert got["input_ids"] == want["input_ids"]
    assert got["attention_mask"] == want["attention_mask"]


def test_dataset_map_gives_transformers_columns_and_features(trio: tuple[Any, Any, Any]) -> None:
    """The columns a batched ``map`` writes (tokkit hands datasets' Arrow
    writer its flat arrays: ``tokkit.arrays.Rows``) equal the map over
    transformers' own tokenizer, values and feature types, for batches that
    hold empty texts and for batches whose rows are all empty."""
    native, *ours = trio
    data = datasets.Dataset.from_dict({"text": ["", *LINES[:9], "", ""]})

    def columns(tok: Any, **kwargs: Any) -> Any:
        return data.map(lambda b: tok(b["text"], **kwargs), batched=True, batch_size=4)

    for kwargs in ({}, {"add_special_tokens": False}):
        want = columns(native, **kwargs)
        for tok in ours:
            got = columns(tok, **kwargs)
            assert got.features == want.features, kwargs
            assert got[:] == want[:], kwargs


def test_the_init_vocabulary_pickles_whole_and_equal(trio: tuple[Any, Any, Any]) -> None:
    """transformers 5 keeps the vocabulary and merges it built the backend
    from; ``accelerate`` holds them in equal containers that pickle as one
    blob, which keeps datasets' fingerprint of a ``map`` cheap and stable."""
    from datasets.fingerprint import Hasher

    native, accelerated, loaded = trio
    kept = [name for name in ("_vocab", "_merges") if name in native.__dict__]
    # transformers 5 keeps them for the BPE and WordPiece models (not Unigram)
    model = json.loads(native.backend_tokenizer.to_str())["model"]["type"]
    assert bool(kept) == (model in ("BPE", "WordPiece")), (model, kept)
    for name in kept:
        want = native.__dict__[name]
        for tok in (accelerated, loaded):
            value = tok.__dict__[name]
            assert type(value).__name__ in ("_WholeDict", "_WholeList")
            assert value == want
            assert type(pickle.loads(pickle.dumps(value))) is type(value)
            assert pickle.loads(pickle.dumps(value)) == want
    fingerprint = Hasher.hash(accelerated)
    accelerated(LINES, padding="max_length", max_length=40, truncation=True)
    assert Hasher.hash(accelerated) == fingerprint
