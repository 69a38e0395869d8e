"""tokkit on Ray Data: tokenize and count a corpus across many machines.

``encode(dataset, tokenizer)`` adds a column of ids to a ``ray.data.Dataset``:
a pool of actors each loads the tokenizer once (it pickles as its files) and
encodes whole Arrow batches in place with ``encode_batch_arrays``, so no
Python ``str`` or ``int`` is made per row or token. ``count_words(dataset)``
counts words on every worker and adds the counts up into one ``WordCounts``
for any trainer's ``train_from_counts``: training on a corpus no single
machine reads.

>>> import ray, tokkit, tokkit.ray               # doctest: +SKIP
>>> ray.init("auto")                              # doctest: +SKIP
>>> data = ray.data.read_parquet("s3://corpus/")  # doctest: +SKIP
>>> trainer = tokkit.BpeTrainer(vocab_size=32000, byte_level=True)  # doctest: +SKIP
>>> counts = tokkit.ray.count_words(data, trainer=trainer)  # doctest: +SKIP
>>> trainer.train_from_counts(counts, "out/")  # doctest: +SKIP
>>> tok = tokkit.Tokenizer.from_file("out/tokenizer.json")  # doctest: +SKIP
>>> tokkit.ray.encode(data, tok).write_parquet("s3://shards/")  # doctest: +SKIP

Actors and tasks that die (a lost node, an out-of-memory kill) are restarted
and their batches retried by Ray Data, and every call is a pure function of
its batch, so the result is the same. ``ray`` is optional
(``pip install tokkit[ray]``).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any

try:
    import pyarrow  # type: ignore[import-untyped]
    import ray
    import ray.data
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError("tokkit.ray needs Ray Data: pip install 'ray[data]'") from error

from . import train
from ._tokkit import WordCounts

__all__ = ["count_words", "encode"]


class _Encoder:
    """One actor of the pool: the tokenizer, loaded once."""

    def __init__(
        self,
        tokenizer: Any,
        column: str,
        output_column: str,
        keep_columns: Sequence[str],
        encode_args: dict[str, Any],
    ) -> None:
        self.tokenizer = tokenizer
        self.column = column
        self.output_column = output_column
        self.keep_columns = list(keep_columns)
        self.encode_args = encode_args

    def __call__(self, batch: pyarrow.Table) -> pyarrow.Table:
        ids = self.tokenizer.encode_batch_arrays(batch.column(self.column), **self.encode_args)
        columns = {name: batch.column(name) for name in self.keep_columns}
        columns[self.output_column] = ids.to_arrow()
        return pyarrow.table(columns)


def encode(
    dataset: ray.data.Dataset,
    tokenizer: Any,
    column: str = "text",
    *,
    output_column: str = "ids",
    keep_columns: Sequence[str] = (),
    batch_size: int = 1024,
    concurrency: int | tuple[int, int] | None = None,
    num_cpus: float = 1,
    **encode_args: Any,
) -> ray.data.Dataset:
    """The ids of ``dataset[column]``, one ``list<uint32>`` per row in
    ``output_column`` (beside the ``keep_columns``), lazily, as Ray Data does.

    ``tokenizer`` is any tokkit encoder (``Tokenizer``, ``TiktokenEncoding``,
    ``SentencePieceProcessor``, ``FullTokenizer``) and ``encode_args`` go to
    its ``encode_batch_arrays`` (``add_special_tokens``, ``ordinary``,
    ``add_bos``...). A ``Tokenizer``'s truncation and padding apply as set.
    ``concurrency`` is the actor pool's size (Ray's default when None); each
    actor uses ``num_cpus`` and encodes on as many threads.
    """
    if not hasattr(tokenizer, "encode_batch_arrays"):
        raise TypeError(f"tokenizer must be a tokkit encoder, not {type(tokenizer).__name__}")
    threads = max(1, int(num_cpus))
    encode_args = {"num_threads": threads, **encode_args}
    return dataset.map_batches(
        _Encoder,
        fn_constructor_args=(tokenizer, column, output_column, tuple(keep_columns), encode_args),
        batch_format="pyarrow",
        batch_size=batch_size,
        concurrency=concurrency,
        num_cpus=num_cpus,
        zero_copy_batch=True,
    )


def _counter(column: str, trainer: Any, options: dict[str, Any]) -> Any:
    """The counting of one batch, for ``map_batches``: its WordCounts, pickled."""

    def count(batch: pyarrow.Table) -> dict[str, list[bytes]]:
        # a null or non-str row is the TypeError of count_words, naming it
        texts = batch.column(column).to_pylist()
        if trainer is not None:
            counts = trainer.count(texts, texts=True, num_threads=1)
        else:
            counts = train.count_words(texts, texts=True, num_threads=1, **options)
        return {"counts": [pickle.dumps(counts)]}

    return count


def count_words(
    dataset: ray.data.Dataset,
    column: str = "text",
    *,
    trainer: Any = None,
    pre_tokenizer: str | None = None,
    pattern: str | None = None,
    normalizer: str | None = None,
    byte_level: bool = False,
    batch_size: int = 8192,
) -> WordCounts:
    """The words of ``dataset[column]`` counted on the cluster, each row one
    text, added up into one ``WordCounts``.

    With ``trainer``, the words are cut as that trainer cuts them, so its
    ``train_from_counts`` takes the result; otherwise the options are
    ``tokkit.count_words``'. The sum is the same in any order, so the counts
    equal ``count_words`` on the same texts on one machine.
    """
    options: dict[str, Any] = {
        "pre_tokenizer": pre_tokenizer,
        "pattern": pattern,
        "normalizer": normalizer,
        "byte_level": byte_level,
    }
    parts = dataset.map_batches(
        _counter(column, trainer, options),
        batch_format="pyarrow",
        batch_size=batch_size,
    )
    # nothing counted yet, with the settings the parts carry
    if trainer is not None:
        total = trainer.count([], texts=True)
    else:
        total = train.count_words([], texts=True, **options)
    for row in parts.iter_rows():
        total = total + pickle.loads(row["counts"])
    return total
