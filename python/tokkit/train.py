"""Training vocabularies: WordPiece, BPE (over characters or bytes), and
sentencepiece models (Unigram, BPE, CHAR, WORD), and the word counts they learn
from.

Every trainer cuts the text into words, counts them on all cores, learns, and
writes its files (each to a temporary, then renamed). The counts can also be
made apart (other processes, other machines), added with ``+``, saved, and
handed to ``train_from_counts``: the result is the same as training on the
text.

WordPiece merges are chosen by likelihood, as in the original WordPiece
(Schuster & Nakajima 2012): the pair ``(a, b)`` with the highest
``count(ab) / (count(a) * count(b))`` is merged next, not the most frequent pair.

>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> corpus = folder / "corpus.txt"
>>> _ = corpus.write_text("low lower lowest newer newest wider\\n" * 20, encoding="utf-8")
>>> summary = WordPieceTrainer(vocab_size=40, show_progress=False).train([corpus], folder)
>>> summary["vocab_size"] <= 40
True
>>> from tokkit import FullTokenizer
>>> pieces = FullTokenizer(folder / "vocab.txt").tokenize("widest")
>>> "".join(p.removeprefix("##") for p in pieces)
'widest'

BPE merges the most frequent pair, exactly as HF ``tokenizers``' ``BpeTrainer``:

>>> trainer = BpeTrainer(vocab_size=300, byte_level=True, show_progress=False)
>>> summary = trainer.train([corpus], folder / "bpe")
>>> sorted(summary["files"])
['merges', 'tiktoken', 'tokenizer', 'vocab']
>>> from tokkit import Tokenizer
>>> tok = Tokenizer.from_file(summary["tokenizer_file"])
>>> tok.decode(tok.encode("the newest lower").ids)
'the newest lower'
"""

from __future__ import annotations

import os
import sys
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from itertools import islice
from pathlib import Path

from tokkit import _tokkit
from tokkit._tokkit import WordCounts

__all__ = [
    "BERT_SPECIAL_TOKENS",
    "BpeTrainer",
    "SentencePieceTrainer",
    "UnigramTrainer",
    "WordCounts",
    "WordPieceTrainer",
    "count_words",
]

BERT_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")

# Texts handed to Rust at a time by ``train_from_iterator``: large enough that
# counting runs on all cores, small enough that a generator is never held whole.
_BATCH = 10_000


def _show_progress(show_progress: bool | None) -> bool:
    # a progress bar only on a terminal, unless asked
    return sys.stderr.isatty() if show_progress is None else show_progress


def _count_texts(
    texts: Iterable[str], split: _tokkit.WordSplit, num_threads: int | None
) -> WordCounts:
    counts = WordCounts()
    iterator = iter(texts)
    start = 0
    while batch := list(islice(iterator, _BATCH)):
        for i, text in enumerate(batch):
            if not isinstance(text, str):
                raise TypeError(
                    f"texts[{start + i}] is {type(text).__name__}, not str: "
                    "train from an iterable of str"
                )
        counts = counts + _tokkit.count_text_words(batch, split, num_threads)
        start += len(batch)
    return counts


def _files(files: Iterable[str | os.PathLike] | str | os.PathLike) -> list[str]:
    if isinstance(files, str | os.PathLike):
        files = [files]
    return [os.fspath(f) for f in files]


def count_words(
    files_or_texts: Iterable[str | os.PathLike] | str | os.PathLike,
    *,
    pre_tokenizer: str | None = None,
    pattern: str | None = None,
    normalizer: str | None = None,
    byte_level: bool = False,
    texts: bool = False,
    skip_invalid: bool = False,
    num_threads: int | None = None,
    show_progress: bool | None = None,
) -> WordCounts:
    """Counts the words of corpus files (or, with ``texts=True``, of strings,
    each one whole sequence) as a trainer with the same settings cuts them.

    The options are ``BpeTrainer``'s. Counts made in several places add up with
    ``+`` and go to any trainer's ``train_from_counts``; they pickle, and
    ``save``/``WordCounts.load`` use sentencepiece's ``word<TAB>count`` lines.

    >>> counts = count_words(["a rose is a rose"], texts=True)
    >>> counts["rose"], len(counts)
    (2, 3)
    >>> (counts + counts)["a"]
    4
    """
    split = _tokkit.WordSplit.named(normalizer, pre_tokenizer, pattern, byte_level)
    return _count(
        files_or_texts, split, texts, skip_invalid, num_threads, _show_progress(show_progress)
    )


def _count(
    files_or_texts: Iterable[str | os.PathLike] | str | os.PathLike,
    split: _tokkit.WordSplit,
    texts: bool,
    skip_invalid: bool,
    num_threads: int | None,
    show_progress: bool,
) -> WordCounts:
    if texts:
        return _count_texts(files_or_texts, split, num_threads)  # type: ignore[arg-type]
    return _tokkit.count_file_words(
        _files(files_or_texts), split, skip_invalid, num_threads, show_progress
    )


