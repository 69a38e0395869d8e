"""Damaged files against the reference loaders: each case runs in a child
process (tests/child.py), so a crash or a hang fails the test instead of
killing the run, and the child's peak memory is checked. Where the
reference refuses a file, tokkit refuses it with a TokkitError; where the
reference loads it, tokkit loads it and agrees on ids, decoded text, the
vocabulary and its size. CI runs a fixed, small number of examples."""

from __future__ import annotations

import json
import math
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from child import Child, run
from conftest import shared_path
from hf_bpe_json import llama_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spm_proto import charsmap, field, piece, split

RSS_BOUND_MB = 900
SAMPLE = "The infantry marched at dawn; caf\u00e9 na\u00efve \u4e2d\u6587 2024!"


@cache
def tokenizer_json(name: str) -> str:
    if name == "llama":
        model = shared_path("vocab", "llama2-spm-bpe", "tokenizer.model")
        return json.dumps(llama_json(model))
    folder = {"gpt2": "gpt2", "bert": "bert-base-uncased"}[name]
    return shared_path("vocab", folder, "tokenizer.json").read_text(encoding="utf-8")


def compare_in_child(code: str) -> None:
    """Runs ``code`` (which reports ``{"ref": outcome, "tk": outcome}``) in
    a child and asserts that the reference refused and tokkit raised a
    TokkitError, or both gave the same results, within the memory bound.
    With ``TOKKIT_FUZZ_LOG`` set, each case's kind is appended to that file
    (bench/fuzz.py counts them)."""
    try:
        child = run(code)
    except AssertionError:
        record("hang")
        raise
    if child.returncode != 0:
        record("crash")
    else:
        record(outcome_kind(child))
    result = child.check()
    ref, tk = result["ref"], result["tk"]
    if "raised" in ref:
        assert "TokkitError" in tk.get("mro", []), (ref, tk)
    else:
        assert tk == ref
    assert child.peak_rss_mb < RSS_BOUND_MB


def outcome_kind(child: Child) -> str:
    ref, tk = child.result["ref"], child.result["tk"]
    if child.peak_rss_mb >= RSS_BOUND_MB:
        return "memory"
    if "raised" in tk and "TokkitError" not in tk.get("mro", []):
        return "foreign exception"
    if "raised" in ref:
        return "both refuse" if "raised" in tk else "tokkit loads what the reference refuses"
    if "raised" in tk:
        return "tokkit refuses what the reference loads"
    return "both load and agree" if tk == ref else "both load and disagree"


