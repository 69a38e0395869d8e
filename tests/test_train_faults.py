"""Training faults lose nothing (issue 22): a kill at any moment, a full disk,
a corpus that is a directory or a pipe, a corpus line of many megabytes.

Every case runs in a child process under a timeout, so a hang fails the test
instead of the run; results and peak memory are checked, never the time.

What a killed run leaves: each output file is either the previous one or the
complete new one, byte for byte (training is deterministic), files that are
not outputs are untouched, and the only other files are staged outputs named
``.<file>.tokkit-<pid>-<n>.tmp``, which the next run writing the same file
removes. A full disk raises ``TokkitOSError`` (errno ENOSPC, the file's name)
before any output is replaced: every file is staged in full before the first
rename.

A pipe is a corpus (``tokkit train <(zcat corpus.gz)``): it is read once, as a
stream; a FIFO that no process opens for writing is refused after a short
wait (``corpus_file::WRITER_WAIT``) instead of blocking for ever."""

from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from child import run
from conftest import shared_path

# (--algo, output files, vocabulary size, the trainer in Python)
ALGOS = {
    "wordpiece": (
        ["vocab.txt", "tokenizer.json"],
        "WordPieceTrainer(vocab_size={v}, show_progress=False)",
    ),
    "bpe": (
        ["tokenizer.json", "vocab.json", "merges.txt"],
        "BpeTrainer(vocab_size={v}, show_progress=False)",
    ),
    "bytelevel": (
        ["tokenizer.json", "vocab.json", "merges.txt", "tokenizer.tiktoken"],
        "BpeTrainer(vocab_size={v}, byte_level=True, show_progress=False)",
    ),
    "unigram": (
        ["spm.model", "spm.vocab", "tokenizer.json"],
        "SentencePieceTrainer('unigram', vocab_size={v}, show_progress=False)",
    ),
    "spm-bpe": (
        ["spm.model", "spm.vocab", "tokenizer.json"],
        "SentencePieceTrainer('bpe', vocab_size={v}, show_progress=False)",
    ),
    "spm-char": (
        ["spm.model", "spm.vocab"],
        "SentencePieceTrainer('char', vocab_size={v}, show_progress=False)",
    ),
    "spm-word": (
        ["spm.model", "spm.vocab"],
        "SentencePieceTrainer('word', vocab_size={v}, show_progress=False)",
    ),
}
# Vocabulary sizes of the "previous" run (on the corpus' first lines) and of
# the new one. spm CHAR takes the characters the corpus has, whatever the
# size asked.
PREVIOUS_VOCAB, NEW_VOCAB = 300, 2000
UNRELATED = "notes.txt"


def _vocab(algo: str, size: int) -> int:
    return 10_000 if algo == "spm-char" else size


def _cli(algo: str, corpus: Path, out: Path, vocab: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "tokkit",
        "train",
        "--algo",
        algo,
        str(corpus),
        "--vocab-size",
        str(_vocab(algo, vocab)),
        "-o",
        str(out),
        "--quiet",
    ]


