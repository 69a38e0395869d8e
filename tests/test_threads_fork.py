"""One tokkit encoder shared by many Python threads: every call gives the
result of the settings in force for it, never an exception or a mix of two
calls' settings (HF's "Already borrowed" must not happen here). Fork after
threaded batches is in test_pickle_processes.py, with the encoders it
ships to workers.

Expected outputs come from the reference packages, run serially."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import sentencepiece
import tokenizers
from conftest import corpus_lines, shared_path
from references import tiktoken_encoding

import tokkit

# Long enough for a loaded machine, short enough that a deadlock fails the run.
TIMEOUT = 120


def run_together(calls: list[Callable[[], Any]], rounds: int = 5) -> list[Any]:
    """Runs each call `rounds` times on a thread of its own, all started at
    once; returns each call's last result, after asserting none raised."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []
    start = threading.Barrier(len(calls))

    def run(i: int) -> None:
        try:
            start.wait()
            for _ in range(rounds):
                results[i] = calls[i]()
        except BaseException as e:  # reported below: any exception fails
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread is still running: a deadlock"
    assert not errors, errors
    return results


def test_threads_share_one_tokenizer_with_different_calls() -> None:
    texts = corpus_lines(48)
    path = shared_path("vocab", "bert-base-uncased", "tokenizer.json")
    tok = tokkit.Tokenizer.from_file(path)
    hf = tokenizers.Tokenizer.from_file(str(path))
    tok.enable_truncation(16)
    hf.enable_truncation(16)
    pairs = list(zip(texts[::2], texts[1::2], strict=False))
    words = [t.split() for t in texts]
    calls: list[Callable[[Any], Any]] = [
        lambda t: [e.ids for e in t.encode_batch(texts)],
        lambda t: [e.ids for e in t.encode_batch(texts, add_special_tokens=False)],
        lambda t: [e.ids for e in t.encode_batch(pairs)],
        lambda t: [t.encode(a, b).type_ids for a, b in pairs],
        lambda t: [e.ids for e in t.encode_batch(words, is_pretokenized=True)],
        lambda t: [t.encode(x, add_special_tokens=False).offsets for x in texts],
        lambda t: [t.encode(x).tokens for x in texts],
        lambda t: t.decode_batch([e.ids for e in t.encode_batch(texts)]),
    ]
    serial = [call(hf) for call in calls]
    assert run_together([lambda call=call: call(tok) for call in calls]) == serial


def test_settings_are_never_half_applied() -> None:
    # One thread switches between two settings of each kind while others
    # encode: every batch is encoded wholly with one truncation and one
    # padding as some call set them, never a mix of two calls' fields.
    texts = corpus_lines(48)
    path = shared_path("vocab", "bert-base-uncased", "tokenizer.json")
    tok = tokkit.Tokenizer.from_file(path)
    settings = ((24, 0, "right"), (40, 5, "left"))
    outcomes = []
    for truncation in (24, 40):
        for length, pad_id, side in settings:
            hf = tokenizers.Tokenizer.from_file(str(path))
            hf.enable_truncation(truncation)
            hf.enable_padding(length=length, pad_id=pad_id, direction=side)
            outcomes.append([e.ids for e in hf.encode_batch(texts)])
    stop = threading.Event()

    def switch() -> None:
        while not stop.is_set():
            for length, pad_id, side in settings:
                tok.enable_truncation(length)
                tok.enable_padding(length=length, pad_id=pad_id, direction=side)

    def encode() -> list[list[list[int]]]:
        return [[e.ids for e in tok.encode_batch(texts, num_threads=2)] for _ in range(20)]

    switcher = threading.Thread(target=switch)
    switcher.start()
    try:
        seen = run_together([encode] * 4, rounds=1)
    finally:
        stop.set()
        switcher.join(TIMEOUT)
    batches = [ids for worker in seen for ids in worker]
    assert len(batches) == 80
    assert all(ids in outcomes for ids in batches)


def test_threads_share_sentencepiece_and_tiktoken() -> None:
    texts = corpus_lines(48)
    spm_path = shared_path("vocab", "rut5-large-spm-unigram", "spiece.model")
    sp = tokkit.SentencePieceProcessor(spm_path)
    ref = sentencepiece.SentencePieceProcessor(model_file=str(spm_path))
    ranks = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    enc = tokkit.load_tiktoken(ranks, "cl100k_base")
    ref_enc = tiktoken_encoding("cl100k_base", ranks)
    special = [t + " <|endoftext|>" for t in texts]
    calls = [
        (lambda: sp.encode(texts, out_type=str), lambda: ref.encode(texts, out_type=str)),
        (lambda: sp.encode(texts, add_eos=True), lambda: ref.encode(texts, add_eos=True)),
        (lambda: sp.encode(texts, reverse=True), lambda: ref.encode(texts, reverse=True)),
        (lambda: sp.decode(sp.encode(texts)), lambda: ref.decode(ref.encode(texts))),
        (
            lambda: enc.encode_batch(special, allowed_special="all"),
            lambda: ref_enc.encode_batch(special, allowed_special="all"),
        ),
        (
            lambda: enc.encode_batch(special, disallowed_special=()),
            lambda: ref_enc.encode_batch(special, disallowed_special=()),
        ),
        (lambda: enc.encode_ordinary_batch(texts), lambda: ref_enc.encode_ordinary_batch(texts)),
        (lambda: [enc.decode(x) for x in enc.encode_ordinary_batch(texts)], lambda: texts),
    ]
    serial = [want() for _, want in calls]
    assert run_together([ours for ours, _ in calls]) == serial
