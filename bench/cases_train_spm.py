"""sentencepiece training (issue 17): tokkit.SentencePieceTrainer against
sentencepiece's spm_train and HF tokenizers' UnigramTrainer, vocab 32,000, on the
corpora of ``cases_train_bpe`` (the ~8 MB mix of every shared corpus, and the
mix four times over).

Each training runs in a fresh process (``run_child``): seconds of the training
call alone, peak RSS of the whole process, best of the rounds.

- Unigram, 1 and 2 threads: tokkit, sentencepiece with spm_train's defaults (so
  it drops the mix's lines over 4192 bytes, 110 lines and 0.69 MB of Chinese
  and Japanese paragraphs; tokkit trains on them), HF's UnigramTrainer
  (Metaspace pre-tokenizer, its defaults). The check first trains tokkit and
  sentencepiece with the long lines kept on both sides and requires the same
  pieces and scores; it prints the held-out quality (the mix's every fifth line
  held out): token counts and log-likelihood per byte under each model, and the
  piece overlap.
- sentencepiece BPE, 1 and 2 threads (spm_train's merging is single-threaded;
  at 2 threads it loads and normalizes the corpus on both, as tokkit counts,
  normalizes and cuts words on both), checked identical.
- Unigram on the 4x corpus, 1 thread: growth of tokkit's and sentencepiece's
  time.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from cases_train_bpe import Run, _mb, _threads, corpora
from harness import Case, two_core_yardstick

VOCAB = 32_000
# spm_train's flag that keeps every line, for the identity check.
ALL_LINES = 1 << 30


def tokkit_run(path: Path, model_type: str, threads: int, out: Path | None = None) -> Run:
    target = repr(str(out)) if out else "tmp.name"
    return Run(
        "import tempfile\nimport tokkit\ntmp = tempfile.TemporaryDirectory()",
        f"tokkit.SentencePieceTrainer({model_type!r}, vocab_size={VOCAB}, show_progress=False)"
        f".train([{str(path)!r}], {target}, num_threads={threads})",
    )


def spm_run(
    path: Path, model_type: str, threads: int, out: Path | None = None, all_lines: bool = False
) -> Run:
    prefix = repr(str(out / "spm")) if out else "os.path.join(tmp.name, 'spm')"
    extra = f", max_sentence_length={ALL_LINES}" if all_lines else ""
    return Run(
        "import os, tempfile\nimport sentencepiece\ntmp = tempfile.TemporaryDirectory()",
        f"sentencepiece.SentencePieceTrainer.train(input={str(path)!r}, model_prefix={prefix}, "
        f"vocab_size={VOCAB}, model_type={model_type!r}, num_threads={threads}, "
        f"minloglevel=2{extra})",
    )


def hf_run(path: Path, threads: int) -> Run:
    return Run(
        "from tokenizers import Tokenizer, models, pre_tokenizers, trainers",
        "tok = Tokenizer(models.Unigram())\n"
        "tok.pre_tokenizer = pre_tokenizers.Metaspace()\n"
        f"tok.train([{str(path)!r}], trainers.UnigramTrainer(vocab_size={VOCAB}, "
        "show_progress=False, unk_token='<unk>'))",
        {"RAYON_NUM_THREADS": str(threads)},
    )


def _pieces(model: Path) -> dict[str, float]:
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(model))
    return {sp.id_to_piece(i): sp.get_score(i) for i in range(sp.get_piece_size())}


def _quality(model: Path, held_out: list[str]) -> tuple[int, float]:
    """Tokens of the held-out lines and their log-likelihood per byte (the
    scores of the Viterbi pieces, Unigram's log-probabilities)."""
    import sentencepiece

    sp = sentencepiece.SentencePieceProcessor(model_file=str(model))
    tokens, loglik = 0, 0.0
    for ids in sp.encode(held_out):
        tokens += len(ids)
        loglik += sum(sp.get_score(i) for i in ids)
    return tokens, loglik / max(1, sum(len(s.encode()) for s in held_out))


def same_as_spm(path: Path, model_type: str, threads: int, quality: bool):
    """A check: tokkit and spm_train (every line kept) give the same pieces
    and scores; with ``quality``, the held-out comparison is printed too."""

    def check() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            ours, ref = Path(tmp, "tokkit"), Path(tmp, "spm")
            ref.mkdir()
            tokkit_run(path, model_type, threads, ours)()
            spm_run(path, model_type, threads, ref, all_lines=True)()
            a, b = _pieces(ours / "spm.model"), _pieces(ref / "spm.model")
            assert a == b, f"{model_type}: {len(a.keys() ^ b.keys())} pieces differ"
            if quality:
                _held_out_report(path, model_type, threads, Path(tmp))

    return check


def _held_out_report(path: Path, model_type: str, threads: int, tmp: Path) -> None:
    """Trains both on four fifths of the lines and compares them on the rest."""
    lines = path.read_text(encoding="utf-8").split("\n")
    train = tmp / "train.txt"
    train.write_text("\n".join(s for i, s in enumerate(lines) if i % 5), encoding="utf-8")
    held_out = [s for i, s in enumerate(lines) if i % 5 == 0]
    ours, ref = tmp / "q-tokkit", tmp / "q-spm"
    ref.mkdir()
    tokkit_run(train, model_type, threads, ours)()
    spm_run(train, model_type, threads, ref)()
    (t_ours, ll_ours), (t_ref, ll_ref) = (
        _quality(ours / "spm.model", held_out),
        _quality(ref / "spm.model", held_out),
    )
    a, b = _pieces(ours / "spm.model"), _pieces(ref / "spm.model")
    print(
        f"  held-out fifth, {model_type}, {_threads(threads)} (spm_train with its defaults): "
        f"tokens tokkit {t_ours:,} vs sentencepiece {t_ref:,} ({t_ours / t_ref - 1:+.2%}); "
        f"log-likelihood/byte {ll_ours:.4f} vs {ll_ref:.4f} "
        f"({(ll_ours - ll_ref) / abs(ll_ref) if not math.isclose(ll_ref, 0) else 0:+.2%}); "
        f"pieces shared {len(a.keys() & b.keys()):,} of {len(b):,}"
    )


def cases(quick: bool) -> list[Case]:
    files = corpora(quick)
    repeat = 1 if quick else 3
    out: list[Case] = []
    for threads in (1, 2):
        impls = {
            "tokkit": tokkit_run(files.mix, "unigram", threads),
            "sentencepiece": spm_run(files.mix, "unigram", threads),
            "HF tokenizers": hf_run(files.mix, threads),
        }
        if threads > 1:
            impls["tokkit, 1 thread"] = tokkit_run(files.mix, "unigram", 1)
            out.append(two_core_yardstick(repeat))
        out.append(
            Case(
                f"train Unigram, vocab {VOCAB}, {_mb(files.mix)} mix, {_threads(threads)}",
                files.mix.stat().st_size,
                impls,
                check=same_as_spm(files.mix, "unigram", threads, quality=True),
                repeat=repeat,
                warmup=False,
            )
        )
    for threads in (1, 2):
        out.append(
            Case(
                f"train sentencepiece BPE, vocab {VOCAB}, {_mb(files.mix)} mix, "
                f"{_threads(threads)}",
                files.mix.stat().st_size,
                {
                    "tokkit": tokkit_run(files.mix, "bpe", threads),
                    "sentencepiece": spm_run(files.mix, "bpe", threads),
                },
                check=same_as_spm(files.mix, "bpe", threads, quality=False),
                repeat=repeat,
                warmup=False,
            )
        )
    out.append(
        Case(
            f"train Unigram, 4x corpus ({_mb(files.mix4)}), 1 thread",
            files.mix4.stat().st_size,
            {
                "tokkit 4x": tokkit_run(files.mix4, "unigram", 1),
                "sentencepiece 4x": spm_run(files.mix4, "unigram", 1),
                "tokkit 1x": tokkit_run(files.mix, "unigram", 1),
                "sentencepiece 1x": spm_run(files.mix, "unigram", 1),
            },
            repeat=1,
            warmup=False,
            summarize=lambda t: [
                f"growth t(4x)/t(1x): tokkit {t['tokkit 4x'] / t['tokkit 1x']:.2f}x "
                "(issue 17: <= 4.5x), sentencepiece "
                f"{t['sentencepiece 4x'] / t['sentencepiece 1x']:.2f}x"
            ],
        )
    )
    return out
