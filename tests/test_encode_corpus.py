"""``tokkit.encode_corpus`` and ``tokkit encode -o``: every output format read
back by its own reader (NumPy, pyarrow, and a Megatron reader written here from
Megatron-LM's documented ``.idx`` layout), ids equal to ``encode_batch`` and to
HF tokenizers', the same shards for any thread count and chunk size, a killed
run resumed, and bad input stopped at its file and line or skipped."""

from __future__ import annotations

import gzip
import json
import signal
import struct
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy
import pytest
import sentencepiece
import tokenizers
from conftest import shared_path
from google_bert import tokenization
from hypothesis import given, settings
from hypothesis import strategies as st
from references import tiktoken_encoding

import tokkit
from tokkit.cli import main

FORMATS = ["npy", "bin", "megatron", "parquet", "ids"]


@pytest.fixture(scope="module")
def gpt2() -> tokkit.Tokenizer:
    return tokkit.Tokenizer.from_file(shared_path("vocab", "gpt2", "tokenizer.json"))


@pytest.fixture(scope="module")
def hf_gpt2() -> tokenizers.Tokenizer:
    hf = tokenizers.Tokenizer.from_file(str(shared_path("vocab", "gpt2", "tokenizer.json")))
    hf.no_truncation()
    hf.no_padding()
    return hf


@pytest.fixture(scope="module")
def cl100k() -> tokkit.TiktokenEncoding:
    path = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    return tokkit.load_tiktoken(path, "cl100k_base")


def sample_lines() -> list[str]:
    """Lines of three corpora (English with a BOM and CRLF, Japanese, the
    naughty strings), empty ones included, as documents."""
    docs = []
    for parts, count in (
        (("english", "botchan.txt"), 300),
        (("japanese", "wagahaiwa_nekodearu.txt"), 100),
        (("multilingual", "blns.txt"), 300),
    ):
        text = shared_path("corpus", *parts).read_bytes().decode("utf-8")
        docs += [line.removesuffix("\r") for line in text.split("\n")][:count]
    return docs


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[str]]:
    """A text file of the sample lines (CRLF kept) and its documents."""
    docs = sample_lines()
    path = tmp_path_factory.mktemp("corpus") / "sample.txt"
    path.write_bytes("\r\n".join(docs).encode("utf-8") + b"\n")
    return path, docs


def shard_files(out: Path, suffix: str) -> list[Path]:
    return sorted(p for p in out.iterdir() if p.name.endswith(suffix) and "offsets" not in p.name)


def read_megatron(prefix: Path) -> list[numpy.ndarray]:
    """The documents of a Megatron-LM ``.bin``/``.idx`` pair, read from the
    layout ``megatron/core/datasets/indexed_dataset.py`` documents: the magic
    ``MMIDIDX\\0\\0``, version 1 (u64), a dtype code (u8), the sequence and
    document counts (u64 each), the sequence lengths (i32), their byte
    pointers into the .bin (i64) and the document indices (i64)."""
    index = prefix.with_suffix(".idx").read_bytes()
    assert index[:9] == b"MMIDIDX\x00\x00"
    assert struct.unpack("<Q", index[9:17]) == (1,)
    dtype = {8: numpy.uint16, 4: numpy.int32}[index[17]]
    sequences, documents = struct.unpack("<QQ", index[18:34])
    at = 34
    lengths = numpy.frombuffer(index, numpy.int32, sequences, at)
    at += lengths.nbytes
    pointers = numpy.frombuffer(index, numpy.int64, sequences, at)
    at += pointers.nbytes
    doc_index = numpy.frombuffer(index, numpy.int64, documents, at)
    assert at + doc_index.nbytes == len(index)
    assert doc_index.tolist() == list(range(sequences + 1))
    data = prefix.with_suffix(".bin").read_bytes()
    return [
        numpy.frombuffer(data, dtype, int(n), int(p))
        for n, p in zip(lengths, pointers, strict=True)
    ]


