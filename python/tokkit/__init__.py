"""tokkit: fast tokenizers with exact parity to the tools you already use."""

from tokkit._tokkit import __version__
from tokkit.errors import (
    EncodingError,
    InvalidArgumentError,
    InvalidUtf8Error,
    TokkitError,
    TokkitFileNotFoundError,
    TrainingError,
    UnsupportedError,
    VocabFormatError,
)
from tokkit.sentencepiece import SentencePieceProcessor, set_random_seed

__all__ = [
    "EncodingError",
    "InvalidArgumentError",
    "InvalidUtf8Error",
    "SentencePieceProcessor",
    "TokkitError",
    "TokkitFileNotFoundError",
    "TrainingError",
    "UnsupportedError",
    "VocabFormatError",
    "__version__",
    "set_random_seed",
]
