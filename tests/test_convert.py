"""``tokkit.convert`` against the references: each converted file, loaded by
its own library (HF ``tokenizers`` for tokenizer.json, ``tiktoken`` for
``.tiktoken``), gives the ids the source gives in its reference (tiktoken,
HF's ``ByteLevelBPETokenizer`` and ``BertWordPieceTokenizer``, Google's
BERT ``tokenization.py``, ``sentencepiece``) on the shared corpora and on generated text. What the
target cannot express is refused, and nothing is written."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sentencepiece
import tiktoken
import tiktoken.load
import tokenizers
from conftest import corpus_files, shared_path
from google_bert import tokenization
from hypothesis import given, settings
from references import tiktoken_encoding
from strategies import corpus_splices, interesting_chars

import tokkit
from tokkit.cli import main

Encode = Callable[[str], list[int]]

SPM_MODELS = {
    "llama2": ("llama2-spm-bpe", "tokenizer.model"),
    "rut5": ("rut5-large-spm-unigram", "spiece.model"),
    "test_model": ("spm-unigram-sentencepiece-test", "test_model.model"),
    "test_ja": ("spm-unigram-sentencepiece-test", "test_ja_model.model"),
}


def corpus_texts() -> list[str]:
    """The first 12 lines of every corpus file, and a 2,000-character block
    of each (line breaks, runs of spaces)."""
    texts = [""]
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        texts += text.splitlines()[:12]
        texts.append(text[:2000])
    return texts


TEXTS = corpus_texts()


def hf_file(path: Path) -> Encode:
    """A tokenizer.json as HF loads it, every token kept."""
    tokenizer = tokenizers.Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return lambda text: tokenizer.encode(text).ids


def assert_same_ids(converted: Encode, source: Encode, texts: list[str]) -> None:
    for text in texts:
        assert converted(text) == source(text), text


def spm_tie(ours: list[int], ref: list[int], sp: sentencepiece.SentencePieceProcessor) -> bool:
    """Whether two Unigram segmentations differ only by the order of pieces
    in a run of one character ("000" as 0 + 00 or 00 + 0): the exact ties
    that HF and sentencepiece break apart (the conversion's note)."""
    start = 0
    while start < min(len(ours), len(ref)) and ours[start] == ref[start]:
        start += 1
    end = 0
    while end < min(len(ours), len(ref)) - start and ours[-1 - end] == ref[-1 - end]:
        end += 1
    a, b = ours[start : len(ours) - end], ref[start : len(ref) - end]
    run = "".join(sp.id_to_piece(i) for i in a)
    return sorted(a) == sorted(b) and len(set(run)) == 1


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("convert")


# .tiktoken -> tokenizer.json


@pytest.fixture(scope="module", params=["cl100k_base", "o200k_base"])
def tiktoken_pair(request, folder: Path) -> tuple[Encode, Encode]:
    name = request.param
    ranks = shared_path("vocab", "tiktoken", f"{name}.tiktoken")
    summary = tokkit.convert(folder / f"{name}.json", tiktoken=ranks, encoding=name)
    assert summary["format"] == "tokenizer.json"
    reference = tiktoken_encoding(name, ranks)
    return hf_file(summary["path"]), lambda text: reference.encode(text, allowed_special="all")


def test_tiktoken_to_json_on_corpora(tiktoken_pair: tuple[Encode, Encode]) -> None:
    assert_same_ids(*tiktoken_pair, TEXTS)


def test_tiktoken_to_json_on_runs(tiktoken_pair: tuple[Encode, Encode]) -> None:
    """Runs of one character and of two alternating, where two splits of a
    token can overlap (``aa a aa``): tiktoken joins the leftmost, HF the
    split its merges list first."""
    runs = [c * n for c in "ab-=_ .0*#/\n\t─é" for n in range(1, 48)]
    runs += [(a + b) * n for a in "a-0 " for b in "b=. " for n in range(1, 24)]
    assert_same_ids(*tiktoken_pair, runs)


@settings(max_examples=60, deadline=None)
@given(text=corpus_splices(corpus_files(), interesting_chars))
def test_tiktoken_to_json_on_generated_text(
    tiktoken_pair: tuple[Encode, Encode], text: str
) -> None:
    converted, source = tiktoken_pair
    assert converted(text) == source(text)


# tokenizer.json -> .tiktoken


def tiktoken_of(summary: dict) -> tiktoken.Encoding:
    """The written ranks as tiktoken builds an encoding of them, with the
    pattern and special tokens the summary gives."""
    return tiktoken.Encoding(
        "converted",
        pat_str=summary["pattern"],
        mergeable_ranks=tiktoken.load.load_tiktoken_bpe(str(summary["path"])),
        special_tokens=summary["special_tokens"],
    )


@pytest.fixture(scope="module")
def gpt2_tiktoken(folder: Path) -> tuple[Encode, Encode]:
    source = shared_path("vocab", "gpt2", "tokenizer.json")
    summary = tokkit.convert(folder / "gpt2.tiktoken", tokenizer=source)
    assert summary["special_tokens"] == {"<|endoftext|>": 50256}
    # GPT-2's ranks are r50k_base's: the file OpenAI publishes, byte for byte.
    written = Path(summary["path"]).read_bytes()
    assert written == shared_path("vocab", "tiktoken", "r50k_base.tiktoken").read_bytes()
    encoding = tiktoken_of(summary)
    return lambda text: encoding.encode(text, allowed_special="all"), hf_file(source)


def test_json_to_tiktoken_on_corpora(gpt2_tiktoken: tuple[Encode, Encode]) -> None:
    assert_same_ids(*gpt2_tiktoken, TEXTS)


@settings(max_examples=60, deadline=None)
@given(text=corpus_splices(corpus_files(), interesting_chars))
def test_json_to_tiktoken_on_generated_text(
    gpt2_tiktoken: tuple[Encode, Encode], text: str
) -> None:
    converted, source = gpt2_tiktoken
    assert converted(text) == source(text)


def test_gpt2_files_give_r50k_base(folder: Path) -> None:
    vocab, merges = (shared_path("vocab", "gpt2", name) for name in ("encoder.json", "vocab.bpe"))
    summary = tokkit.convert(folder / "pair.tiktoken", vocab=vocab, merges=merges)
    r50k = shared_path("vocab", "tiktoken", "r50k_base.tiktoken")
    # HF's ByteLevelBPETokenizer has no special tokens: <|endoftext|> stays
    # a rank (which the pattern never leaves whole) after r50k_base's.
    endoftext = base64.b64encode(b"<|endoftext|>").decode()
    expected = r50k.read_bytes() + f"{endoftext} 50256\n".encode()
    assert Path(summary["path"]).read_bytes() == expected
    assert summary["special_tokens"] == {}


def test_a_pattern_without_special_tokens(folder: Path) -> None:
    ranks = shared_path("vocab", "tiktoken", "r50k_base.tiktoken")
    reference = tiktoken_encoding("r50k_base", ranks)
    out = folder / "r50k-pattern.json"
    tokkit.convert(out, tiktoken=ranks, pattern=reference._pat_str)
    assert json.loads(out.read_text(encoding="utf-8"))["added_tokens"] == []
    assert_same_ids(hf_file(out), reference.encode_ordinary, TEXTS[:200])


def test_a_converted_cl100k_goes_back_to_its_ranks(folder: Path) -> None:
    ranks = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    there = tokkit.convert(folder / "cl100k-there.json", tiktoken=ranks, encoding="cl100k_base")
    back = tokkit.convert(folder / "cl100k-back.tiktoken", tokenizer=there["path"])
    assert Path(back["path"]).read_bytes() == ranks.read_bytes()
    reference = tiktoken_encoding("cl100k_base", ranks)
    assert back["special_tokens"] == reference._special_tokens
    encoding = tiktoken_of(back)
    assert_same_ids(encoding.encode_ordinary, reference.encode_ordinary, TEXTS[:200])


# GPT-2 vocab.json + merges.txt, BERT vocab.txt -> tokenizer.json


@pytest.fixture(scope="module")
def gpt2_json(folder: Path) -> tuple[Encode, Encode]:
    vocab, merges = (
        shared_path("vocab", "gpt2", "encoder.json"),
        shared_path("vocab", "gpt2", "vocab.bpe"),
    )
    summary = tokkit.convert(folder / "gpt2.json", vocab=vocab, merges=merges)
    reference = tokenizers.ByteLevelBPETokenizer(str(vocab), str(merges))
    return hf_file(summary["path"]), lambda text: reference.encode(text).ids


def test_gpt2_files_to_json(gpt2_json: tuple[Encode, Encode]) -> None:
    assert_same_ids(*gpt2_json, TEXTS)


@settings(max_examples=40, deadline=None)
@given(text=corpus_splices(corpus_files(), interesting_chars))
def test_gpt2_files_to_json_on_generated_text(gpt2_json: tuple[Encode, Encode], text: str) -> None:
    converted, source = gpt2_json
    assert converted(text) == source(text)


@pytest.mark.parametrize("case", ["uncased", "cased"])
def test_bert_vocab_to_json(folder: Path, case: str) -> None:
    vocab = shared_path("vocab", f"bert-base-{case}", "vocab.txt")
    lowercase = case == "uncased"
    out = folder / f"bert-{case}.json"
    summary = tokkit.convert(out, vocab=vocab, lowercase=lowercase)
    assert summary["tokens"] == len(vocab.read_text(encoding="utf-8").splitlines())
    reference = tokenizers.BertWordPieceTokenizer(str(vocab), lowercase=lowercase)
    assert_same_ids(hf_file(out), lambda text: reference.encode(text).ids, TEXTS)
    text = "[CLS] Héllo [MASK] wörld"
    assert hf_file(out)(text) == reference.encode(text).ids
    # google-research/bert's tokenization.py, without [CLS] and [SEP].
    google = tokenization.FullTokenizer(str(vocab), do_lower_case=lowercase)
    converted = tokenizers.Tokenizer.from_file(str(out))
    assert_same_ids(
        lambda text: converted.encode(text, add_special_tokens=False).ids,
        lambda text: google.convert_tokens_to_ids(google.tokenize(text)),
        TEXTS,
    )


# sentencepiece .model -> tokenizer.json


@pytest.mark.parametrize("name", sorted(SPM_MODELS))
def test_sentencepiece_to_json(folder: Path, name: str) -> None:
    model = shared_path("vocab", *SPM_MODELS[name])
    summary = tokkit.convert(folder / f"{name}.json", spm=model)
    sp = sentencepiece.SentencePieceProcessor(model_file=str(model))
    converted = hf_file(summary["path"])
    unigram = any("Unigram" in note for note in summary["notes"])
    for text in TEXTS:
        ours, ref = converted(text), sp.encode(text)
        assert ours == ref or (unigram and spm_tie(ours, ref, sp)), text


@pytest.fixture(scope="module")
def llama_json(folder: Path) -> tuple[Encode, Encode]:
    model = shared_path("vocab", *SPM_MODELS["llama2"])
    summary = tokkit.convert(folder / "llama2-hypothesis.json", spm=model)
    sp = sentencepiece.SentencePieceProcessor(model_file=str(model))
    return hf_file(summary["path"]), sp.encode


@settings(max_examples=40, deadline=None)
@given(text=corpus_splices(corpus_files(), interesting_chars))
def test_llama_to_json_on_generated_text(llama_json: tuple[Encode, Encode], text: str) -> None:
    converted, source = llama_json
    assert converted(text) == source(text)


# Refusals: the reason, and nothing written


def gpt2_file(**changes) -> dict:
    data = json.loads(shared_path("vocab", "gpt2", "tokenizer.json").read_text(encoding="utf-8"))
    for path, value in changes.items():
        *keys, last = path.split("__")
        node = data
        for key in keys:
            node = node[key]
        node[last] = value
    return data


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"pre_tokenizer__add_prefix_space": True}, "adds a space before the text"),
        ({"normalizer": {"type": "NFC"}}, "normalizer (NFC)"),
        ({"model__dropout": 0.1}, "dropout"),
        (
            {"post_processor": {"type": "BertProcessing", "sep": ["x", 1], "cls": ["y", 2]}},
            "post-processor (BertProcessing)",
        ),
        (
            {
                "decoder": {
                    "type": "Metaspace",
                    "replacement": "▁",
                    "prepend_scheme": "always",
                    "split": True,
                }
            },
            "decoder (Metaspace)",
        ),
    ],
)
def test_what_tiktoken_cannot_express_is_refused(
    tmp_path: Path, changes: dict, reason: str
) -> None:
    source = tmp_path / "tokenizer.json"
    source.write_text(json.dumps(gpt2_file(**changes)), encoding="utf-8")
    out = tmp_path / "out.tiktoken"
    out.write_bytes(b"left as it was")
    with pytest.raises(tokkit.UnsupportedError, match=r"cannot be written as \.tiktoken") as error:
        tokkit.convert(out, tokenizer=source)
    assert reason in str(error.value)
    assert out.read_bytes() == b"left as it was"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.tiktoken", "tokenizer.json"]


