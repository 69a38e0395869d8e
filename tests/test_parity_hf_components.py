"""tokenizer.json components against HF ``tokenizers``: the normalizers (NFC,
NFD, NFKC, NFKD, Lowercase, Strip, StripAccents, Prepend, Nmt, Replace with a
literal or an Oniguruma regex), Split pre-tokenizers with arbitrary regexes
(word classes, look-around, possessive quantifiers, case-insensitive groups,
the patterns of Llama 3, Qwen2, DeepSeek and GPT-4o style files), every Split
behavior and invert, and the Digits, Punctuation, Whitespace, WhitespaceSplit
and CharDelimiterSplit pre-tokenizers (StarCoder style sequences). Each
tokenizer is built with HF's own API, saved as tokenizer.json and loaded by
both: identical ids, tokens, offsets and decoded text on every shared corpus
and on generated text."""

from __future__ import annotations

import json

import pytest
import tokenizers
from conftest import corpus_files, shared_path
from hypothesis import given, settings
from hypothesis import strategies as st
from tokenizers import Regex, decoders, models, normalizers, pre_tokenizers, processors

import tokkit

# Text that exercises normalization and regex classes: composed and decomposed
# accents, ligatures, compatibility forms, case pairs whose lowercase is longer,
# Unicode spaces, controls that Nmt drops, digits of other scripts, letters
# Oniguruma's \w counts that other engines do not (fractions, superscripts).
FRAGMENTS = [
    " ",
    "  ",
    "\t",
    "\n",
    "\r\n",
    "\u00a0",
    "\u3000",
    "\u200b",
    "\ufeff",
    "\x01",
    "\x7f",
    "'s",
    "'S",
    "'LL",
    "don't",
    "123",
    "4567",
    "\u0663\u0664",
    "Hello",
    "WORLD",
    "camelCaseWord",
    "e\u0301",
    "\u00e9",
    "A\u030a",
    "\u212b",
    "\u0301",
    "\u0344",
    "\ufb01",
    "\u2460",
    "\uff41\uff22",
    "\u00bd",
    "\u00b2",
    "\u0130",
    "\u00df",
    "\u03a3\u03b1",
    "\uac00",
    "\u1100\u1161",
    "\u4e2d\u6587",
    "\u3072\u3089\u304c\u306a",
    "\u0928\u092e\u0938\u094d\u0924\u0947",
    "\U0001f600",
    "\U0001f44d\U0001f3fd",
    "\u200d",
    "!",
    "...",
    "--",
    "<mask>",
    "xyzzy",
]
TEXTS = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=25).map(
    "".join
)

SAMPLES = [
    "Hello world!  It's 2024 -- don't  panic\n\n  ok\r\n\tdone   ",
    "  caf\u00e9 cafe\u0301 \ufb01ne \u212bngstr\u00f6m \u0130stanbul STRASSE stra\u00dfe  ",
    "<mask> xyzzy tail  <mask>x",
    "\u4e2d\u6587 \U0001f600\U0001f44d\U0001f3fd \uff21\uff22\uff23 \u2460\u2461 \u00bd\u00b2",
    "camelCaseWords and snake_case_words, HTTPServer2Go",
    "\x01ctrl\u200bzero\ufeffwidth\u2028line",
    "a  b   c    d",
    "",
]


def corpus_texts(limit: int = 4_000) -> list[tuple[str, str]]:
    return [(p.name, p.read_text(encoding="utf-8")[:limit]) for p in corpus_files()]


def gpt2_bpe(ignore_merges: bool = False) -> models.BPE:
    vocab = shared_path("vocab", "gpt2", "encoder.json")
    merges = shared_path("vocab", "gpt2", "vocab.bpe")
    return models.BPE.from_file(str(vocab), str(merges), ignore_merges=ignore_merges)