class _Trainer(ABC):
    """What every trainer does with its split: the three ways to train."""

    show_progress: bool

    @abstractmethod
    def _split(self) -> _tokkit.WordSplit:
        """How this trainer cuts text into words."""

    @abstractmethod
    def _run(
        self,
        source: list[str] | WordCounts,
        output_dir: str,
        skip_invalid: bool,
        num_threads: int | None,
    ) -> dict:
        """Trains on files or counts and writes the files."""

    def train(
        self,
        files: Iterable[str | os.PathLike],
        output_dir: str | os.PathLike,
        *,
        skip_invalid: bool = False,
        num_threads: int | None = None,
    ) -> dict:
        """Trains on ``files`` (read line by line, as HF reads them) and writes the
        vocabulary files into ``output_dir``.

        Returns a summary dict: ``vocab_size``, ``alphabet_size``,
        ``distinct_words``, ``lines``, ``bytes``, ``skipped_lines``, the written
        ``files`` by kind, and the seconds spent counting and learning. Lines that
        are not valid UTF-8 raise ``InvalidUtf8Error`` naming the file and byte
        offset, or are skipped and counted with ``skip_invalid``.
        """
        return self._run(_files(files), os.fspath(Path(output_dir)), skip_invalid, num_threads)

    def train_from_iterator(
        self,
        texts: Iterable[str],
        output_dir: str | os.PathLike,
        *,
        num_threads: int | None = None,
    ) -> dict:
        """Trains on any iterable of ``str`` (a list, a generator, a ``datasets``
        column), each item one sequence, and writes the files into ``output_dir``."""
        counts = _count_texts(texts, self._split(), num_threads)
        return self.train_from_counts(counts, output_dir)

    def train_from_counts(self, counts: WordCounts, output_dir: str | os.PathLike) -> dict:
        """Trains on word counts (``count_words``, ``WordCounts.load``, or shards
        added up); counts made with other settings than this trainer's are
        refused."""
        if not isinstance(counts, WordCounts):
            raise TypeError(f"counts must be a tokkit.WordCounts, not {type(counts).__name__}")
        return self._run(counts, os.fspath(Path(output_dir)), False, None)

    def count(
        self,
        files_or_texts: Iterable[str | os.PathLike],
        *,
        texts: bool = False,
        skip_invalid: bool = False,
        num_threads: int | None = None,
    ) -> WordCounts:
        """The word counts this trainer learns from, for ``train_from_counts``."""
        return _count(
            files_or_texts, self._split(), texts, skip_invalid, num_threads, self.show_progress
        )


class WordPieceTrainer(_Trainer):
    """Learns a WordPiece vocabulary.

    The corpus is normalised and split as HF's BERT pipeline does (BertNormalizer,
    BertPreTokenizer), streamed in chunks, and counted on all cores; the result
    is the same whatever the thread count. Training writes ``vocab.txt``
    (Google format: special tokens, then characters, then pieces) and a
    ``tokenizer.json`` that HF ``tokenizers`` loads.
    """

    def __init__(
        self,
        vocab_size: int = 30522,
        min_frequency: int = 2,
        *,
        lowercase: bool = True,
        special_tokens: Sequence[str] = BERT_SPECIAL_TOKENS,
        unk_token: str = "[UNK]",
        limit_alphabet: int | None = None,
        show_progress: bool | None = None,
    ) -> None:
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency
        self.lowercase = lowercase
        self.special_tokens = list(special_tokens)
        self.unk_token = unk_token
        self.limit_alphabet = limit_alphabet
        self.show_progress = _show_progress(show_progress)

    def _split(self) -> _tokkit.WordSplit:
        return _tokkit.WordSplit.bert(self.lowercase)

    def _run(self, source, output_dir, skip_invalid, num_threads) -> dict:
        return _tokkit.train_wordpiece(
            source,
            output_dir,
            self.vocab_size,
            self.min_frequency,
            self.lowercase,
            self.special_tokens,
            self.unk_token,
            self.limit_alphabet,
            skip_invalid,
            num_threads,
            self.show_progress,
        )


