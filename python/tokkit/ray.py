"""tokkit on Ray Data: tokenize and count a corpus across many machines.

``encode(dataset, tokenizer)`` adds a column of ids to a ``ray.data.Dataset``:
a pool of actors each loads the tokenizer once (it pickles as its files) and
encodes whole Arrow batches in place with ``encode_batch_arrays``, so no
Python ``str`` or ``int`` is made per row or token. ``count_words(dataset)``
counts words on every worker and adds the counts up into one ``WordCounts``
for any trainer's ``train_from_counts``: training on a corpus no single
machine reads. ``encode_corpus(tokenizer, files, out_dir)`` is ``tokkit
encode --ray``: Parquet files in, the Parquet shards of ``tokkit encode`` out.

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

import os
import pickle
import re
import time
import uuid
from collections.abc import Sequence
from typing import Any

try:
    import pyarrow  # type: ignore[import-untyped]
    import pyarrow.compute  # type: ignore[import-untyped]
    import pyarrow.fs  # type: ignore[import-untyped]
    import ray
    import ray.data
    from ray.data import SaveMode
    from ray.data.datasource import FilenameProvider
except ImportError as error:  # pragma: no cover - exercised without the extra
    raise ImportError("tokkit.ray needs Ray Data: pip install 'ray[data]'") from error

from . import train
from ._tokkit import WordCounts
from .corpus.driver import with_specials
from .corpus.encoders import CorpusEncoder, Tokenizers
from .corpus.shards import id_lists
from .errors import InvalidArgumentError

__all__ = ["count_words", "encode", "encode_corpus"]


class _Encoder:
    """One actor of the pool: the tokenizer, loaded once."""

    def __init__(
        self,
        tokenizer: Any,
        column: str,
        output_column: str,
        keep_columns: Sequence[str],
        encode_args: dict[str, Any],
        specials: tuple[int | None, int | None],
    ) -> None:
        self.tokenizer = tokenizer
        self.column = column
        self.output_column = output_column
        self.keep_columns = list(keep_columns)
        self.encode_args = encode_args
        self.bos, self.eos = specials

    def __call__(self, batch: pyarrow.Table) -> pyarrow.Table:
        ids = self.tokenizer.encode_batch_arrays(batch.column(self.column), **self.encode_args)
        columns = {name: batch.column(name) for name in self.keep_columns}
        columns[self.output_column] = id_lists(
            *with_specials(ids.ids, ids.offsets, self.bos, self.eos)
        )
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
    bos: int | None = None,
    eos: int | None = None,
    **encode_args: Any,
) -> ray.data.Dataset:
    """The ids of ``dataset[column]``, one ``list<uint32>`` per row in
    ``output_column`` (beside the ``keep_columns``), lazily, as Ray Data does.

    ``tokenizer`` is any tokkit encoder (``Tokenizer``, ``TiktokenEncoding``,
    ``SentencePieceProcessor``, ``FullTokenizer``) and ``encode_args`` go to
    its ``encode_batch_arrays`` (``add_special_tokens``, ``ordinary``,
    ``add_bos``...). A ``Tokenizer``'s truncation and padding apply as set.
    ``bos`` and ``eos`` (ids) go before and after each row's ids when set.
    ``concurrency`` is the actor pool's size (Ray's default when None); each
    actor uses ``num_cpus`` and encodes on as many threads.
    """
    if not hasattr(tokenizer, "encode_batch_arrays"):
        raise TypeError(f"tokenizer must be a tokkit encoder, not {type(tokenizer).__name__}")
    threads = max(1, int(num_cpus))
    encode_args = {"num_threads": threads, **encode_args}
    return dataset.map_batches(
        _Encoder,
        fn_constructor_args=(
            tokenizer,
            column,
            output_column,
            tuple(keep_columns),
            encode_args,
            (bos, eos),
        ),
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


class _ShardNames(FilenameProvider):  # type: ignore[misc]
    """``shard_N.parquet`` by write task: the names of ``tokkit encode``'s
    Parquet shards, in the order of the rows."""

    def get_filename_for_task(self, write_uuid: str, task_index: int) -> str:
        return f"shard_{task_index:05d}.parquet"


def _tally(batch: pyarrow.Table) -> dict[str, list[int]]:
    lengths = pyarrow.compute.list_value_length(batch.column("ids"))
    return {"documents": [batch.num_rows], "tokens": [pyarrow.compute.sum(lengths).as_py() or 0]}


def encode_corpus(
    tokenizer: Tokenizers,
    files: Sequence[str | os.PathLike[str]] | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    column: str = "text",
    add_special_tokens: bool = True,
    append_eos: bool = False,
    prepend_bos: bool = False,
    eos_token: str | None = None,
    bos_token: str | None = None,
    batch_size: int = 1024,
    concurrency: int | tuple[int, int] | None = None,
    num_cpus: float = 1,
) -> dict[str, Any]:
    """:func:`tokkit.encode_corpus` with ``format="parquet"``, on the Ray
    cluster this process is connected to (``ray.init`` first): the Parquet
    ``files`` (paths or URIs Ray reads) in, ``shard_N.parquet`` files out,
    each row a document's ``ids`` as ``list<uint32>``, in input order. The ids
    are those of ``encode_corpus``: the tokenizer's truncation and padding are
    not applied, and ``bos_token``/``eos_token`` (or the tokenizer's own) go
    around each document with ``prepend_bos``/``append_eos``.

    The shards are written into a temporary folder inside ``out_dir`` and
    moved into place once all are written, so ``out_dir`` never holds part
    of a run. The summary: documents,
    tokens, shards, files, seconds and what of the tokenizer was ignored.
    """
    start = time.perf_counter()
    paths = (
        [os.fspath(files)]
        if isinstance(files, str | os.PathLike)
        else [os.fspath(f) for f in files]
    )
    out = os.fspath(out_dir)
    if "://" in out:
        filesystem, folder = pyarrow.fs.FileSystem.from_uri(out)
    else:
        filesystem, folder = pyarrow.fs.LocalFileSystem(), os.path.abspath(out)
    if _shards(filesystem, folder):
        raise InvalidArgumentError(f"{out} already holds shards: give an empty folder")
    encoder = CorpusEncoder(tokenizer, add_special_tokens)
    context = ray.data.DataContext.get_current()
    preserve_order = context.execution_options.preserve_order
    try:
        bos = encoder.special_id("bos", bos_token) if prepend_bos else None
        eos = encoder.special_id("eos", eos_token) if append_eos else None
        context.execution_options.preserve_order = True
        # the actors get the tokenizer as it is now: with truncation off
        ids = encode(
            ray.data.read_parquet(paths).select_columns([column]),
            tokenizer,
            column,
            batch_size=batch_size,
            concurrency=concurrency,
            num_cpus=num_cpus,
            bos=bos,
            eos=eos,
            **encoder.batch_args,
        )
        # written whole into a folder of this run's own, then moved into place
        target = f"{folder}/.tokkit-ray-{uuid.uuid4().hex}"
        try:
            ids.write_parquet(
                target,
                filesystem=filesystem,
                filename_provider=_ShardNames(),
                mode=SaveMode.OVERWRITE,
            )
            written = _shards(filesystem, target)
            # a row per batch, added up here (Ray's sum() shuffles, 10 s more)
            tallies = ray.data.read_parquet(written, filesystem=filesystem).map_batches(
                _tally, batch_format="pyarrow"
            )
            rows = tallies.take_all()
            documents = sum(row["documents"] for row in rows)
            tokens = sum(row["tokens"] for row in rows)
            # Ray names a task's files shard_T-B: renumbered shard_N in order
            written.sort(key=lambda path: [int(n) for n in re.findall(r"\d+", path[len(target) :])])
            for index, path in enumerate(written):
                filesystem.move(path, f"{folder}/shard_{index:05d}.parquet")
            written = _shards(filesystem, folder)
        finally:
            if filesystem.get_file_info(target).type != pyarrow.fs.FileType.NotFound:
                filesystem.delete_dir(target)
    finally:
        context.execution_options.preserve_order = preserve_order
        encoder.restore()
    return {
        "documents": documents,
        "tokens": tokens,
        "shards": len(written),
        "seconds": time.perf_counter() - start,
        "dtype": "uint32",
        "format": "parquet",
        "files": written,
        "truncation_ignored": encoder.ignored["truncation"],
        "padding_ignored": encoder.ignored["padding"],
        "notes": encoder.notes,
    }


def _shards(filesystem: Any, folder: str) -> list[str]:
    """The ``shard_N.parquet`` files in ``folder``, in order."""
    found = filesystem.get_file_info(pyarrow.fs.FileSelector(folder, allow_not_found=True))
    return sorted(
        info.path
        for info in found
        if info.base_name.startswith("shard_") and info.base_name.endswith(".parquet")
    )
