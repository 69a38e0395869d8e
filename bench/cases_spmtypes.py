"""SentencePiece CHAR and WORD models: tokkit.SentencePieceProcessor vs the
sentencepiece package, encoding ~1 KB documents cut from the shared corpora on
one thread. The models are trained first with sentencepiece's own trainer
(botchan.txt, a fraction of a second each) into a temporary directory.
"""

from __future__ import annotations

import tempfile

import sentencepiece
from harness import SHARED, Case, corpus_paths, load_documents

import tokkit

TRAINING = SHARED / "corpus" / "english" / "botchan.txt"
MODELS = {"spm-char": ("char", 200), "spm-word": ("word", 3000)}


def cases(quick: bool) -> list[Case]:
    paths = [p for p in corpus_paths() if p.stat().st_size > 10_000]
    docs = load_documents(paths, 1024)[:: 8 if quick else 2]
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    directory = tempfile.mkdtemp(prefix="tokkit-bench-")
    out: list[Case] = []
    for name, (model_type, vocab_size) in MODELS.items():
        prefix = f"{directory}/{name}"
        sentencepiece.SentencePieceTrainer.train(
            input=str(TRAINING),
            model_type=model_type,
            vocab_size=vocab_size,
            model_prefix=prefix,
            minloglevel=2,
        )
        ours = tokkit.SentencePieceProcessor(model_file=f"{prefix}.model")
        ref = sentencepiece.SentencePieceProcessor(model_file=f"{prefix}.model")

        def check(ours=ours, ref=ref) -> None:
            assert [ours.encode(d) for d in docs] == [ref.encode(d) for d in docs]

        out.append(
            Case(
                f"{name} encode 1KB docs, 1 thread",
                nbytes,
                {
                    "tokkit": lambda o=ours: [o.encode(d) for d in docs],
                    "sentencepiece": lambda r=ref: [r.encode(d) for d in docs],
                },
                check=check,
            )
        )
    return out
