"""Hostile arguments: each case runs in a child process (tests/child.py), so
an allocator abort or a hang fails the test instead of killing the run; the
outcome and the child's peak memory are checked, never the time taken.

Sizes taken from an argument are checked before anything is allocated:
padding lengths when padding is set, sample counts before sampling; ids
near 2^32 cost no memory."""

from __future__ import annotations

import pytest
from child import run
from conftest import shared_path

# Peak RSS of a child that loads tokkit, a reference and one shared file is
# some 100-200 MB; a table sized by a hostile number is gigabytes.
RSS_BOUND_MB = 600


def refused_with(child_result: dict, error: str, *words: str) -> None:
    assert error in child_result.get("mro", []), child_result
    for word in words:
        assert word in child_result["message"], child_result


@pytest.mark.parametrize(
    "setting",
    ["length=2**32", "length=2**31", "pad_to_multiple_of=2**32", "length=2**24 + 1"],
)
def test_padding_beyond_what_can_be_allocated_is_refused_when_set(setting: str) -> None:
    path = shared_path("vocab", "gpt2", "tokenizer.json")
    child = run(f"""
        import tokenizers, tokkit
        t = tokkit.Tokenizer.from_file({str(path)!r})
        t.no_truncation()
        refused = outcome(lambda: t.enable_padding({setting}))
        hf = tokenizers.Tokenizer.from_file({str(path)!r})
        hf.no_truncation()
        report({{"refused": refused, "padding": t.padding,
                 "ids": t.encode("hi there").ids, "hf": hf.encode("hi there").ids}})
    """)
    result = child.check()
    refused_with(result["refused"], "InvalidArgumentError", setting.split("=")[0])
    assert result["padding"] is None
    assert result["ids"] == result["hf"]
    assert child.peak_rss_mb < RSS_BOUND_MB


def test_padding_within_the_limit_pads_as_hf() -> None:
    path = shared_path("vocab", "gpt2", "tokenizer.json")
    child = run(f"""
        import tokenizers, tokkit
        results = []
        for make in (tokenizers.Tokenizer.from_file, tokkit.Tokenizer.from_file):
            t = make({str(path)!r})
            t.no_truncation()
            t.enable_padding(length=1000, pad_to_multiple_of=256, pad_id=7)
            e = t.encode("hi there")
            results.append([e.ids, e.attention_mask])
        report(results)
    """)
    hf, tk = child.check()
    assert len(hf[0]) == 1024
    assert tk == hf


@pytest.mark.parametrize("wor", [False, True])
def test_a_billion_samples_are_refused(wor: bool) -> None:
    path = shared_path("vocab", "spm-unigram-sentencepiece-test", "test_model.model")
    child = run(f"""
        import tokkit
        s = tokkit.SentencePieceProcessor(model_file={str(path)!r})
        call = lambda n: s.sample_encode_and_score(
            "hello world", num_samples=n, alpha=0.1, wor={wor})
        report({{"huge": outcome(lambda: call(10**9)), "small": len(call(5))}})
    """)
    result = child.check()
    refused_with(result["huge"], "InvalidArgumentError", "num_samples")
    assert result["small"] == 5
    assert child.peak_rss_mb < RSS_BOUND_MB


@pytest.mark.parametrize("rank", [10**9, 2**32 - 2])
def test_tiktoken_ranks_near_2_32_cost_no_memory(rank: int) -> None:
    child = run(f"""
        import tiktoken, tokkit
        ranks = {{bytes([b]): b for b in range(256)}}
        ranks[b"ab"] = {rank}
        ranks[b"abc"] = {rank} - 1
        specials = {{"<|end|>": 300}}
        results = []
        for make in (tiktoken.Encoding, tokkit.TiktokenEncoding):
            e = make(name="x", pat_str=r"\\S+|\\s+", mergeable_ranks=ranks,
                     special_tokens=specials)
            ids = e.encode("abc ab abcab<|end|>", allowed_special="all")
            last = [b.hex() for b in sorted(e.token_byte_values())[-3:]]
            results.append([ids, e.decode(ids), e.n_vocab, e.max_token_value,
                            e.encode_single_token(b"ab"), last])
        report(results)
    """)
    ref, tk = child.check()
    assert tk == ref
    assert child.peak_rss_mb < RSS_BOUND_MB
