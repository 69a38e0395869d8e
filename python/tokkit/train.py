"""Training vocabularies.

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
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from tokkit import _tokkit

__all__ = ["BERT_SPECIAL_TOKENS", "WordPieceTrainer"]

BERT_SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


class WordPieceTrainer:
    """Learns a WordPiece vocabulary from text files.

    The corpus is normalised and split as HF's BERT pipeline does (BertNormalizer,
    BertPreTokenizer), streamed in chunks, and counted on all cores; the result
    is the same whatever the thread count. ``train`` writes ``vocab.txt``
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
        # a progress bar only on a terminal, unless asked
        self.show_progress = sys.stderr.isatty() if show_progress is None else show_progress

    def train(
        self,
        files: Iterable[str | os.PathLike],
        output_dir: str | os.PathLike,
        *,
        skip_invalid: bool = False,
        num_threads: int | None = None,
    ) -> dict:
        """Trains on ``files`` and writes the vocabulary to ``output_dir``.

        Returns a summary dict (``vocab_size``, ``alphabet_size``,
        ``distinct_words``, ``lines``, ``bytes``, ``skipped_lines``, file paths).
        Lines that are not valid UTF-8 raise ``InvalidUtf8Error`` naming the file
        and byte offset, or are skipped and counted with ``skip_invalid``.
        """
        return _tokkit.train_wordpiece(
            [os.fspath(f) for f in files],
            os.fspath(Path(output_dir)),
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
