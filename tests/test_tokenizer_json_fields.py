"""Every field of a tokenizer.json, removed or set to null, is read as HF
``tokenizers`` reads it: tokkit refuses the file exactly when HF does, and
when both load it they give the same encodings and decoded text.

A field HF requires and tokkit filled with a default would load a damaged
file that HF refuses, with ids nobody can check. The files are the shared
BERT, GPT-2 and ruT5 tokenizer.json, Llama-style BPE over characters (both
forms), and a byte-level BPE and a Unigram built with HF's API to hold the
components the others lack, each cut down to a small vocabulary so that
several hundred variants load in seconds."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import tokenizers
from conftest import SHARED, shared_path
from hf_bpe_json import llama_json
from tokenizers import Regex, decoders, models, normalizers, pre_tokenizers, processors

import tokkit

KEEP = 3000  # vocabulary entries kept of each file
SAMPLES = [
    "Hello world!  It's 2024 -- don't  panic\n\n  ok\r\n\tdone   ",
    "  Caf\u00e9 cafe\u0301 \ufb01ne \u0130stanbul STRASSE stra\u00dfe [MASK] <mask> ",
    "\u4e2d\u6587 \U0001f600 \u00bd\u00b2 a-b-c",
    "",
]
PAIR = "second sequence, with <unk> and </s>"


def read(*parts: str) -> dict[str, Any]:
    return json.loads(shared_path("vocab", *parts).read_text(encoding="utf-8"))


def shrink_bpe(document: dict[str, Any]) -> dict[str, Any]:
    """The first merges and the tokens they and the added tokens need. The
    ids are no longer dense (GPT-2's <|endoftext|> stays 50256), so an added
    token missing from the vocabulary gets HF's id, not the file's."""
    model = document["model"]
    merges = model["merges"][:KEEP]
    split = [m.split(" ", 1) if isinstance(m, str) else m for m in merges]
    needed = {t for a, b in split for t in (a, b, a + b)}
    needed |= {t["content"] for t in document["added_tokens"]}
    model["vocab"] = {t: i for t, i in model["vocab"].items() if t in needed or i < 256}
    model["merges"] = merges
    return document


def shrink_ids(document: dict[str, Any]) -> dict[str, Any]:
    """The first ``KEEP`` entries of a WordPiece or Unigram vocabulary, and
    the added tokens among them."""
    model = document["model"]
    if isinstance(model["vocab"], dict):
        model["vocab"] = {t: i for t, i in model["vocab"].items() if i < KEEP}
    else:
        model["vocab"] = model["vocab"][:KEEP]
    document["added_tokens"] = [t for t in document["added_tokens"] if t["id"] < KEEP]
    return document


def built_byte_level() -> dict[str, Any]:
    """GPT-2's vocabulary behind a sequence of every normalizer and
    pre-tokenizer tokkit reads that the shared files do not use."""
    N, P = normalizers, pre_tokenizers
    tok = tokenizers.Tokenizer(
        models.BPE.from_file(
            str(shared_path("vocab", "gpt2", "encoder.json")),
            str(shared_path("vocab", "gpt2", "vocab.bpe")),
        )
    )
    tok.normalizer = N.Sequence(
        [
            N.NFKC(),
            N.Strip(left=True, right=False),
            N.Replace(Regex(r"\s+"), " "),
            N.Replace("''", '"'),
            N.NFD(),
            N.StripAccents(),
            N.NFC(),
            N.Lowercase(),
            N.Prepend("_"),
            N.Nmt(),
        ]
    )
    tok.pre_tokenizer = P.Sequence(
        [
            P.Split(Regex(r"\p{N}{1,3}"), behavior="isolated", invert=False),
            P.Punctuation("contiguous"),
            P.Digits(individual_digits=True),
            P.CharDelimiterSplit("-"),
            P.WhitespaceSplit(),
            P.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=True)
    tok.add_special_tokens(["<|endoftext|>"])
    tok.add_tokens([tokenizers.AddedToken("<mask>", lstrip=True, single_word=True)])
    return shrink_bpe(json.loads(tok.to_str()))


def built_unigram() -> dict[str, Any]:
    """ruT5's first pieces as a Unigram with byte fallback, behind the
    components no other file here has."""
    rut5 = read("rut5-large-spm-unigram", "tokenizer.json")
    pieces = [(p, s) for p, s in rut5["model"]["vocab"][:KEEP]]
    tok = tokenizers.Tokenizer(models.Unigram(pieces, unk_id=1, byte_fallback=True))
    tok.normalizer = normalizers.NFKD()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.decoder = decoders.BPEDecoder(suffix="</s>")
    tok.post_processor = processors.BertProcessing(("</s>", 2), ("<unk>", 1))
    return json.loads(tok.to_str())


def llama(form: str) -> dict[str, Any]:
    document = llama_json(shared_path("vocab", "llama2-spm-bpe", "tokenizer.model"), form)
    document["model"]["merges"] = document["model"]["merges"][:KEEP]
    return document


BUILDERS = {
    "bert": lambda: shrink_ids(read("bert-base-uncased", "tokenizer.json")),
    "gpt2": lambda: shrink_bpe(read("gpt2", "tokenizer.json")),
    "rut5": lambda: shrink_ids(read("rut5-large-spm-unigram", "tokenizer.json")),
    "llama-legacy": lambda: llama("legacy"),
    "llama-metaspace": lambda: llama("metaspace"),
    "built": built_byte_level,
    "built-unigram": built_unigram,
}


@cache
def documents() -> dict[str, str]:
    return {name: json.dumps(build()) for name, build in BUILDERS.items()}


def fields(value: Any, at: tuple = ()) -> list[tuple]:
    """Paths to every field outside the vocabulary and merges, and to the
    first added token's."""
    out = []
    if isinstance(value, dict):
        for key, item in value.items():
            out.append((*at, key))
            if at == ("model",) and key in ("vocab", "merges"):
                continue
            out += fields(item, (*at, key))
    elif isinstance(value, list):
        for i, item in enumerate(value[:1] if at == ("added_tokens",) else value):
            out += fields(item, (*at, i))
    return out


def variants() -> list[tuple[str, tuple, str]]:
    if not SHARED.exists() and not os.environ.get("CI"):
        return []  # shared_path would skip inside collection
    out = []
    for name, text in documents().items():
        for path in fields(json.loads(text)):
            out += [(name, path, "removed"), (name, path, "null")]
    return out


def changed(name: str, path: tuple, change: str) -> str:
    document = json.loads(documents()[name])
    *parents, last = path
    holder = document
    for key in parents:
        holder = holder[key]
    if change == "removed":
        del holder[last]
    else:
        holder[last] = None
    return json.dumps(document)


def outputs(tokenizer, text: str, pair: str | None, add_special_tokens: bool) -> tuple:
    """What an encode gives, or that it refused the text: with a TokkitError
    from tokkit (anything else fails the test), any Exception from HF."""
    refusal = tokkit.TokkitError if isinstance(tokenizer, tokkit.Tokenizer) else Exception
    try:
        e = tokenizer.encode(text, pair, add_special_tokens=add_special_tokens)
    except refusal:
        return ("refused",)
    return (
        e.ids,
        e.tokens,
        [tuple(o) for o in e.offsets],
        e.type_ids,
        e.special_tokens_mask,
        e.attention_mask,
        tokenizer.decode(e.ids),
        tokenizer.decode(e.ids, skip_special_tokens=False),
    )


def assert_agree(ours, ref, samples=SAMPLES, specials=(True,)) -> None:
    """Each sample alone and with PAIR, special tokens on (and off)."""
    for sample in samples:
        for pair in (None, PAIR):
            for special in specials:
                want = outputs(ref, sample, pair, special)
                assert outputs(ours, sample, pair, special) == want, (sample, pair, special)


def written(text: str, tmp_path) -> Path:
    file = tmp_path / "tokenizer.json"
    file.write_text(text, encoding="utf-8")
    return file


@pytest.mark.parametrize("name", list(BUILDERS))
def test_whole_files_agree(name, tmp_path):
    """Each file as it is, special tokens off included (type ids of the
    second sequence differed here once)."""
    text = documents()[name]
    ours, ref = (
        tokkit.Tokenizer.from_file(written(text, tmp_path)),
        tokenizers.Tokenizer.from_str(text),
    )
    assert_agree(ours, ref, specials=(True, False))


def refused_on_purpose(path: tuple, change: str) -> bool:
    """Where tokkit refuses what HF reads: a normalizer, pre-tokenizer,
    decoder or post-processor without "type" (HF guesses it by trying its
    types in turn; tokkit does that only for the model, HF's legacy form,
    and names the component), and a template naming a special token that
    special_tokens lacks (HF reads it, then panics on the first encode)."""
    untyped = path[-1] == "type" and path[0] != "model"
    return untyped or (path[-2:-1] == ("special_tokens",) and change == "removed")


@pytest.mark.parametrize(("name", "path", "change"), variants(), ids=str)
def test_field_removed_or_null_read_as_hf_reads_it(name, path, change, tmp_path):
    text = changed(name, path, change)
    file = written(text, tmp_path)
    if refused_on_purpose(path, change):
        with pytest.raises(tokkit.TokkitError):
            tokkit.Tokenizer.from_file(file)
        return
    try:
        ref = tokenizers.Tokenizer.from_str(text)
    # serde's message, or a panic (a Precompiled normalizer without its map)
    except BaseException as e:
        ref, why = None, str(e)
    try:
        ours = tokkit.Tokenizer.from_file(file)
    except tokkit.TokkitError as e:
        assert ref is None, f"HF reads it, tokkit refuses: {e}"
        return
    assert ref is not None, f"HF refuses it ({why}), tokkit reads it"
    assert_agree(ours, ref)


def added(content: str, id: int, special: bool = True, lstrip: bool = False) -> dict[str, Any]:
    return {
        "id": id,
        "content": content,
        "single_word": False,
        "lstrip": lstrip,
        "rstrip": False,
        "normalized": False,
        "special": special,
    }


@pytest.mark.parametrize(
    "tokens",
    [
        [added("[SEP]", 7), added("(", 102)],  # ids of tokens in the vocabulary
        [added("<new>", 50_000), added("<two>", 3)],  # new tokens, any ids
        [added("<new>", 9, True), added("<new>", 8, False, lstrip=True)],  # repeated
        [added("", 4), added("<new>", 4)],  # empty
    ],
    ids=["in-vocabulary", "new", "repeated", "empty"],
)
def test_added_token_ids_are_hfs(tokens, tmp_path):
    """HF ignores an added token's "id": it takes the vocabulary's id of the
    content, or the next one after the vocabulary."""
    document = json.loads(documents()["bert"])
    document["added_tokens"] += tokens
    text = json.dumps(document)
    ours, ref = (
        tokkit.Tokenizer.from_file(written(text, tmp_path)),
        tokenizers.Tokenizer.from_str(text),
    )
    for t in tokens:
        assert ours.token_to_id(t["content"]) == ref.token_to_id(t["content"])
    assert ours.get_vocab_size() == ref.get_vocab_size()
    assert_agree(ours, ref, ["a [SEP] b ( c <new> d <two>"], specials=(True, False))
