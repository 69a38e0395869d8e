"""Subword regularisation and BPE-dropout: tokkit's samples against the exact
distribution (every segmentation of short inputs enumerated from the
vocabulary) and against sentencepiece's own samples, with chi-square tests;
n-best sampling, entropy and scored sampling against exact values."""

from __future__ import annotations

import math
from collections import Counter

import pytest
import sentencepiece as spm
from conftest import shared_path
from hypothesis import given, settings
from hypothesis import strategies as st

import tokkit

UNIGRAM_TEST = ("vocab", "spm-unigram-sentencepiece-test", "test_model.model")
UNIGRAM_RUT5 = ("vocab", "rut5-large-spm-unigram", "spiece.model")
BPE_LLAMA = ("vocab", "llama2-spm-bpe", "tokenizer.model")
N_SAMPLES = 20_000
P_MIN = 0.001


Pair = tuple[tokkit.SentencePieceProcessor, spm.SentencePieceProcessor]


def load(parts: tuple[str, ...]) -> Pair:
    path = str(shared_path(*parts))
    ours = tokkit.SentencePieceProcessor(model_file=path)
    return ours, spm.SentencePieceProcessor(model_file=path)


def upper_gamma_regularized(a: float, x: float) -> float:
    """Q(a, x) = Γ(a, x) / Γ(a) by series or continued fraction (Numerical Recipes)."""
    if x <= 0:
        return 1.0
    lg = math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        for _ in range(10_000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return 1.0 - total * math.exp(-x + a * math.log(x) - lg)
    b = x + 1 - a
    c = 1 / 1e-300
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-x + a * math.log(x) - lg) * h


def chi2_p_value(statistic: float, dof: int) -> float:
    return upper_gamma_regularized(dof / 2, statistic / 2)


def pooled(expected: dict, observed: dict[str, Counter]) -> tuple[list[float], dict[str, list]]:
    """Cells with expected count >= 5, the rest pooled into one cell."""
    keys = [k for k, e in expected.items() if e >= 5]
    rest = [k for k in set(expected) | {k for c in observed.values() for k in c} if k not in keys]
    exp = [expected[k] for k in keys] + [sum(expected.get(k, 0.0) for k in rest)]
    obs = {name: [c[k] for k in keys] + [sum(c[k] for k in rest)] for name, c in observed.items()}
    return exp, obs


def goodness_of_fit(expected: dict, counts: Counter) -> float:
    exp, obs = pooled(expected, {"x": counts})
    cells = [(e, o) for e, o in zip(exp, obs["x"], strict=True) if e > 0 or o > 0]
    if any(e == 0 and o > 0 for e, o in cells):
        return 0.0
    stat = sum((o - e) ** 2 / e for e, o in cells if e > 0)
    return chi2_p_value(stat, max(1, len([c for c in cells if c[0] > 0]) - 1))


def homogeneity(a: Counter, b: Counter) -> float:
    """Two-sample chi-square test that a and b come from one distribution."""
    total_a, total_b = sum(a.values()), sum(b.values())
    pooled_counts = a + b
    keys = [k for k, v in pooled_counts.items() if v >= 10]
    rest = [k for k in pooled_counts if k not in keys]
    rows = [(a[k], b[k]) for k in keys] + [(sum(a[k] for k in rest), sum(b[k] for k in rest))]
    rows = [r for r in rows if r[0] + r[1] > 0]
    n = total_a + total_b
    stat = 0.0
    for ra, rb in rows:
        col = ra + rb
        for obs, tot in ((ra, total_a), (rb, total_b)):
            e = col * tot / n
            stat += (obs - e) ** 2 / e
    return chi2_p_value(stat, max(1, len(rows) - 1))


