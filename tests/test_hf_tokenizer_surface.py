"""The HF ``tokenizers.Tokenizer`` surface that transformers and users touch,
run side by side with HF ``tokenizers`` on the shared tokenizer files:
``AddedToken``, ``add_tokens`` / ``add_special_tokens`` (counts, ids, flags,
encoding and decoding afterwards), ``get_added_tokens_decoder``,
``get_vocab`` / ``get_vocab_size``, ``encode_special_tokens``, ``to_str`` /
``save`` (parsed JSON equal to HF's), ``post_process``, ``count_tokens`` and
``DecodeStream``."""

from __future__ import annotations

import json
import pickle

import pytest
import tokenizers
from conftest import corpus_lines, shared_path
from hf_bpe_json import llama_json
from hf_checks import assert_same_encoding
from hf_variants import (
    byte_level_then_json,
    normalized_added_json,
    roberta_json,
    specials_in_vocab_json,
    word_level_json,
)
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import interesting_chars, texts
from tokenizers import processors

import tokkit


def _file(*parts: str):
    return lambda: shared_path("vocab", *parts).read_text(encoding="utf-8")


def _llama(form: str):
    model = shared_path("vocab", "llama2-spm-bpe", "tokenizer.model")
    return lambda: json.dumps(llama_json(model, form))


FILES = {
    "bert": _file("bert-base-uncased", "tokenizer.json"),
    "gpt2": _file("gpt2", "tokenizer.json"),
    "rut5": _file("rut5-large-spm-unigram", "tokenizer.json"),
    "llama": _llama("metaspace"),
    "llama-legacy": _llama("legacy"),
    "roberta-prefix-space": lambda: roberta_json(prefix_space=True, trim_offsets=False),
    "specials-in-vocab": specials_in_vocab_json,
    "bert-processing": lambda: _bert_processing(),
    "wordlevel": word_level_json,
    "falcon": lambda: byte_level_then_json("falcon"),
    "normalized-added-lowercase": lambda: normalized_added_json("lowercase"),
}


def _bert_processing() -> str:
    """BERT with HF's BertProcessing instead of its template."""
    tok = tokenizers.Tokenizer.from_file(
        str(shared_path("vocab", "bert-base-uncased", "tokenizer.json"))
    )
    tok.post_processor = processors.BertProcessing(("[SEP]", 102), ("[CLS]", 101))
    return tok.to_str()


@pytest.fixture(scope="module", params=list(FILES))
def document(request) -> str:
    return FILES[request.param]()


def both(text: str) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    return tokkit.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text)


def token_pair(content: str, **options) -> tuple[tokkit.AddedToken, tokenizers.AddedToken]:
    return tokkit.AddedToken(content, **options), tokenizers.AddedToken(content, **options)


def decoder_state(tokenizer) -> dict[int, tuple]:
    """``get_added_tokens_decoder`` with every flag spelled out."""
    return {
        i: (t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, t.special)
        for i, t in tokenizer.get_added_tokens_decoder().items()
    }


TEXTS = [
    "",
    "howdy world",
    "Hello  <x>there<sp> qzxw <sp>",
    " howdy\tQZXW  the end <x>",
    "the<x>the <sp><sp>howdy",
]


def assert_same_state(ours, ref, texts: list[str]) -> None:
    """Added tokens, vocabulary, serialization, encoding and decoding all equal HF's."""
    assert decoder_state(ours) == decoder_state(ref)
    for with_added in (True, False):
        assert ours.get_vocab(with_added) == ref.get_vocab(with_added)
        assert ours.get_vocab_size(with_added) == ref.get_vocab_size(with_added)
    assert ours.max_token_value == max(ref.get_vocab(True).values())
    for i, token in ref.get_added_tokens_decoder().items():
        assert ours.id_to_token(i) == ref.id_to_token(i)
        assert ours.token_to_id(token.content) == ref.token_to_id(token.content)
    assert json.loads(ours.to_str()) == json.loads(ref.to_str())
    for text in texts:
        for add_special_tokens in (True, False):
            got = ours.encode(text, add_special_tokens=add_special_tokens)
            want = ref.encode(text, add_special_tokens=add_special_tokens)
            assert_same_encoding(got, want, text)
        ids = want.ids
        for skip in (True, False):
            assert ours.decode(ids, skip_special_tokens=skip) == ref.decode(
                ids, skip_special_tokens=skip
            ), text