def read_documents(out: Path, fmt: str) -> list[list[int]]:
    """Every document of the shards in ``out``, in order (``bin`` has no
    document boundaries: one list of every id)."""
    docs: list[list[int]] = []
    if fmt == "npy":
        for path in shard_files(out, ".npy"):
            ids = numpy.load(path)
            offsets = numpy.load(path.with_name(path.name.replace(".npy", ".offsets.npy")))
            assert offsets.dtype == numpy.int64 and offsets[0] == 0 and offsets[-1] == len(ids)
            docs += [ids[a:b].tolist() for a, b in pairwise(offsets)]
    elif fmt == "bin":
        dtype = json.loads((out / "manifest.json").read_text())["settings"]["dtype"]
        flat = [numpy.fromfile(p, dtype=dtype).tolist() for p in shard_files(out, ".bin")]
        docs = [[i for shard in flat for i in shard]]
    elif fmt == "megatron":
        for path in shard_files(out, ".bin"):
            docs += [d.tolist() for d in read_megatron(path)]
    elif fmt == "parquet":
        import pyarrow.parquet as pq

        for path in shard_files(out, ".parquet"):
            table = pq.read_table(path)
            assert str(table.schema.field("ids").type) == "list<element: uint32>"
            docs += table.column("ids").to_pylist()
    else:
        for path in shard_files(out, ".txt"):
            lines = path.read_text().split("\n")[:-1]
            docs += [[int(i) for i in line.split()] for line in lines]
    return docs


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reads_back_as_encode_batch(tmp_path, corpus, gpt2, hf_gpt2, fmt):
    path, docs = corpus
    summary = tokkit.encode_corpus(
        gpt2, [path], tmp_path, format=fmt, max_tokens_per_shard=3000, threads=2
    )
    want = [e.ids for e in hf_gpt2.encode_batch(docs)]
    assert [e.ids for e in gpt2.encode_batch(docs)] != want  # the file truncates to 50
    assert read_documents(tmp_path, fmt) == (
        want if fmt != "bin" else [[i for d in want for i in d]]
    )
    assert summary["documents"] == len(docs)
    assert summary["tokens"] == sum(map(len, want))
    assert summary["bytes"] == sum(len(d.encode("utf-8")) for d in docs)
    assert summary["shards"] > 3
    assert summary["truncation_ignored"]["max_length"] == 50
    assert gpt2.truncation is not None and gpt2.truncation["max_length"] == 50


def test_ids_equal_each_encoders_batch(tmp_path, corpus, cl100k):
    path, docs = corpus
    vocab = shared_path("vocab", "bert-base-uncased", "vocab.txt")
    spm = shared_path("vocab", "llama2-spm-bpe", "tokenizer.model")
    bert = tokkit.FullTokenizer(vocab)
    llama = tokkit.SentencePieceProcessor(model_file=str(spm))
    ranks = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    google = tokenization.FullTokenizer(str(vocab), do_lower_case=True)
    for name, tokenizer, want in (
        ("cl100k", cl100k, tiktoken_encoding("cl100k_base", ranks).encode_ordinary_batch(docs)),
        ("bert", bert, [google.convert_tokens_to_ids(google.tokenize(d)) for d in docs]),
        ("llama", llama, sentencepiece.SentencePieceProcessor(model_file=str(spm)).encode(docs)),
    ):
        tokkit.encode_corpus(tokenizer, [path], tmp_path / name, threads=2)
        assert read_documents(tmp_path / name, "npy") == want, name


def test_threads_and_chunk_sizes_give_identical_shards(tmp_path, corpus, gpt2):
    path, _ = corpus
    runs = [(1, 1 << 22), (2, 1 << 22), (4, 1 << 22), (2, 999)]
    for threads, chunk_bytes in runs:
        tokkit.encode_corpus(
            gpt2,
            [path],
            tmp_path / f"{threads}-{chunk_bytes}",
            format="megatron",
            max_tokens_per_shard=2000,
            append_eos=True,
            threads=threads,
            chunk_bytes=chunk_bytes,
        )
    first = tmp_path / "1-4194304"
    names = sorted(p.name for p in first.iterdir() if p.name != "manifest.json")
    assert len(names) > 6
    for threads, chunk_bytes in runs[1:]:
        other = tmp_path / f"{threads}-{chunk_bytes}"
        assert sorted(p.name for p in other.iterdir() if p.name != "manifest.json") == names
        for name in names:
            assert (first / name).read_bytes() == (other / name).read_bytes(), (threads, name)


def test_shards_hold_whole_documents_under_the_limit(tmp_path, corpus, gpt2, hf_gpt2):
    path, docs = corpus
    tokkit.encode_corpus(gpt2, [path], tmp_path, max_tokens_per_shard=500, append_eos=True)
    lengths = [len(e.ids) + 1 for e in hf_gpt2.encode_batch(docs)]
    shards = [numpy.load(p) for p in shard_files(tmp_path, ".npy")]
    for shard in shards:
        assert len(shard) <= 500 or (shard == 50256).sum() == 1
    # greedy: a shard closes only when the next document would not fit
    sizes = [len(s) for s in shards]
    at = 0
    for size in sizes[:-1]:
        used = 0
        while used < size:
            used += lengths[at]
            at += 1
        assert used == size and used + lengths[at] > 500


