"""BPE training (issue 16): tokkit.BpeTrainer against HF tokenizers' BpeTrainer
and the BPE trainers on PyPI, vocab 32,000.

Every training runs in a fresh process (``run_child``); its seconds are those of
the training call alone (interpreter start and imports left out), its peak RSS
that of the whole process. The implementations of a case take turns in rounds
(3, or 1 with ``--quick``), and each figure is the best of its rounds, the
harness's rule (issue 16's table gives medians).

Corpora, built once per run into a temporary folder (``--quick``: from the
first half of each corpus's lines, so everything is half the size):

- the mix: every shared corpus (English, Chinese, Japanese, code,
  multilingual) concatenated, topped up to ~8 MB with every 5th line of itself
  so that each language keeps its share;
- 4x: the mix's lines four times over, shuffled with a fixed seed;
- Chinese + Japanese: hongloumeng and wagahaiwa_nekodearu.

Cases:

- byte-level, 1 and 2 threads: tokkit, HF (``ByteLevel``, all 256 bytes) and
  each peer installed; the machine's two-core yardstick before the 2-thread case;
- char (HF ``Whitespace``), 1 and 2 threads: tokkit and HF;
- counting alone (``tokkit.count_words``), byte-level and Whitespace, at 2
  threads and at 1, after the yardstick;
- each 2-thread case runs tokkit at 1 thread too, in the same rounds, so that
  row's speed-up column is tokkit's own gain from the second thread;
- 4x corpus, byte-level, 1 thread: tokkit and HF at 1x and 4x, growth noted;
- no pre-tokenizer (each line one sequence) on Chinese + Japanese, against the
  same bytes pre-tokenized with ``Whitespace``: tokkit and HF, ratio noted.

tokkit and HF are checked first to learn the same vocabulary and merges. The
peers differ from HF by design and are only timed, each its own way: the
GPT-2 pattern where a peer takes one (the split HF's ``ByteLevel`` and tokkit's
default use), lines read by Python where it takes an iterator.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import random
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness import SHARED, Case, corpus_paths, run_child, two_core_yardstick

VOCAB = 32_000
MIX_BYTES = 8_000_000
GPT2_PATTERN = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""
# bpeasy requires a longest token; HF has none. 128 bytes does not bind here.
BPEASY_MAX_TOKEN_BYTES = 128

# A pre-tokenizer setting: tokkit.BpeTrainer's options, HF's pre-tokenizer and
# HF's initial alphabet (as code run in the child).
SETTINGS = {
    "byte-level": (
        {"byte_level": True},
        "pre_tokenizers.ByteLevel(add_prefix_space=False)",
        "pre_tokenizers.ByteLevel.alphabet()",
    ),
    "whitespace": ({"pre_tokenizer": "whitespace"}, "pre_tokenizers.Whitespace()", "[]"),
    "none": ({"pre_tokenizer": "none"}, None, "[]"),
}

# Peers that are not pip-installable with the bench extras, and how to get them.
NOT_IN_EXTRAS = {
    "youtokentome": "pip install 'cython<3' && pip install --no-build-isolation youtokentome"
}


@dataclass(frozen=True)
class Run:
    """One training as the code of a child process: ``setup`` (imports,
    untimed), ``timed`` (the training) and the environment it adds."""

    setup: str
    timed: str
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self) -> dict:
        return run_child(self.setup, self.timed, self.env)


def _out(out: Path | None) -> str:
    """The child's output folder: ``out`` when a check reads the files, else
    a temporary folder removed when the child exits."""
    return repr(str(out)) if out else "tmp.name"


def tokkit_run(path: Path, setting: str, threads: int, out: Path | None = None) -> Run:
    """tokkit.BpeTrainer on ``path``, its thread count passed as ``num_threads``."""
    options = {"vocab_size": VOCAB, **SETTINGS[setting][0], "show_progress": False}
    args = ", ".join(f"{k}={v!r}" for k, v in options.items())
    return Run(
        "import tempfile\nimport tokkit\ntmp = tempfile.TemporaryDirectory()",
        f"tokkit.BpeTrainer({args}).train([{str(path)!r}], {_out(out)}, num_threads={threads})",
    )


def hf_run(path: Path, setting: str, threads: int, out: Path | None = None) -> Run:
    """HF's BpeTrainer on ``path`` through ``Tokenizer.train`` (which reads
    the files line by line, as tokkit does), tokenizer.json saved."""
    _, pre_tokenizer, alphabet = SETTINGS[setting]
    timed = "tok = Tokenizer(models.BPE())\n"
    if pre_tokenizer:
        timed += f"tok.pre_tokenizer = {pre_tokenizer}\n"
    timed += (
        f"tok.train([{str(path)!r}], trainers.BpeTrainer(vocab_size={VOCAB}, min_frequency=0,"
        f" show_progress=False, initial_alphabet={alphabet}))\n"
        f"tok.save(os.path.join({_out(out)}, 'tokenizer.json'))"
    )
    return Run(
        "import os, tempfile\nfrom tokenizers import Tokenizer, models, pre_tokenizers, trainers\n"
        "tmp = tempfile.TemporaryDirectory()",
        timed,
        {"RAYON_NUM_THREADS": str(threads)},
    )


def peer_runs(path: Path, threads: int) -> tuple[dict[str, Run], list[str]]:
    """The BPE trainers on PyPI that are installed here, by package name, and
    a note for each one that is not. Each but sentencepiece and YouTokenToMe
    runs on rayon's global pool, limited by RAYON_NUM_THREADS."""
    p = repr(str(path))
    rayon = {"RAYON_NUM_THREADS": str(threads)}
    read_lines = f"with open({p}, encoding='utf-8') as f:\n    "
    runs = {
        "rustbpe": Run(
            "import rustbpe",
            read_lines + f"rustbpe.Tokenizer().train_from_iterator(f, {VOCAB}, "
            f"pattern={GPT2_PATTERN!r})",
            rayon,
        ),
        "fast-bpe-rs": Run(
            "import fast_bpe_rs",
            read_lines + f"fast_bpe_rs.BPE({GPT2_PATTERN!r}).train({VOCAB}, f.readlines())",
            rayon,
        ),
        "bpeasy": Run(
            "import bpeasy",
            read_lines
            + f"bpeasy.train_bpe(f, {GPT2_PATTERN!r}, {BPEASY_MAX_TOKEN_BYTES}, {VOCAB})",
            rayon,
        ),
        # Its own GPT-2 (r50k) splitter over the memory-mapped file.
        "gigatoken": Run("import gigatoken", f"gigatoken.train_bpe({p}, {VOCAB}, [])", rayon),
        # Character-level BPE by design, as YouTokenToMe. Its defaults, as its
        # users run it: so it skips lines over 4192 bytes (max_sentence_length),
        # 110 lines and 0.69 MB of the 8.0 MB mix: Chinese and Japanese
        # paragraphs, and one line of Sanskrit.
        "sentencepiece": Run(
            "import os, tempfile\nimport sentencepiece\ntmp = tempfile.TemporaryDirectory()",
            f"sentencepiece.SentencePieceTrainer.train(input={p}, "
            f"model_prefix=os.path.join(tmp.name, 'spm'), vocab_size={VOCAB}, "
            f"model_type='bpe', num_threads={threads})",
        ),
        "youtokentome": Run(
            "import os, tempfile\nimport youtokentome\ntmp = tempfile.TemporaryDirectory()",
            f"youtokentome.BPE.train(data={p}, model=os.path.join(tmp.name, 'm.yttm'), "
            f"vocab_size={VOCAB}, n_threads={threads})",
        ),
    }
    installed, notes = {}, []
    for name, run in runs.items():
        if importlib.util.find_spec(name.replace("-", "_")):
            installed[name] = run
        else:
            how = NOT_IN_EXTRAS.get(name, "pip install -e '.[bench]'")
            notes.append(f"{name} is not installed, left out ({how})")
    return installed, notes