# --- AddedToken ---------------------------------------------------------


OPTIONS = [
    {},
    {"special": True},
    {"special": True, "normalized": True},
    {"normalized": False},
    {"single_word": True, "lstrip": True},
    {"rstrip": True, "special": False},
]


@pytest.mark.parametrize("options", OPTIONS)
def test_added_token_like_hf(options):
    ours, ref = token_pair("<tok>", **options)
    for name in ("content", "single_word", "lstrip", "rstrip", "normalized", "special"):
        assert getattr(ours, name) == getattr(ref, name), name
    assert repr(ours) == repr(ref)
    assert str(ours) == str(ref)
    assert hash(ours) == hash(ref)
    assert ours.__getstate__() == ref.__getstate__()
    back = pickle.loads(pickle.dumps(ours))
    assert back == ours and repr(back) == repr(ours)
    assert (ours == tokkit.AddedToken("<tok>")) == (ref == tokenizers.AddedToken("<tok>"))
    assert (ours != "<tok>") and not (ours == "<tok>")


def test_added_token_setters_and_defaults():
    ours, ref = token_pair("a")
    for token in (ours, ref):
        token.special = True
        token.content = "b"
    assert repr(ours) == repr(ref)
    assert repr(tokkit.AddedToken()) == repr(tokenizers.AddedToken())
    with pytest.raises(TypeError):
        tokkit.AddedToken("a", True)


# --- add_tokens / add_special_tokens -------------------------------------


def test_add_tokens_like_hf(document):
    ours, ref = both(document)
    calls = [
        ("add_tokens", lambda m: ["howdy", m.AddedToken("<x>", lstrip=True), "", "the"]),
        ("add_special_tokens", lambda m: ["<sp>", "howdy", ""]),
        ("add_tokens", lambda m: [m.AddedToken("howdy", rstrip=True), "qzxw", "qzxw"]),
        ("add_tokens", lambda m: [m.AddedToken("<sp>", special=False)]),
        ("add_special_tokens", lambda m: [m.AddedToken("QZXW", single_word=True)]),
        ("add_tokens", lambda m: ["howdy"]),
    ]
    for method, items in calls:
        got = getattr(ours, method)(items(tokkit))
        want = getattr(ref, method)(items(tokenizers))
        assert got == want, (method, items(tokenizers))
        assert_same_state(ours, ref, TEXTS)


