"""Tokenizing a corpus into the id shards a training loop reads
(``tokkit encode -o``, :func:`tokkit.encode_corpus`): :mod:`.sources` reads
documents in chunks, :mod:`.encoders` puts every tokkit tokenizer behind one
flat batch call, :mod:`.shards` writes each output format, :mod:`.sinks`
cuts the ids into shards and keeps the manifest, :mod:`.overlap` reads and
writes beside the encoding, and :mod:`.driver` runs them and sums up.

This module holds only the choices ``encode_corpus`` takes, so that the CLI
can offer them without importing NumPy, which the modules above need."""

# The output formats (see :mod:`.shards`).
FORMATS = ("npy", "bin", "megatron", "parquet", "ids")
# The id dtypes of the shards; "auto" takes uint16 when every id fits.
DTYPES = ("auto", "uint16", "uint32")
DEFAULT_MAX_TOKENS_PER_SHARD = 100_000_000
