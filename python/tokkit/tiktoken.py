"""tiktoken-compatible encodings, without network access.

:func:`load_tiktoken` reads a ``.tiktoken`` rank file for one of tiktoken's
named encodings; :func:`load_tiktoken_bpe` reads any rank file into the dict
``tiktoken.load.load_tiktoken_bpe`` returns; :func:`load_tekken` reads a
Mistral ``tekken.json``; :class:`TiktokenEncoding` is
built like ``tiktoken.Encoding`` and has its API and its output, id for id.

>>> ranks = {bytes([b]): b for b in range(256)} | {b"ab": 256, b" a": 257}
>>> enc = TiktokenEncoding(
...     "toy", pat_str=r" ?\\w+|\\s+|.", mergeable_ranks=ranks,
...     special_tokens={"<|endoftext|>": 258})
>>> enc.encode("ab ab")  # " ab": "ab" (rank 256) merges before " a" (257)
[256, 32, 256]
>>> enc.encode("a a")
[97, 257]
>>> enc.decode([256, 32, 256])
'ab ab'
>>> enc.encode("ab<|endoftext|>", allowed_special="all")
[256, 258]
"""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any, Literal

from tokkit._tokkit import TiktokenCore
from tokkit._tokkit import load_tiktoken_bpe as _load_tiktoken_bpe
from tokkit.arrays import BatchArrays, _core_texts
from tokkit.errors import InvalidArgumentError, InvalidUtf8Error

if TYPE_CHECKING:
    import numpy

__all__ = ["TiktokenEncoding", "load_tekken", "load_tiktoken", "load_tiktoken_bpe"]

AllOr = Literal["all"]