def test_max_token_value_is_the_largest_id_not_the_size():
    """Ids with holes (a WordLevel file's own) and added tokens past them."""
    vocab = {"[UNK]": 4, "a": 0, "b": 9, "c": 2}
    model = {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"}
    document = json.dumps({"version": "1.0", "model": model, "pre_tokenizer": None})
    ours, ref = both(document)
    assert ours.max_token_value == max(ref.get_vocab().values()) == 9
    assert ours.add_tokens(["zz"]) == ref.add_tokens(["zz"]) == 1
    assert ours.max_token_value == max(ref.get_vocab().values())
    assert ours.token_to_id("zz") == ref.token_to_id("zz")
    empty = {"type": "WordLevel", "vocab": {}, "unk_token": "[UNK]"}
    assert tokkit.Tokenizer.from_str(json.dumps({"model": empty})).max_token_value is None


def test_add_special_tokens_marks_the_token():
    ours, ref = token_pair("<m>")
    tokkit.Tokenizer.from_str(FILES["gpt2"]()).add_special_tokens([ours])
    tokenizers.Tokenizer.from_str(FILES["gpt2"]()).add_special_tokens([ref])
    assert repr(ours) == repr(ref)


def test_hf_added_tokens_are_accepted():
    ours, ref = both(FILES["bert"]())
    token = tokenizers.AddedToken("<hf>", lstrip=True)
    assert ours.add_special_tokens([token]) == ref.add_special_tokens([token])
    assert token.special
    assert_same_state(ours, ref, ["a <hf> b"])


def test_bad_items_are_type_errors():
    ours, ref = both(FILES["gpt2"]())
    for bad in ([1], ["a", None], [b"bytes"]):
        with pytest.raises(TypeError):
            ref.add_tokens(bad)
        with pytest.raises(TypeError):
            ours.add_tokens(bad)
        with pytest.raises(TypeError):
            ours.add_special_tokens(bad)
    with pytest.raises(TypeError):
        ours.add_tokens(("a", "b"))
    assert ours.get_vocab_size() == ref.get_vocab_size()


def test_encode_special_tokens_like_hf(document):
    ours, ref = both(document)
    for tokenizer, module in ((ours, tokkit), (ref, tokenizers)):
        tokenizer.add_special_tokens(["<sp>", module.AddedToken("[[x]]", normalized=True)])
        tokenizer.add_tokens(["howdy"])
        assert tokenizer.encode_special_tokens is False
        tokenizer.encode_special_tokens = True
    assert ours.encode_special_tokens
    texts = [*TEXTS, "a [[x]] b <s></s>[CLS] [SEP]<|endoftext|>"]
    assert_same_state(ours, ref, texts)
    back = pickle.loads(pickle.dumps(ours))
    assert back.encode_special_tokens
    assert_same_state(back, ref, texts)
    ours.encode_special_tokens = ref.encode_special_tokens = False
    assert_same_state(ours, ref, texts)


def test_pickle_carries_added_tokens(document):
    ours, ref = both(document)
    for tokenizer, module in ((ours, tokkit), (ref, tokenizers)):
        tokenizer.add_special_tokens(["<sp>"])
        tokenizer.add_tokens([module.AddedToken("<x>", lstrip=True), "howdy"])
        tokenizer.add_tokens([module.AddedToken("<sp>", special=False)])
    data = pickle.dumps(ours)
    back = pickle.loads(data)
    assert pickle.dumps(back) == data
    assert_same_state(back, ref, TEXTS)


names = st.lists(
    st.one_of(
        st.sampled_from(["<x>", "[m]", "howdy", "the", "ab", "▁a", "Ġb", " q", "é", "a b"]),
        st.lists(interesting_chars, min_size=1, max_size=4).map("".join),
    ),
    min_size=0,
    max_size=6,
)
flags = st.fixed_dictionaries(
    {},
    optional={
        "single_word": st.booleans(),
        "lstrip": st.booleans(),
        "rstrip": st.booleans(),
        "normalized": st.booleans(),
        "special": st.booleans(),
    },
)
calls = st.lists(
    st.tuples(st.booleans(), st.lists(st.tuples(names, flags), max_size=3)), max_size=3
)


def _patterns_collide(ref: tokenizers.Tokenizer) -> bool:
    """Whether two normalized added tokens have the same normalized form:
    HF then finds one or the other at random (its trie's order is a hash
    map's)."""
    seen = set()
    for token in ref.get_added_tokens_decoder().values():
        if not token.normalized:
            continue
        form = token.content
        if ref.normalizer is not None:
            form = ref.normalizer.normalize_str(form)
        if form in seen:
            return True
        seen.add(form)
    return False


@pytest.mark.parametrize("name", ["bert", "gpt2", "rut5", "llama", "roberta-prefix-space"])
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=calls, text=texts)
def test_random_additions_like_hf(name, plan, text):
    ours, ref = both(_document(name))
    for special, groups in plan:
        method = "add_special_tokens" if special else "add_tokens"
        items_ours, items_ref = [], []
        for contents, options in groups:
            for content in contents:
                if options:
                    a, b = token_pair(content, **options)
                else:
                    a = b = content
                items_ours.append(a)
                items_ref.append(b)
        want = getattr(ref, method)(items_ref)
        assert getattr(ours, method)(items_ours) == want
    contents = [t.content for t in ref.get_added_tokens_decoder().values()]
    inputs = [text, " ".join(contents) + text, text.join(contents)]
    assume(not _patterns_collide(ref) and not _tokens_overlap(ref))
    assume(not _hf_panics(ref, inputs))
    assert_same_state(ours, ref, inputs)


