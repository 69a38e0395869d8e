"""tokenizer.json files in the shapes other projects use, built from the shared
GPT-2 file with the tokenizers API and saved as HF saves them.

``roberta_json``: RoBERTa / BART / Longformer, GPT-2's vocabulary with ``<s>``
and ``</s>`` added as special tokens and a RobertaProcessing post-processor.
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