def byte_level_bpe(normalizer=None, split=None, ignore_merges=False) -> tokenizers.Tokenizer:
    """GPT-2's vocabulary with `normalizer`, and `split` (a pre-tokenizer or a
    list of them) before ByteLevel(use_regex=False), or ByteLevel alone."""
    tok = tokenizers.Tokenizer(gpt2_bpe(ignore_merges))
    if normalizer is not None:
        tok.normalizer = normalizer
    if split is None:
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        splits = split if isinstance(split, list) else [split]
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [*splits, pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
        )
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens(["<|endoftext|>"])
    tok.add_tokens(["<mask>", "xyzzy"])
    return tok


def with_pre_tokenizer(tok: tokenizers.Tokenizer, *steps) -> tokenizers.Tokenizer:
    tok.pre_tokenizer = pre_tokenizers.Sequence(list(steps))
    return tok


N = normalizers
NORMALIZERS = {
    "nfc": N.NFC(),
    "nfd": N.NFD(),
    "nfkc": N.NFKC(),
    "nfkd": N.NFKD(),
    "lowercase": N.Lowercase(),
    "strip": N.Strip(),
    "strip-left": N.Strip(left=True, right=False),
    "strip-right": N.Strip(left=False, right=True),
    "strip-accents-after-nfd": N.Sequence([N.NFD(), N.StripAccents()]),
    "strip-accents-alone": N.StripAccents(),
    "prepend": N.Prepend("\u2581"),
    "nmt": N.Nmt(),
    "nmt-nfkc-lowercase": N.Sequence([N.Nmt(), N.NFKC(), N.Lowercase()]),
    "nfkd-strip-accents-lowercase-strip": N.Sequence(
        [N.NFKD(), N.StripAccents(), N.Lowercase(), N.Strip()]
    ),
    "replace-literal": N.Replace("''", '"'),
    "replace-spaces-regex": N.Replace(Regex(r"\s+"), " "),
    "replace-regex-longer": N.Replace(Regex(r"[\p{Lu}]\w*"), "<cap>"),
    "replace-empty-matches": N.Replace(Regex(r"(?<=\d)(?=\d)"), "_"),
    # Word ends only: HF doubles text inserted at the very start when
    # ByteLevel then meets it as a piece of its own (see README).
    "replace-word-boundary": N.Replace(Regex(r"(?<=\w)\b"), "|"),
    "replace-delete": N.Replace(Regex(r"[aeiou\u0301]"), ""),
    "prepend-nfd-replace": N.Sequence(
        [N.Prepend("\u2581"), N.NFD(), N.Replace(" ", "\u2581"), N.Replace(Regex("e\u0301"), "E")]
    ),
}

LLAMA3 = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
QWEN2 = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
GPT4O_STYLE = "|".join(
    [
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"\p{N}{1,3}",
        r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
        r"\s*[\r\n]+",
        r"\s+(?!\S)",
        r"\s+",
    ]
)
DEEPSEEK = [
    r"\p{N}{1,3}",
    "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
    r"[!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+"
    r"| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+",
]


def split(pattern, behavior="isolated", invert=False):
    return pre_tokenizers.Split(pattern, behavior=behavior, invert=invert)