def _tokens_overlap(ref: tokenizers.Tokenizer) -> bool:
    """Whether HF could cut overlapping pieces: a token found inside the
    spaces an ``rstrip`` token took, or a normalized token whose normalized
    form starts or ends with spaces the normalizer inserts (BERT's around
    CJK). HF may then panic or allocate without bound (tens of GB), so no
    comparison is possible."""
    tokens = list(ref.get_added_tokens_decoder().values())
    forms = [t.content for t in tokens]
    normalized = [t.content for t in tokens if t.normalized]
    if ref.normalizer is not None:
        normalized = [ref.normalizer.normalize_str(c) for c in normalized]
    if any(form != form.strip() for form in normalized):
        return True
    rstrip = any(t.rstrip for t in tokens)
    return rstrip and any(form[:1].isspace() for form in forms + normalized)


def _hf_panics(ref: tokenizers.Tokenizer, inputs: list[str]) -> bool:
    """Whether HF panics on one of ``inputs`` ("AddedVocabulary bad split":
    a token that starts inside the spaces an rstrip token took)."""
    try:
        for text in inputs:
            ref.encode(text)
    except BaseException as e:  # HF's PanicException derives from BaseException
        if type(e).__name__ != "PanicException":
            raise
        return True
    return False


_documents: dict[str, str] = {}


def _document(name: str) -> str:
    if name not in _documents:
        _documents[name] = FILES[name]()
    return _documents[name]


# --- to_str / save --------------------------------------------------------


def test_to_str_like_hf(document):
    ours, ref = both(document)
    for pretty in (False, True):
        assert json.loads(ours.to_str(pretty)) == json.loads(ref.to_str(pretty))
    for tokenizer in (ours, ref):
        tokenizer.enable_truncation(200, stride=3, strategy="only_first", direction="left")
        tokenizer.enable_padding(direction="left", pad_id=1, pad_token="<pad>", length=300)
        tokenizer.add_tokens(["howdy", "<x>"])
    assert json.loads(ours.to_str()) == json.loads(ref.to_str())
    for tokenizer in (ours, ref):
        tokenizer.no_padding()
        tokenizer.enable_padding(pad_to_multiple_of=8)
        tokenizer.no_truncation()
    assert json.loads(ours.to_str()) == json.loads(ref.to_str())


def test_save_loads_into_hf(document, tmp_path):
    ours, ref = both(document)
    for tokenizer in (ours, ref):
        tokenizer.add_special_tokens(["<sp>"])
        tokenizer.add_tokens(["howdy"])
    path = tmp_path / "tokenizer.json"
    ours.save(str(path))
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(ref.to_str())
    assert path.read_text(encoding="utf-8") == ours.to_str(pretty=True)
    again = tokenizers.Tokenizer.from_file(str(path))
    reloaded = tokkit.Tokenizer.from_file(str(path))
    for line in [*corpus_lines(12), *TEXTS]:
        assert again.encode(line).ids == ref.encode(line).ids
        assert reloaded.encode(line).ids == ref.encode(line).ids
    assert list(tmp_path.iterdir()) == [path]


def test_save_into_a_missing_folder_is_an_error(tmp_path):
    ours = tokkit.Tokenizer.from_str(FILES["gpt2"]())
    with pytest.raises(tokkit.TokkitError):
        ours.save(str(tmp_path / "missing" / "tokenizer.json"))


def test_gpt2_files_write_the_tokenizer_json_of_hf():
    """A tokenizer from GPT-2's vocab.json and merges.txt writes what HF's
    ``ByteLevelBPETokenizer`` over the same files writes, edits included."""
    vocab, merges = (shared_path("vocab", "gpt2", name) for name in ("encoder.json", "vocab.bpe"))
    ours = tokkit.Tokenizer.from_gpt2(str(vocab), str(merges))
    ref = tokenizers.ByteLevelBPETokenizer(str(vocab), str(merges))._tokenizer
    assert json.loads(ours.to_str()) == json.loads(ref.to_str())
    for tokenizer in (ours, ref):
        tokenizer.enable_truncation(20)
        tokenizer.add_special_tokens(["<|endoftext|>"])
        tokenizer.add_tokens(["howdy"])
    assert json.loads(ours.to_str()) == json.loads(ref.to_str())


