"""tokkit: fast tokenizers with exact parity to the tools you already use."""

from typing import TYPE_CHECKING, Any

from tokkit import decoders
from tokkit._tokkit import AddedToken, Encoding, Tokenizer, __version__
from tokkit.arrays import BatchArrays
from tokkit.bert import BasicTokenizer, FullTokenizer, WordpieceTokenizer, load_vocab
from tokkit.conversion import convert
from tokkit.errors import (
    CorpusFormatError,
    EncodingError,
    InvalidArgumentError,
    InvalidUtf8Error,
    TokkitError,
    TokkitFileNotFoundError,
    TokkitOSError,
    TrainingError,
    UnsupportedError,
    VocabFormatError,
)
from tokkit.sentencepiece import SentencePieceProcessor, set_random_seed
from tokkit.tiktoken import TiktokenEncoding, load_tekken, load_tiktoken, load_tiktoken_bpe
from tokkit.train import (
    BpeTrainer,
    SentencePieceTrainer,
    UnigramTrainer,
    WordCounts,
    WordPieceTrainer,
    count_words,
)

__all__ = [
    "AddedToken",
    "BasicTokenizer",
    "BatchArrays",
    "BpeTrainer",
    "CorpusFormatError",
    "Encoding",
    "EncodingError",
    "FullTokenizer",
    "InvalidArgumentError",
    "InvalidUtf8Error",
    "SentencePieceProcessor",
    "SentencePieceTrainer",
    "TiktokenEncoding",
    "Tokenizer",
    "TokkitError",
    "TokkitFileNotFoundError",
    "TokkitOSError",
    "TrainingError",
    "UnigramTrainer",
    "UnsupportedError",
    "VocabFormatError",
    "WordCounts",
    "WordPieceTrainer",
    "WordpieceTokenizer",
    "__version__",
    "convert",
    "count_words",
    "decoders",
    "encode_corpus",
    "load_tekken",
    "load_tiktoken",
    "load_tiktoken_bpe",
    "load_vocab",
    "set_random_seed",
]

if TYPE_CHECKING:
    from tokkit.corpus.driver import encode_corpus


def __getattr__(name: str) -> Any:
    # encode_corpus needs NumPy, which takes longer to import than the rest of
    # tokkit and starts OpenBLAS's threads: imported when first asked for.
    if name == "encode_corpus":
        from tokkit.corpus.driver import encode_corpus

        return encode_corpus
    raise AttributeError(f"module 'tokkit' has no attribute {name!r}")
