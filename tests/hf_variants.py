"""tokenizer.json files in the shapes other projects use, built from the shared
GPT-2 file with the tokenizers API and saved as HF saves them.

``roberta_json``: RoBERTa / BART / Longformer, GPT-2's vocabulary with ``<s>``
and ``</s>`` added as special tokens and a RobertaProcessing post-processor.
``specials_in_vocab_json``: GPT-2 with special tokens outside the byte
alphabet listed in ``model.vocab`` too (DeepSeek's files), and one that is in
the vocabulary only. ``missing_bytes_json``: GPT-2 without some byte symbols
and the merges that use them.
"""

from __future__ import annotations

import json

import tokenizers
from conftest import shared_path
from tokenizers import pre_tokenizers, processors


def gpt2() -> tokenizers.Tokenizer:
    """The shared GPT-2 tokenizer.json, without its truncation."""
    tok = tokenizers.Tokenizer.from_file(str(shared_path("vocab", "gpt2", "tokenizer.json")))
    tok.no_truncation()
    return tok


def roberta_json(
    prefix_space: bool, trim_offsets: bool, post_prefix_space: bool | None = None
) -> str:
    """GPT-2 as RoBERTa: ``prefix_space`` for the ByteLevel pre-tokenizer and
    (unless ``post_prefix_space`` says otherwise) the post-processor."""
    tok = gpt2()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=prefix_space)
    tok.add_special_tokens(["<s>", "</s>"])
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")),
        ("<s>", tok.token_to_id("<s>")),
        trim_offsets=trim_offsets,
        add_prefix_space=prefix_space if post_prefix_space is None else post_prefix_space,
    )
    document = json.loads(tok.to_str())
    if prefix_space:
        # RoBERTa's added tokens are not normalized when it adds a prefix space
        for token in document["added_tokens"]:
            token["normalized"] = False
    return json.dumps(document)


def _gpt2_document() -> dict:
    document = json.loads(gpt2().to_str())
    document["truncation"] = None
    return document


def specials_in_vocab_json() -> str:
    document = _gpt2_document()
    vocab = document["model"]["vocab"]
    for content in [
        "<\uff5cbegin\u2581of\u2581sentence\uff5c>",
        "<\uff5cend\u2581of\u2581sentence\uff5c>",
    ]:
        vocab[content] = len(vocab)
        document["added_tokens"].append(
            {
                "id": vocab[content],
                "content": content,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
        )
    vocab["<\uff5cvocab\u2581only\uff5c>"] = len(vocab)
    return json.dumps(document)


def missing_bytes_json() -> str:
    """GPT-2 without the symbols of bytes 0x09 (tab), 0xC3 (Latin-1 letters'
    lead byte) and 0xE4 (a CJK lead byte), nor the merges that use them."""
    document = _gpt2_document()
    model = document["model"]
    for symbol in ["\u0109", "\u00c3", "\u00e4"]:
        del model["vocab"][symbol]
    vocab = model["vocab"]
    model["merges"] = [m for m in model["merges"] if all(t in vocab for t in (*m, "".join(m)))]
    return json.dumps(document)
