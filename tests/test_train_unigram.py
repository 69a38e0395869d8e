"""Unigram training against sentencepiece 0.2.3's spm_train, on real text: the
model loads in both libraries, encodes alike, and matches spm_train's quality;
bad options fail with tokkit's own errors."""

from __future__ import annotations

import pytest
import sentencepiece as spm
from hypothesis import given, settings
from hypothesis import strategies as st

import tokkit
from tests.conftest import shared_path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Four fifths of botchan to train on, the last fifth held out."""
    with open(shared_path("corpus", "english", "botchan.txt"), encoding="utf-8", newline="") as f:
        lines = f.read().split("\n")
    cut = len(lines) * 4 // 5
    folder = tmp_path_factory.mktemp("unigram")
    train = folder / "train.txt"
    train.write_text("\n".join(lines[:cut]), encoding="utf-8")
    return train, "\n".join(lines[cut:])


@pytest.fixture(scope="module")
def trained(corpus, tmp_path_factory):
    """(tokkit's model folder, spm_train's model file) at vocab 1000, one thread."""
    train, _ = corpus
    folder = tmp_path_factory.mktemp("models")
    tokkit.UnigramTrainer(vocab_size=1000, show_progress=False).train(
        [train], folder / "tk", num_threads=1
    )
    prefix = folder / "ref"
    spm.SentencePieceTrainer.train(
        input=str(train), model_prefix=str(prefix), vocab_size=1000, num_threads=1, minloglevel=2
    )
    return folder / "tk", f"{prefix}.model"


def _pieces(sp: spm.SentencePieceProcessor) -> dict[str, float]:
    return {sp.id_to_piece(i): sp.get_score(i) for i in range(sp.get_piece_size())}


def _both(train, folder, vocab_size: int, threads: int, **options):
    """tokkit's and spm_train's models of ``train`` with the same options, as
    loaded sentencepiece processors (tokkit's written into ``folder``)."""
    tokkit.UnigramTrainer(vocab_size=vocab_size, show_progress=False, **options).train(
        [train], folder, num_threads=threads
    )
    spm.SentencePieceTrainer.train(
        input=str(train),
        model_prefix=str(folder / "ref"),
        vocab_size=vocab_size,
        num_threads=threads,
        minloglevel=2,
        **options,
    )
    return (
        spm.SentencePieceProcessor(model_file=str(folder / "spm.model")),
        spm.SentencePieceProcessor(model_file=str(folder / "ref.model")),
    )


def test_pieces_and_scores_are_spm_trains(trained):
    """spm_train --num_threads=1, piece for piece and score for score."""
    folder, reference = trained
    ours = spm.SentencePieceProcessor(model_file=str(folder / "spm.model"))
    theirs = spm.SentencePieceProcessor(model_file=reference)
    assert [
        (ours.id_to_piece(i), ours.get_score(i), ours.is_control(i))
        for i in range(ours.get_piece_size())
    ] == [
        (theirs.id_to_piece(i), theirs.get_score(i), theirs.is_control(i))
        for i in range(theirs.get_piece_size())
    ]


def test_two_threads_are_spm_trains_two_threads(corpus, tmp_path):
    """The EM sums per thread as spm_train does, so each thread count has its
    own identical result."""
    train, _ = corpus
    ours, theirs = _both(train, tmp_path, 500, 2)
    assert _pieces(ours) == _pieces(theirs)


def test_quality_and_pieces_match_spm_train(corpus, trained):
    _, held_out = corpus
    folder, reference = trained
    ours = spm.SentencePieceProcessor(model_file=str(folder / "spm.model"))
    theirs = spm.SentencePieceProcessor(model_file=reference)
    assert ours.get_piece_size() == theirs.get_piece_size() == 1000
    mine, ref = len(ours.encode(held_out)), len(theirs.encode(held_out))
    assert abs(mine - ref) / ref < 0.01, (mine, ref)
    a, b = _pieces(ours), _pieces(theirs)
    shared = a.keys() & b.keys()
    assert len(shared) >= 0.98 * len(b)
    # The same meta pieces at the same ids, as spm_train places them.
    assert [ours.id_to_piece(i) for i in range(3)] == ["<unk>", "<s>", "</s>"]


def test_the_model_encodes_alike_in_sentencepiece_tokkit_and_hf(corpus, trained):
    from tokenizers import Tokenizer as HfTokenizer

    _, held_out = corpus
    folder, _ = trained
    ref = spm.SentencePieceProcessor(model_file=str(folder / "spm.model"))
    ours = tokkit.SentencePieceProcessor(model_file=str(folder / "spm.model"))
    hf = HfTokenizer.from_file(str(folder / "tokenizer.json"))
    for line in held_out.split("\n")[:400]:
        ids = ref.encode(line)
        assert ours.encode(line) == ids, line
        assert hf.encode(line, add_special_tokens=False).ids == ids, line
    assert ours.decode(ours.encode(held_out)) == ref.decode(ref.encode(held_out))


def test_runs_are_deterministic(corpus, tmp_path):
    train, _ = corpus
    for threads in (1, 2):
        for run in ("a", "b"):
            tokkit.UnigramTrainer(vocab_size=400, show_progress=False).train(
                [train], tmp_path / f"{threads}{run}", num_threads=threads
            )
        first = (tmp_path / f"{threads}a" / "spm.model").read_bytes()
        assert first == (tmp_path / f"{threads}b" / "spm.model").read_bytes()


def test_train_from_counts_is_train_but_for_the_corpus_order(corpus, tmp_path):
    """Counts carry no corpus order, which only decides which sentence ends the
    seed buffer (see ``train/spm/order.rs``): nearly every piece is shared."""
    train, _ = corpus
    trainer = tokkit.UnigramTrainer(vocab_size=400, show_progress=False)
    # The default thread count on both sides: the EM's float sums follow it.
    trainer.train([train], tmp_path / "files")
    counts = trainer.count([train])
    trainer.train_from_counts(counts, tmp_path / "counts")
    trainer.train_from_counts(counts, tmp_path / "again")
    model = (tmp_path / "counts" / "spm.model").read_bytes()
    assert (tmp_path / "again" / "spm.model").read_bytes() == model
    a = _pieces(spm.SentencePieceProcessor(model_file=str(tmp_path / "files" / "spm.model")))
    b = _pieces(spm.SentencePieceProcessor(model_file=str(tmp_path / "counts" / "spm.model")))
    assert len(a.keys() & b.keys()) >= 0.98 * len(a)


def test_bad_settings_are_refused_with_tokkit_errors(corpus, tmp_path):
    train, _ = corpus
    with pytest.raises(tokkit.TrainingError, match="required_chars"):
        tokkit.UnigramTrainer(vocab_size=20, show_progress=False).train([train], tmp_path / "a")
    with pytest.raises(tokkit.InvalidArgumentError, match="already"):
        tokkit.UnigramTrainer(bos_id=0, show_progress=False).train([train], tmp_path / "b")
    with pytest.raises(tokkit.InvalidArgumentError, match="already defined"):
        tokkit.UnigramTrainer(user_defined_symbols=["x", "x"], show_progress=False).train(
            [train], tmp_path / "c"
        )
    with pytest.raises(tokkit.InvalidArgumentError, match="unknown sentencepiece option"):
        tokkit.UnigramTrainer(vocab_sise=100, show_progress=False).train([train], tmp_path / "d")
    with pytest.raises(tokkit.TokkitFileNotFoundError):
        tokkit.UnigramTrainer(show_progress=False).train([tmp_path / "missing.txt"], tmp_path / "e")
    assert not (tmp_path / "a").exists()


def test_cli_options_are_spm_trains(corpus, tmp_path):
    """``tokkit train --algo unigram`` with spm_train's options, in kebab case."""
    import subprocess
    import sys

    train, _ = corpus
    out = tmp_path / "cli"
    options = ["--vocab-size", "600", "--split-digits", "--user-defined-symbols", "<mask>,<sep>"]
    options += ["--pad-id", "3", "--no-split-by-number", "--threads", "1", "-q"]
    command = [sys.executable, "-m", "tokkit", "train", "--algo", "unigram", str(train)]
    subprocess.run(
        [*command, "-o", str(out), *options],
        check=True,
        capture_output=True,
    )
    spm.SentencePieceTrainer.train(
        input=str(train),
        model_prefix=str(tmp_path / "ref"),
        vocab_size=600,
        split_digits=True,
        user_defined_symbols=["<mask>", "<sep>"],
        pad_id=3,
        split_by_number=False,
        num_threads=1,
        minloglevel=2,
    )
    ours = spm.SentencePieceProcessor(model_file=str(out / "spm.model"))
    theirs = spm.SentencePieceProcessor(model_file=str(tmp_path / "ref.model"))
    assert _pieces(ours) == _pieces(theirs)
    assert ours.piece_to_id("<mask>") == theirs.piece_to_id("<mask>") == 4
    line = "Call 0123 <mask> now"
    assert ours.encode(line) == theirs.encode(line)


def test_the_first_input_sentence_size_lines_as_spm_train_takes_them(corpus, tmp_path):
    train, _ = corpus
    ours, theirs = _both(
        train, tmp_path, 500, 1, input_sentence_size=1500, shuffle_input_sentence=False
    )
    assert _pieces(ours) == _pieces(theirs)


def test_a_sample_bounds_the_lines_and_repeats(corpus, tmp_path):
    train, _ = corpus
    trainer = tokkit.UnigramTrainer(vocab_size=300, input_sentence_size=800, show_progress=False)
    first = trainer.train([train], tmp_path / "a", num_threads=1)
    trainer.train([train], tmp_path / "b", num_threads=1)
    assert first["lines"] == 800
    a, b = (tmp_path / "a" / "spm.model").read_bytes(), (tmp_path / "b" / "spm.model").read_bytes()
    assert a == b


@pytest.fixture(scope="module")
def byte_fallback_model(corpus, tmp_path_factory):
    """A byte-fallback model trained by tokkit and by spm_train (identical)."""
    train, _ = corpus
    folder = tmp_path_factory.mktemp("bytes")
    _both(train, folder, 800, 1, byte_fallback=True)
    return folder


def test_byte_fallback_models_are_spm_trains(byte_fallback_model):
    ours = spm.SentencePieceProcessor(model_file=str(byte_fallback_model / "spm.model"))
    theirs = spm.SentencePieceProcessor(model_file=str(byte_fallback_model / "ref.model"))
    assert _pieces(ours) == _pieces(theirs)
    assert ours.piece_to_id("<0x41>") == theirs.piece_to_id("<0x41>") == 3 + 0x41


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=80))
def test_a_trained_model_round_trips_any_text(byte_fallback_model, text):
    """Encoding then decoding gives the normalized text back, in tokkit as in
    sentencepiece, and the ids agree."""
    ref = spm.SentencePieceProcessor(model_file=str(byte_fallback_model / "spm.model"))
    ours = tokkit.SentencePieceProcessor(model_file=str(byte_fallback_model / "spm.model"))
    ids = ref.encode(text)
    assert ours.encode(text) == ids
    decoded = ours.decode(ids)
    assert decoded == ref.decode(ids)
    # Decoding is a fixed point: the normalized text encodes to the same ids.
    assert ours.encode(decoded) == ids


