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
from tokkit.tiktoken import TiktokenEncoding, load_tiktoken

__all__ = [
    "EncodingError",
    "InvalidArgumentError",
    "InvalidUtf8Error",
    "TiktokenEncoding",
    "TokkitError",
    "TokkitFileNotFoundError",
    "TrainingError",
    "UnsupportedError",
    "VocabFormatError",
    "__version__",
    "load_tiktoken",
]
