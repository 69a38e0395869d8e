"""``encode_batch_arrays`` on every encoder (issue 19, "NumPy and Arrow
batches"): the flat ids equal the reference's batch output (HF tokenizers,
tiktoken, sentencepiece, google's tokenization.py) on corpus lines and
hypothesis text; ``to_padded`` equals HF's padding; ``to_arrow`` wraps the
same memory; every input kind gives the same ids; bad input is refused with
an error naming where.

Expected ids come from the reference packages, never from a run of tokkit."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy
import pyarrow as pa
import pytest
import sentencepiece
import tokenizers
from conftest import corpus_lines, shared_path
from google_bert import tokenization
from hypothesis import given, settings
from hypothesis import strategies as st
from references import tiktoken_encoding
from strategies import texts as any_text

import tokkit

LINES = corpus_lines(60)


def flat(rows: list[list[int]]) -> tuple[list[int], list[int]]:
    """Rows as (ids end to end, offsets), the layout BatchArrays has."""
    offsets = [0]
    for row in rows:
        offsets.append(offsets[-1] + len(row))
    return [i for row in rows for i in row], offsets


def assert_rows(batch: tokkit.BatchArrays, rows: list[list[int]]) -> None:
    ids, offsets = flat(rows)
    assert batch.ids.dtype == numpy.uint32
    assert batch.offsets.dtype == numpy.int64
    assert batch.ids.tolist() == ids
    assert batch.offsets.tolist() == offsets
    assert batch.to_list() == rows


# Each encoder: how tokkit's is loaded, its flat batch, and the reference's
# rows of ids for the same texts.
Pair = tuple[Callable[[Any], tokkit.BatchArrays], Callable[[list[str]], list[list[int]]]]


def hf_pair(*parts: str) -> Pair:
    path = str(shared_path("vocab", *parts))
    ours, ref = tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)
    return ours.encode_batch_arrays, lambda xs: [e.ids for e in ref.encode_batch(xs)]


def tiktoken_pair(ordinary: bool) -> Pair:
    path = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    ours = tokkit.load_tiktoken(path, "cl100k_base")
    ref = tiktoken_encoding("cl100k_base", path)
    if ordinary:
        return (
            lambda xs: ours.encode_batch_arrays(xs, ordinary=True),
            ref.encode_ordinary_batch,
        )
    return ours.encode_batch_arrays, lambda xs: [ref.encode_to_numpy(x).tolist() for x in xs]


def spm_pair(*parts: str, **kwargs: Any) -> Pair:
    path = str(shared_path("vocab", *parts))
    ours = tokkit.SentencePieceProcessor(path)
    ref = sentencepiece.SentencePieceProcessor(model_file=path)
    return (
        lambda xs: ours.encode_batch_arrays(xs, **kwargs),
        lambda xs: ref.encode(xs, out_type=int, **kwargs),
    )


def bert_pair() -> Pair:
    path = shared_path("vocab", "bert-base-cased", "vocab.txt")
    ours = tokkit.FullTokenizer(path, do_lower_case=False)
    ref = tokenization.FullTokenizer(str(path), do_lower_case=False)
    return ours.encode_batch_arrays, lambda xs: [
        ref.convert_tokens_to_ids(ref.tokenize(x)) for x in xs
    ]


PAIRS: dict[str, Callable[[], Pair]] = {
    "hf bert-base-uncased": lambda: hf_pair("bert-base-uncased", "tokenizer.json"),
    "hf gpt2": lambda: hf_pair("gpt2", "tokenizer.json"),
    "hf rut5": lambda: hf_pair("rut5-large-spm-unigram", "tokenizer.json"),
    "tiktoken ordinary": lambda: tiktoken_pair(True),
    "tiktoken": lambda: tiktoken_pair(False),
    "spm llama2 bos+eos": lambda: spm_pair(
        "llama2-spm-bpe", "tokenizer.model", add_bos=True, add_eos=True
    ),
    "spm rut5": lambda: spm_pair("rut5-large-spm-unigram", "spiece.model"),
    "google bert": bert_pair,
}


@pytest.fixture(scope="module", params=list(PAIRS))
def pair(request: pytest.FixtureRequest) -> Pair:
    return PAIRS[request.param]()


def test_ids_equal_the_reference_on_corpus_lines(pair: Pair) -> None:
    ours, ref = pair
    assert_rows(ours(LINES), ref(LINES))
    assert_rows(ours([]), [])


@settings(deadline=None, max_examples=60)
@given(batch=st.lists(any_text, max_size=8))
def test_ids_equal_the_reference_on_generated_text(pair: Pair, batch: list[str]) -> None:
    ours, ref = pair
    assert_rows(ours(batch), ref(batch))


def test_tokenizer_columns_equal_hf_encodings() -> None:
    path = str(shared_path("vocab", "bert-base-uncased", "tokenizer.json"))
    ours, ref = tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)
    for t in (ours, ref):
        t.no_padding()
        t.enable_truncation(16)
    want = ref.encode_batch(LINES, add_special_tokens=False)
    got = ours.encode_batch_arrays(LINES, add_special_tokens=False)
    assert got.type_ids is not None and got.attention_mask is not None
    assert_rows(got, [e.ids for e in want])
    assert got.type_ids.tolist() == flat([e.type_ids for e in want])[0]
    assert got.attention_mask.tolist() == flat([e.attention_mask for e in want])[0]


@pytest.mark.parametrize("direction", ["right", "left"])
@pytest.mark.parametrize(("length", "multiple"), [(None, None), (None, 8), (70, None), (70, 16)])
def test_to_padded_equals_hf_padding(direction: str, length: int | None, multiple: int | None):
    path = str(shared_path("vocab", "bert-base-uncased", "tokenizer.json"))
    ours, ref = tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)
    ours.no_padding()
    for t in (ours, ref):
        t.enable_truncation(64)
    ref.enable_padding(
        direction=direction, pad_id=3, pad_type_id=2, length=length, pad_to_multiple_of=multiple
    )
    want = ref.encode_batch(LINES)
    got = ours.encode_batch_arrays(LINES).to_padded(
        pad_id=3, pad_type_id=2, length=length, pad_to_multiple_of=multiple, direction=direction
    )
    assert set(got) == {"input_ids", "token_type_ids", "attention_mask"}
    assert got["input_ids"].tolist() == [e.ids for e in want]
    assert got["token_type_ids"].tolist() == [e.type_ids for e in want]
    assert got["attention_mask"].tolist() == [e.attention_mask for e in want]
    assert got["input_ids"].dtype == numpy.int64


def test_padding_set_on_the_tokenizer_is_kept() -> None:
    # This file pads to 128 itself, as HF's encode_batch then does too.
    path = str(shared_path("vocab", "bert-base-uncased", "tokenizer.json"))
    ours, ref = tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)
    want = ref.encode_batch(LINES[:5])
    padded = ours.encode_batch_arrays(LINES[:5]).to_padded()
    assert padded["input_ids"].tolist() == [e.ids for e in want]
    assert padded["attention_mask"].tolist() == [e.attention_mask for e in want]


def test_to_padded_without_type_ids_and_empty_batches() -> None:
    path = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    enc = tokkit.load_tiktoken(path, "cl100k_base")
    padded = enc.encode_batch_arrays(["hello world", "", "a"]).to_padded(pad_id=7, dtype="int32")
    assert set(padded) == {"input_ids", "attention_mask"}
    assert padded["input_ids"].tolist() == [[15339, 1917], [7, 7], [64, 7]]
    assert padded["attention_mask"].tolist() == [[1, 1], [0, 0], [1, 0]]
    assert padded["input_ids"].dtype == numpy.int32
    empty = enc.encode_batch_arrays([]).to_padded(pad_to_multiple_of=8)
    assert empty["input_ids"].shape == (0, 0)


def test_to_arrow_wraps_the_same_memory() -> None:
    path = str(shared_path("vocab", "gpt2", "tokenizer.json"))
    batch = tokkit.Tokenizer.from_file(path).encode_batch_arrays(LINES)
    array = batch.to_arrow()
    assert array.type == pa.large_list(pa.uint32())
    assert array.to_pylist() == batch.to_list()
    assert array.values.buffers()[1].address == batch.ids.ctypes.data
    assert array.offsets.buffers()[1].address == batch.offsets.ctypes.data
    assert not batch.ids.flags.writeable


def test_every_input_kind_gives_the_same_ids(pair: Pair) -> None:
    ours, _ = pair
    want = ours(LINES).to_list()
    half = len(LINES) // 2
    kinds = {
        "tuple": tuple(LINES),
        "generator": (x for x in LINES),
        "numpy str": numpy.array(LINES),
        "numpy object": numpy.array(LINES, dtype=object),
        "numpy StringDType": numpy.array(LINES, dtype=numpy.dtypes.StringDType()),
        "arrow string": pa.array(LINES, pa.string()),
        "arrow large_string": pa.array(LINES, pa.large_string()),
        "arrow string_view": pa.array(LINES, pa.string_view()),
        "arrow chunked": pa.chunked_array([LINES[:half], [], LINES[half:]]),
        "arrow slice": pa.array(["x", *LINES, "y"]).slice(1, len(LINES)),
    }
    for kind, texts in kinds.items():
        assert ours(texts).to_list() == want, kind


def test_tiktoken_replaces_lone_surrogates_as_tiktoken_does() -> None:
    path = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    ours = tokkit.load_tiktoken(path, "cl100k_base")
    ref = tiktoken_encoding("cl100k_base", path)
    texts = ["a\ud800b", "ok", "\udfff"]
    assert_rows(ours.encode_batch_arrays(texts), ref.encode_batch(texts))
    assert_rows(ours.encode_batch_arrays(numpy.array(texts, dtype=object)), ref.encode_batch(texts))


def test_tiktoken_special_tokens_follow_encode_batch() -> None:
    path = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    ours = tokkit.load_tiktoken(path, "cl100k_base")
    ref = tiktoken_encoding("cl100k_base", path)
    texts = ["a<|endoftext|>b", "c"]
    assert_rows(
        ours.encode_batch_arrays(texts, allowed_special="all"),
        ref.encode_batch(texts, allowed_special="all"),
    )
    with pytest.raises(ValueError, match="disallowed special token"):
        ours.encode_batch_arrays(pa.array(texts))


# Bad input ------------------------------------------------------------------


def test_a_non_string_is_a_type_error_naming_its_index(pair: Pair) -> None:
    ours, _ = pair
    for texts in (["a", "b", 3], numpy.array(["a", "b", 3], dtype=object), ("a", "b", None)):
        with pytest.raises(TypeError, match=r"texts\[2\] is (int|NoneType), not str"):
            ours(texts)
    with pytest.raises(TypeError, match="not one str"):
        ours("one text")


def test_wrong_numpy_arrays_are_type_errors(pair: Pair) -> None:
    ours, _ = pair
    for texts, what in [
        (numpy.array([1, 2]), "int64"),
        (numpy.array([b"a"]), "S1"),
        (numpy.array([["a"]]), "2-D"),
    ]:
        with pytest.raises(TypeError, match=what):
            ours(texts)


def test_arrow_nulls_are_errors_naming_the_row(pair: Pair) -> None:
    ours, _ = pair
    with pytest.raises(tokkit.InvalidArgumentError, match="row 1 of the Arrow array is null"):
        ours(pa.array(["a", None, "b"]))
    chunked = pa.chunked_array([["a", "b"], ["c", "d", None]])
    with pytest.raises(tokkit.InvalidArgumentError, match="row 4 of the Arrow array is null"):
        ours(chunked)
    with pytest.raises(TypeError, match="string or large_string, not int64"):
        ours(pa.array([1, 2]))


def test_to_padded_refuses_rows_longer_than_length() -> None:
    batch = tokkit.BatchArrays(numpy.array([1, 2, 3], numpy.uint32), numpy.array([0, 1, 3]))
    with pytest.raises(tokkit.InvalidArgumentError, match="text 1 has 2 tokens"):
        batch.to_padded(length=1)
    with pytest.raises(ValueError, match="direction"):
        batch.to_padded(direction="up")


def test_without_pyarrow_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    batch = tokkit.BatchArrays(numpy.array([1], numpy.uint32), numpy.array([0, 1]))
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ImportError, match="pip install pyarrow"):
        batch.to_arrow()


def rows_of(rows: list[list[int]]) -> Any:
    """``BatchArrays._rows`` of ``rows``: the lists transformers' calls return."""
    ids, offsets = flat(rows)
    return tokkit.BatchArrays(numpy.array(ids), numpy.array(offsets))._rows()