@pytest.mark.parametrize("model_type", ["unigram", "bpe", "char", "word"])
def test_a_huge_vocab_size_is_refused_not_allocated(corpus, tmp_path, model_type):
    train, _ = corpus
    trainer = tokkit.SentencePieceTrainer(model_type, vocab_size=2**31 - 1, show_progress=False)
    if model_type == "char":  # CHAR has no hard limit: the model holds what it found
        assert trainer.train([train], tmp_path)["vocab_size"] < 200
        return
    with pytest.raises(tokkit.TrainingError, match="vocab"):
        trainer.train([train], tmp_path)
    assert not (tmp_path / "spm.model").exists()


def test_bad_options_are_refused_when_the_trainer_is_made():
    with pytest.raises(tokkit.InvalidArgumentError, match="unknown sentencepiece option"):
        tokkit.SentencePieceTrainer("unigram", vocab_sise=100)
    with pytest.raises(tokkit.InvalidArgumentError, match="model_type"):
        tokkit.SentencePieceTrainer("bytes")
    with pytest.raises(tokkit.InvalidArgumentError, match="character_coverage"):
        tokkit.UnigramTrainer(character_coverage=0.5)
    with pytest.raises(tokkit.InvalidArgumentError, match="already"):
        tokkit.UnigramTrainer(bos_id=0)