def test_eos_and_bos_come_from_each_tokenizer(tmp_path, corpus, gpt2, cl100k):
    path, docs = corpus
    spm = shared_path("vocab", "llama2-spm-bpe", "tokenizer.model")
    llama = tokkit.SentencePieceProcessor(model_file=str(spm))
    for name, tokenizer, bos, eos in (
        ("gpt2", gpt2, 50256, 50256),
        ("cl100k", cl100k, 100257, 100257),
        ("llama", llama, 1, 2),
    ):
        tokkit.encode_corpus(
            tokenizer, [path], tmp_path / name, prepend_bos=True, append_eos=True, format="ids"
        )
        got = read_documents(tmp_path / name, "ids")
        assert len(got) == len(docs)
        assert all(d[0] == bos and d[-1] == eos for d in got), name
    named = tokkit.encode_corpus(gpt2, [path], None, append_eos=True, eos_token="!", format="ids")
    assert named["tokens"] > named["documents"]
    plain = tokkit.TiktokenEncoding(
        "plain",
        pat_str=r"\S+|\s+",
        mergeable_ranks={bytes([b]): b for b in range(256)},
        special_tokens={},
    )
    with pytest.raises(tokkit.InvalidArgumentError, match="--eos-token"):
        tokkit.encode_corpus(plain, [path], tmp_path / "plain", append_eos=True)
    with pytest.raises(tokkit.InvalidArgumentError, match="not a token"):
        tokkit.encode_corpus(gpt2, [path], tmp_path / "bad", append_eos=True, eos_token="<nope>")


def test_dtype_auto_picks_uint16_when_ids_fit_and_uint16_is_refused_otherwise(
    tmp_path, corpus, gpt2, cl100k
):
    path, _ = corpus
    assert tokkit.encode_corpus(gpt2, [path], tmp_path / "a")["dtype"] == "uint16"
    assert numpy.load(tmp_path / "a" / "shard_00000.npy").dtype == numpy.uint16
    assert tokkit.encode_corpus(cl100k, [path], tmp_path / "b")["dtype"] == "uint32"
    summary = tokkit.encode_corpus(cl100k, [path], tmp_path / "c", format="megatron")
    assert summary["dtype"] == "int32"
    assert (tmp_path / "c" / "shard_00000.idx").read_bytes()[17] == 4
    with pytest.raises(tokkit.InvalidArgumentError, match="uint16"):
        tokkit.encode_corpus(cl100k, [path], tmp_path / "d", dtype="uint16")
    assert not (tmp_path / "d").exists()


def test_compressed_inputs_and_stdin(tmp_path, corpus, gpt2):
    import zstandard

    path, docs = corpus
    data = path.read_bytes()
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(data))
    (tmp_path / "a.txt.zst").write_bytes(zstandard.ZstdCompressor().compress(data))
    want = tokkit.encode_corpus(gpt2, [path], tmp_path / "plain")
    for name in ("a.txt.gz", "a.txt.zst"):
        got = tokkit.encode_corpus(gpt2, [tmp_path / name], tmp_path / name.replace(".", "-"))
        assert read_documents(tmp_path / name.replace(".", "-"), "npy") == read_documents(
            tmp_path / "plain", "npy"
        )
        assert got["tokens"] == want["tokens"] and got["bytes"] == want["bytes"]
    tokenizer = str(shared_path("vocab", "gpt2", "tokenizer.json"))
    done = subprocess.run(
        [sys.executable, "-m", "tokkit", "encode", "--tokenizer", tokenizer, "-f", "-", "-q"],
        input=data,
        capture_output=True,
        check=True,
    )
    lines = done.stdout.decode().split("\n")[:-1]
    assert [[int(i) for i in line.split()] for line in lines] == read_documents(
        tmp_path / "plain", "npy"
    )
    assert len(lines) == len(docs)


