"""Tokenizer files in the shapes other projects save (``hf_variants``) against
HF ``tokenizers``: batches of pairs and decoding, beside the per-field and
alignment checks of ``test_parity_hf_alignment``."""

from __future__ import annotations

import pytest
import tokenizers
from conftest import corpus_files
from hf_checks import assert_batch_like_hf
from hf_variants import roberta_json

import tokkit

FILES = {
    "roberta": lambda: roberta_json(prefix_space=False, trim_offsets=True),
    "roberta-prefix-space": lambda: roberta_json(prefix_space=True, trim_offsets=False),
}


@pytest.fixture(scope="module", params=list(FILES))
def pair_of(request):
    text = FILES[request.param]()
    return tokkit.Tokenizer.from_str(text), tokenizers.Tokenizer.from_str(text)


def lines() -> list[str]:
    out = []
    for path in corpus_files():
        text = path.read_text(encoding="utf-8")
        out += [line[:200] for line in text.splitlines() if line.strip()][:3]
    return out


def test_batches_of_pairs_and_decoding(pair_of):
    ours, ref = pair_of
    texts = lines()
    pairs = list(zip(texts, texts[1:] + texts[:1], strict=True))
    for add_special_tokens in (True, False):
        assert_batch_like_hf(ours, ref, texts, add_special_tokens=add_special_tokens)
        assert_batch_like_hf(ours, ref, pairs, add_special_tokens=add_special_tokens)
    for first, second in pairs:
        ids = ref.encode(first, second).ids
        for skip in (True, False):
            got = ours.decode(ids, skip_special_tokens=skip)
            assert got == ref.decode(ids, skip_special_tokens=skip), (first, second)
    assert ours.num_special_tokens_to_add(True) == ref.num_special_tokens_to_add(True) == 4
