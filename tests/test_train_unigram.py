"""Unigram training against sentencepiece 0.2.3's spm_train, on real text: the
model loads in both libraries, encodes alike, and matches spm_train's quality;
bad options fail with tokkit's own errors."""

from __future__ import annotations

import pytest
import sentencepiece as spm

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


def test_train_from_counts_equals_train(corpus, tmp_path):
    train, _ = corpus
    trainer = tokkit.UnigramTrainer(vocab_size=400, show_progress=False)
    # The default thread count on both sides: the EM's float sums follow it.
    trainer.train([train], tmp_path / "files")
    trainer.train_from_counts(trainer.count([train]), tmp_path / "counts")
    model = (tmp_path / "files" / "spm.model").read_bytes()
    assert (tmp_path / "counts" / "spm.model").read_bytes() == model


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
