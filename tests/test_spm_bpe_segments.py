"""Llama 2's sentencepiece BPE cuts normalized text into segments no merge
crosses (before a `▁`-run, between ASCII characters no piece holds side by
side) and merges short segments by a scan: ids and pieces equal
sentencepiece's on text built from pieces that do join across those places,
from pieces that do not, and from both, cold, warm and interleaved with
other text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from spm_checks import pair

import tokkit

# Pieces of Llama 2 holding ASCII pairs a cut must leave whole ("),", "'s",
# "▁}," ...), words, runs of spaces and line breaks that are cut apart, and
# text outside ASCII next to which nothing is cut.
PARTS = [
    "),",
    '",',
    "'s",
    "...",
    "->",
    "::",
    "__init__",
    "self.",
    "(x)",
    "}$,",
    "the",
    "Hello",
    "supercalifragilisticexpialidocious",
    "word,",
    "x",
    " ",
    "    ",
    "\n",
    "\t",
    "\r\n",
    "\u2581",
    "\u2581\u2581",
    "é",
    "中文",
    "😀",
    "▁está",
    "ступ",
    "нци",
    "▁François",
    "zös",
    "▁Künstler",
    "的",
    "日本語",
    "こんにちは",
    "한국어",
    "。",
    "、",
    "0",
    "42",
    "<0x0A>",
]
TEXT = st.lists(st.one_of(st.sampled_from(PARTS), st.characters(codec="utf-8")), max_size=80).map(
    "".join
)


def assert_same(texts: list[str]) -> None:
    ours, ref = pair("bpe-llama2")
    for text in texts:
        assert ours.encode(text) == ref.encode(text), text
        assert ours.encode(text, out_type=str) == ref.encode(text, out_type=str), text


@settings(deadline=None, max_examples=300)
@given(text=TEXT, other=TEXT)
def test_cold_warm_and_interleaved_equal_sentencepiece(text: str, other: str) -> None:
    ours, ref = pair("bpe-llama2")
    want = ref.encode(text)
    assert ours.encode(text) == want
    assert ours.encode(other) == ref.encode(other)
    assert ours.encode(text) == want
    assert ours.encode([other, text, other], num_threads=2)[1] == want


def test_cuts_and_their_neighbours() -> None:
    assert_same(
        [
            "def f(x):\n    return g(x), h(y)\n\tz = {'a': 1},",
            "a▁b▁▁c ▁ d\n▁\n▁▁x",
            "It's done... isn't it? \"Yes\", she said -- (maybe).",
            "ab" * 20,
            "x" * 33,
            "word" * 70,
            "supercalifragilisticexpialidocious, antidisestablishmentarianism",
            "é,é\nñ!中,文",
            "滿紙荒唐言\uff0c一把辛酸淚\uff01都云作者痴\uff0c誰解其中味\uff1f",
            "吾輩は猫である。名前はまだ無い。",
            "Künstler▁François▁zöstupнци",
            "𠀀𠀁😀中😀",
        ]
    )


def test_a_fresh_processor_equals_a_warm_one() -> None:
    ours, ref = pair("bpe-llama2")
    text = "Fresh words: quixotic, zephyr's\njabberwocky.\n"
    warm = ours.encode(text)
    model = ours.serialized_model_proto()
    assert tokkit.SentencePieceProcessor(model_proto=model).encode(text) == warm
    assert warm == ref.encode(text)