ROW_CASES = [
    [[5, 6, 7], [], [2**32 - 1, 0]],
    [[1]],
    [[], []],  # pyarrow gives rows without ids a null item type
    [],
]


@pytest.mark.parametrize("rows", ROW_CASES)
def test_rows_convert_to_arrow_as_pyarrow_converts_their_lists(rows: list[list[int]]) -> None:
    got = rows_of(rows)
    assert got == rows
    for kind in (None, pa.list_(pa.int32()), pa.large_list(pa.int64())):
        try:
            want = pa.array(list(rows), type=kind)
        except pa.ArrowInvalid:  # 2**32 - 1 is not an int32
            with pytest.raises(pa.ArrowInvalid):
                pa.array(got, type=kind)
            continue
        array = pa.array(got, type=kind)
        assert array.type == want.type
        assert array.equals(want)


# Each changes rows made from [[5, 6, 7], [8], [9, 10]] in place.
CHANGES: list[Callable[[Any], Any]] = [
    lambda rows: rows[0].append(11),
    lambda rows: rows[1].__setitem__(0, 3),
    lambda rows: rows[2].pop(),
    lambda rows: rows.append([12]),
    lambda rows: rows.pop(),
    lambda rows: rows.__setitem__(1, [8.0]),
    lambda rows: rows.__setitem__(1, (8,)),
    lambda rows: rows.__setitem__(0, [True, 6, 7]),
    lambda rows: rows[2].__setitem__(1, -10),
    lambda rows: rows[2].__setitem__(1, 2**70),
    lambda rows: rows.reverse(),
    lambda rows: rows[0].sort(reverse=True),
]


