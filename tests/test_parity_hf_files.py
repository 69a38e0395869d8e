"""Tokenizer files in the shapes other projects save (``hf_variants``) against
HF ``tokenizers``: every Encoding field with and without special tokens, on
every corpus and on generated text, single and pairs, batches and decoding
(RoBERTa's files also go through the alignment checks of
``test_parity_hf_alignment``)."""

from __future__ import annotations

import pytest
import tokenizers
from conftest import corpus_files
from hf_checks import assert_batch_like_hf, assert_same_encoding
from hf_variants import (
    NORMALIZED_ADDED,
    SHARED_ID_TOKENS,
    byte_level_normalizer_json,
    byte_level_then_json,
    clip_json,
    ctc_json,
    fixed_length_json,
    metaspace_normalized_added_json,
    missing_bytes_json,
    normalized_added_json,
    regex_replace_decoder_json,
    roberta_json,
    sequence_post_json,
    shared_id_json,
    specials_in_vocab_json,
    word_level_json,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import corpus_splices, interesting_chars, texts
from tokenizers import Regex, decoders

import tokkit

FILES = {
    "roberta": lambda: roberta_json(prefix_space=False, trim_offsets=True),
    "roberta-prefix-space": lambda: roberta_json(prefix_space=True, trim_offsets=False),
    "specials-in-vocab": specials_in_vocab_json,
    "missing-bytes": missing_bytes_json,
    "missing-bytes-unk": lambda: missing_bytes_json(unk_token="<|endoftext|>"),
    "clip": clip_json,
    "clip-no-unk": lambda: clip_json(unk_token=None),
    "wordlevel": word_level_json,
    "ctc": ctc_json,
    "byte-level-normalizer": byte_level_normalizer_json,
    "fixed-length": fixed_length_json,
    "sequence-post": sequence_post_json,
    "regex-replace-decoder": regex_replace_decoder_json,
    "falcon": lambda: byte_level_then_json("falcon"),
    "digits-after-byte-level": lambda: byte_level_then_json("digits"),
    "nested-after-byte-level": lambda: byte_level_then_json("nested"),
    "digits-before-byte-level": lambda: byte_level_then_json("before"),
    "prefix-space-normalized-added": lambda: normalized_added_json("plain"),
    "prefix-space-normalized-added-lowercase": lambda: normalized_added_json("lowercase"),
    "prefix-space-normalized-added-falcon": lambda: normalized_added_json("falcon"),
    "metaspace-normalized-added": lambda: metaspace_normalized_added_json("always"),
    "metaspace-first-normalized-added": lambda: metaspace_normalized_added_json("first"),
    "metaspace-after-split": lambda: metaspace_normalized_added_json("always", after_split=True),
    "metaspace-first-after-split": lambda: metaspace_normalized_added_json(
        "first", after_split=True
    ),
}


@pytest.fixture(scope="module", params=list(FILES))
def pair_of(request):
    text = FILES[request.param]()
    return tokkit.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text)


def lines() -> list[str]:
    out = []
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        out += [line[:200] for line in text.splitlines() if line.strip()][:3]
    return out


def assert_same(ours, ref, first, second=None):
    for add_special_tokens in (True, False):
        got = ours.encode(first, second, add_special_tokens=add_special_tokens)
        want = ref.encode(first, second, add_special_tokens=add_special_tokens)
        assert_same_encoding(got, want, (first, second))
    ids = want.ids
    assert ours.decode(ids) == ref.decode(ids), (first, second)


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_every_corpus(pair_of, path):
    assert_same(*pair_of, path.read_text(encoding="utf-8")[:20000])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=texts, second=st.none() | texts)
def test_generated_text(pair_of, first, second):
    assert_same(*pair_of, first, second)


# The normalized added tokens spliced into corpus text, beside spaces.
with_added = corpus_splices(
    corpus_files(), st.sampled_from([*NORMALIZED_ADDED, " ", "  ", "\n", "1"]) | interesting_chars
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=with_added, second=st.none() | with_added)
def test_added_tokens_in_text(pair_of, first, second):
    assert_same(*pair_of, first, second)


