"""WordPiece training: the files it writes load in HF tokenizers and agree with
tokkit; bad input gives clear errors; the CLI works end to end."""

import json

import pytest
import tokenizers
from conftest import corpus_files, shared_path

import tokkit
from tokkit.cli import main


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("wordpiece")
    files = [
        shared_path("corpus", "english", "botchan.txt"),
        shared_path("corpus", "multilingual", "udhr", "de.txt"),
        shared_path("corpus", "chinese", "hongloumeng.txt"),
    ]
    summary = tokkit.WordPieceTrainer(vocab_size=8000, show_progress=False).train(files, out)
    return out, summary


def test_vocab_txt_layout(trained):
    out, summary = trained
    tokens = (out / "vocab.txt").read_text(encoding="utf-8").split("\n")[:-1]
    assert tokens[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert len(tokens) == summary["vocab_size"] <= 8000
    assert len(set(tokens)) == len(tokens)
    alphabet = tokens[5 : 5 + summary["alphabet_size"]]
    assert all(len(t.removeprefix("##")) == 1 for t in alphabet)
    # every piece after the alphabet is a merge of at least two characters
    assert all(len(t.removeprefix("##")) >= 2 for t in tokens[5 + len(alphabet) :])


def test_hf_loads_and_agrees_on_every_corpus(trained):
    out, _ = trained
    ref = tokenizers.Tokenizer.from_file(str(out / "tokenizer.json"))
    ours = tokkit.Tokenizer.from_file(out / "tokenizer.json")
    full = tokkit.FullTokenizer(out / "vocab.txt", compat="hf")
    for path in corpus_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        expected = [e.ids for e in ref.encode_batch(lines)]
        assert [e.ids for e in ours.encode_batch(lines)] == expected, path
        plain = [e.ids for e in ref.encode_batch(lines, add_special_tokens=False)]
        assert full.encode_batch(lines) == plain, path


def test_tokenizer_json_is_bert_shaped(trained):
    out, _ = trained
    config = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
    assert config["model"]["type"] == "WordPiece"
    assert config["normalizer"]["lowercase"] is True
    assert config["post_processor"]["type"] == "TemplateProcessing"


def test_deterministic_whatever_the_thread_count(tmp_path):
    corpus = shared_path("corpus", "english", "botchan.txt")
    results = []
    for threads in (1, 2, 4):
        out = tmp_path / str(threads)
        tokkit.WordPieceTrainer(vocab_size=2000, show_progress=False).train(
            [corpus], out, num_threads=threads
        )
        results.append((out / "vocab.txt").read_bytes())
    assert results[0] == results[1] == results[2]


def test_likelihood_not_frequency(tmp_path):
    # "ab" is the most frequent pair, but "x"+"##y" has the higher likelihood
    # score: count(xy) / (count(x) count(y)) = 3/9 against 5/50 for "ab".
    corpus = tmp_path / "c.txt"
    corpus.write_text("ab " * 5 + "a " * 5 + "xy " * 3 + "\n", encoding="utf-8")
    summary = tokkit.WordPieceTrainer(
        vocab_size=5 + 4 + 1, min_frequency=1, show_progress=False
    ).train([corpus], tmp_path / "out")
    tokens = (tmp_path / "out" / "vocab.txt").read_text(encoding="utf-8").split()
    # 5 special tokens, the alphabet a x ##b ##y, then one merge
    assert summary["vocab_size"] == 10
    assert tokens[-1] == "xy"


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        tokkit.WordPieceTrainer().train([tmp_path / "nope.txt"], tmp_path / "out")
    assert isinstance(info.value, tokkit.TokkitError)
    assert not (tmp_path / "out").exists()


def test_empty_corpus(tmp_path):
    corpus = tmp_path / "empty.txt"
    corpus.write_text("   \n\n", encoding="utf-8")
    with pytest.raises(tokkit.TrainingError, match="empty"):
        tokkit.WordPieceTrainer().train([corpus], tmp_path / "out")


def test_vocab_too_small(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("abcdefgh ijklmnop\n", encoding="utf-8")
    with pytest.raises(tokkit.InvalidArgumentError, match="too small"):
        tokkit.WordPieceTrainer(vocab_size=8).train([corpus], tmp_path / "out")
    assert not (tmp_path / "out" / "vocab.txt").exists()


def test_invalid_utf8_names_file_and_offset(tmp_path):
    corpus = tmp_path / "bad.txt"
    corpus.write_bytes(b"good line\nbad \xff line\nfine\n")
    with pytest.raises(tokkit.InvalidUtf8Error, match=r"bad.txt.*offset 14"):
        tokkit.WordPieceTrainer(min_frequency=1).train([corpus], tmp_path / "out")
    summary = tokkit.WordPieceTrainer(min_frequency=1, show_progress=False).train(
        [corpus], tmp_path / "out", skip_invalid=True
    )
    assert summary["skipped_lines"] == 1
    assert summary["lines"] == 3


def test_failed_training_keeps_previous_output(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("hello world\n", encoding="utf-8")
    out = tmp_path / "out"
    tokkit.WordPieceTrainer(min_frequency=1, show_progress=False).train([corpus], out)
    before = (out / "vocab.txt").read_bytes()
    with pytest.raises(tokkit.TokkitError):
        tokkit.WordPieceTrainer(vocab_size=3).train([corpus], out)
    assert (out / "vocab.txt").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["tokenizer.json", "vocab.txt"]


def test_cli_train_on_bundled_sample(tmp_path, capsys):
    assert main(["train", "--algo", "wordpiece", "-o", str(tmp_path / "o"), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "vocabulary:" in printed and "tokens:" in printed
    assert (tmp_path / "o" / "vocab.txt").exists()


def test_cli_train_options_and_encode(tmp_path, capsys):
    corpus = shared_path("corpus", "english", "botchan.txt")
    args = ["train", str(corpus), "--vocab-size", "500", "--no-lowercase", "-o", str(tmp_path)]
    assert main([*args, "--min-frequency", "3", "--quiet"]) == 0
    capsys.readouterr()
    vocab = tmp_path / "vocab.txt"
    assert main(["encode", "--vocab", str(vocab), "--no-lowercase", "--text", "Botchan"]) == 0
    ids = [int(i) for i in capsys.readouterr().out.split()]
    assert ids == tokkit.FullTokenizer(vocab, do_lower_case=False).encode("Botchan")


def test_cli_errors_exit_nonzero(tmp_path, capsys):
    assert main(["train", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "o")]) == 1
    assert "missing.txt" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["train", str(empty), "-o", str(tmp_path / "o")]) == 1


def test_train_from_counts_and_iterator_match_training_on_files(tmp_path):
    files = [
        shared_path("corpus", "english", "botchan.txt"),
        shared_path("corpus", "multilingual", "udhr", "de.txt"),
    ]
    trainer = tokkit.WordPieceTrainer(vocab_size=3000, show_progress=False)
    trainer.train(files, tmp_path / "files")
    shards = trainer.count(files[:1]) + trainer.count(files[1:])
    trainer.train_from_counts(shards, tmp_path / "counts")
    # each line as one text: BERT's normaliser reads the line ends as spaces
    lines = [line for f in files for line in open(f, encoding="utf-8", newline="")]
    trainer.train_from_iterator(iter(lines), tmp_path / "iterator")
    vocab = [(tmp_path / d / "vocab.txt").read_bytes() for d in ("files", "counts", "iterator")]
    assert vocab[0] == vocab[1] == vocab[2]
    # counts made for BPE are refused
    with pytest.raises(tokkit.InvalidArgumentError):
        trainer.train_from_counts(tokkit.count_words(files), tmp_path / "bpe")
