"""Tokenizing a corpus into the id shards a training loop reads
(``tokkit encode -o``, :func:`encode_corpus`): :mod:`.sources` reads
documents in chunks, :mod:`.encoders` puts every tokkit tokenizer behind one
flat batch call, :mod:`.shards` writes each output format, :mod:`.sinks`
cuts the ids into shards and keeps the manifest, :mod:`.overlap` reads and
writes beside the encoding, and :mod:`.driver` runs them and sums up."""

from tokkit.corpus.driver import encode_corpus

__all__ = ["encode_corpus"]