def test_batches_of_pairs_and_decoding(pair_of):
    ours, ref = pair_of
    texts = lines()
    pairs = list(zip(texts, texts[1:] + texts[:1], strict=True))
    for add_special_tokens in (True, False):
        assert_batch_like_hf(ours, ref, texts, add_special_tokens=add_special_tokens)
        assert_batch_like_hf(ours, ref, pairs, add_special_tokens=add_special_tokens)
    for first, second in pairs:
        ids = ref.encode(first, second).ids
        for skip in (True, False):
            got = ours.decode(ids, skip_special_tokens=skip)
            assert got == ref.decode(ids, skip_special_tokens=skip), (first, second)
    assert ours.num_special_tokens_to_add(True) == ref.num_special_tokens_to_add(True)
    vocab = ref.get_vocab()
    spelled = [t for t in vocab if not t.isascii()][:50]
    for token in [*spelled, "<|endoftext|>", "\u00c3"]:
        assert ours.token_to_id(token) == ref.token_to_id(token), token
        assert ours.id_to_token(vocab.get(token, 0)) == ref.id_to_token(vocab.get(token, 0))


def test_word_level_without_its_unknown_token_fails_as_hf():
    """HF's WordLevel fails a word it lacks when the unknown token is not in
    the vocabulary either; tokkit raises EncodingError."""
    text = word_level_json(unk_token="<missing>")
    ours, ref = tokkit.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text)
    assert ours.encode("the king").ids == ref.encode("the king").ids
    with pytest.raises(Exception, match="Missing"):
        ref.encode("the xyzzyq king")
    with pytest.raises(tokkit.EncodingError, match="xyzzyq"):
        ours.encode("the xyzzyq king")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=corpus_splices(corpus_files(), st.sampled_from([" infantry", " the", "infantry"])))
def test_two_tokens_sharing_an_id_encode_as_hf(text):
    """HF loads a vocabulary where two tokens share an id, and so does
    tokkit: the same ids and offsets; the shared id decodes to one of its
    two tokens (HF's choice follows its hash map's order)."""
    if "shared" not in _loaded:
        document = shared_id_json()
        _loaded["shared"] = (
            tokkit.Tokenizer.from_str(document),
            tokenizers.Tokenizer.from_str(document),
        )
    ours, ref = _loaded["shared"]
    got, want = ours.encode(text), ref.encode(text)
    assert (got.ids, got.offsets) == (want.ids, want.offsets)
    assert ours.get_vocab_size() == ref.get_vocab_size()
    shared = ref.token_to_id(SHARED_ID_TOKENS[1])
    assert ours.token_to_id(SHARED_ID_TOKENS[0]) == shared
    chosen = ours.id_to_token(shared)
    assert chosen in SHARED_ID_TOKENS
    # HF's decoder on the tokens, with tokkit's choice for the shared id
    tokens = [chosen if i == shared else ref.id_to_token(i) for i in want.ids]
    assert ours.decode(want.ids) == ref.decoder.decode(tokens)


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(st.integers(0, 40), max_size=60))
def test_ctc_decoding_as_hf(ids):
    """Runs of one id collapse, pads vanish, ``|`` is a space, and the
    WordPiece cleanup runs, as HF's CTC decoder does."""
    if "ctc" not in _loaded:
        text = ctc_json()
        _loaded["ctc"] = (tokkit.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text))
    ours, ref = _loaded["ctc"]
    assert ours.decode(ids) == ref.decode(ids)
    assert ours.decode(ids, skip_special_tokens=False) == ref.decode(ids, skip_special_tokens=False)


_loaded: dict = {}


def test_catastrophic_replace_decoder_regex_is_a_tokkit_error():
    """A decoder regex that backtracks past Oniguruma's limit (HF panics)
    raises TokkitError from decode and decode_batch."""
    ref = tokenizers.Tokenizer.from_str(regex_replace_decoder_json())
    long_token = "ab " * 2_000 + "!"
    ref.add_tokens([long_token])
    ref.decoder = decoders.Replace(Regex(r"(\w+\s?)*$"), "")
    ours = tokkit.Tokenizer.from_str(ref.to_str())
    assert ours.decode([64]) == ref.decode([64])
    with pytest.raises(tokkit.TokkitError, match="backtracks"):
        ours.decode([ref.token_to_id(long_token)])
    with pytest.raises(tokkit.TokkitError, match="backtracks"):
        ours.decode_batch([[64], [ref.token_to_id(long_token)]])
