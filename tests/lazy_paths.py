"""What the tests of tokkit's ids-only paths share: a tokkit and an HF
tokenizer from the same ``tokenizer.json`` with the file's truncation and
padding off, and the step that puts a tokkit tokenizer on its lazy path."""

from __future__ import annotations

import tokenizers

import tokkit


def untruncated_pair(document: str) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    """tokkit's and HF's tokenizer of ``document``, neither truncating nor
    padding (a file may set both)."""
    ours, ref = tokkit.Tokenizer.from_str(document), tokenizers.Tokenizer.from_str(document)
    for tokenizer in (ours, ref):
        tokenizer.no_truncation()
        tokenizer.no_padding()
    return ours, ref


def lazy_from_now(tokenizer: tokkit.Tokenizer) -> None:
    """Encodings dropped unread, so that the next encodings are made lazily,
    from the ids alone (a tokenizer whose encodings were read makes them in
    full at once)."""
    tokenizer.encode_batch([""] * 40)
