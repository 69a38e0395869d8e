"""The ``tokkit`` command: ``tokkit train``, ``tokkit encode`` (one
text, or a corpus into id shards: :func:`tokkit.encode_corpus`) and
``tokkit convert`` (:func:`tokkit.convert`)."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

from tokkit._tokkit import Tokenizer
from tokkit.bert import FullTokenizer
from tokkit.conversion import convert
from tokkit.corpus import DEFAULT_MAX_TOKENS_PER_SHARD, DTYPES, FORMATS
from tokkit.corpus.encoders import Tokenizers, load_tokenizer
from tokkit.corpus.sources import INPUT_FORMATS
from tokkit.errors import InvalidArgumentError, TokkitError
from tokkit.sentencepiece import SentencePieceProcessor
from tokkit.tiktoken import TiktokenEncoding
from tokkit.train import BERT_SPECIAL_TOKENS, BpeTrainer, SentencePieceTrainer, WordPieceTrainer

EXAMPLE = "To be, or not to be: that is the question."

ALGO_NAMES = {
    "wordpiece": "WordPiece",
    "bpe": "BPE",
    "bytelevel": "byte-level BPE",
    "unigram": "sentencepiece Unigram",
    "spm-bpe": "sentencepiece BPE",
    "spm-char": "sentencepiece CHAR",
    "spm-word": "sentencepiece WORD",
}

# spm_train's options, as --kebab-case flags: those taking a value (by its
# type), the --x / --no-x switches, and the comma-separated lists.
SPM_VALUES: dict[str, type] = {
    "character_coverage": float,
    "max_piece_length": int,
    "shrinking_factor": float,
    "num_sub_iterations": int,
    "seed_size": int,
    "unk_id": int,
    "bos_id": int,
    "eos_id": int,
    "pad_id": int,
    "unk_piece": str,
    "bos_piece": str,
    "eos_piece": str,
    "pad_piece": str,
    "input_sentence_size": int,
}
SPM_SWITCHES = [
    "byte_fallback",
    "split_digits",
    "split_by_whitespace",
    "split_by_unicode_script",
    "split_by_number",
    "treat_whitespace_as_suffix",
    "allow_whitespace_only_pieces",
    "add_dummy_prefix",
    "remove_extra_whitespaces",
    "shuffle_input_sentence",
]
SPM_LISTS = ["user_defined_symbols", "control_symbols"]


def sample_corpus() -> Path:
    """The public-domain sample corpus shipped inside the package."""
    return Path(str(resources.files("tokkit") / "data" / "sample_corpus.txt"))


def _spm_trainer(args: argparse.Namespace) -> SentencePieceTrainer:
    """A sentencepiece trainer with the spm_train options given on the command line."""
    options = {}
    for name in [*SPM_VALUES, *SPM_SWITCHES, *SPM_LISTS]:
        value = getattr(args, name)
        if value is not None:
            options[name] = [v for v in value.split(",") if v] if name in SPM_LISTS else value
    if args.normalization is not None:
        options["normalization"] = args.normalization
    model_type = "unigram" if args.algo == "unigram" else args.algo.removeprefix("spm-")
    return SentencePieceTrainer(
        model_type,
        vocab_size=args.vocab_size or 8000,
        show_progress=False if args.quiet else None,
        **options,
    )


def _trainer(args: argparse.Namespace) -> WordPieceTrainer | BpeTrainer | SentencePieceTrainer:
    if args.algo in ("unigram", "spm-bpe", "spm-char", "spm-word"):
        return _spm_trainer(args)
    show_progress = False if args.quiet else None
    specials = [t for t in args.special_tokens.split(",") if t] if args.special_tokens else None
    if args.algo == "wordpiece":
        return WordPieceTrainer(
            vocab_size=args.vocab_size or 30522,
            min_frequency=2 if args.min_frequency is None else args.min_frequency,
            lowercase=args.lowercase,
            special_tokens=BERT_SPECIAL_TOKENS if specials is None else specials,
            limit_alphabet=args.limit_alphabet,
            show_progress=show_progress,
        )
    return BpeTrainer(
        vocab_size=args.vocab_size or 30000,
        min_frequency=args.min_frequency or 0,
        special_tokens=specials or (),
        limit_alphabet=args.limit_alphabet,
        initial_alphabet=list(args.initial_alphabet or ""),
        max_token_length=args.max_token_length,
        continuing_subword_prefix=args.continuing_subword_prefix,
        end_of_word_suffix=args.end_of_word_suffix,
        byte_level=args.algo == "bytelevel",
        pre_tokenizer=args.pre_tokenizer,
        pattern=args.pattern,
        normalizer=args.normalizer,
        show_progress=show_progress,
    )


def _train(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.files] or [sample_corpus()]
    output = args.output or f"tokkit-{args.algo}"
    trainer = _trainer(args)
    start = time.perf_counter()
    summary = trainer.train(files, output, skip_invalid=args.skip_invalid, num_threads=args.threads)
    seconds = time.perf_counter() - start
    names = ", ".join(str(f) for f in files)
    print(f"trained {ALGO_NAMES[args.algo]} on {names}")
    print(
        f"  {summary['bytes']:,} bytes, {summary['lines']:,} lines, "
        f"{summary['distinct_words']:,} distinct words, in {seconds:.2f} s "
        f"(counting {summary['counting_seconds']:.2f} s, "
        f"learning {summary['learning_seconds']:.2f} s)"
    )
    if summary["skipped_lines"]:
        print(f"  skipped {summary['skipped_lines']:,} lines that were not valid UTF-8")
    print(
        f"  vocabulary: {summary['vocab_size']:,} entries "
        f"({summary['special_tokens']} special, {summary['alphabet_size']:,} characters)"
    )
    print(f"  wrote {', '.join(str(p) for p in summary['files'].values())}")
    for note in summary["notes"]:
        print(f"  note: {note}")
    if "tiktoken_agreement" in summary:
        print(
            f"  the .tiktoken ranks split {summary['tiktoken_agreement']:.2%} of the corpus' "
            "words as tokenizer.json does (tokenizer.json defines the tokenizer)"
        )
    print(f"example: {EXAMPLE!r}")
    if args.algo == "wordpiece":
        tokenizer = FullTokenizer(summary["vocab_file"], do_lower_case=args.lowercase)
        print(f"  tokens: {tokenizer.tokenize(EXAMPLE)}")
        print(f"  ids:    {tokenizer.encode(EXAMPLE)}")
    elif "model_file" in summary:
        sp = SentencePieceProcessor(model_file=str(summary["model_file"]))
        print(f"  tokens: {sp.encode(EXAMPLE, out_type=str)}")
        print(f"  ids:    {sp.encode(EXAMPLE)}")
    else:
        encoding = Tokenizer.from_file(summary["tokenizer_file"]).encode(EXAMPLE)
        print(f"  tokens: {encoding.tokens}")
        print(f"  ids:    {encoding.ids}")
    return 0


def _encode(args: argparse.Namespace) -> int:
    tokenizer = load_tokenizer(
        tokenizer=args.tokenizer,
        vocab=args.vocab,
        merges=args.merges,
        spm=args.spm,
        tiktoken=args.tiktoken or "",
        encoding=args.encoding,
        pattern=args.pattern,
        lowercase=args.lowercase,
        compat=args.compat,
    )
    if args.text is not None:
        print(" ".join(map(str, _text_ids(tokenizer, args.text))))
        return 0
    if args.ray is not None:
        return _encode_on_ray(tokenizer, args)
    fmt = args.format or ("npy" if args.output else "ids")
    if args.output is None and fmt != "ids":
        raise InvalidArgumentError(f"--format {fmt} writes shards: give the folder with -o")
    from tokkit.corpus.driver import encode_corpus  # NumPy: only for a corpus

    summary = encode_corpus(
        tokenizer,
        args.file,
        args.output,
        format=fmt,
        input_format=args.input_format,
        field=args.field,
        column=args.column,
        doc_per_file=args.doc_per_file,
        dtype=args.dtype,
        append_eos=args.append_eos,
        prepend_bos=args.prepend_bos,
        eos_token=args.eos_token,
        bos_token=args.bos_token,
        add_special_tokens=args.add_special_tokens,
        max_tokens_per_shard=args.max_tokens_per_shard,
        threads=args.threads,
        resume=args.resume,
        skip_invalid=args.skip_invalid,
        chunk_bytes=args.chunk_bytes,
        progress=False if args.quiet else None,
    )
    report = json.dumps(summary, indent=1)
    if args.output is not None:
        print(report)
    elif not args.quiet:
        print(report, file=sys.stderr)
    return 0


# `tokkit encode` options the Ray job does not take, with their defaults
RAY_UNSUPPORTED = {
    "doc_per_file": False,
    "field": None,
    "skip_invalid": False,
    "resume": False,
    "dtype": "auto",
    "max_tokens_per_shard": DEFAULT_MAX_TOKENS_PER_SHARD,
}


def _encode_on_ray(tokenizer: Tokenizers, args: argparse.Namespace) -> int:
    """``tokkit encode --ray``: Parquet in, Parquet shards out, on Ray."""
    refused = [_flag(k) for k, default in RAY_UNSUPPORTED.items() if getattr(args, k) != default]
    if args.format not in (None, "parquet"):
        refused.append(f"--format {args.format}")
    if refused:
        raise InvalidArgumentError(f"--ray writes Parquet shards only; it does not take {refused}")
    if args.output is None:
        raise InvalidArgumentError("--ray writes shards: give the folder with -o")
    not_parquet = [f for f in args.file if not f.endswith(".parquet")]
    if not_parquet and args.input_format != "parquet":
        raise InvalidArgumentError(f"--ray reads Parquet files only, not {not_parquet}")
    import ray

    from tokkit import ray as tokkit_ray

    # Ray prints its workers' and raylet's messages on stdout from a thread
    # of its own; while it runs they go to stderr, so that stdout holds the
    # summary only and stays readable by `jq` and the like.
    with contextlib.redirect_stdout(sys.stderr):
        if not ray.is_initialized():
            ray.init(address=args.ray or None, num_cpus=args.threads if not args.ray else None)
        ray.data.DataContext.get_current().enable_progress_bars = not args.quiet
        summary = tokkit_ray.encode_corpus(
            tokenizer,
            args.file,
            args.output,
            column=args.column,
            add_special_tokens=args.add_special_tokens,
            append_eos=args.append_eos,
            prepend_bos=args.prepend_bos,
            eos_token=args.eos_token,
            bos_token=args.bos_token,
        )
    print(json.dumps(summary, indent=1))
    return 0


def _text_ids(tokenizer: Tokenizers, text: str) -> list[int]:
    """The ids of one text, as the tokenizer's own ``encode`` gives them."""
    if isinstance(tokenizer, Tokenizer):
        return tokenizer.encode(text).ids
    if isinstance(tokenizer, TiktokenEncoding):
        return tokenizer.encode_ordinary(text)
    return tokenizer.encode(text)


