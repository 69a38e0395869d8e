"""Hostile arguments: each case runs in a child process (tests/child.py), so
an allocator abort or a hang fails the test instead of killing the run; the
outcome and the child's peak memory are checked, never the time taken.

Sizes taken from an argument are checked before anything is allocated:
padding lengths when padding is set, sample counts before sampling; ids
near 2^32 cost no memory."""

from __future__ import annotations

from pathlib import Path

import pytest
import tokenizers
from child import Child, run
from conftest import shared_path
from references import tiktoken_encoding

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


@pytest.mark.parametrize("length", ["2**40", "2**24 + 1"])
def test_encoding_pad_beyond_what_can_be_allocated_is_refused(length: str) -> None:
    """HF's ``Encoding.pad(2**40)`` aborts the process; tokkit refuses it
    and leaves the encoding as it was."""
    path = shared_path("vocab", "gpt2", "tokenizer.json")
    child = run(f"""
        import tokkit
        e = tokkit.Tokenizer.from_file({str(path)!r}).encode("hi there")
        report({{"refused": outcome(lambda: e.pad({length})), "ids": e.ids, "len": len(e)}})
    """)
    result = child.check()
    refused_with(result["refused"], "InvalidArgumentError", "length")
    assert result["len"] == len(result["ids"]) == 2
    assert child.peak_rss_mb < RSS_BOUND_MB


def test_merging_windows_each_with_each_past_the_limit_is_refused() -> None:
    """Merging encodings with windows combines the windows each with each,
    doubling the count with every encoding: forty such make 2^40, where HF
    runs out of memory; tokkit refuses, and a merge of a few still works."""
    path = shared_path("vocab", "gpt2", "tokenizer.json")
    child = run(f"""
        import tokkit
        t = tokkit.Tokenizer.from_file({str(path)!r})
        t.enable_truncation(1)
        e = t.encode("hi there")
        refused = outcome(lambda: tokkit.Encoding.merge([e] * 40))
        report({{"refused": refused, "few": len(tokkit.Encoding.merge([e] * 3).overflowing)}})
    """)
    result = child.check()
    refused_with(result["refused"], "InvalidArgumentError", "each with each")
    assert result["few"] == 7
    assert child.peak_rss_mb < RSS_BOUND_MB


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