SPLITS = {
    "llama3": split(Regex(LLAMA3)),
    "qwen2": split(Regex(QWEN2)),
    "gpt4o-style": split(Regex(GPT4O_STYLE)),
    "deepseek-sequence": [split(Regex(p)) for p in DEEPSEEK],
    "word-classes": split(Regex(r"\w+|\W")),
    "word-boundaries": split(Regex(r"\b"), "merged_with_next"),
    "not-word-boundaries": split(Regex(r"\B."), "merged_with_previous"),
    "spaces-digits": split(Regex(r"\s+|\d")),
    "lookbehind-camel-case": split(Regex(r"(?<=\p{Ll})(?=\p{Lu})|(?<=\d)(?=\D)"), "removed"),
    "possessive": split(Regex(r"\p{L}++|\p{N}{1,3}+|[^\s\p{L}\p{N}]++|\s++(?!\S)|\s++")),
    "case-insensitive-flag": split(Regex(r"(?i)hello|world|'S|STRASSE")),
    "case-insensitive-group": split(Regex(r"(?i:[a-c]+)|x"), "contiguous"),
    **{
        f"spaces-{behavior}": split(Regex(r"\s+"), behavior)
        for behavior in ["removed", "isolated", "merged_with_previous", "merged_with_next"]
    },
    "punct-contiguous": split(Regex(r"\p{P}"), "contiguous"),
    **{
        f"letters-inverted-{behavior}": split(Regex(r"\p{L}+"), behavior, invert=True)
        for behavior in ["removed", "isolated", "merged_with_previous", "merged_with_next"]
    },
    "literal-inverted-contiguous": split(" ", "contiguous", invert=True),
    "empty-literal": split("", "isolated"),
    "digits-individual": pre_tokenizers.Digits(individual_digits=True),
    "digits-contiguous": pre_tokenizers.Digits(individual_digits=False),
    **{
        f"punctuation-{behavior}": pre_tokenizers.Punctuation(behavior)
        for behavior in ["removed", "isolated", "merged_with_previous", "merged_with_next"]
    },
    "punctuation-contiguous-then-digits": [
        pre_tokenizers.Punctuation("contiguous"),
        pre_tokenizers.Digits(individual_digits=True),
    ],
    "whitespace": pre_tokenizers.Whitespace(),
    "whitespace-split": pre_tokenizers.WhitespaceSplit(),
    "char-delimiter": pre_tokenizers.CharDelimiterSplit("-"),
}

CONFIGS = {
    **{
        f"norm-{name}": (lambda n=n: byte_level_bpe(normalizer=n))
        for name, n in NORMALIZERS.items()
    },
    **{
        f"split-{name}": (lambda s=s: byte_level_bpe(split=s, ignore_merges=True))
        for name, s in SPLITS.items()
    },
    "nfc-llama3": lambda: byte_level_bpe(N.NFC(), split(Regex(LLAMA3)), ignore_merges=True),
    # StarCoder's pre-tokenizer: digits split before GPT-2's own regex.
    "starcoder-style": lambda: with_pre_tokenizer(
        byte_level_bpe(),
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ),
    "nfkc-qwen2": lambda: byte_level_bpe(N.NFKC(), split(Regex(QWEN2))),
}


def assert_same(ours, ref, text, context=""):
    a, b = ours.encode(text), ref.encode(text)
    assert a.ids == b.ids, context
    assert a.tokens == b.tokens, context
    assert a.offsets == b.offsets, context
    assert ours.decode(a.ids) == ref.decode(b.ids), context


def load_both(ref: tokenizers.Tokenizer, tmp_path) -> tuple[tokkit.Tokenizer, tokenizers.Tokenizer]:
    path = tmp_path / "tokenizer.json"
    path.write_text(ref.to_str(), encoding="utf-8")
    # Reload the reference from the file too, so both read the same JSON.
    return tokkit.Tokenizer.from_file(path), tokenizers.Tokenizer.from_file(str(path))


@pytest.fixture(scope="module", params=list(CONFIGS))
def pair(request, tmp_path_factory):
    ours, ref = load_both(CONFIGS[request.param](), tmp_path_factory.mktemp("tok"))
    return ours, ref, request.param


def test_samples_and_every_corpus(pair):
    ours, ref, name = pair
    for text in SAMPLES:
        assert_same(ours, ref, text, f"{name}: {text!r}")
    for file, text in corpus_texts():
        assert_same(ours, ref, text, f"{name}: {file}")


@settings(deadline=None, max_examples=30)
@given(text=TEXTS)
def test_generated_text(pair, text):
    ours, ref, name = pair
    assert_same(ours, ref, text, name)


# Llama 3's and GPT-4o's patterns take tokkit's hand-written splitters on
# ASCII text: generated ASCII text with every class boundary.
ASCII_TEXTS = st.lists(
    st.one_of(
        st.sampled_from([f for f in FRAGMENTS if f.isascii()]),
        st.text(alphabet=st.characters(max_codepoint=127), max_size=4),
    ),
    max_size=25,
).map("".join)
_known: dict[str, tuple[tokkit.Tokenizer, tokenizers.Tokenizer]] = {}


