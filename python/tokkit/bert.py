"""BERT tokenization with the API of google-research/bert ``tokenization.py``.

The work runs in Rust; these classes hold the options. ``compat`` chooses whose
behaviour to reproduce exactly: ``"google"`` (the default, google's
``tokenization.py`` under CPython 3.11) or ``"hf"`` (Hugging Face
``tokenizers``' BertNormalizer + BertPreTokenizer + WordPiece).

>>> basic = BasicTokenizer()
>>> basic.tokenize("Héllo, WORLD!")
['hello', ',', 'world', '!']
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from tokkit import _tokkit
from tokkit.arrays import BatchArrays, _core_texts
from tokkit.errors import InvalidUtf8Error

__all__ = ["BasicTokenizer", "FullTokenizer", "WordpieceTokenizer", "load_vocab"]

# Longest word WordPiece tries before answering [UNK], per reference.
_MAX_CHARS_PER_WORD = {"google": 200, "hf": 100}


def _text(text: str | bytes) -> str:
    """Text as google's ``convert_to_unicode`` takes it: bytes are UTF-8, bad bytes dropped."""
    if isinstance(text, bytes):
        return text.decode("utf-8", "ignore")
    if isinstance(text, str):
        return text
    raise ValueError(f"Unsupported string type: {type(text)}")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _call(fn, arg):
    """Calls ``fn(arg)`` (a text or a list of texts). A lone surrogate, legal in
    a Python str but not in UTF-8, is passed as U+FFFF: a noncharacter that every
    BERT step treats as google's code treats a surrogate (not a control, space,
    punctuation or cased letter; in no vocabulary, so its word becomes [UNK])."""
    try:
        return fn(arg)
    except InvalidUtf8Error:
        if isinstance(arg, list):
            return fn([_SURROGATE.sub("\uffff", t) for t in arg])
        return fn(_SURROGATE.sub("\uffff", arg))


def load_vocab(vocab_file: str | os.PathLike, compat: str = "google") -> dict[str, int]:
    """Reads a ``vocab.txt`` into ``{token: id}`` (id order), as ``compat`` reads it."""
    return dict(_tokkit.read_vocab_txt_file(os.fspath(vocab_file), compat))


def _vocab_text(vocab: Mapping[str, int]) -> str | None:
    """``vocab`` as the text of a ``vocab.txt`` (one token a line, in id order)
    when that reads back to the same mapping, else None: ids ``0..n`` with no
    gap, and no token a line break or whitespace at either end could change."""
    tokens = sorted(vocab, key=vocab.__getitem__)
    if [vocab[t] for t in tokens] != list(range(len(tokens))):
        return None
    if any(not t or t != t.strip() or len(t.splitlines()) != 1 for t in tokens):
        return None
    return "\n".join(tokens) + "\n"


def _vocab_from_text(text: str) -> dict[str, int]:
    """The mapping :func:`_vocab_text` wrote."""
    return {token: i for i, token in enumerate(text.splitlines())}


