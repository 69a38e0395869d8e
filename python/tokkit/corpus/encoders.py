"""Every tokkit tokenizer seen the same way by the corpus driver: the ids of a
batch as flat arrays, the largest id, and its special tokens by name.

A tokenizer.json's truncation and padding are never applied to a corpus
(the shared GPT-2 file truncates to 50 tokens): they are off while the
corpus is encoded, back on after, and the summary says so.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
from collections.abc import Callable
from typing import Any

from tokkit._tokkit import Tokenizer
from tokkit.arrays import BatchArrays
from tokkit.bert import FullTokenizer
from tokkit.conversion import source_files
from tokkit.errors import InvalidArgumentError
from tokkit.sentencepiece import SentencePieceProcessor
from tokkit.tiktoken import TiktokenEncoding

# Tried in order when no token is named: the spellings of end-of-text and
# beginning-of-text in the common vocabularies (GPT-2 uses <|endoftext|> for both).
EOS_NAMES = ("<|endoftext|>", "</s>", "<|end_of_text|>", "<eos>", "[SEP]")
BOS_NAMES = ("<s>", "<|begin_of_text|>", "<bos>", "[CLS]", "<|endoftext|>")

Tokenizers = Tokenizer | FullTokenizer | SentencePieceProcessor | TiktokenEncoding


class CorpusEncoder:
    """A tokenizer, as :func:`tokkit.encode_corpus` uses it."""

    def __init__(self, tokenizer: Tokenizers, add_special_tokens: bool = True) -> None:
        self.notes: list[str] = []
        self.ignored: dict[str, Any] = {"truncation": None, "padding": None}
        # A Tokenizer's pickle is taken now, before the run turns its
        # truncation off; the digest is taken when first needed.
        self._tokenizer = tokenizer
        self._state = pickle.dumps(tokenizer) if isinstance(tokenizer, Tokenizer) else None
        # the keywords of the tokenizer's `encode_batch_arrays` for a corpus
        self.batch_args: dict[str, Any] = {}
        self._lookup: Callable[[str], int | None]
        # gives the tokenizer back the settings the run turned off
        self.restore: Callable[[], None] = lambda: None
        if isinstance(tokenizer, Tokenizer):
            self._tokenizer_json(tokenizer, add_special_tokens)
        elif isinstance(tokenizer, FullTokenizer):
            vocab = tokenizer.vocab
            self.id_bound = max(vocab.values(), default=-1) + 1
            self._lookup = vocab.get
        elif isinstance(tokenizer, SentencePieceProcessor):
            self._sentencepiece(tokenizer)
        elif isinstance(tokenizer, TiktokenEncoding):
            self.id_bound = tokenizer.max_token_value + 1
            self._lookup = _tiktoken_special(tokenizer)
            self.batch_args = {"ordinary": True}
        else:
            raise TypeError(
                "tokenizer must be a tokkit Tokenizer, FullTokenizer, SentencePieceProcessor "
                f"or TiktokenEncoding, not {type(tokenizer).__name__}"
            )

    def _tokenizer_json(self, tokenizer: Tokenizer, add_special_tokens: bool) -> None:
        truncation, padding = tokenizer.truncation, tokenizer.padding
        for name, setting in (("truncation", truncation), ("padding", padding)):
            if setting is not None:
                self.ignored[name] = setting
                self.notes.append(
                    f"the tokenizer's {name} ({_describe(setting)}) was not applied: "
                    "every token of every document is written"
                )
        # Turned off for the run and back on after it (see `restore`): a copy
        # would parse the tokenizer again, 0.1 s for GPT-2's.
        tokenizer.no_truncation()
        tokenizer.no_padding()

        def restore() -> None:
            if truncation is not None:
                tokenizer.enable_truncation(**truncation)
            if padding is not None:
                tokenizer.enable_padding(**padding)

        self.restore = restore
        self.id_bound = (tokenizer.max_token_value or 0) + 1
        self._lookup = tokenizer.token_to_id
        self.batch_args = {"add_special_tokens": add_special_tokens}

    def _sentencepiece(self, sp: SentencePieceProcessor) -> None:
        self.id_bound = sp.get_piece_size()
        named = {"eos": sp.eos_id(), "bos": sp.bos_id()}

        def lookup(token: str) -> int | None:
            found = sp.piece_to_id(token)
            return found if sp.id_to_piece(found) == token else None

        self._lookup = lookup
        self._sp_ids = {k: v for k, v in named.items() if v >= 0}

    @functools.cached_property
    def fingerprint(self) -> str:
        """The SHA-256 of the tokenizer's pickle, to refuse resuming a run
        with another tokenizer (10 ms for cl100k's, whose ranks are pickled
        as text: taken once the first shard is done, and only for shards)."""
        state = self._state if self._state is not None else pickle.dumps(self._tokenizer)
        return hashlib.sha256(state).hexdigest()

    def encode(self, texts: Any, threads: int) -> BatchArrays:
        """The ids of ``texts``, end to end."""
        return self._tokenizer.encode_batch_arrays(texts, num_threads=threads, **self.batch_args)

    def special_id(self, which: str, token: str | None) -> int:
        """The id of the end-of-text (``which="eos"``) or beginning-of-text
        (``"bos"``) token: ``token`` when named, else the model's own
        (sentencepiece) or the first of the usual spellings it has."""
        if token is not None:
            found = self._lookup(token)
            if found is None:
                raise InvalidArgumentError(f"{token!r} is not a token of this tokenizer")
            return found
        own = getattr(self, "_sp_ids", {}).get(which)
        if own is not None:
            return own
        names = EOS_NAMES if which == "eos" else BOS_NAMES
        for name in names:
            found = self._lookup(name)
            if found is not None:
                return found
        flag = "--append-eos" if which == "eos" else "--prepend-bos"
        raise InvalidArgumentError(
            f"{flag}: this tokenizer has none of the usual {which.upper()} tokens "
            f"({', '.join(names)}); name one with --{which}-token"
        )


def _describe(setting: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in setting.items() if v is not None)


def _tiktoken_special(encoding: TiktokenEncoding) -> Callable[[str], int | None]:
    def lookup(token: str) -> int | None:
        if token not in encoding.special_tokens_set:
            return None
        return encoding.encode_single_token(token)

    return lookup


def load_tokenizer(
    *,
    tokenizer: str | None = None,
    vocab: str | None = None,
    merges: str | None = None,
    spm: str | None = None,
    tiktoken: str = "",
    encoding: str | None = None,
    pattern: str | None = None,
    lowercase: bool = True,
    compat: str = "google",
) -> Tokenizers:
    """The tokenizer the command line names: a tokenizer.json, a BERT
    vocab.txt, GPT-2's vocab.json and merges.txt, a sentencepiece .model, or
    a .tiktoken rank file with its encoding's name or a split pattern."""
    kind, files = source_files(
        tokenizer=tokenizer, vocab=vocab, merges=merges, spm=spm, tiktoken=tiktoken
    )
    path = str(files[0])
    if kind == "tokenizer.json":
        return Tokenizer.from_file(path)
    if kind == "gpt2":
        return Tokenizer.from_gpt2(path, str(files[1]))
    if kind == "vocab.txt":
        return FullTokenizer(path, do_lower_case=lowercase, compat=compat)
    if kind == "sentencepiece":
        return SentencePieceProcessor(model_file=path)
    if pattern is not None:
        from tokkit.tiktoken import load_tiktoken_bpe

        name = encoding or os.path.basename(tiktoken).split(".")[0]
        return TiktokenEncoding(
            name, pat_str=pattern, mergeable_ranks=load_tiktoken_bpe(tiktoken), special_tokens={}
        )
    if encoding is None:
        raise InvalidArgumentError(
            "--tiktoken needs --encoding (r50k_base, p50k_base, cl100k_base, o200k_base, ...) "
            "or --pattern REGEX"
        )
    from tokkit.tiktoken import load_tiktoken

    return load_tiktoken(tiktoken, encoding)