class BpeTrainer(_Trainer):
    """Learns a BPE vocabulary with the semantics of HF ``tokenizers``'
    ``BpeTrainer``: given the same corpus and settings, the same vocabulary (token
    to id) and the same merges in the same order.

    With ``byte_level=True`` it is GPT-2-style byte-level BPE: the text is split by
    ``pattern`` (``"gpt2"``, HF's ``ByteLevel`` regex, by default; ``"cl100k"``,
    ``"o200k"`` or any regex) and learning starts from all 256 bytes. Otherwise it
    learns over characters, split by ``pre_tokenizer`` (``"whitespace"``, HF's
    ``Whitespace``, by default; ``"bert"``, ``"metaspace"`` or ``"none"``, which
    keeps each line one sequence). ``normalizer`` is ``"none"`` (default),
    ``"nfc"``, ``"nfkc"`` or ``"lowercase"``.

    Training writes ``tokenizer.json``, ``vocab.json`` + ``merges.txt`` and, for
    byte-level BPE, ``tokenizer.tiktoken`` (rank = id, special tokens left out).
    tiktoken merges by the rank of the merged bytes where HF follows its merge
    list, so the two can split a few words differently: the summary's
    ``tiktoken_agreement`` is the share of the corpus' words they split alike,
    and ``tokenizer.json`` is the tokenizer the training defines.
    """

    def __init__(
        self,
        vocab_size: int = 30000,
        min_frequency: int = 0,
        *,
        special_tokens: Sequence[str] = (),
        limit_alphabet: int | None = None,
        initial_alphabet: Iterable[str] = (),
        max_token_length: int | None = None,
        continuing_subword_prefix: str | None = None,
        end_of_word_suffix: str | None = None,
        byte_level: bool = False,
        pre_tokenizer: str | None = None,
        pattern: str | None = None,
        normalizer: str | None = None,
        show_progress: bool | None = None,
    ) -> None:
        self.vocab_size = vocab_size
        self.min_frequency = min_frequency
        self.special_tokens = list(special_tokens)
        self.limit_alphabet = limit_alphabet
        # HF takes the first character of each string
        self.initial_alphabet = [s[0] for s in initial_alphabet if s]
        self.max_token_length = max_token_length
        self.continuing_subword_prefix = continuing_subword_prefix
        self.end_of_word_suffix = end_of_word_suffix
        self.byte_level = byte_level
        self.pre_tokenizer = pre_tokenizer
        self.pattern = pattern
        self.normalizer = normalizer
        self.show_progress = _show_progress(show_progress)
        # checks the names now rather than after counting a corpus
        self._split()

    def _split(self) -> _tokkit.WordSplit:
        return _tokkit.WordSplit.named(
            self.normalizer, self.pre_tokenizer, self.pattern, self.byte_level
        )

    def _run(self, source, output_dir, skip_invalid, num_threads) -> dict:
        return _tokkit.train_bpe(
            source,
            output_dir,
            self.vocab_size,
            self.min_frequency,
            self.special_tokens,
            self.limit_alphabet,
            self.initial_alphabet,
            self.max_token_length,
            self.continuing_subword_prefix,
            self.end_of_word_suffix,
            self._split(),
            skip_invalid,
            num_threads,
            self.show_progress,
        )


class SentencePieceTrainer(_Trainer):
    """Trains a sentencepiece model as ``spm_train`` does: ``model_type`` is
    ``"unigram"`` (default), ``"bpe"``, ``"char"`` or ``"word"``, and every other
    option is spm_train's, by the same name (``vocab_size``, ``character_coverage``,
    ``max_piece_length`` for ``max_sentencepiece_length``, ``seed_size`` for
    ``seed_sentencepiece_size``, ``normalization`` for ``normalization_rule_name``,
    ``byte_fallback``, ``split_digits``, ``user_defined_symbols``, ``unk_id``, ...).

    The corpus is read line by line, each distinct line kept once with its count
    (sentencepiece holds every line), and lines longer than spm_train's 4192-byte
    limit are trained on, not dropped. Training writes ``spm.model`` and
    ``spm.vocab`` as spm_train writes them, which ``sentencepiece`` and
    ``tokkit.SentencePieceProcessor`` load, and for Unigram and BPE a
    ``tokenizer.json``.

    The Unigram learner is sentencepiece 0.2.3's EM, with its float arithmetic and
    its split of the words over ``num_threads``.
    """

    def __init__(
        self,
        model_type: str = "unigram",
        vocab_size: int = 8000,
        *,
        show_progress: bool | None = None,
        **options,
    ) -> None:
        self.model_type = model_type
        self.options = {"vocab_size": vocab_size, **options}
        self.show_progress = _show_progress(show_progress)
        # refuses bad names, ranges and ids now rather than after counting a corpus
        _tokkit.check_spm_options(model_type, self.options)

    def _split(self) -> _tokkit.WordSplit:
        return _tokkit.WordSplit.lines()

    def _run(self, source, output_dir, skip_invalid, num_threads) -> dict:
        return _tokkit.train_spm(
            source,
            output_dir,
            self.model_type,
            self.options,
            skip_invalid,
            num_threads,
            self.show_progress,
        )


class UnigramTrainer(SentencePieceTrainer):
    """``SentencePieceTrainer(model_type="unigram", ...)``: Kudo's Unigram language
    model, trained as sentencepiece trains it.

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> corpus = folder / "corpus.txt"
    >>> _ = corpus.write_text("low lower lowest newer newest wider\\n" * 20, encoding="utf-8")
    >>> summary = UnigramTrainer(vocab_size=15, show_progress=False).train([corpus], folder)
    >>> summary["vocab_size"]
    15
    >>> from tokkit import SentencePieceProcessor
    >>> sp = SentencePieceProcessor(model_file=str(folder / "spm.model"))
    >>> sp.decode(sp.encode("newest lower"))
    'newest lower'
    """

    def __init__(self, vocab_size: int = 8000, *, show_progress: bool | None = None, **options):
        super().__init__("unigram", vocab_size, show_progress=show_progress, **options)