@pytest.mark.parametrize("name", ["split-llama3", "split-gpt4o-style", "nfc-llama3"])
@settings(deadline=None, max_examples=100)
@given(text=ASCII_TEXTS)
def test_known_patterns_on_ascii_text(tmp_path_factory, name, text):
    if name not in _known:
        _known[name] = load_both(CONFIGS[name](), tmp_path_factory.mktemp("known"))
    ours, ref = _known[name]
    assert_same(ours, ref, text, name)


def test_batches_match_single_calls(pair):
    ours, ref, _ = pair
    got = ours.encode_batch(SAMPLES)
    want = ref.encode_batch(SAMPLES)
    assert [e.ids for e in got] == [e.ids for e in want]
    assert [e.offsets for e in got] == [e.offsets for e in want]


# Other models: WordPiece with a hand-built BERT normalizer, Unigram with
# Nmt + NFKC instead of its precompiled charsmap.


def wordpiece_with(normalizer, tmp_path):
    path = shared_path("vocab", "bert-base-uncased", "tokenizer.json")
    ref = tokenizers.Tokenizer.from_file(str(path))
    ref.no_truncation()
    ref.no_padding()
    ref.normalizer = normalizer
    return load_both(ref, tmp_path)


def unigram_with(normalizer, tmp_path):
    path = shared_path("vocab", "rut5-large-spm-unigram", "tokenizer.json")
    ref = tokenizers.Tokenizer.from_file(str(path))
    ref.normalizer = normalizer
    return load_both(ref, tmp_path)


@pytest.mark.parametrize(
    "normalizer",
    [
        N.Sequence([N.NFD(), N.Lowercase(), N.StripAccents()]),
        N.Sequence([N.NFKC(), N.Lowercase(), N.Replace(Regex(r"\p{Mn}"), "")]),
    ],
    ids=["nfd-lower-strip", "nfkc-lower-replace-marks"],
)
def test_wordpiece_with_unicode_normalizers(normalizer, tmp_path):
    ours, ref = wordpiece_with(normalizer, tmp_path)
    for text in SAMPLES:
        assert_same(ours, ref, text, repr(text))
    for file, text in corpus_texts(10_000):
        assert_same(ours, ref, text, file)


def test_unigram_with_nmt_nfkc(tmp_path):
    normalizer = N.Sequence([N.Nmt(), N.NFKC(), N.Replace(Regex(" {2,}"), " ")])
    ours, ref = unigram_with(normalizer, tmp_path)
    for file, text in [("samples", s) for s in SAMPLES] + corpus_texts(10_000):
        a, b = ours.encode(text), ref.encode(text)
        assert a.ids == b.ids, file
        assert a.offsets == b.offsets, file
        assert ours.decode(a.ids) == ref.decode(b.ids), file


def test_text_inserted_at_the_start_is_not_doubled(tmp_path):
    # The one known difference (README): HF's ByteLevel pre-tokenizer doubles
    # a piece whose original span is empty, such as text a Replace inserted
    # at position 0; tokkit keeps the normalized text as the normalizer wrote it.
    ours, ref = load_both(byte_level_bpe(N.Replace(Regex(r"\b"), "|")), tmp_path)
    assert ref.normalizer.normalize_str("Hello") == "|Hello|"
    assert ref.encode("Hello").tokens == ["||", "Hello", "|"]
    got = ours.encode("Hello")
    assert got.tokens == ["|", "Hello", "|"]
    assert got.offsets == [(0, 0), (0, 5), (4, 5)]


# Errors: a pattern that backtracks past Oniguruma's limit (HF panics with
# "retry-limit-in-match over"), components tokkit does not know.