def test_jsonl_and_parquet_inputs(tmp_path, corpus, gpt2, hf_gpt2):
    import pyarrow
    import pyarrow.parquet as pq

    _, docs = corpus
    want = [e.ids for e in hf_gpt2.encode_batch(docs)]
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text("".join(json.dumps({"id": i, "body": d}) + "\n" for i, d in enumerate(docs)))
    tokkit.encode_corpus(gpt2, [jsonl], tmp_path / "j", field="body", chunk_bytes=5000)
    assert read_documents(tmp_path / "j", "npy") == want
    table = pyarrow.table({"text": docs})
    pq.write_table(table, tmp_path / "docs.parquet", row_group_size=97)
    tokkit.encode_corpus(gpt2, [tmp_path / "docs.parquet"], tmp_path / "p", chunk_bytes=5000)
    assert read_documents(tmp_path / "p", "npy") == want
    with pytest.raises(tokkit.CorpusFormatError, match="no column 'body'"):
        tokkit.encode_corpus(gpt2, [tmp_path / "docs.parquet"], tmp_path / "q", column="body")
    pq.write_table(pyarrow.table({"text": ["a", None, "b"]}), tmp_path / "null.parquet")
    with pytest.raises(tokkit.CorpusFormatError, match="row 1: column 'text' is null"):
        tokkit.encode_corpus(gpt2, [tmp_path / "null.parquet"], tmp_path / "r")
    summary = tokkit.encode_corpus(
        gpt2, [tmp_path / "null.parquet"], tmp_path / "s", skip_invalid=True
    )
    assert (summary["documents"], summary["skipped"]) == (2, 1)


def test_doc_per_file(tmp_path, gpt2, hf_gpt2):
    texts = ["first file\nwith two lines\n", "second", ""]
    paths = []
    for i, text in enumerate(texts):
        paths.append(tmp_path / f"{i}.txt")
        paths[-1].write_text(text)
    tokkit.encode_corpus(gpt2, paths, tmp_path / "out", doc_per_file=True)
    assert read_documents(tmp_path / "out", "npy") == [e.ids for e in hf_gpt2.encode_batch(texts)]


def test_malformed_jsonl_stops_at_its_file_and_line_or_is_skipped(tmp_path, gpt2, capsys):
    path = tmp_path / "bad.jsonl"
    lines = [
        '{"text": "one"}',
        '{"title": "no text"}',
        "{not json",
        '["a list"]',
        "",
        '{"text": 5}',
    ]
    path.write_text("\n".join(lines) + '\n{"text": "last"}\n')
    with pytest.raises(tokkit.CorpusFormatError, match=rf"{path}:2: field 'text' is missing"):
        tokkit.encode_corpus(gpt2, [path], tmp_path / "a")
    assert not list((tmp_path / "a").glob("shard_*"))
    summary = tokkit.encode_corpus(gpt2, [path], tmp_path / "b", skip_invalid=True, format="ids")
    assert (summary["documents"], summary["skipped"]) == (2, 4)
    assert read_documents(tmp_path / "b", "ids") == [gpt2.encode(t).ids for t in ("one", "last")]
    tokenizer = str(shared_path("vocab", "gpt2", "tokenizer.json"))
    args = ["encode", "--tokenizer", tokenizer, "-f", str(path), "-o", str(tmp_path / "c")]
    assert main(args) == 1
    assert f"{path}:2: field 'text' is missing" in capsys.readouterr().err
    path.write_text('{"text": "one"}\n{"text": "two"\n')
    with pytest.raises(tokkit.CorpusFormatError, match=rf"{path}:2: not a JSON object"):
        tokkit.encode_corpus(gpt2, [path], tmp_path / "d")
    path.write_text('{"text": "one"}\n{"text": "\\ud800"}\n')
    with pytest.raises(tokkit.InvalidUtf8Error, match=rf"{path}:2: .*surrogate"):
        tokkit.encode_corpus(gpt2, [path], tmp_path / "e")


def test_invalid_utf8_stops_at_its_line_or_is_skipped(tmp_path, gpt2):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\r\nbad \xff line\nanother good one\n\xc3\n")
    with pytest.raises(tokkit.InvalidUtf8Error, match=rf"{path}:2: the line is not valid UTF-8"):
        tokkit.encode_corpus(gpt2, [path], tmp_path / "a")
    summary = tokkit.encode_corpus(gpt2, [path], tmp_path / "b", skip_invalid=True, format="ids")
    assert (summary["documents"], summary["skipped"]) == (2, 2)
    reference = tokenizers.Tokenizer.from_file(str(shared_path("vocab", "gpt2", "tokenizer.json")))
    want = [reference.encode(t).ids for t in ("good line", "another good one")]
    assert read_documents(tmp_path / "b", "ids") == want
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_bytes(b'{"text": "ok"}\n{"text": "\xff"}\n')
    with pytest.raises(tokkit.InvalidUtf8Error, match=rf"{jsonl}:2:"):
        tokkit.encode_corpus(gpt2, [jsonl], tmp_path / "c")