@pytest.mark.parametrize("change", CHANGES)
def test_rows_changed_after_they_were_made_convert_as_they_are(change: Any) -> None:
    rows = rows_of([[5, 6, 7], [8], [9, 10]])
    change(rows)
    plain = [list(row) if isinstance(row, list) else row for row in rows]
    try:
        want = pa.array(plain)
    except (pa.ArrowException, OverflowError) as error:  # a bool among ints, 2**70
        with pytest.raises(type(error)):
            pa.array(rows)
        return
    array = pa.array(rows)
    assert array.type == want.type
    assert array.equals(want)


@given(st.lists(st.lists(st.integers(0, 2**32 - 1), max_size=6), max_size=8))
def test_rows_equal_to_list_and_copy_or_pickle_as_plain_lists(rows: list[list[int]]) -> None:
    import copy
    import pickle

    got = rows_of(rows)
    assert got == rows
    ids, offsets = flat(rows)
    assert tokkit.BatchArrays(numpy.array(ids), numpy.array(offsets)).to_list() == rows
    for copied in (copy.copy(got), copy.deepcopy(got), pickle.loads(pickle.dumps(got))):
        assert type(copied) is list
        assert copied == rows
    if rows:
        assert pa.array(got).equals(pa.array(rows))


def test_offsets_outside_the_ids_are_refused() -> None:
    batch = tokkit.BatchArrays(numpy.array([1, 2], numpy.uint32), numpy.array([0, 3]))
    with pytest.raises(tokkit.InvalidArgumentError, match=r"offsets 0\.\.3"):
        batch.to_list()
    backwards = tokkit.BatchArrays(numpy.array([1, 2], numpy.uint32), numpy.array([0, 2, 1]))
    with pytest.raises(tokkit.InvalidArgumentError, match="in order"):
        backwards.to_list()


def test_importing_tokkit_or_its_cli_leaves_numpy_unimported() -> None:
    # NumPy takes longer to import than tokkit and starts OpenBLAS's threads,
    # which spin beside a training run: only batches and corpora import it.
    code = (
        "import sys, tokkit, tokkit.cli\n"
        "tokkit.Tokenizer.from_str\n"
        "assert 'numpy' not in sys.modules, 'numpy was imported'\n"
        "tokkit.encode_corpus\n"
        "assert 'numpy' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
