"""Hypothesis strategies for text that breaks tokenizers."""

import functools
from pathlib import Path

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

WHITESPACE = (
    "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2003\u200a\u200b"
    "\u2028\u2029\u202f\u205f\u3000\ufeff"
)
CONTROLS = "\x00\x01\x07\x1b\x7f\x80\x9f\u00ad\u200c\u200d\u200e\u2060\ufffd\U000e0001"
# Greek capital sigma in word-final and word-medial positions (final-sigma rules).
SIGMA = "ΣσςΑΒΟΔ"
APOSTROPHES = "'\u2019\""

# single characters, plus a few multi-character sequences (a flag is two)
interesting_chars = st.one_of(
    st.characters(codec="utf-8"),  # anything encodable: no lone surrogates
    st.sampled_from(WHITESPACE + CONTROLS + SIGMA + APOSTROPHES),
    st.characters(min_codepoint=0x300, max_codepoint=0x36F),  # combining marks
    st.characters(min_codepoint=0x2B700, max_codepoint=0x2B93F),  # CJK ext C/D edges
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E40),  # CJK
    st.characters(min_codepoint=0xE000, max_codepoint=0xE010),  # private use
    st.characters(min_codepoint=0x1F300, max_codepoint=0x1F6FF),  # emoji
    # ZWJ, VS16, skin tone, flag
    st.sampled_from(["\u200d", "\ufe0f", "\U0001f3fb", "\U0001f1fa\U0001f1f8"]),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),  # ASCII
    st.characters(min_codepoint=0xC0, max_codepoint=0x24F),  # accented Latin
)

texts = st.lists(interesting_chars, max_size=80).map("".join)


@functools.cache
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@st.composite
def corpus_splices(draw, corpora: list[Path], inserts: SearchStrategy[str]) -> str:
    """Up to 300 characters of one of the ``corpora`` files (each read once,
    when first drawn) with up to 8 ``inserts``
    spliced in anywhere: the real words and merges of the corpus, next to the
    whitespace, digits, marks and apostrophes that move where pieces split.
    Generated characters alone rarely make the long tokens a vocabulary
    learnt from such text."""
    text = _read(draw(st.sampled_from(corpora)))
    start = draw(st.integers(0, max(0, len(text) - 1)))
    chars = list(text[start : start + draw(st.integers(0, 300))])
    for _ in range(draw(st.integers(0, 8))):
        chars.insert(draw(st.integers(0, len(chars))), draw(inserts))
    return "".join(chars)
