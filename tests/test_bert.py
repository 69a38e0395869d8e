"""BERT classes on hand-checked cases (the expectations of google-research/bert
``tokenization_test.py``) and their options."""

import pytest

import tokkit


def test_basic_tokenizer_lower():
    t = tokkit.BasicTokenizer(do_lower_case=True)
    assert t.tokenize(" \tHeLLo!how  \n Are yoU?  ") == ["hello", "!", "how", "are", "you", "?"]
    assert t.tokenize("H\u00e9llo") == ["hello"]


def test_basic_tokenizer_no_lower():
    t = tokkit.BasicTokenizer(do_lower_case=False)
    assert t.tokenize(" \tHeLLo!how  \n Are yoU?  ") == ["HeLLo", "!", "how", "Are", "yoU", "?"]


def test_chinese():
    t = tokkit.BasicTokenizer()
    assert t.tokenize("ah\u535a\u63a8zz") == ["ah", "\u535a", "\u63a8", "zz"]


def test_wordpiece_tokenizer():
    vocab = ["[UNK]", "[CLS]", "[SEP]", "want", "##want", "##ed", "wa", "un", "runn", "##ing"]
    t = tokkit.WordpieceTokenizer({token: i for i, token in enumerate(vocab)})
    assert t.tokenize("") == []
    assert t.tokenize("unwanted running") == ["un", "##want", "##ed", "runn", "##ing"]
    assert t.tokenize("unwantedX running") == ["[UNK]", "runn", "##ing"]


def test_full_tokenizer(tmp_path):
    vocab = ["[UNK]", "[CLS]", "[SEP]", "want", "##want", "##ed", "wa", "un", "runn", "##ing", ","]
    path = tmp_path / "vocab.txt"
    path.write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    t = tokkit.FullTokenizer(path)
    tokens = t.tokenize("UNwant\u00e9d,running")
    assert tokens == ["un", "##want", "##ed", ",", "runn", "##ing"]
    assert t.convert_tokens_to_ids(tokens) == [7, 4, 5, 10, 8, 9]
    assert t.encode("UNwant\u00e9d,running") == [7, 4, 5, 10, 8, 9]
    assert t.convert_ids_to_tokens([7, 4]) == ["un", "##want"]
    assert t.encode_batch(["want", "runn"], num_threads=2) == [[3], [8]]


def test_options_change_the_result():
    text = "Ünïcödé 中文"
    assert tokkit.BasicTokenizer(strip_accents=False).tokenize(text) == ["ünïcödé", "中", "文"]
    assert tokkit.BasicTokenizer(tokenize_chinese_chars=False).tokenize(text) == [
        "unicode",
        "中文",
    ]


def test_compat_is_checked(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("[UNK]\n", encoding="utf-8")
    with pytest.raises(ValueError):
        tokkit.FullTokenizer(path, compat="nope")


def test_missing_vocab_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        tokkit.FullTokenizer(tmp_path / "missing.txt")
    assert isinstance(info.value, tokkit.TokkitError)


def test_vocab_not_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_bytes(b"[UNK]\nok\n\xff\xfe\n")
    with pytest.raises(tokkit.VocabFormatError, match=r"vocab.txt:3:"):
        tokkit.FullTokenizer(path)


def test_empty_vocab_is_an_error(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_bytes(b"")
    with pytest.raises(tokkit.VocabFormatError):
        tokkit.FullTokenizer(path)
