"""BERT WordPiece: encoding (~1 KB documents, one thread and two, and with
5,000 added tokens) and training.

References: google-research/bert ``tokenization.py`` (FullTokenizer) and HF
``tokenizers`` (the bert-base-uncased tokenizer.json, truncation and padding off).
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness import SHARED, Case, corpus_paths, run_child
from references import cut_documents

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import tokenizers
from google_bert import tokenization

import tokkit

VOCAB = SHARED / "vocab" / "bert-base-uncased" / "vocab.txt"
TOKENIZER_JSON = SHARED / "vocab" / "bert-base-uncased" / "tokenizer.json"


def _sample(docs: list[str], max_bytes: int) -> list[str]:
    """Every k-th document so that all corpora are represented within max_bytes."""
    total = sum(len(d.encode()) for d in docs)
    step = max(1, total // max_bytes)
    return docs[::step]


def _with_added(tokens: list[str]) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    """BERT's tokenizer.json (truncation and padding off) with ``tokens`` added."""
    ours = tokkit.Tokenizer.from_file(TOKENIZER_JSON)
    hf = tokenizers.Tokenizer.from_file(str(TOKENIZER_JSON))
    for tokenizer in (ours, hf):
        tokenizer.no_truncation()
        tokenizer.no_padding()
        tokenizer.add_tokens(tokens)
    return ours, hf


def cases(quick: bool) -> list[Case]:
    docs = cut_documents(corpus_paths(), 1000)
    docs = _sample(docs, 500_000 if quick else 3_000_000)
    nbytes = sum(len(d.encode()) for d in docs)
    # google's Python code runs at about 1 MB/s: a smaller sample, same corpora
    google_docs = _sample(docs, 200_000 if quick else 1_000_000)
    google_bytes = sum(len(d.encode()) for d in google_docs)

    google = tokenization.FullTokenizer(str(VOCAB), do_lower_case=True)
    ours_google = tokkit.FullTokenizer(VOCAB)
    ours_hf = tokkit.FullTokenizer(VOCAB, compat="hf")
    hf = tokenizers.Tokenizer.from_file(str(TOKENIZER_JSON))
    hf.no_truncation()
    hf.no_padding()
    ours_json = tokkit.Tokenizer.from_file(TOKENIZER_JSON)
    ours_json.no_truncation()
    ours_json.no_padding()

    def check() -> None:
        for d in google_docs:
            assert ours_google.encode(d) == google.convert_tokens_to_ids(google.tokenize(d))
            expected = hf.encode(d, add_special_tokens=False).ids
            assert ours_hf.encode(d) == expected
            assert ours_json.encode(d, add_special_tokens=False).ids == expected

    # 5,000 added tokens, some of them found in the documents (HF's
    # tokenizers #853: encoding and decoding slow down with many).
    added = [f"<extra_{i}>" for i in range(4900)] + sorted(
        {w for d in google_docs[:50] for w in d.split() if w.isalpha()}
    )[:100]
    ours_many, hf_many = _with_added(added)
    many_docs = [d + " " + added[i % len(added)] for i, d in enumerate(google_docs)]

    def check_many() -> None:
        assert ours_many.get_vocab_size() == hf_many.get_vocab_size()
        for d in many_docs:
            ids = hf_many.encode(d).ids
            assert ours_many.encode(d).ids == ids
            assert ours_many.decode(ids, skip_special_tokens=False) == hf_many.decode(
                ids, skip_special_tokens=False
            )

    training_files = [str(p) for p in corpus_paths()]
    training_bytes = sum(Path(p).stat().st_size for p in training_files)
    train_ours = f"""
import tokkit, tempfile
tokkit.WordPieceTrainer(vocab_size=30522, show_progress=False).train({training_files!r},
    tempfile.mkdtemp())
"""
    train_hf = f"""
import tokenizers
from tokenizers import normalizers, pre_tokenizers, trainers, models
tok = tokenizers.Tokenizer(models.WordPiece(unk_token="[UNK]"))
tok.normalizer = normalizers.BertNormalizer(lowercase=True)
tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
trainer = trainers.WordPieceTrainer(vocab_size=30522, min_frequency=2, show_progress=False,
    special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
tok.train({training_files!r}, trainer)
"""
    repeat = 2 if quick else 5
    return [
        Case(
            "bert encode 1KB docs, 1 thread",
            google_bytes,
            {
                "tokkit FullTokenizer.encode (google compat)": lambda: [
                    ours_google.encode(d) for d in google_docs
                ],
                "tokkit FullTokenizer.encode (hf compat)": lambda: [
                    ours_hf.encode(d) for d in google_docs
                ],
                "tokkit Tokenizer.encode (Encoding with offsets)": lambda: [
                    ours_json.encode(d, add_special_tokens=False) for d in google_docs
                ],
                "HF tokenizers encode": lambda: [
                    hf.encode(d, add_special_tokens=False) for d in google_docs
                ],
                "google tokenization.py": lambda: [
                    google.convert_tokens_to_ids(google.tokenize(d)) for d in google_docs
                ],
            },
            check=check,
            repeat=repeat,
        ),
        Case(
            "bert encode 1KB docs with 5,000 added tokens, 1 thread",
            google_bytes,
            {
                "tokkit Tokenizer.encode": lambda: [ours_many.encode(d) for d in many_docs],
                "HF tokenizers encode": lambda: [hf_many.encode(d) for d in many_docs],
            },
            check=check_many,
            repeat=repeat,
        ),
        Case(
            "bert encode_batch 1KB docs, 2 threads",
            nbytes,
            {
                "tokkit FullTokenizer.encode_batch": lambda: ours_hf.encode_batch(
                    docs, num_threads=2
                ),
                "HF tokenizers encode_batch": lambda: hf.encode_batch(
                    docs, add_special_tokens=False
                ),
            },
            repeat=repeat,
        ),
        Case(
            f"wordpiece training, vocab 30522, all shared corpora ({training_bytes / 1e6:.1f} MB)",
            training_bytes,
            {
                "tokkit WordPieceTrainer": lambda: run_child(train_ours),
                "HF WordPieceTrainer": lambda: run_child(train_hf),
            },
            repeat=1 if quick else 2,
        ),
    ]