def _add_tokenizer_options(parser: argparse.ArgumentParser, title: str) -> Any:
    """The options that name a tokenizer's files, shared by ``encode`` and
    ``convert``; returns their group."""
    source = parser.add_argument_group(title)
    source.add_argument("--tokenizer", help="a Hugging Face tokenizer.json")
    source.add_argument(
        "--vocab", help="a Google BERT vocab.txt, or GPT-2's vocab.json with --merges"
    )
    source.add_argument("--merges", help="GPT-2's merges.txt, with --vocab vocab.json")
    source.add_argument("--spm", help="a sentencepiece .model")
    source.add_argument("--tiktoken", help="a .tiktoken rank file (with --encoding or --pattern)")
    source.add_argument("--encoding", help="tiktoken: r50k_base, cl100k_base, o200k_base, ...")
    source.add_argument("--pattern", help="tiktoken: the split regex (no special tokens)")
    source.add_argument(
        "--lowercase", action=argparse.BooleanOptionalAction, default=True, help="--vocab"
    )
    return source


def _convert(args: argparse.Namespace) -> int:
    summary = convert(
        args.output,
        tokenizer=args.tokenizer,
        vocab=args.vocab,
        merges=args.merges,
        spm=args.spm,
        tiktoken=args.tiktoken,
        encoding=args.encoding,
        pattern=args.pattern,
        lowercase=args.lowercase,
        to=args.to,
    )
    print(f"wrote {summary['path']} ({summary['format']}, {summary['tokens']:,} tokens)")
    if summary["pattern"] is not None:
        # The rank file holds neither: tiktoken.Encoding needs both beside it.
        print(f"  pat_str: {json.dumps(summary['pattern'])}")
        print(f"  special_tokens: {json.dumps(summary['special_tokens'])}")
    for note in summary["notes"]:
        print(f"  note: {note}")
    return 0


