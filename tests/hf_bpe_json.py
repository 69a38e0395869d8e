"""tokenizer.json files of BPE over characters, built for tests and benchmarks.

``llama_json`` turns a sentencepiece BPE model into the tokenizer.json that
transformers' ``LlamaConverter`` writes (Llama 1/2, Mistral, CodeLlama): the
pieces as vocabulary, a merge ``(a, b)`` for every split of a piece into two
pieces ordered by the piece's score, byte fallback, fused ``<unk>``, the
``▁`` normalizer (``legacy=True`` files) or Metaspace pre-tokenizer (newer
files), the Replace/ByteFallback/Fuse/Strip decoder and ``<s> $A``.
``clip_style_json`` trains a small ``</w>`` BPE (OpenAI GPT / CLIP style) with
the tokenizers Python API, ``quicktour_json`` the BPE of HF's quicktour.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sentencepiece as spm
import tokenizers
from tokenizers import decoders, models, normalizers, pre_tokenizers, trainers

SPACE = "\u2581"


def spm_merges(pieces: list[tuple[str, float]]) -> list[list[str]]:
    """Merges as transformers' ``SentencePieceExtractor.extract(vocab_scores)``."""
    vocab = {p: i for i, (p, _) in enumerate(pieces)}
    merges = []
    for piece, score in dict(pieces).items():
        local = [
            (piece[:k], piece[k:], score)
            for k in range(1, len(piece))
            if piece[:k] in vocab and piece[k:] in vocab
        ]
        local.sort(key=lambda m: (vocab[m[0]], vocab[m[1]]))
        merges.extend(local)
    merges.sort(key=lambda m: m[2], reverse=True)
    return [[a, b] for a, b, _ in merges]


def llama_json(model_file: Path, form: str = "metaspace", **model: Any) -> dict[str, Any]:
    """The tokenizer.json of a Llama-style sentencepiece BPE model.

    ``form`` is ``"legacy"`` (Prepend + Replace normalizer) or ``"metaspace"``
    (Metaspace pre-tokenizer, prepend_scheme "first", split false). ``model``
    overrides fields of the BPE model (``byte_fallback``, ``unk_token``...).
    """
    sp = spm.SentencePieceProcessor(model_file=str(model_file))
    pieces = [(sp.id_to_piece(i), sp.get_score(i)) for i in range(sp.get_piece_size())]
    pieces[:3] = [("<unk>", 0.0), ("<s>", 0.0), ("</s>", 0.0)]
    bpe = {
        "type": "BPE",
        "dropout": None,
        "unk_token": "<unk>",
        "continuing_subword_prefix": None,
        "end_of_word_suffix": None,
        "fuse_unk": True,
        "byte_fallback": True,
        "ignore_merges": False,
        "vocab": {p: i for i, (p, _) in enumerate(pieces)},
        "merges": spm_merges(pieces),
    }
    bpe.update(model)
    if form == "legacy":
        normalizer: Any = {
            "type": "Sequence",
            "normalizers": [
                {"type": "Prepend", "prepend": SPACE},
                {"type": "Replace", "pattern": {"String": " "}, "content": SPACE},
            ],
        }
        pre_tokenizer: Any = None
    else:
        normalizer = None
        pre_tokenizer = {
            "type": "Metaspace",
            "replacement": SPACE,
            "prepend_scheme": "first",
            "split": False,
        }
    special = [
        {
            "id": i,
            "content": t,
            "single_word": False,
            "lstrip": False,
            "rstrip": False,
            "normalized": False,
            "special": True,
        }
        for i, t in enumerate(["<unk>", "<s>", "</s>"])
    ]

    def seq(name: str, type_id: int) -> dict[str, Any]:
        return {"Sequence": {"id": name, "type_id": type_id}}

    bos = {"SpecialToken": {"id": "<s>", "type_id": 0}}
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": special,
        "normalizer": normalizer,
        "pre_tokenizer": pre_tokenizer,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [bos, seq("A", 0)],
            "pair": [bos, seq("A", 0), {"SpecialToken": {"id": "<s>", "type_id": 1}}, seq("B", 1)],
            "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
        },
        "decoder": {
            "type": "Sequence",
            "decoders": [
                {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
                {"type": "ByteFallback"},
                {"type": "Fuse"},
                {"type": "Strip", "content": " ", "start": 1, "stop": 0},
            ],
        },
        "model": bpe,
    }


def clip_style_json(
    texts: list[str], vocab_size: int = 400, prefix: str | None = None, **model: Any
) -> dict[str, Any]:
    """A small ``</w>`` BPE trained on ``texts``: BERT normalizer (lowercase)
    and pre-tokenizer, ``<unk>``, BPEDecoder, as OpenAI GPT's tokenizer.json.
    ``prefix`` trains with a continuing-subword prefix too."""
    with_prefix = {} if prefix is None else {"continuing_subword_prefix": prefix}
    tok = tokenizers.Tokenizer(
        models.BPE(unk_token="<unk>", end_of_word_suffix="</w>", **with_prefix)
    )
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<unk>"],
        end_of_word_suffix="</w>",
        limit_alphabet=150,
        show_progress=False,
        **with_prefix,
    )
    tok.train_from_iterator(texts, trainer)
    data = json.loads(tok.to_str())
    data["model"].update(model)
    return data


def quicktour_json(texts: list[str], pre_tokenizer: Any, vocab_size: int = 400) -> dict[str, Any]:
    """The BPE of HF's quicktour trained on ``texts``: ``[UNK]`` and BERT's
    special tokens, ``pre_tokenizer`` (the quicktour's is ``Whitespace``), no
    normalizer and no decoder."""
    tok = tokenizers.Tokenizer(models.BPE(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizer
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"],
        limit_alphabet=150,
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer)
    return json.loads(tok.to_str())