def test_an_existing_run_is_not_overwritten_and_a_finished_one_resumes_to_its_summary(
    tmp_path, corpus, gpt2
):
    path, _ = corpus
    first = tokkit.encode_corpus(gpt2, [path], tmp_path, max_tokens_per_shard=5000)
    with pytest.raises(tokkit.InvalidArgumentError, match="--resume"):
        tokkit.encode_corpus(gpt2, [path], tmp_path, max_tokens_per_shard=5000)
    again = tokkit.encode_corpus(gpt2, [path], tmp_path, max_tokens_per_shard=5000, resume=True)
    assert {**again, "seconds": 0, "resumed_shards": 0} == {**first, "seconds": 0}
    with pytest.raises(tokkit.InvalidArgumentError, match="max_tokens_per_shard differ"):
        tokkit.encode_corpus(gpt2, [path], tmp_path, max_tokens_per_shard=4000, resume=True)


def test_a_killed_run_resumes_to_the_same_shards(tmp_path):
    tokenizer = str(shared_path("vocab", "gpt2", "tokenizer.json"))
    texts = [shared_path("corpus", "english", "tinyshakespeare.txt")] * 3
    source = tmp_path / "input.txt"
    source.write_bytes(b"".join(p.read_bytes() for p in texts))
    command = [
        sys.executable, "-m", "tokkit", "encode", "--tokenizer", tokenizer, "-f", str(source),
        "--format", "megatron", "--max-tokens-per-shard", "40000", "--append-eos",
        "--threads", "1", "--chunk-bytes", "20000", "-q", "-o",
    ]  # fmt: skip
    subprocess.run([*command, str(tmp_path / "whole")], check=True, capture_output=True)
    killed = tmp_path / "killed"
    child = subprocess.Popen([*command, str(killed)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not (killed / "manifest.json").exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()
    manifest = json.loads((killed / "manifest.json").read_text())
    whole = sorted(p.name for p in (tmp_path / "whole").glob("shard_*"))
    assert 0 < len(manifest["shards"]) and len(whole) > 2 * len(manifest["shards"]) + 2
    # what the killed run left visible is complete
    for name in (p.name for p in killed.glob("shard_*")):
        assert (killed / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()
    done = subprocess.run([*command, str(killed), "--resume"], capture_output=True, check=True)
    summary = json.loads(done.stdout)
    assert summary["resumed_shards"] == len(manifest["shards"])
    assert sorted(p.name for p in killed.iterdir()) == sorted([*whole, "manifest.json"])
    for name in whole:
        assert (killed / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert not list(killed.glob(".*"))


def test_cli_writes_shards_and_prints_the_summary(tmp_path, corpus, capsys):
    path, docs = corpus
    tokenizer = str(shared_path("vocab", "gpt2", "tokenizer.json"))
    args = ["encode", "--tokenizer", tokenizer, "-f", str(path), "-o", str(tmp_path), "-q"]
    assert main([*args, "--format", "bin", "--dtype", "uint32", "--append-eos"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["documents"] == len(docs) and summary["dtype"] == "uint32"
    ids = numpy.fromfile(tmp_path / "shard_00000.bin", dtype=numpy.uint32)
    assert len(ids) == summary["tokens"] and (ids == 50256).sum() == len(docs)
    cl100k = str(shared_path("vocab", "tiktoken", "cl100k_base.tiktoken"))
    assert main(["encode", "--tiktoken", cl100k, "--text", "hello world"]) == 1
    assert "--encoding" in capsys.readouterr().err
    assert main(["encode", "--tiktoken", cl100k, "--encoding", "cl100k_base", "--text", "hi"]) == 0
    assert capsys.readouterr().out.split() == ["6151"]


# documents: no line breaks, any other text
documents = st.lists(
    st.text(st.characters(blacklist_characters="\n\r", blacklist_categories=["Cs"]), max_size=40),
    min_size=1,
    max_size=30,
)


@settings(max_examples=30, deadline=None)
@given(docs=documents)
def test_generated_documents_match_hf(tmp_path_factory, gpt2, hf_gpt2, docs):
    out = tmp_path_factory.mktemp("gen")
    path = out / "docs.txt"
    path.write_bytes("\n".join(docs).encode("utf-8") + b"\n")
    summary = tokkit.encode_corpus(gpt2, [path], out / "shards", format="parquet")
    assert summary["documents"] == len(docs)
    assert read_documents(out / "shards", "parquet") == [e.ids for e in hf_gpt2.encode_batch(docs)]


def byte_encoding() -> tokkit.TiktokenEncoding:
    """Ids that are the text's UTF-8 bytes, so a document's ids spell it."""
    ranks = {bytes([b]): b for b in range(256)}
    return tokkit.TiktokenEncoding(
        "bytes", pat_str=r"\S+|\s+", mergeable_ranks=ranks, special_tokens={}
    )


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.sampled_from(["a", "é", "\r", "\n", " ", "\r\n", "語"]), max_size=60))
def test_lines_are_split_at_newlines_without_their_carriage_returns(tmp_path_factory, pieces):
    text = "".join(pieces)
    out = tmp_path_factory.mktemp("lines")
    (out / "t.txt").write_bytes(text.encode("utf-8"))
    want = [line.removesuffix("\r") for line in text.split("\n")]
    if text.endswith("\n") or not text:
        want.pop()
    for chunk_bytes in (7, 1 << 20):
        target = out / str(chunk_bytes)
        summary = tokkit.encode_corpus(
            byte_encoding(), [out / "t.txt"], target, format="ids", chunk_bytes=chunk_bytes
        )
        got = read_documents(target, "ids")
        assert [bytes(d).decode("utf-8") for d in got] == want
        assert summary["bytes"] == sum(len(d.encode("utf-8")) for d in want)


def test_padding_is_ignored_and_the_post_processor_kept(tmp_path, corpus):
    path, docs = corpus
    file = str(shared_path("vocab", "bert-base-uncased", "tokenizer.json"))
    bert = tokkit.Tokenizer.from_file(file)
    summary = tokkit.encode_corpus(bert, [path], tmp_path / "a")
    assert summary["padding_ignored"]["length"] == 128
    assert summary["truncation_ignored"]["max_length"] == 128
    assert bert.padding is not None and bert.padding["length"] == 128
    hf = tokenizers.Tokenizer.from_file(file)
    hf.no_truncation()
    hf.no_padding()
    assert read_documents(tmp_path / "a", "npy") == [e.ids for e in hf.encode_batch(docs)]
    tokkit.encode_corpus(bert, [path], tmp_path / "b", add_special_tokens=False)
    plain = hf.encode_batch(docs, add_special_tokens=False)
    assert read_documents(tmp_path / "b", "npy") == [e.ids for e in plain]


def test_resuming_past_skipped_lines_gives_the_same_shards(tmp_path, corpus, gpt2):
    _, docs = corpus
    lines = [d.encode("utf-8") if i % 7 else b"bad \xff" for i, d in enumerate(docs)]
    source = tmp_path / "with-bad-lines.txt"
    source.write_bytes(b"\n".join(lines) + b"\n")
    options = {"max_tokens_per_shard": 1500, "skip_invalid": True, "chunk_bytes": 3000}
    whole = tokkit.encode_corpus(gpt2, [source], tmp_path / "whole", **options)
    assert whole["skipped"] == len(range(0, len(docs), 7)) and whole["shards"] > 6
    # a run stopped after its third shard: the manifest lists three, the rest are gone
    cut = tmp_path / "cut"
    cut.mkdir()
    manifest = json.loads((tmp_path / "whole" / "manifest.json").read_text())
    manifest["shards"], manifest["summary"] = manifest["shards"][:3], None
    (cut / "manifest.json").write_text(json.dumps(manifest))
    for shard in manifest["shards"]:
        for name in shard["files"]:
            (cut / name).write_bytes((tmp_path / "whole" / name).read_bytes())
    resumed = tokkit.encode_corpus(gpt2, [source], cut, resume=True, **options)
    assert resumed["resumed_shards"] == 3
    for key in ("documents", "tokens", "bytes", "skipped", "shards"):
        assert resumed[key] == whole[key], key
    names = sorted(p.name for p in (tmp_path / "whole").iterdir())
    assert sorted(p.name for p in cut.iterdir()) == names
    for name in names:
        if name != "manifest.json":
            assert (cut / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