def _add_convert_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "convert",
        help="write a vocabulary in another file format",
        description="Write the tokenizer the options name as a tokenizer.json (from GPT-2's "
        "vocab.json + merges.txt, a BERT vocab.txt, a sentencepiece .model or a .tiktoken) "
        "or as a .tiktoken (from a byte-level BPE tokenizer.json or GPT-2's pair). What the "
        "target cannot express is refused with the reason, and nothing is written.",
    )
    _add_tokenizer_options(parser, "source (one of)")
    parser.add_argument("-o", "--output", required=True, help="the file to write")
    parser.add_argument(
        "--to",
        choices=["tokenizer.json", "tiktoken"],
        default=None,
        help="the format (default: from the output's suffix, .json or .tiktoken)",
    )
    parser.set_defaults(run=_convert)


def _add_encode_parser(sub: Any) -> None:
    encode = sub.add_parser(
        "encode",
        help="print the ids of a text, or tokenize a corpus into id shards",
        description="With --text: print its ids. With -f and -o: write the corpus' ids as "
        "shards in a folder and print a JSON summary. With -f alone: print one line of ids "
        "per document.",
    )
    source = _add_tokenizer_options(encode, "tokenizer (one of)")
    source.add_argument("--compat", choices=["google", "hf"], default="google", help="--vocab")
    group = encode.add_mutually_exclusive_group(required=True)
    group.add_argument("--text", help="the text to encode")
    group.add_argument(
        "-f",
        "--file",
        nargs="+",
        help="corpus files (- for stdin): text (a document per line), .jsonl, .parquet, "
        "optionally .gz or .zst",
    )
    inputs = encode.add_argument_group("corpus input")
    inputs.add_argument("--input-format", choices=INPUT_FORMATS, default="auto")
    inputs.add_argument("--field", default=None, help="JSON Lines: the text field (text)")
    inputs.add_argument("--column", default="text", help="Parquet: the text column")
    inputs.add_argument("--doc-per-file", action="store_true", help="a document per file")
    inputs.add_argument("--skip-invalid", action="store_true", help="skip bad records, count them")
    output = encode.add_argument_group("shards")
    output.add_argument("-o", "--output", default=None, help="the output folder")
    output.add_argument(
        "--format", choices=FORMATS, default=None, help="default: npy with -o, else ids"
    )
    output.add_argument("--dtype", choices=DTYPES, default="auto")
    output.add_argument("--append-eos", action="store_true", help="end each document with EOS")
    output.add_argument("--prepend-bos", action="store_true", help="start each with BOS")
    output.add_argument("--eos-token", default=None, help="the EOS token (default: the model's)")
    output.add_argument("--bos-token", default=None, help="the BOS token (default: the model's)")
    output.add_argument(
        "--add-special-tokens",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="tokenizer.json: its post-processor's tokens ([CLS] ... [SEP])",
    )
    output.add_argument("--max-tokens-per-shard", type=int, default=DEFAULT_MAX_TOKENS_PER_SHARD)
    output.add_argument("--resume", action="store_true", help="finish a run that was stopped")
    encode.add_argument(
        "--ray",
        nargs="?",
        const="",
        default=None,
        metavar="ADDRESS",
        help="run on the Ray cluster at ADDRESS (a local one without it): Parquet in, "
        "Parquet shards out (pip install tokkit[ray])",
    )
    encode.add_argument("--threads", type=int, default=None)
    encode.add_argument("--chunk-bytes", type=int, default=1 << 22, help=argparse.SUPPRESS)
    encode.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    encode.set_defaults(run=_encode)