def segmentations(ref: spm.SentencePieceProcessor, text: str) -> dict[tuple[str, ...], float]:
    """Every segmentation of the normalized text into vocabulary pieces, with its
    score (the sum of piece scores). The inputs used have no unknown characters."""
    normal = {
        ref.id_to_piece(i): ref.get_score(i)
        for i in range(ref.vocab_size())
        if not (ref.is_control(i) or ref.is_unknown(i) or ref.is_unused(i) or ref.is_byte(i))
    }
    longest = max(len(p) for p in normal)
    norm = ref.normalize(text)
    table: list[list[tuple[tuple[str, ...], float]]] = [[((), 0.0)]] + [[] for _ in norm]
    for end in range(1, len(norm) + 1):
        for start in range(max(0, end - longest), end):
            piece = norm[start:end]
            if piece in normal:
                table[end] += [((*seg, piece), s + normal[piece]) for seg, s in table[start]]
    return dict(table[len(norm)])


def distribution(segs: dict[tuple[str, ...], float], alpha: float) -> dict:
    weights = {k: math.exp(alpha * s) for k, s in segs.items()}
    z = sum(weights.values())
    return {k: w / z for k, w in weights.items()}


CASES = [(UNIGRAM_TEST, "hello", 0.1), (UNIGRAM_TEST, "world", 0.5), (UNIGRAM_RUT5, "мир", 0.2)]


@pytest.mark.parametrize(("model", "text", "alpha"), CASES)
def test_full_lattice_sampling_matches_exact_and_sentencepiece(model, text, alpha) -> None:
    ours, ref = load(model)
    exact = distribution(segmentations(ref, text), alpha)
    assert 2 < len(exact) < 5000
    samples = ours.encode(
        [text] * N_SAMPLES, out_type=str, enable_sampling=True, alpha=alpha, nbest_size=-1, seed=7
    )
    counts = Counter(tuple(s) for s in samples)
    assert set(counts) <= set(exact)
    expected = {k: p * N_SAMPLES for k, p in exact.items()}
    assert goodness_of_fit(expected, counts) > P_MIN
    theirs = Counter(
        tuple(ref.encode(text, out_type=str, enable_sampling=True, alpha=alpha, nbest_size=-1))
        for _ in range(N_SAMPLES)
    )
    assert homogeneity(counts, theirs) > P_MIN


@pytest.mark.parametrize(("model", "text", "alpha"), CASES)
def test_nbest_sampling_matches_exact(model, text, alpha) -> None:
    ours, ref = load(model)
    segs = segmentations(ref, text)
    k = 4
    best = [tuple(p) for p in ref.nbest_encode(text, nbest_size=k, out_type=str)]
    exact = distribution({s: segs[s] for s in best}, alpha)
    samples = ours.encode(
        [text] * N_SAMPLES, out_type=str, enable_sampling=True, alpha=alpha, nbest_size=k, seed=3
    )
    counts = Counter(tuple(s) for s in samples)
    assert set(counts) <= set(best)
    assert goodness_of_fit({s: p * N_SAMPLES for s, p in exact.items()}, counts) > P_MIN


def test_bpe_dropout_matches_sentencepiece() -> None:
    ours, ref = load(BPE_LLAMA)
    text = "tokenization"
    for alpha in (0.1, 0.5):
        kw = {"out_type": str, "enable_sampling": True, "alpha": alpha, "nbest_size": -1}
        counts = Counter(tuple(s) for s in ours.encode([text] * N_SAMPLES, seed=11, **kw))
        theirs = Counter(tuple(ref.encode(text, **kw)) for _ in range(N_SAMPLES))
        assert homogeneity(counts, theirs) > P_MIN
        assert all("".join(s) == "▁" + text for s in counts)


