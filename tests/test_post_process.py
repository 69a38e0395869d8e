"""``Tokenizer.post_process`` against HF's under the tokenizer's truncation
(with a stride, both directions, each strategy) and padding (a fixed length,
``pad_to_multiple_of``, on the left), of encodings made in every way: fresh,
already padded, already truncated (windows and all) and already
post-processed, on BERT (a template), GPT-2 and ruT5 files.

HF gives sequence ids to each input and to its own windows only: windows
nested deeper (an input already truncated, then truncated to nothing by
``post_process``, becomes a window, windows and all) keep the ranges they had.
tokkit does the same, which ``test_nested_windows_keep_their_sequence_ranges_like_hf``
pins."""

from __future__ import annotations

import itertools

import pytest
import tokenizers
from conftest import corpus_lines, shared_path
from hf_checks import FIELDS

import tokkit

FILES = {
    "bert": ("bert-base-uncased", "tokenizer.json"),
    "gpt2": ("gpt2", "tokenizer.json"),
    "rut5": ("rut5-large-spm-unigram", "tokenizer.json"),
}

# (max_length, stride, strategy, direction), or None for no truncation
TRUNCATIONS = [
    None,
    (10, 0, "longest_first", "right"),
    (10, 3, "longest_first", "left"),
    (12, 2, "only_first", "right"),
    (12, 2, "only_first", "left"),
    (9, 1, "only_second", "right"),
    (4, 0, "longest_first", "left"),
    (2, 0, "longest_first", "right"),
]

# enable_padding arguments, or None for no padding
PADDINGS = [
    None,
    {"length": 24},
    {"pad_to_multiple_of": 8, "direction": "left", "pad_id": 3, "pad_type_id": 1},
    {"length": 30, "pad_to_multiple_of": 8, "pad_token": "<pad>"},
]

# How an input encoding is made before post_process: (name, how)
PREPARED = {
    "fresh": lambda tok, text: tok.encode(text, add_special_tokens=False),
    "processed": lambda tok, text: tok.encode(text),
    "padded": lambda tok, text: _then(
        tok.encode(text, add_special_tokens=False), "pad", 20, direction="left"
    ),
    "truncated": lambda tok, text: _then(
        tok.encode(text, add_special_tokens=False), "truncate", 4, stride=1
    ),
    "truncated-left": lambda tok, text: _then(
        tok.encode(text, add_special_tokens=False), "truncate", 6, stride=2, direction="left"
    ),
}


def _then(encoding, method: str, *args, **kwargs):
    """``encoding`` after one of its in-place methods."""
    getattr(encoding, method)(*args, **kwargs)
    return encoding


def attempt(call, *args, **kwargs):
    """A call's result, or ``"error"`` when it raises: any exception from HF
    (bare Exceptions, and a PanicException where it panics), only a
    TokkitError from tokkit."""
    try:
        return call(*args, **kwargs)
    except tokkit.TokkitError:
        return "error"
    except BaseException as e:
        if isinstance(e, AssertionError | KeyboardInterrupt) or _is_ours(call):
            raise
        return "error"


def _is_ours(call) -> bool:
    return type(getattr(call, "__self__", None)).__module__.startswith("tokkit")


def configure(tokenizer, truncation, padding) -> object:
    """Sets the settings; "error" when the tokenizer refuses them."""
    if truncation is not None:
        max_length, stride, strategy, direction = truncation
        done = attempt(
            tokenizer.enable_truncation,
            max_length,
            stride=stride,
            strategy=strategy,
            direction=direction,
        )
        if done == "error":
            return done
    if padding is not None:
        tokenizer.enable_padding(**padding)
    return None


@pytest.fixture(scope="module", params=list(FILES))
def pair(request) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    path = str(shared_path("vocab", *FILES[request.param]))
    return tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)


def differences(ours, ref, depth: int = 0) -> list[tuple[str, int]]:
    """Every (field, depth of the window) where tokkit's encoding differs
    from HF's, the encoding and its windows at every depth."""
    found = [(f, depth) for f in FIELDS if getattr(ours, f) != getattr(ref, f)]
    if len(ours.overflowing) != len(ref.overflowing):
        return [*found, ("overflowing", depth)]
    for o, r in zip(ours.overflowing, ref.overflowing, strict=True):
        found += differences(o, r, depth + 1)
    return found


def post_process_both(pair, first, second, prepared, truncation, padding):
    """Both tokenizers' post_process of the inputs made as ``prepared``
    says, under the settings, with and without special tokens: a list of
    (context, ours, HF's), or None where both refuse the settings."""
    inputs = []
    for tokenizer in pair:
        tokenizer.no_truncation()
        tokenizer.no_padding()
        make = PREPARED[prepared]
        inputs.append((make(tokenizer, first), None if second is None else make(tokenizer, second)))
    refused = [configure(t, truncation, padding) for t in pair]
    assert refused[0] == refused[1], truncation
    if refused[0] == "error":
        return None
    (ours_a, ours_b), (ref_a, ref_b) = inputs
    out = []
    for add_special_tokens in (True, False):
        context = (first, second, prepared, add_special_tokens)
        want = attempt(pair[1].post_process, ref_a, ref_b, add_special_tokens)
        got = attempt(pair[0].post_process, ours_a, ours_b, add_special_tokens)
        out.append((context, got, want))
    return out


@pytest.mark.parametrize(
    "truncation, padding", list(itertools.product(TRUNCATIONS, PADDINGS)), ids=str
)
def test_post_process_under_settings_like_hf(pair, truncation, padding):
    lines = [*[line for line in corpus_lines(12) if line][:4], "a b"]
    seconds = [None, *lines[:-2], "word " * 15]
    for first, second in zip(lines, seconds, strict=True):
        for prepared in PREPARED:
            results = post_process_both(pair, first, second, prepared, truncation, padding)
            if results is None:
                return
            for context, got, want in results:
                if want == "error" or got == "error":
                    assert got == want, context
                    continue
                assert differences(got, want) == [], context


def test_nested_windows_keep_their_sequence_ranges_like_hf():
    path = str(shared_path("vocab", *FILES["bert"]))
    pair = tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(path)
    first, second = "a b c d e f g h", "i j k l m n o p"
    results = post_process_both(pair, first, second, "truncated", TRUNCATIONS[6], None)
    assert results is not None
    for context, got, want in results:
        assert differences(got, want) == [], context