def _flag(option: str) -> str:
    """spm_train's ``option`` as a command-line flag (``--split-digits``)."""
    return "--" + option.replace("_", "-")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tokkit", description="Train, run and convert tokenizers."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a vocabulary")
    train.add_argument("files", nargs="*", help="corpus files (default: a bundled sample)")
    train.add_argument("--algo", choices=sorted(ALGO_NAMES), default="wordpiece")
    train.add_argument(
        "--vocab-size",
        type=int,
        default=None,
        help="default: 30522 (wordpiece), 30000 (BPE), 8000 (sentencepiece)",
    )
    train.add_argument(
        "--min-frequency", type=int, default=None, help="default: 2 (wordpiece), 0 (BPE)"
    )
    train.add_argument(
        "--lowercase",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="wordpiece: lowercase (BERT uncased)",
    )
    train.add_argument(
        "--special-tokens",
        default=None,
        help="comma-separated, ids 0..k-1 in this order "
        f"(default: {','.join(BERT_SPECIAL_TOKENS)} for wordpiece, none for BPE)",
    )
    train.add_argument("--limit-alphabet", type=int, default=None)
    train.add_argument("--initial-alphabet", default=None, help="BPE: characters always kept")
    train.add_argument("--max-token-length", type=int, default=None, help="BPE, in characters")
    train.add_argument("--continuing-subword-prefix", default=None, help="BPE, e.g. ##")
    train.add_argument("--end-of-word-suffix", default=None, help="BPE, e.g. </w>")
    train.add_argument(
        "--pre-tokenizer",
        choices=["whitespace", "bert", "metaspace", "byte-level", "none"],
        default=None,
        help="BPE: whitespace (bpe) or byte-level (bytelevel) by default; "
        "none keeps each line one sequence",
    )
    train.add_argument(
        "--pattern", default=None, help="bytelevel split: gpt2 (default), cl100k, o200k or a regex"
    )
    train.add_argument(
        "--normalizer", choices=["none", "nfc", "nfkc", "lowercase"], default=None, help="BPE"
    )
    spm = train.add_argument_group(
        "sentencepiece (unigram, spm-bpe, spm-char, spm-word)", "spm_train's options and defaults"
    )
    for name, kind in SPM_VALUES.items():
        spm.add_argument(_flag(name), type=kind, default=None)
    for name in SPM_SWITCHES:
        spm.add_argument(_flag(name), action=argparse.BooleanOptionalAction, default=None)
    for name in SPM_LISTS:
        spm.add_argument(_flag(name), default=None, help="comma-separated")
    spm.add_argument(
        "--normalization",
        choices=["nmt_nfkc", "nfkc", "nmt_nfkc_cf", "nfkc_cf", "identity"],
        default=None,
        help="default: nmt_nfkc",
    )
    train.add_argument("--skip-invalid", action="store_true", help="skip non-UTF-8 lines")
    train.add_argument("--threads", type=int, default=None)
    train.add_argument("-o", "--output", default=None, help="output folder (default: tokkit-ALGO)")
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)

    _add_encode_parser(sub)
    _add_convert_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    # ImportError: an optional package a corpus needs (pyarrow, zstandard)
    except (TokkitError, OSError, UnicodeDecodeError, ImportError) as error:
        print(f"tokkit: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