def _model(path: Path) -> tuple[dict[str, int], list[tuple[str, ...]]]:
    """The vocabulary and merges of a tokenizer.json; a merge written as one
    string "a b" or as a pair ["a", "b"]."""
    model = json.loads(path.read_text(encoding="utf-8"))["model"]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in model["merges"]]
    return model["vocab"], merges


def _first_difference(a: list, b: list) -> int:
    pairs = enumerate(zip(a, b, strict=False))
    return next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))


def same_as_hf(path: Path, setting: str, threads: int) -> Callable[[], None]:
    """A check: tokkit and HF train on ``path`` to the same vocabulary and the
    same merges in the same order."""

    def check() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            ours, ref = Path(tmp, "tokkit"), Path(tmp, "hf")
            for folder in (ours, ref):
                folder.mkdir()
            tokkit_run(path, setting, threads, ours)()
            hf_run(path, setting, threads, ref)()
            vocab, merges = _model(ours / "tokenizer.json")
            want_vocab, want_merges = _model(ref / "tokenizer.json")
        assert vocab == want_vocab, (
            f"{setting}: vocabularies differ in {len(set(vocab.items()) ^ set(want_vocab.items()))}"
            " entries"
        )
        assert merges == want_merges, (
            f"{setting}: merges differ (tokkit {len(merges)}, HF {len(want_merges)}; the first"
            f" difference is merge {_first_difference(merges, want_merges)})"
        )

    return check