def record(kind: str) -> None:
    log = os.environ.get("TOKKIT_FUZZ_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(kind + "\n")


def examples(n: int) -> int:
    """CI's number of examples, times ``TOKKIT_FUZZ_SCALE`` (bench/fuzz.py)."""
    return max(1, round(n * float(os.environ.get("TOKKIT_FUZZ_SCALE", "1"))))


def compare_with_hf(path: Path, changed: list[int]) -> None:
    """Loads ``path`` with HF and tokkit in a child and compares them; the
    text encoded holds the tokens whose ids ``changed`` holds."""
    compare_in_child(f"""
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
        report({{"ref": hf, "tk": tk}})
    """)


def far_ids(size: int) -> st.SearchStrategy[int]:
    """Ids just past the vocabulary, anywhere in u32, near 2^32, and past it."""
    return st.one_of(
        st.integers(size, 2 * size),
        st.integers(0, 2**32 - 1),
        st.integers(2**32 - 300, 2**32 - 1),
        st.integers(2**32, 2**64),
    )


@settings(max_examples=examples(12), deadline=None, suppress_health_check=[HealthCheck.too_slow])
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


SPM_MODELS = {
    "unigram": ("spm-unigram-sentencepiece-test", "test_model.model"),
    "bpe": ("llama2-spm-bpe", "tokenizer.model"),
}
SPM_TEXTS = [SAMPLE, "\uff28\uff45\uff4c\uff4c\uff4f \u00bd \u2460 \u3000 hello  world", ""]


def compare_with_sentencepiece(path: Path) -> None:
    """Loads ``path`` with sentencepiece and tokkit in a child: both refuse,
    or both load and agree on the pieces' number, the ids of some text and
    its decoding, and the unknown id."""
    compare_in_child(f"""
        import sentencepiece, tokkit
        def load(make):
            s = make(model_file={str(path)!r})
            ids = s.encode({SPM_TEXTS!r})
            return [s.get_piece_size(), ids, s.decode(ids), s.unk_id(), s.piece_to_id("zq\u00e9")]
        report({{"ref": outcome(lambda: load(sentencepiece.SentencePieceProcessor)),
                 "tk": outcome(lambda: load(tokkit.SentencePieceProcessor))}})
    """)


def charsmap_of(model: bytes) -> bytes:
    for number, _, payload in split(model):
        if number == 3:
            for inner, _, blob in split(payload):
                if inner == 2:
                    return blob
    return b""


def keep_types(model: bytes, types: set[int]) -> bytes:
    """The model with only the pieces of the given types (1 normal, the
    default, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte)."""
    kept = [
        (n, w, p)
        for n, w, p in split(model)
        if n != 1 or dict((k, v) for k, _, v in split(p)).get(3, b"\x01")[0] in types
    ]
    return b"".join(field(n, w, p) for n, w, p in kept)


def damaged_charsmap(draw: Any, blob: bytes) -> bytes:
    """The blob with its header, trie or end changed. The replacement strings
    keep valid UTF-8: sentencepiece loads any bytes there, tokkit only UTF-8."""
    trie_size = int.from_bytes(blob[:4], "little")
    kind = draw(st.sampled_from(["size", "trie", "cut", "append", "short"]), label="charsmap")
    if kind == "size":
        size = draw(
            st.one_of(
                st.sampled_from([0, 1024, trie_size - 1024, trie_size + 1024]),
                st.integers(0, len(blob)),
                st.integers(len(blob) - 8, 2**32 - 1),
            ),
            label="trie size",
        )
        return (size % 2**32).to_bytes(4, "little") + blob[4:]
    if kind == "trie":
        at = draw(st.integers(4, 3 + trie_size), label="at")
        flip = draw(st.integers(1, 255), label="xor")
        return blob[:at] + bytes([blob[at] ^ flip]) + blob[at + 1 :]
    if kind == "cut":
        return blob[: draw(st.integers(0, len(blob) - 1), label="length")]
    if kind == "append":
        return blob + draw(st.binary(min_size=1, max_size=8), label="appended")
    return draw(st.binary(max_size=8), label="blob")


def damaged_model(draw: Any, model: bytes) -> bytes:
    """One of the damages sentencepiece checks for, appended to or cut from
    a real model (repeated fields append, message fields merge). Only the
    damage is drawn, so hypothesis reports it and not the whole model."""
    kind = draw(
        st.sampled_from(["score", "piece", "duplicate", "kinds", "charsmap"]), label="damage"
    )
    piece_kind = st.integers(1, 5)
    if kind == "score":
        score = draw(st.sampled_from([math.nan, math.inf, -math.inf, 3e38, -3e38]), label="score")
        return model + piece("zz\u00e9q", draw(piece_kind, label="type"), score)
    if kind == "piece":
        text = draw(
            st.one_of(
                st.text(min_size=1, max_size=6),
                st.sampled_from(["a\0b", "\0", "<s>\0"]),
                st.integers(7990, 8010).map(lambda n: "y" * n),
                st.integers(3995, 4005).map(lambda n: "\u00e9" * n),
            ),
            label="piece",
        )
        return model + piece(text, draw(st.sampled_from([1, 3, 4, 5]), label="type"))
    if kind == "duplicate":
        fields = [p for n, _, p in split(model) if n == 1]
        existing = fields[draw(st.integers(0, 299), label="index")]
        text = next(p for n, _, p in split(existing) if n == 1).decode("utf-8")
        return model + piece(text, draw(piece_kind, label="type"))
    if kind == "kinds":
        return keep_types(model, draw(st.sets(st.integers(1, 6), max_size=4), label="types kept"))
    blob = charsmap_of(model)
    return model + charsmap(damaged_charsmap(draw, blob) if blob else b"\x00\x04\x00\x00")


@settings(max_examples=examples(16), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(SPM_MODELS)), data=st.data())
def test_damaged_sentencepiece_models_load_as_in_sentencepiece(
    name: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    model = shared_path("vocab", *SPM_MODELS[name]).read_bytes()
    path = tmp_path_factory.mktemp("spm") / "damaged.model"
    path.write_bytes(damaged_model(data.draw, model))
    compare_with_sentencepiece(path)


@pytest.mark.parametrize("kept", [{1, 3, 6}, {6}])
def test_a_byte_fallback_model_without_unknown_piece_loads(kept: set[int], tmp_path: Path) -> None:
    """sentencepiece 0.2.3 loads it (unk_id -1): unknown text becomes bytes,
    and asking for the unknown piece by name is a ValueError."""
    model = shared_path("vocab", *SPM_MODELS["bpe"]).read_bytes()
    path = tmp_path / "no-unk.model"
    path.write_bytes(keep_types(model, kept))
    compare_with_sentencepiece(path)
    child = run(f"""
        import sentencepiece, tokkit
        def emit_unk(make):
            s = make(model_file={str(path)!r})
            return s.encode("a", out_type=str, emit_unk_piece=True)
        report([
            outcome(lambda: emit_unk(make))
            for make in (sentencepiece.SentencePieceProcessor, tokkit.SentencePieceProcessor)
        ])
    """)
    ref, tk = child.check()
    assert ref["raised"] == "ValueError"
    assert "ValueError" in tk["mro"]


def test_a_charsmap_replacing_with_bytes_that_are_not_utf8_is_refused(tmp_path: Path) -> None:
    """The one damaged file sentencepiece loads and tokkit refuses, on
    purpose: its charsmap replaces U+2160 (Roman one) by the byte 0xFF. sentencepiece's
    normalized text is then not UTF-8: its own ``normalize`` and piece
    output raise UnicodeDecodeError, and its ids swallow the next character
    into the unknown piece ("a", U+2160, "b" decodes as "a ⁇ "). tokkit refuses the
    file with VocabFormatError naming the charsmap instead of giving ids."""
    model = shared_path("vocab", *SPM_MODELS["unigram"]).read_bytes()
    blob = charsmap_of(model)
    trie_end = 4 + int.from_bytes(blob[:4], "little")
    replacements = blob[trie_end:]
    at = trie_end + replacements.index(b"I\0")  # the replacement of U+2160
    path = tmp_path / "bytes.model"
    path.write_bytes(model + charsmap(blob[:at] + b"\xff" + blob[at + 1 :]))
    child = run(f"""
        import sentencepiece, tokkit
        s = sentencepiece.SentencePieceProcessor(model_file={str(path)!r})
        report({{"decoded": s.decode(s.encode("a\u2160b")),
                 "normalize": outcome(lambda: s.normalize("a\u2160b")),
                 "pieces": outcome(lambda: s.encode("a\u2160b", out_type=str)),
                 "tk": outcome(lambda: tokkit.SentencePieceProcessor(model_file={str(path)!r}))}})
    """)
    result = child.check()
    assert result["decoded"] == "a \u2047 "
    assert result["normalize"]["raised"] == "UnicodeDecodeError"
    assert result["pieces"]["raised"] == "UnicodeDecodeError"
    assert result["tk"]["raised"] == "VocabFormatError"
    assert "precompiled_charsmap" in result["tk"]["message"]
    assert "UTF-8" in result["tk"]["message"]


TIKTOKEN_FILES = {"r50k_base": "r50k_base.tiktoken", "cl100k_base": "cl100k_base.tiktoken"}


@settings(max_examples=examples(6), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(TIKTOKEN_FILES)), data=st.data())
def test_tiktoken_files_with_moved_ranks_load_as_in_tiktoken(
    name: str, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Ranks moved far away, dropped or added: tiktoken refuses the
    encodings whose token count it knows (r50k_base) and loads the others.
    A rank or token listed twice is left out: tiktoken's dict keeps the last
    token, and a repeated rank fails its Rust core with a panic."""
    lines = shared_path("vocab", "tiktoken", TIKTOKEN_FILES[name]).read_bytes().splitlines()
    taken = {int(line.split()[1]) for line in lines}
    kind = data.draw(st.sampled_from(["move", "drop", "add"]), label="damage")
    at = data.draw(st.integers(0, len(lines) - 1), label="line")
    free = far_ids(len(lines)).filter(lambda r: r not in taken and r < 2**32 - 1)
    if kind == "move":
        lines[at] = lines[at].split()[0] + b" %d" % data.draw(free, label="rank")
    elif kind == "drop":
        del lines[at]
    else:
        lines.append(b"//79/g== %d" % data.draw(free, label="rank"))
    path = tmp_path_factory.mktemp("tiktoken") / "damaged.tiktoken"
    path.write_bytes(b"\n".join(lines) + b"\n")
    compare_in_child(f"""
        import os, sys
        # tiktoken caches a file by its path, whatever it holds now.
        os.environ["TIKTOKEN_CACHE_DIR"] = ""
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import tokkit
        from references import tiktoken_encoding
        def load(make, *args):
            e = make(*args)
            ids = e.encode_ordinary({SAMPLE!r} + " \\u00ff\\u00fe\\u00fd")
            return [ids, e.decode(ids), e.n_vocab, e.max_token_value]
        name, path = {name!r}, {str(path)!r}
        report({{"ref": outcome(lambda: load(tiktoken_encoding, name, path)),
                 "tk": outcome(lambda: load(tokkit.load_tiktoken, path, name))}})
    """)