class BasicTokenizer:
    """Clean-up, CJK splitting, lowercasing, accent stripping, punctuation splitting."""

    def __init__(
        self,
        do_lower_case: bool = True,
        vocab: Iterable[str] = (),
        *,
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        compat: str = "google",
    ) -> None:
        self.do_lower_case = do_lower_case
        self.vocab = vocab
        self.tokenize_chinese_chars = tokenize_chinese_chars
        self.strip_accents = strip_accents
        self.compat = compat
        self._build()

    def _build(self) -> None:
        self._core = _tokkit.BasicTokenizerCore(
            self.compat, self.do_lower_case, self.tokenize_chinese_chars, self.strip_accents
        )

    def __getstate__(self) -> dict[str, Any]:
        """Pickles the options; the Rust core is rebuilt from them."""
        state = self.__dict__.copy()
        del state["_core"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._build()

    def tokenize(self, text: str | bytes) -> list[str]:
        """The words of ``text``."""
        return _call(self._core.tokenize, _text(text))


class WordpieceTokenizer:
    """Greedy longest-match-first WordPiece over whitespace-separated words.

    >>> wp = WordpieceTokenizer({"un": 0, "##aff": 1, "##able": 2, "[UNK]": 3})
    >>> wp.tokenize("unaffable xyz")
    ['un', '##aff', '##able', '[UNK]']
    """

    def __init__(
        self,
        vocab: Mapping[str, int],
        unk_token: str = "[UNK]",
        max_input_chars_per_word: int = 200,
        *,
        compat: str = "google",
    ) -> None:
        self.vocab = vocab
        self.unk_token = unk_token
        self.max_input_chars_per_word = max_input_chars_per_word
        self.compat = compat
        self._core = _tokkit.WordPieceCore(dict(vocab), unk_token, max_input_chars_per_word, compat)

    def __getstate__(self) -> dict[str, Any]:
        """Pickles the options and the vocabulary as the text of a
        ``vocab.txt`` (a dict of 30,000 entries pickles to twice that size)."""
        state = self.__dict__.copy()
        del state["_core"]
        text = _vocab_text(self.vocab)
        if text is not None:
            state["vocab"] = text
            state["_vocab_is_text"] = True
        else:
            state["vocab"] = dict(self.vocab)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if state.pop("_vocab_is_text", False):
            state["vocab"] = _vocab_from_text(state["vocab"])
        self.__dict__.update(state)
        self._core = _tokkit.WordPieceCore(
            dict(self.vocab), self.unk_token, self.max_input_chars_per_word, self.compat
        )

    def tokenize(self, text: str | bytes) -> list[str]:
        """Word pieces of ``text`` (already normalised by BasicTokenizer)."""
        return _call(self._core.tokenize, _text(text))


class FullTokenizer:
    """BasicTokenizer then WordPiece: google's ``FullTokenizer``, plus a fast path.

    ``encode`` and ``encode_batch`` return ids in one call into Rust (the batch
    in parallel, without the GIL); they equal
    ``convert_tokens_to_ids(tokenize(text))``.
    """

    def __init__(
        self,
        vocab_file: str | os.PathLike,
        do_lower_case: bool = True,
        *,
        compat: str = "google",
        tokenize_chinese_chars: bool = True,
        strip_accents: bool | None = None,
        unk_token: str = "[UNK]",
        max_input_chars_per_word: int | None = None,
    ) -> None:
        if compat not in _MAX_CHARS_PER_WORD:
            raise ValueError(f'compat must be "google" or "hf", not {compat!r}')
        if max_input_chars_per_word is None:
            max_input_chars_per_word = _MAX_CHARS_PER_WORD[compat]
        # read through the Rust loader first, whose errors name the file
        vocab = load_vocab(vocab_file, compat)
        with open(vocab_file, "rb") as f:
            vocab_bytes = f.read()
        self._options = (
            do_lower_case,
            compat,
            tokenize_chinese_chars,
            strip_accents,
            unk_token,
            max_input_chars_per_word,
        )
        self._build(vocab, vocab_bytes)

    def __reduce__(self):
        """Pickles as the bytes of the ``vocab.txt`` it read and its options:
        the size of the file, and the same bytes whatever was encoded."""
        return (_rebuild_full_tokenizer, (self._vocab_bytes, self._options))

    def _build(self, vocab: dict[str, int], vocab_bytes: bytes) -> None:
        (
            do_lower_case,
            compat,
            tokenize_chinese_chars,
            strip_accents,
            unk_token,
            max_input_chars_per_word,
        ) = self._options
        self._vocab_bytes = vocab_bytes
        self.vocab = vocab
        self.inv_vocab = {v: k for k, v in self.vocab.items()}
        self.compat = compat
        self.basic_tokenizer = BasicTokenizer(
            do_lower_case,
            tokenize_chinese_chars=tokenize_chinese_chars,
            strip_accents=strip_accents,
            compat=compat,
        )
        self.wordpiece_tokenizer = WordpieceTokenizer(
            self.vocab, unk_token, max_input_chars_per_word, compat=compat
        )
        self._pipeline = _tokkit.BertPipeline(
            self.vocab,
            compat,
            do_lower_case,
            tokenize_chinese_chars,
            strip_accents,
            unk_token,
            max_input_chars_per_word,
        )

    def tokenize(self, text: str | bytes) -> list[str]:
        """Word pieces of ``text``."""
        return _call(self._pipeline.tokenize, _text(text))

    def encode(self, text: str | bytes) -> list[int]:
        """Ids of ``text`` in one call."""
        return _call(self._pipeline.encode, _text(text))

    def encode_batch(
        self, texts: Iterable[str | bytes], num_threads: int | None = None
    ) -> list[list[int]]:
        """Ids of every text, computed in parallel (all cores unless ``num_threads``)."""
        texts = [_text(t) for t in texts]
        return _call(lambda ts: self._pipeline.encode_batch(ts, num_threads), texts)

    def encode_batch_arrays(self, texts: Any, num_threads: int | None = None) -> BatchArrays:
        """Ids of every text into flat NumPy arrays, without a list per text
        (see :class:`tokkit.BatchArrays`). ``texts`` may be a list of str, a
        NumPy str or object array, or a pyarrow string array (read in place)."""
        try:
            return self._pipeline.encode_batch_arrays(texts, num_threads)
        except InvalidUtf8Error:
            strs = _core_texts(texts)[0] or []
            return _call(lambda ts: self._pipeline.encode_batch_arrays(ts, num_threads), strs)

    def convert_tokens_to_ids(self, tokens: Iterable[str]) -> list[int]:
        """Ids of token strings (KeyError for a token not in the vocabulary)."""
        return [self.vocab[t] for t in tokens]

    def convert_ids_to_tokens(self, ids: Iterable[int]) -> list[str]:
        """Token strings of ids (KeyError for an unknown id)."""
        return [self.inv_vocab[i] for i in ids]


def _rebuild_full_tokenizer(vocab_bytes: bytes, options: tuple[Any, ...]) -> FullTokenizer:
    """A pickled :class:`FullTokenizer` (see its ``__reduce__``)."""
    tokenizer = FullTokenizer.__new__(FullTokenizer)
    tokenizer._options = options
    vocab = dict(_tokkit.read_vocab_txt_bytes(vocab_bytes, options[1]))
    tokenizer._build(vocab, vocab_bytes)
    return tokenizer
