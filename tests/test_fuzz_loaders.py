"""Damaged files against the reference loaders: each case runs in a child
process (tests/child.py), so a crash or a hang fails the test instead of
killing the run, and the child's peak memory is checked. Where the
reference refuses a file, tokkit refuses it with a TokkitError; where the
reference loads it, tokkit loads it and agrees on ids, decoded text, the
vocabulary and its size. CI runs a fixed, small number of examples."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from child import run
from conftest import shared_path
from hf_bpe_json import llama_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

RSS_BOUND_MB = 900
SAMPLE = "The infantry marched at dawn; caf\u00e9 na\u00efve \u4e2d\u6587 2024!"


@cache
def tokenizer_json(name: str) -> str:
    if name == "llama":
        model = shared_path("vocab", "llama2-spm-bpe", "tokenizer.model")
        return json.dumps(llama_json(model))
    folder = {"gpt2": "gpt2", "bert": "bert-base-uncased"}[name]
    return shared_path("vocab", folder, "tokenizer.json").read_text(encoding="utf-8")


def compare_with_hf(path: Path, changed: list[int]) -> None:
    """Loads ``path`` with HF and tokkit in a child and compares them; the
    text encoded holds the tokens whose ids ``changed`` holds."""
    child = run(f"""
        import tokenizers, tokkit
        def load(make):
            t = make({str(path)!r})
            t.no_truncation()
            t.no_padding()
            return t
        hf = outcome(lambda: load(tokenizers.Tokenizer.from_file) and "loaded")
        tk = outcome(lambda: load(tokkit.Tokenizer.from_file) and "loaded")
        if "value" in hf and "value" in tk:
            h, t = load(tokenizers.Tokenizer.from_file), load(tokkit.Tokenizer.from_file)
            text = {SAMPLE!r} + " ".join(h.decode([i]) for i in {changed!r})
            hf, tk = [
                {{"ids": e.ids, "decoded": x.decode(e.ids, skip_special_tokens=False),
                  "size": [x.get_vocab_size(True), x.get_vocab_size(False)],
                  "vocab": sorted(x.get_vocab(True).items())}}
                for x, e in ((h, h.encode(text)), (t, t.encode(text)))
            ]
        report({{"hf": hf, "tk": tk}})
    """)
    result = child.check()
    hf, tk = result["hf"], result["tk"]
    if "raised" in hf:
        assert "TokkitError" in tk.get("mro", []), (hf, tk)
    else:
        assert tk == hf
    assert child.peak_rss_mb < RSS_BOUND_MB


def far_ids(size: int) -> st.SearchStrategy[int]:
    """Ids just past the vocabulary, anywhere in u32, near 2^32, and past it."""
    return st.one_of(
        st.integers(size, 2 * size),
        st.integers(0, 2**32 - 1),
        st.integers(2**32 - 300, 2**32 - 1),
        st.integers(2**32, 2**64),
    )


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(["gpt2", "bert", "llama"]),
    data=st.data(),
)
def test_vocabulary_ids_far_apart_load_as_hf(
    name: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    document = json.loads(tokenizer_json(name))
    vocab: dict[str, int] = document["model"]["vocab"]
    tokens = sorted(vocab)
    picks = data.draw(st.lists(st.sampled_from(tokens), min_size=1, max_size=4, unique=True))
    # Two tokens with one id decode as either in HF (a hash map's order).
    taken = set(vocab.values())
    changed = []
    for token in picks:
        vocab[token] = data.draw(far_ids(len(vocab)).filter(lambda i: i not in taken))
        taken.add(vocab[token])
        if vocab[token] < 2**32:
            changed.append(vocab[token])
    for token in data.draw(st.lists(st.sampled_from(tokens), max_size=3, unique=True)):
        if token not in picks:
            del vocab[token]
    path = tmp_path_factory.mktemp("ids") / "tokenizer.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    compare_with_hf(path, changed)


@pytest.mark.parametrize(
    ("field", "value"),
    [("Fixed", 2**32 - 2), ("Fixed", 2**31), ("pad_to_multiple_of", 2**32 - 1)],
)
def test_padding_near_2_32_in_a_file_is_refused(field: str, value: int, tmp_path: Path) -> None:
    """HF loads such a file and allocates the padding at the first encode;
    tokkit refuses the file, naming the field and the value."""
    document: dict[str, Any] = json.loads(tokenizer_json("bert"))
    if field == "Fixed":
        document["padding"]["strategy"] = {"Fixed": value}
    else:
        document["padding"]["pad_to_multiple_of"] = value
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    child = run(f"""
        import tokenizers, tokkit
        report({{"hf": outcome(lambda: tokenizers.Tokenizer.from_file({str(path)!r}).padding),
                 "tk": outcome(lambda: tokkit.Tokenizer.from_file({str(path)!r}) and None)}})
    """)
    result = child.check()
    assert result["hf"]["value"]["length" if field == "Fixed" else field] == value
    tk = result["tk"]
    assert tk.get("raised") == "VocabFormatError", tk
    assert str(value) in tk["message"]
    assert "padding" in tk["message"]
    assert child.peak_rss_mb < RSS_BOUND_MB
