"""tokkit against Hugging Face ``tokenizers`` on the same files and texts:
identical ids, tokens, offsets, masks and decode."""

import json

import pytest
import tokenizers
from conftest import corpus_files, shared_path
from hf_checks import assert_batch_like_hf, assert_same_encoding
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import interesting_chars, texts

import tokkit


@pytest.fixture(scope="module")
def bert_json():
    return shared_path("vocab", "bert-base-uncased", "tokenizer.json")


@pytest.fixture(scope="module")
def bert(bert_json):
    """(tokkit, HF) with the file's truncation and padding switched off."""
    ours = tokkit.Tokenizer.from_file(bert_json)
    ref = tokenizers.Tokenizer.from_file(str(bert_json))
    for t in (ours, ref):
        t.no_truncation()
        t.no_padding()
    return ours, ref


def check_text(ours, ref, text, pair=None):
    for add_special in (True, False):
        a = ours.encode(text, pair, add_special_tokens=add_special)
        b = ref.encode(text, pair, add_special_tokens=add_special)
        assert_same_encoding(a, b, (text, pair, add_special))
    for skip in (True, False):
        assert ours.decode(b.ids, skip_special_tokens=skip) == ref.decode(
            b.ids, skip_special_tokens=skip
        ), text


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus(bert, path):
    ours, ref = bert
    lines = path.read_text(encoding="utf-8").splitlines()
    mine = ours.encode_batch(lines)
    theirs = ref.encode_batch(lines)
    for line, a, b in zip(lines, mine, theirs, strict=True):
        assert_same_encoding(a, b, line)
    for line in lines[:200]:
        check_text(ours, ref, line)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_generated_text(bert, text):
    check_text(*bert, text)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=texts, second=texts)
def test_generated_pairs(bert, first, second):
    check_text(*bert, first, second)


@settings(max_examples=100, deadline=None)
@given(
    text=st.lists(st.sampled_from(["[CLS]", "[SEP]", "[MASK]", "[PAD]", "a", " ", "x[", "]"])).map(
        "".join
    )
)
def test_added_tokens_in_text(bert, text):
    check_text(*bert, text)


# Short texts: with tiny limits every token is its own overflowing window, and
# HF combines the windows of a pair quadratically (and nests them), so long
# pairs make the reference itself take minutes.
short_texts = st.lists(interesting_chars, max_size=24).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=short_texts,
    second=st.none() | short_texts,
    max_length=st.integers(0, 40),
    stride=st.integers(0, 5),
    strategy=st.sampled_from(["longest_first", "only_first", "only_second"]),
    direction=st.sampled_from(["right", "left"]),
    pad_length=st.none() | st.integers(0, 50),
    pad_multiple=st.none() | st.integers(1, 8),
    pad_direction=st.sampled_from(["right", "left"]),
)
def test_truncation_and_padding(
    bert_json,
    first,
    second,
    max_length,
    stride,
    strategy,
    direction,
    pad_length,
    pad_multiple,
    pad_direction,
):
    ours = tokkit.Tokenizer.from_file(bert_json)
    ref = tokenizers.Tokenizer.from_file(str(bert_json))
    try:
        ref.enable_truncation(max_length, stride=stride, strategy=strategy, direction=direction)
    except ValueError:
        with pytest.raises(ValueError):
            ours.enable_truncation(max_length, stride, strategy, direction)
        return
    ours.enable_truncation(max_length, stride=stride, strategy=strategy, direction=direction)
    for t in (ours, ref):
        t.enable_padding(
            direction=pad_direction, length=pad_length, pad_to_multiple_of=pad_multiple
        )
    try:
        expected = ref.encode(first, second)
    except BaseException as error:  # HF panics (PanicException) on impossible settings
        with pytest.raises(tokkit.TokkitError):
            ours.encode(first, second)
        assert "Exception" in type(error).__name__
        return
    assert_same_encoding(ours.encode(first, second), expected, (first, second))


def test_file_truncation_and_padding_apply_by_default(bert_json):
    ours = tokkit.Tokenizer.from_file(bert_json)
    ref = tokenizers.Tokenizer.from_file(str(bert_json))
    text = "word " * 300
    assert_same_encoding(ours.encode(text), ref.encode(text), "long")
    assert_same_encoding(ours.encode("short"), ref.encode("short"), "short")
    assert ours.truncation == {
        "max_length": 128,
        "stride": 0,
        "strategy": "longest_first",
        "direction": "right",
    }
    batch = ["a b c", "x " * 10]
    for a, b in zip(ours.encode_batch(batch), ref.encode_batch(batch), strict=True):
        assert_same_encoding(a, b, "batch")


@pytest.mark.parametrize(
    "item",
    [
        "one text",
        ("a first", "and a second"),
        ["a first", "as a list"],
        ["only one"],
        ("one", "two", "three"),
        ["one", 2],
        1,
        None,
        "lone \ud800 surrogate",
    ],
    ids=repr,
)
def test_batch_input_forms(bert, item):
    """encode_batch takes what HF takes (a text, a pair as a tuple or a
    two-item list) and refuses with TypeError what HF refuses."""
    assert_batch_like_hf(*bert, [item, "after it"])


