"""SentencePiece CHAR and WORD models: tokkit.SentencePieceProcessor vs the
sentencepiece package, encoding ~1 KB documents cut from the shared corpora on
one thread. The models are trained first with sentencepiece's own trainer
(botchan.txt, a fraction of a second each) into a temporary directory.
"""

from __future__ import annotations

import tempfile

import sentencepiece
from cases_spm import encode_case, sample_documents
from harness import SHARED, Case

import tokkit

TRAINING = SHARED / "corpus" / "english" / "botchan.txt"
MODELS = {"spm-char": ("char", 200), "spm-word": ("word", 3000)}


def cases(quick: bool) -> list[Case]:
    docs = sample_documents(quick)
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
        out.append(encode_case(name, ours, ref, docs))
    return out
