"""tokkit on Ray Data (issue 20): ``tokkit.ray.encode`` and
``tokkit.ray.count_words`` on a local Ray with 2 CPUs give what one machine
gives: the ids of HF ``tokenizers`` and tiktoken for every row, and the word
counts of ``count_words`` on the same lines, so a trainer learns the same
vocabulary. An actor killed half-way is restarted by Ray and the result is
unchanged."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import ray
import ray.data
import tokenizers
from conftest import corpus_lines, shared_path
from references import tiktoken_encoding

import tokkit
import tokkit.cli
import tokkit.ray

LINES = [line for line in corpus_lines(90) if line]


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Any:
    # the workers cannot import this test module: ship its classes by value
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=256 * 2**20,
        log_to_driver=False,
        configure_logging=False,
    )
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def dataset() -> ray.data.Dataset:
    # several blocks, so that both actors get batches
    items = [{"text": t, "n": i} for i, t in enumerate(LINES)]
    return ray.data.from_items(items, override_num_blocks=6)


def rows_by_n(data: ray.data.Dataset) -> list[dict[str, Any]]:
    return sorted(data.take_all(), key=lambda row: row["n"])


def test_encode_gives_hf_ids() -> None:
    path = shared_path("vocab", "gpt2", "tokenizer.json")
    tok = tokkit.Tokenizer.from_file(path)
    tok.no_truncation()
    ref = tokenizers.Tokenizer.from_file(str(path))
    ref.no_truncation()
    rows = rows_by_n(tokkit.ray.encode(dataset(), tok, keep_columns=["n"], concurrency=2))
    assert [list(row["ids"]) for row in rows] == [e.ids for e in ref.encode_batch(LINES)]


def test_encode_tiktoken_and_sentencepiece() -> None:
    cl100k = tokkit.load_tiktoken(
        shared_path("vocab", "tiktoken", "cl100k_base.tiktoken"), "cl100k_base"
    )
    ranks = shared_path("vocab", "tiktoken", "cl100k_base.tiktoken")
    want = tiktoken_encoding("cl100k_base", ranks).encode_ordinary_batch(LINES)
    rows = rows_by_n(
        tokkit.ray.encode(dataset(), cl100k, keep_columns=["n"], ordinary=True, batch_size=16)
    )
    assert [list(row["ids"]) for row in rows] == want
    import sentencepiece

    model = str(shared_path("vocab", "llama2-spm-bpe", "tokenizer.model"))
    spm = tokkit.SentencePieceProcessor(model)
    rows = rows_by_n(tokkit.ray.encode(dataset(), spm, output_column="tokens", keep_columns=["n"]))
    want = sentencepiece.SentencePieceProcessor(model_file=model).encode(LINES)
    assert [list(row["tokens"]) for row in rows] == want


class DiesOnce:
    """A tokenizer whose first batch kills its worker process (once per
    marker file), as a lost node or an out-of-memory kill would."""

    def __init__(self, inner: Any, marker: Path) -> None:
        self.inner = inner
        self.marker = marker

    def encode_batch_arrays(self, texts: Any, **kwargs: Any) -> Any:
        if not self.marker.exists():
            self.marker.write_text(str(os.getpid()))
            os._exit(1)
        return self.inner.encode_batch_arrays(texts, **kwargs)


def test_a_killed_actor_is_retried_with_the_same_result(tmp_path: Path) -> None:
    path = shared_path("vocab", "bert-base-uncased", "tokenizer.json")
    tok = tokkit.Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    marker = tmp_path / "died"
    rows = rows_by_n(
        tokkit.ray.encode(dataset(), DiesOnce(tok, marker), keep_columns=["n"], concurrency=2)
    )
    assert marker.exists(), "no worker was killed"
    assert [list(row["ids"]) for row in rows] == [e.ids for e in tok.encode_batch(LINES)]


def test_count_words_equals_one_machine_and_trains_the_same(tmp_path: Path) -> None:
    trainer = tokkit.BpeTrainer(vocab_size=400, byte_level=True, show_progress=False)
    on_ray = tokkit.ray.count_words(dataset(), trainer=trainer, batch_size=7)
    here = trainer.count(LINES, texts=True)
    assert on_ray == here
    assert len(on_ray) > 100
    trainer.train_from_counts(on_ray, tmp_path / "ray")
    trainer.train_from_counts(here, tmp_path / "here")
    for name in ("vocab.json", "merges.txt"):
        assert (tmp_path / "ray" / name).read_bytes() == (tmp_path / "here" / name).read_bytes()
    plain = tokkit.ray.count_words(dataset(), pre_tokenizer="whitespace", batch_size=5)
    assert plain == tokkit.count_words(LINES, texts=True, pre_tokenizer="whitespace")


def test_count_words_of_files_as_on_one_machine(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    on_ray = tokkit.ray.count_words(ray.data.read_text(str(corpus)), batch_size=9)
    here = tokkit.count_words([corpus])
    assert sorted(on_ray.items()) == sorted(here.items())
    assert on_ray.lines == here.lines
    # Ray's read_text drops the line ends, which the file's byte count holds
    assert on_ray.bytes == here.bytes - len(LINES)


def test_bad_input() -> None:
    with pytest.raises(TypeError, match="tokkit encoder"):
        tokkit.ray.encode(dataset(), object())
    nulls = ray.data.from_items([{"text": "a"}, {"text": None}])
    tok = tokkit.Tokenizer.from_file(shared_path("vocab", "gpt2", "tokenizer.json"))
    with pytest.raises(Exception, match="row 1"):
        tokkit.ray.encode(nulls, tok, batch_size=2).take_all()


def parquet_corpus(folder: Path) -> list[Path]:
    """LINES in two Parquet files of several row groups each (several blocks)."""
    import pyarrow
    import pyarrow.parquet

    half = len(LINES) // 2
    paths = []
    for index, lines in enumerate((LINES[:half], LINES[half:])):
        path = folder / f"part{index}.parquet"
        pyarrow.parquet.write_table(pyarrow.table({"text": lines}), path, row_group_size=16)
        paths.append(path)
    return paths


def read_shards(folder: Path) -> list[list[int]]:
    import pyarrow.parquet

    shards = sorted(folder.glob("shard_*.parquet"))
    return [ids for shard in shards for ids in pyarrow.parquet.read_table(shard)["ids"].to_pylist()]


def summary_in(out: str) -> Any:
    """The JSON summary the CLI printed: Ray's own thread may still print a
    message on stdout after the CLI has moved it back from stderr."""
    start = out.index("{")
    assert out[:start].strip() == "", out
    return json.JSONDecoder().raw_decode(out, start)[0]


def test_encode_cli_on_ray_writes_the_shards_of_one_machine(tmp_path: Path, capsys: Any) -> None:
    """`tokkit encode --ray` (here on the test's cluster) writes the ids that
    `tokkit encode --format parquet` writes, in order: the GPT-2 file's
    truncation to 50 tokens is not applied, and EOS ends each document."""
    path = shared_path("vocab", "gpt2", "tokenizer.json")
    inputs = [str(p) for p in parquet_corpus(tmp_path)]
    common = ["encode", "--tokenizer", str(path), "-f", *inputs, "--append-eos", "-q"]
    assert tokkit.cli.main([*common, "--ray", "-o", str(tmp_path / "ray")]) == 0
    summary = summary_in(capsys.readouterr().out)
    assert tokkit.cli.main([*common, "--format", "parquet", "-o", str(tmp_path / "one")]) == 0
    ref = tokenizers.Tokenizer.from_file(str(path))
    ref.no_truncation()
    want = [[*e.ids, 50256] for e in ref.encode_batch(LINES)]
    assert max(len(ids) for ids in want) > 50
    assert read_shards(tmp_path / "ray") == want
    assert read_shards(tmp_path / "one") == want
    assert (summary["documents"], summary["tokens"]) == (len(LINES), sum(map(len, want)))
    assert summary["truncation_ignored"]["max_length"] == 50
    # nothing but the shards is left behind
    written = sorted(str(p) for p in (tmp_path / "ray").iterdir())
    assert summary["files"] == written
    assert [Path(p).name for p in written] == [
        f"shard_{i:05d}.parquet" for i in range(len(written))
    ]


def test_encode_on_ray_refusals(tmp_path: Path, capsys: Any) -> None:
    """Refused before any work: a folder that holds shards already, and the
    options of `tokkit encode` that the Ray job does not take."""
    vocab = shared_path("vocab", "bert-base-uncased", "vocab.txt")
    tok = tokkit.FullTokenizer(str(vocab))
    inputs = parquet_corpus(tmp_path)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "shard_00000.parquet").write_bytes(b"")
    with pytest.raises(tokkit.InvalidArgumentError, match="already holds shards"):
        tokkit.ray.encode_corpus(tok, inputs, tmp_path / "out")
    args = ["encode", "--vocab", str(vocab), "-f", str(inputs[0]), "-o", str(tmp_path / "x")]
    for extra in (["--resume"], ["--format", "npy"], ["--doc-per-file"]):
        assert tokkit.cli.main([*args, "--ray", *extra]) == 1
        assert extra[0] in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
