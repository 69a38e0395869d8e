"""tokkit's exceptions. Every error tokkit raises is a :class:`TokkitError`.

The classes are declared once, in the Rust extension; this module is where
users import them from.

>>> issubclass(TokkitFileNotFoundError, FileNotFoundError)
True
"""

from tokkit._tokkit import (
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

__all__ = [
    "CorpusFormatError",
    "EncodingError",
    "InvalidArgumentError",
    "InvalidUtf8Error",
    "TokkitError",
    "TokkitFileNotFoundError",
    "TokkitOSError",
    "TrainingError",
    "UnsupportedError",
    "VocabFormatError",
]