def test_best_path_without_sampling() -> None:
    ours, ref = load(BPE_LLAMA)
    text = "Sampling with alpha 0 is plain BPE."
    best = ref.encode(text)
    assert ours.encode(text, enable_sampling=True, alpha=0.0, nbest_size=-1) == best
    assert ours.encode(text, enable_sampling=False, alpha=0.5) == best
    uni, uref = load(UNIGRAM_TEST)
    best = uref.encode(text)
    # For Unigram, alpha is an inverse temperature (alpha=0 samples uniformly, as
    # in sentencepiece); the best path comes back with sampling off or nbest 1.
    assert uni.encode(text, enable_sampling=False) == best
    assert uni.nbest_encode(text, nbest_size=1) == [best]
    with pytest.raises(ValueError):
        uni.encode(text, enable_sampling=True, nbest_size=1, alpha=0.1)
    # Above sentencepiece's kMaxNBestSize: its failed check is a RuntimeError.
    with pytest.raises(RuntimeError):
        uref.encode(text, enable_sampling=True, nbest_size=1000, alpha=0.1)
    with pytest.raises(RuntimeError):
        uni.encode(text, enable_sampling=True, nbest_size=1000, alpha=0.1)


@pytest.mark.parametrize(("model", "text", "alpha"), [*CASES, (UNIGRAM_TEST, "hello", 0.0)])
def test_entropy_equals_exact(model, text, alpha) -> None:
    ours, ref = load(model)
    exact = distribution(segmentations(ref, text), alpha)
    want = -sum(p * math.log(p) for p in exact.values() if p > 0)
    got = ours.calculate_entropy(text, alpha=alpha)
    assert got == pytest.approx(want, rel=1e-6)
    both = ours.calculate_entropy([text, text], alpha=alpha)
    assert both == pytest.approx([want, want], rel=1e-6)


def test_sample_encode_and_score() -> None:
    ours, ref = load(UNIGRAM_TEST)
    text, alpha = "hello", 0.3
    segs = segmentations(ref, text)
    exact = distribution(segs, alpha)
    for pieces, score in ours.sample_encode_and_score(
        text, num_samples=50, alpha=alpha, out_type=str, seed=5
    ):
        assert score == pytest.approx(math.log(exact[tuple(pieces)]), abs=1e-6)
    # Without replacement: distinct samples (7 segmentations of "hello" are too few).
    text = "internationalization"
    wor = ours.sample_encode_and_score(text, num_samples=10, alpha=alpha, wor=True, seed=5)
    assert len(wor) == 10
    assert len({tuple(ids) for ids, _ in wor}) == 10
    assert all(score <= 1e-9 for _, score in wor)
    with_best = ours.sample_encode_and_score(
        text, num_samples=5, alpha=alpha, wor=True, include_best=True, seed=5
    )
    assert with_best[0] == (ref.encode(text), 0.0)


def test_seeds_reproduce() -> None:
    ours, _ = load(UNIGRAM_TEST)
    text = "Reproducible sampling for training runs."
    kw = {"enable_sampling": True, "alpha": 0.1, "nbest_size": -1}
    runs = [ours.encode([text] * 50, seed=42, **kw) for _ in range(2)]
    assert runs[0] == runs[1]
    assert len({tuple(x) for x in runs[0]}) > 1
    assert ours.encode(text, seed=1, **kw) == ours.encode(text, seed=1, **kw)
    assert ours.encode([text] * 20, seed=9, num_threads=1, **kw) == ours.encode(
        [text] * 20, seed=9, num_threads=2, **kw
    )
    tokkit.set_random_seed(123)
    first = [ours.encode(text, **kw) for _ in range(20)]
    tokkit.set_random_seed(123)
    assert [ours.encode(text, **kw) for _ in range(20)] == first


@pytest.mark.parametrize("model", [UNIGRAM_TEST, BPE_LLAMA])
@settings(deadline=None, max_examples=60)
@given(text=st.text(st.characters(codec="utf-8"), max_size=40), nbest=st.sampled_from([-1, 2, 5]))
def test_samples_cover_the_normalized_text(model, text, nbest) -> None:
    ours, ref = load(model)
    best = ours.encode(text, out_type=str)
    for seed in range(3):
        sample = ours.encode(
            text, out_type=str, enable_sampling=True, alpha=0.5, nbest_size=nbest, seed=seed
        )
        assert "".join(sample) == "".join(best)
        ids = ours.encode(text, enable_sampling=True, alpha=0.5, nbest_size=nbest, seed=seed)
        assert ref.decode(ids) == ref.decode(ref.encode(text))