def _train(algo: str, corpus: Path, out: Path, vocab: int) -> None:
    done = subprocess.run(_cli(algo, corpus, out, vocab), capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def _temp_of(name: str) -> str | None:
    """The output a staged temporary file was for, or None if `name` is not one."""
    if not (name.startswith(".") and name.endswith(".tmp") and ".tokkit-" in name):
        return None
    return name[1:].rsplit(".tokkit-", 1)[0]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """Some 1.4 MB of English and German: long enough to kill a run while it
    counts, learns or writes."""
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    text = shared_path("corpus", "english", "tinyshakespeare.txt").read_text(encoding="utf-8")
    text += shared_path("corpus", "english", "botchan.txt").read_text(encoding="utf-8-sig")
    path.write_text(text, encoding="utf-8")
    return path


def _first_lines(corpus: Path) -> Path:
    """The corpus' first 2,000 lines, which the previous files were trained on."""
    path = corpus.with_name("first-lines.txt")
    if not path.exists():
        lines = corpus.read_text(encoding="utf-8").splitlines(keepends=True)
        path.write_text("".join(lines[:2000]), encoding="utf-8")
    return path


@pytest.mark.parametrize("algo", sorted(ALGOS))
def test_sigkill_at_any_moment_leaves_old_or_new_files_whole(algo, corpus, tmp_path) -> None:
    outputs, _ = ALGOS[algo]
    previous, new, out = tmp_path / "previous", tmp_path / "new", tmp_path / "out"
    _train(algo, _first_lines(corpus), previous, PREVIOUS_VOCAB)
    start = time.monotonic()
    _train(algo, corpus, new, NEW_VOCAB)
    # only to spread the kills over the run: nothing is asserted on it
    duration = time.monotonic() - start
    old, fresh = _snapshot(previous), _snapshot(new)
    assert sorted(fresh) == sorted(outputs)
    assert all(old[name] != fresh[name] for name in outputs if name in old)

    out.mkdir()
    for name, data in old.items():
        (out / name).write_bytes(data)
    (out / UNRELATED).write_text("keep me\n")
    rng = random.Random(f"kill-{algo}")
    outcomes = set()
    for attempt in range(12):
        process = subprocess.Popen(
            _cli(algo, corpus, out, NEW_VOCAB),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Early kills land in counting, later ones in learning; half of them
        # aim at the end of the run, where the files are written.
        share = rng.uniform(0.05, 1.1) if attempt % 2 else rng.uniform(0.8, 1.05)
        time.sleep(share * duration)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        left = _snapshot(out)
        assert left.pop(UNRELATED) == b"keep me\n"
        for name, data in left.items():
            target = _temp_of(name)
            if target is not None:
                assert target in outputs, name
                continue
            assert name in outputs, f"unexpected file {name}"
            kind = "old" if data == old.get(name) else "new" if data == fresh[name] else None
            assert kind, f"{name} is neither the previous file nor the complete new one"
            outcomes.add(kind)
    # a run that completes writes every file, and removes what killed runs left
    _train(algo, corpus, out, NEW_VOCAB)
    assert _snapshot(out) == {**fresh, UNRELATED: b"keep me\n"}


def test_sigkill_while_saving_counts_keeps_the_previous_file(tmp_path) -> None:
    """``WordCounts.save``, the file ``train_from_counts`` starts again from."""
    counts, reference = tmp_path / "counts.tsv", tmp_path / "reference.tsv"
    counts.write_bytes(b"old\t1\n")
    code = f"""
        import tokkit
        text = " ".join(f"w{{j}}" for j in range(1_000_000))
        c = tokkit.count_words([text], texts=True)
        c.save({str(reference)!r})
        print("saved", flush=True)
        while True:
            c.save({str(counts)!r})
    """
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"saved"
        whole = (b"old\t1\n", reference.read_bytes())
        rng = random.Random("counts")
        for _ in range(10):
            time.sleep(rng.uniform(0, 0.2))
            assert counts.read_bytes() in whole
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
    assert counts.read_bytes() in whole
    left = {p.name for p in tmp_path.iterdir()} - {"counts.tsv", "reference.tsv"}
    assert all(_temp_of(name) == "counts.tsv" for name in left), left


def _mount_tmpfs(folder: Path) -> None:
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs as root and must mount a tmpfs: {done.stderr.strip()}")
        pytest.skip(f"cannot mount a 1 MB tmpfs here ({done.stderr.strip()}); CI runs it as root")


@pytest.fixture
def full_disk(tmp_path):
    """A 1 MB tmpfs, unmounted afterwards."""
    folder = tmp_path / "full"
    _mount_tmpfs(folder)
    yield folder
    subprocess.run(["umount", str(folder)], check=False)


def _fill(folder: Path, leave: int) -> None:
    """Fills the file system of `folder` but for about `leave` bytes."""
    with open(folder / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as e:
            assert e.errno == errno.ENOSPC
    stat = os.statvfs(folder)
    filler = folder / "filler"
    os.truncate(filler, max(0, filler.stat().st_size - leave + stat.f_bavail * stat.f_frsize))


@pytest.mark.parametrize("algo", sorted(ALGOS))
def test_a_full_disk_is_a_clear_error_and_replaces_nothing(
    algo, corpus, tmp_path, full_disk
) -> None:
    previous = tmp_path / "previous"
    _train(algo, _first_lines(corpus), previous, PREVIOUS_VOCAB)
    for path in previous.iterdir():
        (full_disk / path.name).write_bytes(path.read_bytes())
    (full_disk / UNRELATED).write_text("keep me\n")
    # Room for all the new files but one page (tmpfs counts whole pages): the
    # first ones fit, so a run that renamed each file once written would
    # replace them before the disk filled up.
    _train(algo, corpus, tmp_path / "new", NEW_VOCAB)
    page = 4096
    need = sum(-(-p.stat().st_size // page) * page for p in (tmp_path / "new").iterdir())
    _fill(full_disk, leave=need - page)
    before = _snapshot(full_disk)
    _, trainer = ALGOS[algo]
    child = run(
        f"""
        import tokkit
        from tokkit.train import *
        trainer = {trainer.format(v=_vocab(algo, NEW_VOCAB))}
        def train():
            trainer.train([{str(corpus)!r}], {str(full_disk)!r})
        result = outcome(train)
        if "raised" in result:
            e = outcome(train).get("raised")
            try:
                train()
            except tokkit.TokkitOSError as error:
                result["errno"], result["filename"] = error.errno, error.filename
        report(result)
    """,
        timeout=300,
    )
    result = child.check()
    assert "TokkitOSError" in result.get("mro", []), result
    assert "OSError" in result["mro"], result
    assert result["errno"] == errno.ENOSPC, result
    assert "No space left on device" in result["message"], result
    assert Path(result["filename"]).parent == full_disk, result
    assert Path(result["filename"]).name in ALGOS[algo][0], result
    assert _snapshot(full_disk) == before

    cli = subprocess.run(
        _cli(algo, corpus, full_disk, NEW_VOCAB), capture_output=True, text=True, timeout=300
    )
    assert cli.returncode == 1
    assert "No space left on device" in cli.stderr and str(full_disk) in cli.stderr, cli.stderr
    assert _snapshot(full_disk) == before


@pytest.mark.parametrize("algo", ["wordpiece", "bytelevel", "unigram"])
def test_a_directory_corpus_is_refused_with_advice(algo, tmp_path) -> None:
    _, trainer = ALGOS[algo]
    child = run(f"""
        from tokkit.train import *
        trainer = {trainer.format(v=100)}
        report(outcome(lambda: trainer.train([{str(tmp_path)!r}], {str(tmp_path / "o")!r})))
    """)
    result = child.check()
    assert "InvalidArgumentError" in result.get("mro", []), result
    assert f"{tmp_path} is a directory" in result["message"], result
    cli = subprocess.run(
        _cli(algo, tmp_path, tmp_path / "o", 100), capture_output=True, text=True, timeout=60
    )
    assert cli.returncode == 1 and "is a directory" in cli.stderr, cli.stderr
    assert not (tmp_path / "o").exists()


def _trained_files(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.mark.parametrize("algo", sorted(ALGOS))
def test_a_fifo_with_a_writer_is_read_as_a_stream(algo, corpus, tmp_path) -> None:
    fifo = tmp_path / "corpus.fifo"
    os.mkfifo(fifo)
    _train(algo, corpus, tmp_path / "from-file", NEW_VOCAB)
    # the writer first, as in `zcat corpus.gz > fifo & tokkit train fifo`
    writer = subprocess.Popen(["sh", "-c", f"cat '{corpus}' > '{fifo}'"])
    try:
        _train(algo, fifo, tmp_path / "from-fifo", NEW_VOCAB)
    finally:
        writer.wait(timeout=60)
    from_file = _trained_files(tmp_path / "from-file")
    from_fifo = _trained_files(tmp_path / "from-fifo")
    assert sorted(from_fifo) == sorted(from_file)
    if algo == "unigram":
        # A pipe is read once; the second pass that finds spm_train's corpus
        # order is left out, as when training from counts: a few seed counts
        # can differ. The model still holds the vocabulary size asked for.
        assert len(from_fifo["spm.vocab"].splitlines()) == NEW_VOCAB
    else:
        assert from_fifo == from_file


def test_an_anonymous_pipe_path_is_a_corpus(corpus, tmp_path) -> None:
    """`tokkit train <(cat corpus)`: the shell hands over /dev/fd/N."""
    _train("bytelevel", corpus, tmp_path / "from-file", NEW_VOCAB)
    command = " ".join(_cli("bytelevel", Path(f"<(cat '{corpus}')"), tmp_path / "p", NEW_VOCAB))
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "/dev/fd/" in done.stdout
    assert _trained_files(tmp_path / "p") == _trained_files(tmp_path / "from-file")


def test_a_fifo_writer_may_start_after_training(corpus, tmp_path) -> None:
    fifo = tmp_path / "corpus.fifo"
    os.mkfifo(fifo)
    trainer = subprocess.Popen(_cli("wordpiece", fifo, tmp_path / "o", NEW_VOCAB))

    def write_later() -> None:
        time.sleep(0.5)
        with open(fifo, "wb") as f:
            f.write(corpus.read_bytes())

    threading.Thread(target=write_later).start()
    assert trainer.wait(timeout=300) == 0
    _train("wordpiece", corpus, tmp_path / "from-file", NEW_VOCAB)
    assert _trained_files(tmp_path / "o") == _trained_files(tmp_path / "from-file")


@pytest.mark.parametrize("algo", ["wordpiece", "unigram"])
def test_a_fifo_no_one_writes_to_is_refused_not_waited_on_for_ever(algo, tmp_path) -> None:
    fifo = tmp_path / "corpus.fifo"
    os.mkfifo(fifo)
    _, trainer = ALGOS[algo]
    child = run(
        f"""
        from tokkit.train import *
        trainer = {trainer.format(v=100)}
        report(outcome(lambda: trainer.train([{str(fifo)!r}], {str(tmp_path / "o")!r})))
    """,
        timeout=60,
    )
    result = child.check()
    assert "InvalidArgumentError" in result.get("mro", []), result
    assert str(fifo) in result["message"] and "no process opened" in result["message"], result
    assert not (tmp_path / "o").exists()


# A line of 20 MB: 200 MB runs in bench/train_long_line.py, whose figures the
# README gives. Peak memory may grow with the line (the line itself, a suffix
# array over it for Unigram), not with a copy per word.
LINE_BYTES = 20_000_000
BASE_RSS_MB = 150
RSS_PER_LINE_BYTE = 25


@pytest.fixture(scope="module")
def long_line(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("long") / "line.txt"
    rng = random.Random(7)
    words = [
        "".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 8))) for _ in range(2000)
    ]
    with open(path, "w", encoding="ascii") as f:
        f.write("short first line\n")
        written = 0
        while written < LINE_BYTES:
            chunk = " ".join(rng.choices(words, k=10_000)) + " "
            f.write(chunk)
            written += len(chunk)
        f.write("\nshort last line\n")
    return path


@pytest.mark.parametrize("algo", ["wordpiece", "bpe", "bytelevel", "unigram", "spm-bpe"])
def test_a_long_line_is_trained_on_with_bounded_memory(algo, long_line, tmp_path) -> None:
    _, trainer = ALGOS[algo]
    out = tmp_path / "o"
    child = run(
        f"""
        from tokkit.train import *
        s = {trainer.format(v=_vocab(algo, 500))}.train([{str(long_line)!r}], {str(out)!r})
        report({{k: s[k] for k in ("lines", "bytes", "distinct_words", "vocab_size")}})
    """,
        timeout=300,
    )
    summary = child.check()
    size = long_line.stat().st_size
    assert summary["lines"] == 3 and summary["bytes"] == size, summary
    assert summary["vocab_size"] == 500, summary
    bound = BASE_RSS_MB + RSS_PER_LINE_BYTE * size / 1e6
    assert child.peak_rss_mb < bound, (child.peak_rss_mb, bound)
    # learned from the long line: pieces of three letters or more of its a-j words
    if algo in ("unigram", "spm-bpe"):
        lines = (out / "spm.vocab").read_text(encoding="utf-8").splitlines()
        tokens = [line.split("\t")[0] for line in lines]
    else:
        tokenizer = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
        tokens = list(tokenizer["model"]["vocab"])
    stripped = [t.lstrip("#\u2581\u0120") for t in tokens]
    assert any(len(t) >= 3 and set(t) <= set("abcdefghij") for t in stripped), tokens[:50]


@pytest.mark.parametrize("algo", ["wordpiece", "bpe", "bytelevel", "unigram", "spm-bpe"])
def test_one_long_repeated_word_is_trained_on_or_refused_in_a_few_words(algo, tmp_path) -> None:
    """A 1 MB word ("abab..."): every split of it into two tokens, and every
    repeated substring of it, was looked at once per byte (quadratic, minutes
    at 1 MB). Now it trains in linear time, or, for Unigram, whose f32
    likelihood of such a word overflows (spm_train skips lines over 4192
    bytes), fails with a message that names the word without quoting it."""
    _, trainer = ALGOS[algo]
    corpus = tmp_path / "word.txt"
    text = "the quick brown fox jumps over the lazy dog, 0123456789\n" * 20
    corpus.write_text("ab" * 500_000 + "\n" + text, encoding="ascii")
    vocab = {"bytelevel": 300, "wordpiece": 60}.get(algo, 45)
    child = run(
        f"""
        from tokkit.train import *
        t = {trainer.format(v=vocab)}
        report(outcome(lambda: t.train([{str(corpus)!r}], {str(tmp_path)!r}) and "trained"))
    """,
        timeout=120,
    )
    result = child.check()
    if "raised" in result:
        assert algo == "unigram" and result["raised"] == "TrainingError", result
        assert len(result["message"]) < 300 and "-char word" in result["message"]
    else:
        assert result["value"] == "trained"