@dataclass(frozen=True)
class Corpora:
    """The training files; ``folder`` holds them and is removed at exit."""

    folder: tempfile.TemporaryDirectory
    mix: Path
    mix4: Path
    cjk: Path


def _lines(paths: list[Path], share: float) -> list[bytes]:
    """The first ``share`` of the lines of each of ``paths``, in order, each
    with its line ending as HF reads them: split at LF only, so CRLF files keep
    their CR; a last line without one is given LF."""
    out: list[bytes] = []
    for path in paths:
        lines = [line + b"\n" for line in path.read_bytes().removesuffix(b"\n").split(b"\n")]
        out += lines[: round(len(lines) * share)]
    return out


@functools.cache
def corpora(quick: bool) -> Corpora:
    """The corpora of a run, written once (cached, so the folder lives until
    exit); ``quick`` takes the first half of each corpus."""
    folder = tempfile.TemporaryDirectory(prefix="tokkit-bench-train-")
    share = 0.5 if quick else 1.0
    base = _lines(corpus_paths(), share)
    size, target = sum(map(len, base)), MIX_BYTES * share
    top_up = base[:: max(1, round(size / (target - size)))] if size < target else []
    mix = base + top_up
    mix4 = mix * 4
    random.Random(16).shuffle(mix4)
    corpus = SHARED / "corpus"
    cjk = [corpus / "chinese" / "hongloumeng.txt", corpus / "japanese" / "wagahaiwa_nekodearu.txt"]
    paths = {}
    for name, lines in {"mix": mix, "mix4": mix4, "cjk": _lines(cjk, share)}.items():
        paths[name] = Path(folder.name, f"{name}.txt")
        paths[name].write_bytes(b"".join(lines))
    return Corpora(folder, **paths)


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def _threads(n: int) -> str:
    return "1 thread" if n == 1 else f"{n} threads"


def counting_case(path: Path, repeat: int) -> Case:
    """``tokkit.count_words`` on ``path`` at 2 threads and at 1, byte-level
    and Whitespace, in this process (issue 16: 2 threads >= 1.7x one); the
    yardstick case before it gives the machine's own scaling."""
    import tokkit

    def count(setting: str, threads: int) -> Callable[[], object]:
        split = {"byte_level": True} if setting == "byte-level" else {"pre_tokenizer": setting}
        return lambda: tokkit.count_words(
            [str(path)], num_threads=threads, show_progress=False, **split
        )

    settings = ("byte-level", "whitespace")
    return Case(
        f"count words (tokkit.count_words), {_mb(path)} mix",
        path.stat().st_size,
        {f"{s}, {_threads(n)}": count(s, n) for s in settings for n in (2, 1)},
        repeat=max(repeat, 5),
        summarize=lambda t: [
            f"{s}: 2 threads {t[f'{s}, 1 thread'] / t[f'{s}, 2 threads']:.2f}x one "
            "(issue 16: >= 1.7x)"
            for s in settings
        ],
    )


