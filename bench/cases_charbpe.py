"""BPE over characters: a Llama-2-style tokenizer.json (byte fallback, fused
<unk>, Metaspace "first" without splitting, Replace/ByteFallback/Fuse/Strip
decoder), built from the Llama 2 sentencepiece model as transformers'
LlamaConverter writes it; tokkit.Tokenizer vs HF tokenizers on ~1 KB
documents cut from the shared corpora, one thread and a batch on all threads.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import tokenizers
from harness import SHARED, Case, corpus_paths
from references import cut_documents

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from hf_bpe_json import llama_json

import tokkit

LLAMA = SHARED / "vocab" / "llama2-spm-bpe" / "tokenizer.model"


def cases(quick: bool) -> list[Case]:
    docs = cut_documents(corpus_paths(), 1024)[:: 8 if quick else 2]
    nbytes = sum(len(d.encode("utf-8")) for d in docs)
    threads = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "llama2-tokenizer.json"
        path.write_text(json.dumps(llama_json(LLAMA), ensure_ascii=False), "utf-8")
        ours = tokkit.Tokenizer.from_file(path)
        ref = tokenizers.Tokenizer.from_file(str(path))

    def check() -> None:
        got = ours.encode_batch(docs, add_special_tokens=False)
        want = ref.encode_batch(docs, add_special_tokens=False)
        assert [e.ids for e in got] == [e.ids for e in want]

    return [
        Case(
            "llama2 tokenizer.json encode 1KB docs, 1 thread",
            nbytes,
            {
                "tokkit": lambda: [ours.encode(d, add_special_tokens=False) for d in docs],
                "HF tokenizers": lambda: [ref.encode(d, add_special_tokens=False) for d in docs],
            },
            check=check,
        ),
        Case(
            f"llama2 tokenizer.json encode_batch 1KB docs, {threads} threads",
            nbytes,
            {
                "tokkit": lambda: ours.encode_batch(docs, add_special_tokens=False),
                "HF tokenizers": lambda: ref.encode_batch(docs, add_special_tokens=False),
            },
        ),
    ]
