"""Every component type HF ``tokenizers`` can deserialize, read from the
installed package: tokkit reads it. A tokenizers release with a new type
fails here instead of loading into different output, and a file with a type
tokkit does not know is refused with an UnsupportedError naming it."""

from __future__ import annotations

import json

import pytest
import tokenizers
from conftest import shared_path
from tokenizers import decoders, models, normalizers, pre_tokenizers, processors

import tokkit

FAMILIES = {
    "normalizer": (normalizers, normalizers.Normalizer),
    "pre_tokenizer": (pre_tokenizers, pre_tokenizers.PreTokenizer),
    "post_processor": (processors, processors.PostProcessor),
    "decoder": (decoders, decoders.Decoder),
    "model": (models, models.Model),
}

# What tokkit reads, with an instance of each to load (None: the family's
# own parity tests build it, Precompiled needs a real charsmap).
READ = {
    "normalizer": {
        "BertNormalizer": normalizers.BertNormalizer(),
        "ByteLevel": normalizers.ByteLevel(),
        "Lowercase": normalizers.Lowercase(),
        "NFC": normalizers.NFC(),
        "NFD": normalizers.NFD(),
        "NFKC": normalizers.NFKC(),
        "NFKD": normalizers.NFKD(),
        "Nmt": normalizers.Nmt(),
        "Precompiled": None,
        "Prepend": normalizers.Prepend("x"),
        "Replace": normalizers.Replace(tokenizers.Regex("a+"), "b"),
        "Sequence": normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()]),
        "Strip": normalizers.Strip(),
        "StripAccents": normalizers.StripAccents(),
    },
    "pre_tokenizer": {
        "BertPreTokenizer": pre_tokenizers.BertPreTokenizer(),
        "ByteLevel": pre_tokenizers.ByteLevel(),
        "CharDelimiterSplit": pre_tokenizers.CharDelimiterSplit("-"),
        "Digits": pre_tokenizers.Digits(),
        "FixedLength": pre_tokenizers.FixedLength(),
        "Metaspace": pre_tokenizers.Metaspace(),
        "Punctuation": pre_tokenizers.Punctuation(),
        "Sequence": pre_tokenizers.Sequence([pre_tokenizers.Digits()]),
        "Split": pre_tokenizers.Split(" ", "removed"),
        "UnicodeScripts": pre_tokenizers.UnicodeScripts(),
        "Whitespace": pre_tokenizers.Whitespace(),
        "WhitespaceSplit": pre_tokenizers.WhitespaceSplit(),
    },
    "post_processor": {
        "BertProcessing": processors.BertProcessing(("[SEP]", 2), ("[CLS]", 3)),
        "ByteLevel": processors.ByteLevel(),
        "RobertaProcessing": processors.RobertaProcessing(("[SEP]", 2), ("[CLS]", 3)),
        "Sequence": processors.Sequence([processors.ByteLevel()]),
        "TemplateProcessing": processors.TemplateProcessing(single="$A", pair="$A $B:1"),
    },
    "decoder": {
        "BPEDecoder": decoders.BPEDecoder(),
        "ByteFallback": decoders.ByteFallback(),
        "ByteLevel": decoders.ByteLevel(),
        "CTC": decoders.CTC(),
        "Fuse": decoders.Fuse(),
        "Metaspace": decoders.Metaspace(),
        "Replace": decoders.Replace(tokenizers.Regex("a+"), "b"),
        "Sequence": decoders.Sequence([decoders.Fuse()]),
        "Strip": decoders.Strip(),
        "WordPiece": decoders.WordPiece(),
    },
    "model": {"BPE": None, "Unigram": None, "WordLevel": None, "WordPiece": None},
}


def hf_types(family: str) -> set[str]:
    module, base = FAMILIES[family]
    return {
        name
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, base) and value is not base
    }


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_hf_type_is_read_or_refused(family):
    assert hf_types(family) == set(READ[family])


def with_component(family: str, component) -> str:
    vocab = {"a": 0, "[UNK]": 1, "[SEP]": 2, "[CLS]": 3}
    tok = tokenizers.Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    setattr(tok, family, component)
    return tok.to_str()


CASES = [
    (family, name, component)
    for family, components in READ.items()
    for name, component in components.items()
    if component is not None
]


@pytest.mark.parametrize(
    ("family", "name", "component"), CASES, ids=[f"{f}-{n}" for f, n, _ in CASES]
)
def test_read_types_load(family, name, component):
    text = with_component(family, component)
    assert json.loads(text)[family]["type"] == name
    ours, ref = tokkit.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text)
    assert ours.encode("a a", "a").ids == ref.encode("a a", "a").ids


def test_precompiled_loads():
    path = shared_path("vocab", "rut5-large-spm-unigram", "tokenizer.json")
    normalizer = json.loads(path.read_text(encoding="utf-8"))["normalizer"]
    kinds = [n["type"] for n in normalizer.get("normalizers", [normalizer])]
    assert "Precompiled" in kinds
    tokkit.Tokenizer.from_file(path)


@pytest.mark.parametrize("family", list(FAMILIES))
def test_types_hf_does_not_know_are_named(family):
    """A type from a later tokenizers release is refused by name."""
    document = json.loads(with_component("decoder", decoders.Fuse()))
    document[family] = {"type": "TypeOfTomorrow"}
    with pytest.raises(tokkit.UnsupportedError, match="TypeOfTomorrow"):
        tokkit.Tokenizer.from_str(json.dumps(document))