def test_merges_out_of_rank_order_are_refused(tmp_path: Path) -> None:
    data = gpt2_file()
    merges = data["model"]["merges"]
    merges[0], merges[1] = merges[1], merges[0]
    source = tmp_path / "tokenizer.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(tokkit.UnsupportedError, match="rank of the result"):
        tokkit.convert(tmp_path / "out.tiktoken", tokenizer=source)
    assert not (tmp_path / "out.tiktoken").exists()


def test_other_sources_and_bad_arguments_are_refused(tmp_path: Path) -> None:
    bert = shared_path("vocab", "bert-base-uncased", "tokenizer.json")
    with pytest.raises(tokkit.UnsupportedError, match=r"normalizer \(BertNormalizer\)"):
        tokkit.convert(tmp_path / "bert.tiktoken", tokenizer=bert)
    model = shared_path("vocab", *SPM_MODELS["llama2"])
    with pytest.raises(tokkit.UnsupportedError, match=r"normalizer \(Sequence\)"):
        tokkit.convert(tmp_path / "llama.tiktoken", spm=model)
    with pytest.raises(tokkit.UnsupportedError, match=r"normalizer \(BertNormalizer\)"):
        tokkit.convert(tmp_path / "bert.tiktoken", vocab=bert.with_name("vocab.txt"))
    with pytest.raises(tokkit.InvalidArgumentError, match=r"already a tokenizer\.json"):
        tokkit.convert(tmp_path / "bert.json", tokenizer=bert)
    ranks = shared_path("vocab", "tiktoken", "r50k_base.tiktoken")
    with pytest.raises(tokkit.InvalidArgumentError, match="give its encoding"):
        tokkit.convert(tmp_path / "r50k.json", tiktoken=ranks)
    with pytest.raises(tokkit.InvalidArgumentError, match="unknown tiktoken encoding"):
        tokkit.convert(tmp_path / "r50k.json", tiktoken=ranks, encoding="r51k_base")
    with pytest.raises(tokkit.UnsupportedError, match="not a valid Oniguruma regex"):
        tokkit.convert(tmp_path / "r50k.json", tiktoken=ranks, pattern="(unclosed")
    with pytest.raises(tokkit.InvalidArgumentError, match="cannot tell the target format"):
        tokkit.convert(tmp_path / "r50k.txt", tiktoken=ranks, encoding="r50k_base")
    with pytest.raises(tokkit.InvalidArgumentError, match="give one of"):
        tokkit.convert(tmp_path / "x.json", spm=model, tiktoken=ranks)
    assert list(tmp_path.iterdir()) == []


# The command line


def test_cli_converts_and_prints_what_tiktoken_needs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = shared_path("vocab", "gpt2", "tokenizer.json")
    out = tmp_path / "gpt2.tiktoken"
    assert main(["convert", "--tokenizer", str(source), "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"wrote {out} (.tiktoken, 50,256 tokens)" in printed
    assert '"<|endoftext|>": 50256' in printed
    assert out.exists()
    bert = shared_path("vocab", "bert-base-cased", "vocab.txt")
    out = tmp_path / "bert"
    args = [
        "convert",
        "--vocab",
        str(bert),
        "--no-lowercase",
        "-o",
        str(out),
        "--to",
        "tokenizer.json",
    ]
    assert main(args) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["normalizer"]["lowercase"] is False
    bad = ["convert", "--tokenizer", str(out), "-o", str(tmp_path / "bert.tiktoken")]
    assert main(bad) == 1
    assert "normalizer (BertNormalizer)" in capsys.readouterr().err