def cases(quick: bool) -> list[Case]:
    files = corpora(quick)
    repeat = 1 if quick else 3
    out: list[Case] = []
    for threads in (1, 2):
        peers, missing = peer_runs(files.mix, threads)
        impls = {
            "tokkit": tokkit_run(files.mix, "byte-level", threads),
            "HF tokenizers": hf_run(files.mix, "byte-level", threads),
        }
        if threads > 1:
            impls["tokkit, 1 thread"] = tokkit_run(files.mix, "byte-level", 1)
            out.append(two_core_yardstick(repeat))
        out.append(
            Case(
                f"train byte-level BPE, vocab {VOCAB}, {_mb(files.mix)} mix, {_threads(threads)}",
                files.mix.stat().st_size,
                impls | peers,
                check=same_as_hf(files.mix, "byte-level", threads),
                repeat=repeat,
                notes=missing,
                warmup=False,
            )
        )
    for threads in (1, 2):
        impls = {
            "tokkit": tokkit_run(files.mix, "whitespace", threads),
            "HF tokenizers": hf_run(files.mix, "whitespace", threads),
        }
        if threads > 1:
            impls["tokkit, 1 thread"] = tokkit_run(files.mix, "whitespace", 1)
            out.append(two_core_yardstick(repeat))
        out.append(
            Case(
                f"train char BPE (Whitespace), vocab {VOCAB}, {_mb(files.mix)} mix, "
                f"{_threads(threads)}",
                files.mix.stat().st_size,
                impls,
                check=same_as_hf(files.mix, "whitespace", threads),
                repeat=repeat,
                warmup=False,
            )
        )
    out.append(two_core_yardstick(repeat))
    out.append(counting_case(files.mix, repeat))
    out.append(
        Case(
            f"train byte-level BPE, 4x corpus ({_mb(files.mix4)}, the mix shuffled by lines)"
            ", 1 thread",
            files.mix4.stat().st_size,
            {
                "tokkit 4x": tokkit_run(files.mix4, "byte-level", 1),
                "HF tokenizers 4x": hf_run(files.mix4, "byte-level", 1),
                "tokkit 1x": tokkit_run(files.mix, "byte-level", 1),
                "HF tokenizers 1x": hf_run(files.mix, "byte-level", 1),
            },
            check=same_as_hf(files.mix4, "byte-level", 1),
            repeat=repeat,
            warmup=False,
            summarize=lambda t: [
                f"growth t(4x)/t(1x): tokkit {t['tokkit 4x'] / t['tokkit 1x']:.2f}x "
                f"(issue 16: <= 4.5x), HF {t['HF tokenizers 4x'] / t['HF tokenizers 1x']:.2f}x"
            ],
        )
    )
    # HF takes ~4 s for the 3.6 MB here (its hours in tokenizers #1313 are on
    # far longer sequences), so it runs uncapped.
    out.append(
        Case(
            f"train char BPE, no pre-tokenizer (a line is a sequence), Chinese + Japanese "
            f"{_mb(files.cjk)}, 1 thread",
            files.cjk.stat().st_size,
            {
                "tokkit, no pre-tokenizer": tokkit_run(files.cjk, "none", 1),
                "HF tokenizers, no pre-tokenizer": hf_run(files.cjk, "none", 1),
                "tokkit, Whitespace": tokkit_run(files.cjk, "whitespace", 1),
                "HF tokenizers, Whitespace": hf_run(files.cjk, "whitespace", 1),
            },
            check=same_as_hf(files.cjk, "none", 1),
            repeat=repeat,
            warmup=False,
            summarize=lambda t: [
                "no pre-tokenizer / Whitespace: tokkit "
                f"{t['tokkit, no pre-tokenizer'] / t['tokkit, Whitespace']:.2f}x "
                "(issue 16: <= 3x), HF "
                f"{t['HF tokenizers, no pre-tokenizer'] / t['HF tokenizers, Whitespace']:.2f}x"
            ],
        )
    )
    return out
