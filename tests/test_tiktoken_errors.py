"""Corrupt or wrong ``.tiktoken`` files and bad arguments give clear tokkit
errors naming the file and line, never a crash."""

from __future__ import annotations

import pytest
from conftest import shared_path

import tokkit


def write(tmp_path, text: str):
    path = tmp_path / "ranks.tiktoken"
    path.write_text(text, encoding="ascii")
    return path


GOOD = "IQ== 0\nIg== 1\nIw== 2\n"


@pytest.mark.parametrize(
    ("contents", "line", "fragment"),
    [
        (GOOD + "J 3\n", 4, "base64"),
        (GOOD + "JA==\n", 4, "truncated"),
        (GOOD + "JA== 1\n", 4, "rank 1 already used on line 2"),
        (GOOD + "JA== three\n", 4, "invalid rank"),
        (GOOD + "JA== 3 4\n", 4, "expected"),
        (GOOD + "JA", 4, "truncated"),
        ("IQ== 0\n\nIg", 3, "truncated"),
    ],
)
def test_corrupt_rank_file(tmp_path, contents, line, fragment):
    path = write(tmp_path, contents)
    with pytest.raises(tokkit.VocabFormatError) as err:
        tokkit.load_tiktoken(path, "r50k_base")
    message = str(err.value)
    assert f"{path}:{line}:" in message
    assert fragment in message


def test_truncated_real_file(tmp_path):
    data = shared_path("vocab", "tiktoken", "r50k_base.tiktoken").read_bytes()
    cut = data.index(b"\n", 5000) + 3  # three characters into the next line
    path = tmp_path / "cut.tiktoken"
    path.write_bytes(data[:cut])
    with pytest.raises(tokkit.VocabFormatError) as err:
        tokkit.load_tiktoken(path, "r50k_base")
    line = data[:cut].count(b"\n") + 1
    assert f":{line}:" in str(err.value)


def test_empty_file(tmp_path):
    with pytest.raises(tokkit.VocabFormatError):
        tokkit.load_tiktoken(write(tmp_path, "\n\n"), "r50k_base")


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        tokkit.load_tiktoken(tmp_path / "nope.tiktoken", "r50k_base")
    with pytest.raises(tokkit.TokkitFileNotFoundError):
        tokkit.load_tiktoken(tmp_path / "nope.tiktoken", "r50k_base")


def test_unknown_encoding_name(tmp_path):
    with pytest.raises(tokkit.InvalidArgumentError, match="unknown tiktoken encoding"):
        tokkit.load_tiktoken(write(tmp_path, GOOD), "gpt5_base")


def test_bad_constructor_arguments():
    ranks = {bytes([b]): b for b in range(256)}
    with pytest.raises(tokkit.InvalidArgumentError, match="split pattern"):
        tokkit.TiktokenEncoding("x", pat_str="(unclosed", mergeable_ranks=ranks, special_tokens={})
    with pytest.raises(ValueError, match="explicit_n_vocab"):
        tokkit.TiktokenEncoding(
            "x", pat_str=r"\S+", mergeable_ranks=ranks, special_tokens={}, explicit_n_vocab=10
        )
    with pytest.raises(tokkit.InvalidArgumentError, match="empty"):
        tokkit.TiktokenEncoding(
            "x", pat_str=r"\S+", mergeable_ranks=ranks, special_tokens={"": 300}
        )


def test_vocabulary_without_a_byte_is_an_error_not_a_crash():
    enc = tokkit.TiktokenEncoding(
        "x", pat_str=r"\S+|\s+", mergeable_ranks={b"a": 0, b"b": 1}, special_tokens={}
    )
    assert enc.encode_ordinary("ab") == [0, 1]
    with pytest.raises(tokkit.EncodingError, match="0x63"):
        enc.encode_ordinary("abc")