def test_two_billion_threads_run_on_a_few() -> None:
    """sentencepiece caps a batch's threads at 256 and at the batch's length
    (and takes a C int: 2**31 is its TypeError); tiktoken starts a thread
    per text at most."""
    model = shared_path("vocab", "spm-unigram-sentencepiece-test", "test_model.model")
    ranks = shared_path("vocab", "tiktoken", "r50k_base.tiktoken")
    child = run(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        import sentencepiece, tokkit
        from references import tiktoken_encoding
        texts = ["hello world", "I saw a girl with a telescope.", ""] * 3
        results = []
        for make in (sentencepiece.SentencePieceProcessor, tokkit.SentencePieceProcessor):
            s = make(model_file={str(model)!r})
            ids = s.encode(texts, num_threads=2**31 - 1)
            results.append([ids, s.decode(ids, num_threads=2**31 - 1)])
        entropy = s.calculate_entropy(texts, alpha=0.1, num_threads=2**31)
        ref = tiktoken_encoding("r50k_base", {str(ranks)!r})
        tk = tokkit.load_tiktoken({str(ranks)!r}, "r50k_base")
        tiktoken = [e.encode_ordinary_batch(texts, num_threads=2**31) for e in (ref, tk)]
        report({{"spm": results, "entropy": entropy, "tiktoken": tiktoken}})
    """)
    result = child.check()
    spm_ref, spm_tk = result["spm"]
    assert spm_tk == spm_ref
    # The texts repeat; sentencepiece 0.2.3 has no calculate_entropy.
    entropy = result["entropy"]
    assert entropy == entropy[:3] * 3
    assert all(e >= 0 for e in entropy)
    tiktoken_ref, tiktoken_tk = result["tiktoken"]
    assert tiktoken_tk == tiktoken_ref
    assert child.peak_rss_mb < RSS_BOUND_MB


def test_a_long_word_under_a_huge_max_input_chars_per_word_is_linear() -> None:
    """WordPiece hashed the whole rest of a word at each step (quadratic). HF
    is slower still on a long word, so its ids for a 600-letter word give
    the pattern: the same token repeated in the middle."""
    path = shared_path("vocab", "bert-base-uncased", "tokenizer.json")
    child = run(f"""
        import json, tokenizers, tokkit
        document = json.loads(open({str(path)!r}, encoding="utf-8").read())
        document["truncation"] = document["padding"] = None
        document["model"]["max_input_chars_per_word"] = 10**7
        text = json.dumps(document)
        hf = tokenizers.Tokenizer.from_str(text)
        tk = tokkit.Tokenizer.from_str(text)
        report({{"hf": hf.encode("a" * 600).ids, "tk": tk.encode("a" * 10**6).ids,
                 "tk_short": tk.encode("a" * 600).ids}})
    """)
    result = child.check()
    hf = result["hf"]
    assert result["tk_short"] == hf
    middle = hf[3]
    assert hf[3:-3] == [middle] * (len(hf) - 6)
    assert result["tk"] == hf[:3] + [middle] * ((10**6 - 600) // 2) + hf[3:]
    assert child.peak_rss_mb < RSS_BOUND_MB


def test_decoding_a_million_id_lists_on_a_unigram_tokenizer_json() -> None:
    path = shared_path("vocab", "rut5-large-spm-unigram", "tokenizer.json")
    child = run(f"""
        import random, tokenizers, tokkit
        tk = tokkit.Tokenizer.from_file({str(path)!r})
        hf = tokenizers.Tokenizer.from_file({str(path)!r})
        rng = random.Random(0)
        lists = [[rng.randrange(32100) for _ in range(rng.randrange(12))] for _ in range(1000)]
        texts = tk.decode_batch(lists * 1000)
        report({{"tk": texts[:1000], "all_same": texts == texts[:1000] * 1000,
                 "hf": hf.decode_batch(lists)}})
    """)
    result = child.check()
    assert result["tk"] == result["hf"]
    assert result["all_same"]
    assert child.peak_rss_mb < RSS_BOUND_MB


# Long and degenerate texts: each encoder in a child of its own, its token
# counts compared with the reference's (run in another child, so each peak
# RSS is one library's), its memory bounded by the output.

LONG_TEXTS = {
    "a 2 MB word": "'ab' * 10**6",
    "1 MB of combining marks on one base": "'a' + '\\u0301' * 10**6",
    "2 MB of spaces": "' ' * (2 * 10**6)",
    "2 MB of punctuation": "'!?' * 10**6",
    "1 MB of NUL": "'\\x00' * 10**6",
    "1 MB of one CJK character": "'\\u4e00' * 10**6",
}


def tokenizer_json(lib: str) -> str:
    return (
        f"t = {lib}.Tokenizer.from_file({{p!r}}); t.no_truncation(); "
        "f = lambda s: len(t.encode(s).ids)"
    )


def spm_model(lib: str) -> str:
    return f"t = {lib}.SentencePieceProcessor(model_file={{p!r}}); f = lambda s: len(t.encode(s))"


# name -> (how tokkit loads and encodes, how the reference does, or None
# where the reference is not linear: tiktoken's merge loop is quadratic in
# a piece's length, so a 2 MB word takes it hours).
LOADED = {
    "bert tokenizer.json": (
        tokenizer_json("tokkit"),
        tokenizer_json("tokenizers"),
        ("bert-base-uncased", "tokenizer.json"),
    ),
    "gpt2 tokenizer.json": (
        tokenizer_json("tokkit"),
        tokenizer_json("tokenizers"),
        ("gpt2", "tokenizer.json"),
    ),
    "llama2 sentencepiece": (
        spm_model("tokkit"),
        spm_model("sentencepiece"),
        ("llama2-spm-bpe", "tokenizer.model"),
    ),
    "rut5 sentencepiece": (
        spm_model("tokkit"),
        spm_model("sentencepiece"),
        ("rut5-large-spm-unigram", "spiece.model"),
    ),
    "cl100k": (
        "t = tokkit.load_tiktoken({p!r}, 'cl100k_base'); "
        "f = lambda s: len(t.encode(s)) if t.decode(t.encode(s)) == s else -1",
        None,
        ("tiktoken", "cl100k_base.tiktoken"),
    ),
}

# 1-2 MB of text is 1-2 million tokens at most; an Encoding keeps some 250
# bytes a token (ids, type ids, offsets, token strings, masks).
LONG_RSS_BOUND_MB = 900


def count_tokens(load: str, path: Path) -> Child:
    texts = ", ".join(f"{name!r}: {expr}" for name, expr in LONG_TEXTS.items())
    return run(
        f"""
        import sentencepiece, tokenizers, tokkit
        {load.format(p=str(path))}
        texts = {{{texts}}}
        report({{name: f(text) for name, text in texts.items()}})
        """,
        timeout=300,
    )


@pytest.mark.parametrize("name", LOADED)
def test_long_and_degenerate_texts_in_bounded_memory(name: str) -> None:
    ours, reference, parts = LOADED[name]
    path = shared_path("vocab", *parts)
    child = count_tokens(ours, path)
    counts = child.check()
    assert child.peak_rss_mb < LONG_RSS_BOUND_MB, (name, child.peak_rss_mb)
    if reference is None:
        assert all(n > 0 for n in counts.values()), counts  # round trips
    else:
        assert counts == count_tokens(reference, path).check()


def test_a_million_tiny_strings_in_one_batch() -> None:
    path = shared_path("vocab", "gpt2", "tokenizer.json")
    ranks = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    child = run(f"""
        import tokkit
        texts = [chr(0x61 + i % 26) * (i % 3) for i in range(10**6)]
        t = tokkit.Tokenizer.from_file({str(path)!r})
        t.no_truncation()
        batch = t.encode_batch(texts)
        tk = tokkit.load_tiktoken({str(ranks)!r}, "cl100k_base")
        ids = tk.encode_ordinary_batch(texts)
        report({{"tokenizer": [e.ids for e in batch[:78]], "n": len(batch),
                 "same": all(batch[i].ids == batch[i % 78].ids for i in range(0, 10**6, 997)),
                 "tiktoken": ids[:78], "tn": len(ids),
                 "tsame": all(ids[i] == ids[i % 78] for i in range(0, 10**6, 997))}})
    """)
    result = child.check()
    texts = [chr(0x61 + i % 26) * (i % 3) for i in range(78)]
    hf = tokenizers.Tokenizer.from_file(str(path))
    hf.no_truncation()
    assert result["tokenizer"] == [e.ids for e in hf.encode_batch(texts)]
    assert result["tiktoken"] == tiktoken_encoding("cl100k_base", ranks).encode_ordinary_batch(
        texts
    )
    assert (result["n"], result["tn"]) == (10**6, 10**6)
    assert result["same"] and result["tsame"]


@pytest.mark.parametrize(
    "step",
    [
        {"type": "Replace", "pattern": {"String": "a"}, "content": "aa"},
        {"type": "Replace", "pattern": {"Regex": "a"}, "content": "a" * 1000},
    ],
    ids=["doubling Replace", "thousandfold Replace"],
)
def test_normalizers_that_multiply_a_short_text_fail_instead_of_allocating(step: dict) -> None:
    """Forty Replace steps that each double the text would make 2^40 bytes
    of "a" (HF tries, and dies). tokkit stops at its normalization bound
    with an EncodingError; an input that stays under the bound encodes."""
    path = shared_path("vocab", "bert-base-uncased", "tokenizer.json")
    child = run(f"""
        import json, tokenizers, tokkit
        document = json.load(open({str(path)!r}, encoding="utf-8"))
        document["normalizer"] = {{"type": "Sequence", "normalizers": [{step!r}] * 40}}
        text = json.dumps(document)
        t = tokkit.Tokenizer.from_str(text)
        t.no_truncation()
        t.no_padding()
        hf = tokenizers.Tokenizer.from_str(text)
        hf.no_truncation()
        hf.no_padding()
        a, b = outcome(lambda: t.encode("a a").ids), outcome(lambda: t.encode("b").ids)
        report({{"a": a, "b": b, "hf": hf.encode("b").ids}})
    """)
    result = child.check()
    refused_with(result["a"], "EncodingError", "normalizer")
    assert result["b"]["value"] == result["hf"]
    assert child.peak_rss_mb < RSS_BOUND_MB


def test_decoders_that_multiply_the_tokens_fail_instead_of_allocating() -> None:
    """Forty Replace decoders that each double every token would make
    terabytes from a few ids (HF tries, and dies): tokkit's decode fails
    with an EncodingError; ids whose tokens hold no match decode as HF's."""
    path = shared_path("vocab", "bert-base-uncased", "tokenizer.json")
    step = {"type": "Replace", "pattern": {"String": "a"}, "content": "aa"}
    child = run(f"""
        import json, tokenizers, tokkit
        document = json.load(open({str(path)!r}, encoding="utf-8"))
        document["decoder"] = {{"type": "Sequence", "decoders": [{step!r}] * 40}}
        text = json.dumps(document)
        t = tokkit.Tokenizer.from_str(text)
        hf = tokenizers.Tokenizer.from_str(text)
        ids = t.encode("hello world").ids
        report({{"a": outcome(lambda: t.decode(t.encode("a cat").ids)),
                 "ok": outcome(lambda: t.decode(ids)), "hf": hf.decode(ids)}})
    """)
    result = child.check()
    refused_with(result["a"], "EncodingError", "decoder")
    assert result["ok"]["value"] == result["hf"]
    # the last step before the bound (1 GiB of decoded text) may be reached
    assert child.peak_rss_mb < RSS_BOUND_MB + 1024
