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

from tokkit import _tokkit

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
    except UnicodeEncodeError:
        if isinstance(arg, list):
            return fn([_SURROGATE.sub("\uffff", t) for t in arg])
        return fn(_SURROGATE.sub("\uffff", arg))


def load_vocab(vocab_file: str | os.PathLike, compat: str = "google") -> dict[str, int]:
    """Reads a ``vocab.txt`` into ``{token: id}`` (id order), as ``compat`` reads it."""
    return dict(_tokkit.read_vocab_txt_file(os.fspath(vocab_file), compat))


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
        self._core = _tokkit.BasicTokenizerCore(
            compat, do_lower_case, tokenize_chinese_chars, strip_accents
        )

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
        self._core = _tokkit.WordPieceCore(dict(vocab), unk_token, max_input_chars_per_word, compat)

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
        self.vocab = load_vocab(vocab_file, compat)
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

    def convert_tokens_to_ids(self, tokens: Iterable[str]) -> list[int]:
        """Ids of token strings (KeyError for a token not in the vocabulary)."""
        return [self.vocab[t] for t in tokens]

    def convert_ids_to_tokens(self, ids: Iterable[int]) -> list[str]:
        """Token strings of ids (KeyError for an unknown id)."""
        return [self.inv_vocab[i] for i in ids]