def _replace_surrogates(text: str) -> str:
    """tiktoken's fix-up for a ``str`` that is not valid UTF-8: surrogate pairs
    become their character, lone surrogates U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _clean(texts: Sequence[str]) -> list[str]:
    out = []
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _replace_surrogates(text)
        out.append(text)
    return out


def _listed(items: Any) -> Any:
    """``items`` as a list: tiktoken maps its batch calls over any iterable."""
    return items if isinstance(items, list) else list(items)


def _thread_count(num_threads: Any) -> int:
    """The core's thread count (0: one per core) for tiktoken's
    ``ThreadPoolExecutor(num_threads)``: ``None`` is its default, and a
    count must be greater than 0."""
    if num_threads is None:
        return 0
    if isinstance(num_threads, str | bytes) or not hasattr(num_threads, "__float__"):
        raise TypeError(f"num_threads must be a number, not {type(num_threads).__name__}")
    if not num_threads > 0:
        raise InvalidArgumentError(f"num_threads must be greater than 0, not {num_threads}")
    return int(min(num_threads, 1 << 16))


def _specials(allowed_special: Any, disallowed_special: Any) -> tuple[Any, Any]:
    """The special-token arguments as tiktoken reads them: ``allowed_special``
    is ``"all"`` or a set, and disallowed text is looked for only when
    ``disallowed_special`` is truthy, and only for its str entries."""
    if allowed_special != "all" and not isinstance(allowed_special, AbstractSet):
        # tiktoken takes the set difference with it: a set is needed.
        kind = type(allowed_special).__name__
        raise TypeError(f"allowed_special must be 'all' or a set of str, not {kind}")
    if not disallowed_special:
        return allowed_special, ()
    if disallowed_special != "all":
        # An entry that is not a str matches no text in tiktoken.
        disallowed_special = frozenset(t for t in disallowed_special if isinstance(t, str))
    return allowed_special, disallowed_special


class TiktokenEncoding:
    """A byte-level BPE encoding with tiktoken's API and semantics.

    Built like ``tiktoken.Encoding``: a name, a split pattern ``pat_str``,
    ``mergeable_ranks`` (token bytes to rank) and ``special_tokens`` (text to
    id). The tiktoken patterns (r50k/p50k, cl100k, o200k) run on hand-written
    splitters; any other pattern on fancy-regex, the engine tiktoken uses.
    Immutable and safe to share between threads; encoding releases the GIL.
    """

    def __init__(
        self,
        name: str,
        *,
        pat_str: str,
        mergeable_ranks: dict[bytes, int],
        special_tokens: dict[str, int],
        explicit_n_vocab: int | None = None,
    ) -> None:
        core = TiktokenCore(name, pat_str, mergeable_ranks, special_tokens)
        self._setup(core)
        if explicit_n_vocab:
            total = len(mergeable_ranks) + len(special_tokens)
            if total != explicit_n_vocab or self.max_token_value != explicit_n_vocab - 1:
                raise ValueError(
                    f"explicit_n_vocab={explicit_n_vocab} but the encoding has {total} tokens "
                    f"and a largest id of {self.max_token_value}"
                )

    @classmethod
    def _from_core(cls, core: TiktokenCore) -> TiktokenEncoding:
        enc = cls.__new__(cls)
        enc._setup(core)
        return enc

    def _setup(self, core: TiktokenCore) -> None:
        self._core = core
        self.name: str = core.name
        self._pat_str: str = core.pat_str
        self._special_tokens: dict[str, int] = core.special_tokens
        self.max_token_value: int = core.max_token_value
        self._special_token_values = set(self._special_tokens.values())
        self.special_tokens_set: set[str] = set(self._special_tokens)

    def __repr__(self) -> str:
        return f"<TiktokenEncoding {self.name!r}>"

    def __reduce__(self):
        """Pickles as what rebuilds it: the name, the split pattern, the ranks
        as the text of a ``.tiktoken`` file (the size of the file, not a dict
        of 100,000 ``bytes``) and the special tokens in their order. Nothing an
        encode call does changes these, so the bytes never change."""
        specials = list(self._special_tokens.items())
        return (_rebuild, (self.name, self._pat_str, self._core.ranks_file(), specials))

    # Encoding

    def encode_ordinary(self, text: str) -> list[int]:
        """Encodes ``text``, treating special-token text as ordinary text."""
        try:
            return self._core.encode_ordinary(text)
        except InvalidUtf8Error:
            return self._core.encode_ordinary(_replace_surrogates(text))

    def encode(
        self,
        text: str,
        *,
        allowed_special: AllOr | AbstractSet[str] = frozenset(),
        disallowed_special: AllOr | Collection[str] = "all",
    ) -> list[int]:
        """Encodes ``text``. Special tokens in ``allowed_special`` become their
        ids; text matching one in ``disallowed_special`` (by default every
        special token not allowed) raises ``ValueError``, as in tiktoken."""
        allowed_special, disallowed_special = _specials(allowed_special, disallowed_special)
        try:
            return self._core.encode(text, allowed_special, disallowed_special)
        except InvalidUtf8Error:
            text = _replace_surrogates(text)
            return self._core.encode(text, allowed_special, disallowed_special)

    def encode_ordinary_batch(
        self, text: Sequence[str], *, num_threads: int = 8
    ) -> list[list[int]]:
        """:meth:`encode_ordinary` for many texts, on ``num_threads`` threads."""
        texts, threads = _listed(text), _thread_count(num_threads)
        try:
            return self._core.encode_ordinary_batch(texts, threads)
        except InvalidUtf8Error:
            return self._core.encode_ordinary_batch(_clean(texts), threads)

    def encode_batch(
        self,
        text: Sequence[str],
        *,
        num_threads: int = 8,
        allowed_special: AllOr | AbstractSet[str] = frozenset(),
        disallowed_special: AllOr | Collection[str] = "all",
    ) -> list[list[int]]:
        """:meth:`encode` for many texts, on ``num_threads`` threads."""
        texts, threads = _listed(text), _thread_count(num_threads)
        allowed_special, disallowed_special = _specials(allowed_special, disallowed_special)
        try:
            return self._core.encode_batch(texts, threads, allowed_special, disallowed_special)
        except InvalidUtf8Error:
            return self._core.encode_batch(
                _clean(texts), threads, allowed_special, disallowed_special
            )

    def encode_batch_arrays(
        self,
        text: Any,
        *,
        num_threads: int = 8,
        allowed_special: AllOr | AbstractSet[str] = frozenset(),
        disallowed_special: AllOr | Collection[str] = "all",
        ordinary: bool = False,
    ) -> BatchArrays:
        """:meth:`encode_batch` (or, with ``ordinary``,
        :meth:`encode_ordinary_batch`) into flat NumPy arrays, without a list
        per text: see :class:`tokkit.BatchArrays`. ``text`` may be a list of
        str, a NumPy str or object array, or a pyarrow string array (read in
        place)."""
        threads = _thread_count(num_threads)
        allowed_special, disallowed_special = _specials(allowed_special, disallowed_special)
        args = (threads, allowed_special, disallowed_special, ordinary)
        try:
            return self._core.encode_batch_arrays(text, *args)
        except InvalidUtf8Error:
            return self._core.encode_batch_arrays(_clean(_core_texts(text)[0] or []), *args)

    def encode_to_numpy(
        self,
        text: str,
        *,
        allowed_special: AllOr | AbstractSet[str] = frozenset(),
        disallowed_special: AllOr | Collection[str] = "all",
    ) -> numpy.ndarray:
        """:meth:`encode` as a ``uint32`` NumPy array, without building a
        list (needs NumPy; like tiktoken's, a lone surrogate raises)."""
        import numpy

        allowed_special, disallowed_special = _specials(allowed_special, disallowed_special)
        buffer = self._core.encode_to_buffer(text, allowed_special, disallowed_special)
        return numpy.frombuffer(buffer, dtype=numpy.uint32)

    def count_tokens(
        self,
        text: str,
        *,
        allowed_special: AllOr | AbstractSet[str] = frozenset(),
        disallowed_special: AllOr | Collection[str] = "all",
    ) -> int:
        """``len(encode(text, ...))``, with the same arguments and errors,
        counted without building the list."""
        allowed_special, disallowed_special = _specials(allowed_special, disallowed_special)
        try:
            return self._core.count_tokens(text, allowed_special, disallowed_special)
        except InvalidUtf8Error:
            text = _replace_surrogates(text)
            return self._core.count_tokens(text, allowed_special, disallowed_special)

    def count_tokens_batch(
        self,
        text: Sequence[str],
        *,
        num_threads: int = 8,
        allowed_special: AllOr | AbstractSet[str] = frozenset(),
        disallowed_special: AllOr | Collection[str] = "all",
    ) -> list[int]:
        """:meth:`count_tokens` for many texts, on ``num_threads`` threads."""
        texts, threads = _listed(text), _thread_count(num_threads)
        allowed_special, disallowed_special = _specials(allowed_special, disallowed_special)
        args = (threads, allowed_special, disallowed_special)
        try:
            return self._core.count_tokens_batch(texts, *args)
        except InvalidUtf8Error:
            return self._core.count_tokens_batch(_clean(texts), *args)

    def encode_single_token(self, text_or_bytes: str | bytes) -> int:
        """The id of the token that is exactly ``text_or_bytes`` (special tokens
        included); ``KeyError`` when there is none."""
        if isinstance(text_or_bytes, str):
            text_or_bytes = text_or_bytes.encode("utf-8")
        return self._core.encode_single_token(text_or_bytes)

    # Decoding

    def decode_bytes(self, tokens: Sequence[int]) -> bytes:
        """The bytes of ``tokens``, concatenated."""
        return self._core.decode_bytes(tokens)

    def decode(self, tokens: Sequence[int], errors: str = "replace") -> str:
        """The text of ``tokens``; bytes that are not UTF-8 are handled by
        ``errors`` (as ``bytes.decode``)."""
        return self._core.decode_bytes(tokens).decode("utf-8", errors=errors)

    def decode_single_token_bytes(self, token: int) -> bytes:
        """The bytes of one token; ``KeyError`` for an unknown id."""
        return self._core.decode_single_token_bytes(token)

    def decode_tokens_bytes(self, tokens: Sequence[int]) -> list[bytes]:
        """The bytes of each token."""
        return [self._core.decode_single_token_bytes(t) for t in tokens]

    def decode_with_offsets(self, tokens: Sequence[int]) -> tuple[str, list[int]]:
        """The text of ``tokens`` and where each token starts in it, in
        characters: a token that starts inside a character starts at that
        character. Bytes that are not UTF-8 raise, as in tiktoken.

        >>> ranks = {bytes([b]): b for b in range(256)}
        >>> enc = TiktokenEncoding(
        ...     "bytes", pat_str=".", mergeable_ranks=ranks, special_tokens={})
        >>> enc.decode_with_offsets([104, 0xC3, 0xA9, 33])  # h, é in two bytes, !
        ('hé!', [0, 1, 1, 2])
        """
        data, offsets = self._core.decode_with_offsets(_listed(tokens))
        return data.decode("utf-8", errors="strict"), offsets

    def decode_batch(
        self, batch: Sequence[Sequence[int]], *, errors: str = "replace", num_threads: int = 8
    ) -> list[str]:
        """:meth:`decode` for many token lists."""
        return [self.decode(tokens, errors) for tokens in batch]

    def decode_bytes_batch(
        self, batch: Sequence[Sequence[int]], *, num_threads: int = 8
    ) -> list[bytes]:
        """:meth:`decode_bytes` for many token lists."""
        return [self._core.decode_bytes(tokens) for tokens in batch]

    # Miscellaneous

    def token_byte_values(self) -> list[bytes]:
        """Every ordinary token's bytes, sorted."""
        return self._core.token_byte_values()

    @property
    def eot_token(self) -> int:
        """The id of ``<|endoftext|>``."""
        return self._special_tokens["<|endoftext|>"]

    @property
    def n_vocab(self) -> int:
        """The largest id + 1."""
        return self.max_token_value + 1

    def is_special_token(self, token: int) -> bool:
        """Whether ``token`` is a special token's id."""
        if not isinstance(token, int):
            raise TypeError(f"token must be an int, not {type(token).__name__}")
        return token in self._special_token_values


def _rebuild(
    name: str, pat_str: str, ranks_file: bytes, special_tokens: list[tuple[str, int]]
) -> TiktokenEncoding:
    """A pickled :class:`TiktokenEncoding` (see ``__reduce__``)."""
    core = TiktokenCore.from_ranks_file(name, pat_str, ranks_file, special_tokens)
    return TiktokenEncoding._from_core(core)


def load_tiktoken(path: str | os.PathLike[str], name: str) -> TiktokenEncoding:
    """Loads a ``.tiktoken`` rank file as tiktoken's encoding ``name``
    (``r50k_base``, ``p50k_base``, ``p50k_edit``, ``cl100k_base`` or
    ``o200k_base``), which selects its split pattern and special tokens.

    A corrupt file raises :class:`tokkit.VocabFormatError` naming the line.
    """
    return TiktokenEncoding._from_core(TiktokenCore.load(os.fspath(path), name))


def load_tiktoken_bpe(path: str | os.PathLike[str]) -> dict[bytes, int]:
    """Reads a ``.tiktoken`` rank file into ``{token bytes: rank}``, the dict
    ``tiktoken.load.load_tiktoken_bpe`` returns for it, for building a
    :class:`TiktokenEncoding` with any pattern (Qwen, Llama 3, ...).

    Read as tiktoken reads it: empty lines are skipped, a repeated token keeps
    its last rank, padding alone is the empty token. A line tiktoken cannot
    parse raises :class:`tokkit.VocabFormatError` naming it (tiktoken's
    ``ValueError``), and so does a rank beyond 64 bits.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "toy.tiktoken"
    >>> _ = path.write_text("YQ== 0\\nYg== 1\\nYWI= 2\\n")
    >>> load_tiktoken_bpe(path)
    {b'a': 0, b'b': 1, b'ab': 2}
    """
    return _load_tiktoken_bpe(os.fspath(path))


def load_tekken(path: str | os.PathLike[str]) -> TiktokenEncoding:
    """Loads a Mistral ``tekken.json`` as ``mistral_common``'s ``Tekkenizer``
    reads it: the special tokens take ids ``0..n`` (listed ones, then
    ``<SPECIAL_i>`` up to ``default_num_special_tokens``), the ordinary ranks,
    cut to ``default_vocab_size``, follow them.

    ``encode_ordinary(text)`` gives ``Tekkenizer.encode(text, bos=False,
    eos=False)``: Tekkenizer never reads special tokens out of the text. They
    are this encoding's special tokens, so ``encode`` refuses their text
    unless it is allowed, as any tiktoken encoding does, and ``decode`` spells
    them out (Tekkenizer's ``SpecialTokenPolicy.KEEP``). A file Tekkenizer
    refuses raises :class:`tokkit.VocabFormatError`.
    """
    return TiktokenEncoding._from_core(TiktokenCore.load_tekken(os.fspath(path)))