def test_a_sentencepiece_model_has_no_exact_tokenizer_json():
    spm = tokkit.Tokenizer.from_sentencepiece(
        str(shared_path("vocab", "llama2-spm-bpe", "tokenizer.model"))
    )
    with pytest.raises(tokkit.UnsupportedError, match=r"tokkit\.convert"):
        spm.to_str()


# --- post_process, count_tokens ---------------------------------------------


def test_post_process_like_hf(document):
    """``post_process`` of sequences encoded without special tokens (and
    without the file's truncation and padding), under each setting."""
    ours, ref = both(document)
    lines = corpus_lines(9)[1:]
    inputs = []
    for tokenizer in (ours, ref):
        tokenizer.no_truncation()
        tokenizer.no_padding()
    for first, second in zip(lines, [None, *lines[:-1]], strict=True):
        encoded = []
        for tokenizer in (ours, ref):
            a = tokenizer.encode(first, add_special_tokens=False)
            b = None if second is None else tokenizer.encode(second, add_special_tokens=False)
            encoded.append((a, b))
        inputs.append(((first, second), encoded))
    for settings_step in range(3):
        for tokenizer in (ours, ref):
            if settings_step == 1:
                tokenizer.enable_truncation(12, stride=2)
            if settings_step == 2:
                tokenizer.enable_padding(length=40, pad_id=0)
        for context, [(ours_a, ours_b), (ref_a, ref_b)] in inputs:
            for add_special_tokens in (True, False):
                want = ref.post_process(ref_a, ref_b, add_special_tokens=add_special_tokens)
                got = ours.post_process(ours_a, ours_b, add_special_tokens=add_special_tokens)
                assert_same_encoding(got, want, context)


@pytest.mark.parametrize("name", ["bert", "gpt2", "rut5", "llama"])
@settings(max_examples=30, deadline=None)
@given(text=texts)
def test_count_tokens_is_the_number_of_ids(name, text):
    ours, ref = both(_document(name))
    ours.add_tokens(["howdy", "<x>"])
    ref.add_tokens(["howdy", "<x>"])
    text += " howdy<x>"
    for add_special_tokens in (True, False):
        want = len(ref.encode(text, add_special_tokens=add_special_tokens).ids)
        assert ours.count_tokens(text, add_special_tokens=add_special_tokens) == want
    assert ours.count_tokens_batch([text, "", text * 2], num_threads=2) == [
        len(e.ids) for e in ref.encode_batch([text, "", text * 2])
    ]
    for tokenizer in (ours, ref):
        tokenizer.enable_truncation(7)
    assert ours.count_tokens(text) == len(ref.encode(text).ids)
    for tokenizer in (ours, ref):
        tokenizer.enable_padding(pad_to_multiple_of=5)
    assert ours.count_tokens(text) == len(ref.encode(text).ids)


# --- DecodeStream -----------------------------------------------------------


def _stream_outputs(module, tokenizer, ids, skip, start=None) -> list:
    stream = module.decoders.DecodeStream(start, skip_special_tokens=skip)
    out = []
    for i, id_ in enumerate(ids):
        step = [id_, ids[i]] if i % 7 == 6 else id_
        try:
            out.append(stream.step(tokenizer, step))
        except Exception as e:
            out.append(type(e).__name__ == "Exception" or isinstance(e, tokkit.TokkitError))
            break
    return out


@pytest.mark.parametrize("name", ["gpt2", "llama", "rut5", "bert"])
@settings(max_examples=40, deadline=None)
@given(text=texts, data=st.data())
def test_decode_stream_like_hf(name, text, data):
    ours, ref = both(_document(name))
    ids = ref.encode(text).ids
    size = ref.get_vocab_size()
    noise = data.draw(st.lists(st.integers(0, size + 2), max_size=12))
    start = data.draw(st.none() | st.lists(st.integers(0, size - 1), max_size=3))
    for stream in (ids, ids[::-1], noise + ids):
        for skip in (False, True):
            want = _stream_outputs(tokenizers, ref, stream, skip, start)
            assert _stream_outputs(tokkit, ours, stream, skip, start) == want
