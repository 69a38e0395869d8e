"""BERT through ``Tokenizer.from_file``: the ids a run without offsets gives
(WordPiece's ids straight from its whole-word lookup and trie, the special
tokens put in front of the sequence's columns in place) and the full
encodings made on first read are HF's, on uncased BERT's tokenizer.json and
on a cased one HF writes from bert-base-cased's vocab.txt (BertProcessing
rather than a template). The text is aimed at what WordPiece and BERT's
normalizer handle apart: accents, CJK, control and format characters, words
past ``max_input_chars_per_word``, punctuation, characters no entry covers,
rests of words that are a continuation entry whole, and the special tokens'
own text. Cold and warm, interleaved with other text, and in a batch on two
threads."""

from __future__ import annotations

import functools

import pytest
import tokenizers
from conftest import corpus_lines, shared_path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lazy_paths import lazy_from_now, untruncated_pair
from strategies import interesting_chars

import tokkit

# Words: whole entries, words whose rests are continuation entries whole
# ("##ing", "##ly"), letters no entry continues, and long runs.
WORDS = (
    "the",
    "unaffable",
    "running",
    "quickly",
    "tokenization",
    # about the 15 bytes a whole-word key packs
    "accomplishments",
    "responsibilities",
    "internationalization",
    "unaccomplishments",
    "Straße",
    "naïve",
    "Ångström",
    "ΣΊΣΥΦΟΣ",
    "İstanbul",
    "東京",
    "中文字",
    "ｶﾀｶﾅ",
    "한국어",
    "Ⅻ",
    "ﬁne",
    "e\u0301",
    "a\u0308\u0324",
    "x" * 99,
    "x" * 100,
    "y" * 101,
    "é" * 101,
    "ab" * 60,
    "##ing",
    "##",
)
PUNCTUATION = ".,;:!?'\"()[]{}<>-_/\\@#$%^&*+=~`|¡¿«»—…、。「」"
ODD = "\x00\x01\x7f\x85\xa0\u00ad\u200b\u200d\u2028\u3000\ue000\ufeff\ufffd\U0001f600\U0010fffd"
SPECIALS = ("[CLS]", "[SEP]", "[MASK]", "[UNK]", "[PAD]")


def _pieces(words: tuple[str, ...]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(words),
        st.sampled_from(PUNCTUATION),
        st.sampled_from(ODD),
        st.sampled_from(" \t\n\r "),
        interesting_chars,
    )


bert_texts = st.lists(_pieces(WORDS + SPECIALS), max_size=40).map("".join)
# FullTokenizer, as Google's BERT, has no added tokens: "[CLS]" is text to it
texts_without_specials = st.lists(_pieces(WORDS), max_size=40).map("".join)


def _cased_json() -> str:
    """The tokenizer.json HF writes for cased BERT from its vocab.txt."""
    from tokenizers.implementations import BertWordPieceTokenizer

    vocab = shared_path("vocab", "bert-base-cased", "vocab.txt")
    return BertWordPieceTokenizer(str(vocab), lowercase=False).to_str()


FILES = {
    "uncased": lambda: shared_path("vocab", "bert-base-uncased", "tokenizer.json").read_text(
        encoding="utf-8"
    ),
    "cased": _cased_json,
}


@pytest.fixture(scope="module", params=list(FILES))
def pair_of(request) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    return untruncated_pair(FILES[request.param]())


def _details(encoding) -> tuple:
    return (
        encoding.ids,
        encoding.tokens,
        encoding.offsets,
        encoding.word_ids,
        encoding.type_ids,
        encoding.special_tokens_mask,
        encoding.attention_mask,
    )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(text=bert_texts, pair=st.none() | bert_texts)
def test_ids_alone_then_the_full_encoding_are_hf(pair_of, text, pair):
    ours, ref = pair_of
    for add_special_tokens in (True, False):
        lazy_from_now(ours)
        expected = ref.encode(text, pair, add_special_tokens=add_special_tokens)
        got = ours.encode(text, pair, add_special_tokens=add_special_tokens)
        assert got.ids == expected.ids, (text, pair)
        # read after the ids: made on first read, from the same input
        assert _details(got) == _details(expected), (text, pair)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=bert_texts, other=bert_texts)
def test_cold_warm_and_interleaved_agree(pair_of, text, other):
    ours, ref = pair_of
    lazy_from_now(ours)
    cold = ours.encode(text).ids
    ours.encode(other)
    tokkit.Tokenizer.from_str(FILES["uncased"]()).encode(text + other)
    warm = ours.encode(text).ids
    full = ours.encode(text)
    assert cold == warm == ref.encode(text).ids
    assert _details(full) == _details(ref.encode(text))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(bert_texts, min_size=1, max_size=12))
def test_a_two_thread_batch_is_hf(pair_of, batch):
    ours, ref = pair_of
    want = ref.encode_batch(batch)
    lazy_from_now(ours)
    got = ours.encode_batch(batch, num_threads=2)
    assert [e.ids for e in got] == [e.ids for e in want]
    got = ours.encode_batch(batch, num_threads=2)
    assert [_details(e) for e in got] == [_details(e) for e in want]


def test_corpus_documents_in_batches(pair_of):
    ours, ref = pair_of
    docs = corpus_lines(200)
    want = ref.encode_batch(docs)
    for threads in (1, 2):
        lazy_from_now(ours)
        got = ours.encode_batch(docs, num_threads=threads)
        assert [e.ids for e in got] == [e.ids for e in want]
        assert [_details(e) for e in got[:50]] == [_details(e) for e in want[:50]]


@SETTINGS
@given(text=texts_without_specials)
def test_full_tokenizer_gives_the_same_ids_as_hf(text):
    """FullTokenizer (HF compat) shares the pipeline and WordPiece with the
    tokenizer.json path: the same ids, without the special tokens."""
    ours, ref = _uncased_full_tokenizer(), _uncased_hf()
    assert ours.encode(text) == ref.encode(text, add_special_tokens=False).ids, text


@functools.cache
def _uncased_full_tokenizer() -> tokkit.FullTokenizer:
    vocab = shared_path("vocab", "bert-base-uncased", "vocab.txt")
    return tokkit.FullTokenizer(vocab, compat="hf")


@functools.cache
def _uncased_hf() -> tokenizers.Tokenizer:
    ref = tokenizers.Tokenizer.from_str(FILES["uncased"]())
    ref.no_truncation()
    ref.no_padding()
    return ref