def test_vocab_api(bert):
    ours, ref = bert
    assert ours.get_vocab() == ref.get_vocab()
    assert ours.get_vocab_size() == ref.get_vocab_size()
    for token in ["[CLS]", "hello", "##ing", "not-a-token"]:
        assert ours.token_to_id(token) == ref.token_to_id(token)
    for i in [0, 100, 101, 2000, 30521, 30522, 10**6]:
        assert ours.id_to_token(i) == ref.id_to_token(i)


@pytest.mark.parametrize(
    "parts",
    [
        ("bert-base-uncased", "tokenizer.json"),
        ("gpt2", "tokenizer.json"),
        ("rut5-large-spm-unigram", "tokenizer.json"),
    ],
    ids=lambda parts: parts[0],
)
def test_loading_from_text_and_special_token_counts(parts):
    """from_str and from_buffer load what from_file loads, and
    num_special_tokens_to_add counts as HF counts."""
    path = shared_path("vocab", *parts)
    text = path.read_text(encoding="utf-8")
    ref = tokenizers.Tokenizer.from_str(text)
    loaded = [
        tokkit.Tokenizer.from_file(path),
        tokkit.Tokenizer.from_str(text),
        tokkit.Tokenizer.from_buffer(text.encode("utf-8")),
    ]
    sample = ("Hello, world! Don't stop.", "A second sentence.")
    for ours in loaded:
        for is_pair in (False, True):
            want = ref.num_special_tokens_to_add(is_pair)
            assert ours.num_special_tokens_to_add(is_pair) == want
        assert_same_encoding(ours.encode(*sample), ref.encode(*sample), parts)
    with pytest.raises(tokkit.VocabFormatError, match="not valid JSON"):
        tokkit.Tokenizer.from_str(text[: len(text) // 2])
    with pytest.raises(tokkit.VocabFormatError):
        tokkit.Tokenizer.from_buffer(b"\xff" + text.encode("utf-8"))


@pytest.mark.parametrize(
    "text",
    ["a" * 1_000_000, "^" * 100_000, "中" * 100_000, "ab " * 300_000],
    ids=["letters", "carets", "cjk", "short-words"],
)
def test_pathological(bert, text):
    ours, ref = bert
    assert ours.encode(text).ids == ref.encode(text).ids


@pytest.mark.parametrize("folder,lower", [("bert-base-uncased", True), ("bert-base-cased", False)])
def test_full_tokenizer_hf_compat(folder, lower):
    """FullTokenizer(compat="hf") reproduces HF's BERT pipeline on a vocab.txt."""
    vocab = shared_path("vocab", folder, "vocab.txt")
    ours = tokkit.FullTokenizer(vocab, do_lower_case=lower, compat="hf")
    ref = tokenizers.BertWordPieceTokenizer(str(vocab), lowercase=lower)
    lines = []
    for path in corpus_files():
        lines += path.read_text(encoding="utf-8").splitlines()[:300]
    expected = [e.ids for e in ref.encode_batch(lines, add_special_tokens=False)]
    assert ours.encode_batch(lines) == expected

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=texts)
    def generated(text):
        assert ours.encode(text) == ref.encode(text, add_special_tokens=False).ids

    generated()


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.lists(st.sampled_from(["<mask>", "<sep>", " ", "  ", "a", "\n", "é", "x<"])).map(
        "".join
    )
)
def test_added_tokens_with_strip_options(tmp_path_factory, text):
    """lstrip/rstrip/single_word tokens: HF's token string is the matched text,
    spaces included."""
    ref = tokenizers.Tokenizer.from_file(str(shared_path("vocab", "gpt2", "tokenizer.json")))
    ref.no_truncation()
    ref.add_special_tokens(
        [
            tokenizers.AddedToken("<mask>", lstrip=True, rstrip=True),
            tokenizers.AddedToken("<sep>", single_word=True),
        ]
    )
    path = tmp_path_factory.mktemp("added") / "tokenizer.json"
    ref.save(str(path))
    ours = tokkit.Tokenizer.from_file(path)
    ours.no_truncation()
    a, b = ours.encode(text), ref.encode(text)
    assert (a.ids, a.tokens, a.offsets) == (b.ids, b.tokens, b.offsets)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    flags=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=5, max_size=5),
    ids=st.lists(st.sampled_from([0, 100, 101, 102, 103, 7592, 2088]), max_size=8),
)
def test_decode_skips_special_tokens_by_name_as_hf(flags, ids):
    """HF names a normalized added token by its normalized form ("[pad]")
    and skips a token in decode when that name is a special token's content:
    a normalized special token is kept."""
    document = json.loads(shared_path("vocab", "bert-base-uncased", "tokenizer.json").read_text())
    for token, (normalized, special) in zip(document["added_tokens"], flags, strict=False):
        token["normalized"], token["special"] = normalized, special
    text = json.dumps(document)
    ours, ref = tokkit.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text)
    for skip in (True, False):
        assert ours.decode(ids, skip_special_tokens=skip) == ref.decode(
            ids, skip_special_tokens=skip
        )
    assert [ours.id_to_token(i) for i in ids] == [ref.id_to_token(i) for i in ids]