def test_catastrophic_split_regex_is_a_tokkit_error(tmp_path):
    ours, _ = load_both(byte_level_bpe(split=split(Regex(r"(a|aa)+$"))), tmp_path)
    assert ours.encode("a" * 100).ids
    with pytest.raises(tokkit.TokkitError, match="backtracks"):
        ours.encode("a" * 5_000 + "!")
    with pytest.raises(tokkit.TokkitError, match="backtracks"):
        ours.encode_batch(["ok", "a" * 5_000 + "!"])


def test_catastrophic_replace_regex_is_a_tokkit_error(tmp_path):
    ours, _ = load_both(byte_level_bpe(N.Replace(Regex(r"(\w+\s?)*$"), "")), tmp_path)
    with pytest.raises(tokkit.TokkitError, match="backtracks"):
        ours.encode("ab " * 2_000 + "!")


def edited(ref: tokenizers.Tokenizer, tmp_path, **changes):
    data = json.loads(ref.to_str())
    data.update(changes)
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_unknown_components_are_named(tmp_path):
    ref = byte_level_bpe()
    path = edited(ref, tmp_path, normalizer={"type": "NormalizerOfTomorrow"})
    with pytest.raises(tokkit.UnsupportedError, match="NormalizerOfTomorrow"):
        tokkit.Tokenizer.from_file(path)
    path = edited(ref, tmp_path, normalizer={"type": "Strip", "strip_left": True, "side": 1})
    with pytest.raises(tokkit.UnsupportedError, match="side"):
        tokkit.Tokenizer.from_file(path)
    bad_regex = {
        "type": "Split",
        "pattern": {"Regex": "(a"},
        "behavior": "Isolated",
        "invert": False,
    }
    byte_level = {
        "type": "ByteLevel",
        "add_prefix_space": False,
        "trim_offsets": False,
        "use_regex": False,
    }
    sequence = {"type": "Sequence", "pretokenizers": [bad_regex, byte_level]}
    path = edited(ref, tmp_path, pre_tokenizer=sequence)
    with pytest.raises(tokkit.TokkitError, match="Oniguruma"):
        tokkit.Tokenizer.from_file(path)


def test_pre_tokenizers_after_byte_level_cut_characters_as_hf(tmp_path):
    """HF runs what follows ByteLevel in a Sequence on the byte alphabet: its
    Digits cuts "\u00bd" (bytes C2 BD, drawn as "\u00c2" and "\u00bd") into
    two pieces, as in Falcon's file; tokkit cuts it there too, and both
    tokens cover the whole character."""
    text = "\u00bd \u2460 x\u00b2y 1234"
    digits_after = pre_tokenizers.Sequence(
        [pre_tokenizers.ByteLevel(add_prefix_space=False), pre_tokenizers.Digits()]
    )
    pieces = [piece for piece, _ in digits_after.pre_tokenize_str(text)]
    assert pieces[:2] == ["\u00c2", "\u00bd"]
    for after in [pre_tokenizers.Digits(individual_digits=False), split(Regex(r"\s"))]:
        ref = with_pre_tokenizer(
            byte_level_bpe(),
            pre_tokenizers.Punctuation("contiguous"),
            pre_tokenizers.Sequence(
                [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True), after]
            ),
        )
        path = tmp_path / "tokenizer.json"
        path.write_text(ref.to_str(), encoding="utf-8")
        ours = tokkit.Tokenizer.from_file(path)
        got, want = ours.encode(text), ref.encode(text)
        assert (got.ids, got.tokens, got.offsets) == (want.ids, want.tokens, want.offsets)


def test_two_byte_levels_in_a_sequence_are_refused(tmp_path):
    """The second would spell the first one's spelling again."""
    ref = with_pre_tokenizer(
        byte_level_bpe(),
        pre_tokenizers.ByteLevel(add_prefix_space=False),
        pre_tokenizers.Digits(),
        pre_tokenizers.ByteLevel(add_prefix_space=False),
    )
    path = tmp_path / "tokenizer.json"
    path.write_text(ref.to_str(), encoding="utf-8")
    with pytest.raises(tokkit.UnsupportedError, match="two ByteLevel"):
        tokkit.Tokenizer.from_file(path)
