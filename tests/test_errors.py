import pytest

import tokkit
from tokkit import errors


def test_hierarchy():
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), tokkit.TokkitError)
    assert issubclass(errors.TokkitFileNotFoundError, FileNotFoundError)
    assert issubclass(errors.InvalidUtf8Error, UnicodeError)
    assert issubclass(errors.InvalidArgumentError, ValueError)
    # an Exception, so `except Exception` catches every tokkit error
    assert issubclass(tokkit.TokkitError, Exception)


def test_raise_and_catch():
    with pytest.raises(tokkit.TokkitError):
        raise errors.VocabFormatError("x")
