"""The ``tokkit`` command: ``tokkit train`` and ``tokkit encode``."""

from __future__ import annotations

import argparse
import sys
import time
from importlib import resources
from pathlib import Path

from tokkit.bert import FullTokenizer
from tokkit.errors import TokkitError
from tokkit.train import BERT_SPECIAL_TOKENS, WordPieceTrainer

EXAMPLE = "To be, or not to be: that is the question."


def sample_corpus() -> Path:
    """The public-domain sample corpus shipped inside the package."""
    return Path(str(resources.files("tokkit") / "data" / "sample_corpus.txt"))


def _train(args: argparse.Namespace) -> int:
    files = [Path(f) for f in args.files] or [sample_corpus()]
    trainer = WordPieceTrainer(
        vocab_size=args.vocab_size,
        min_frequency=args.min_frequency,
        lowercase=args.lowercase,
        special_tokens=args.special_tokens.split(","),
        limit_alphabet=args.limit_alphabet,
        show_progress=False if args.quiet else None,
    )
    start = time.perf_counter()
    summary = trainer.train(
        files, args.output, skip_invalid=args.skip_invalid, num_threads=args.threads
    )
    seconds = time.perf_counter() - start
    tokenizer = FullTokenizer(summary["vocab_file"], do_lower_case=args.lowercase)
    names = ", ".join(str(f) for f in files)
    print(f"trained WordPiece on {names}")
    print(
        f"  {summary['bytes']:,} bytes, {summary['lines']:,} lines, "
        f"{summary['distinct_words']:,} distinct words, in {seconds:.2f} s"
    )
    if summary["skipped_lines"]:
        print(f"  skipped {summary['skipped_lines']:,} lines that were not valid UTF-8")
    print(
        f"  vocabulary: {summary['vocab_size']:,} entries "
        f"({summary['special_tokens']} special, {summary['alphabet_size']:,} characters)"
    )
    print(f"  wrote {summary['vocab_file']} and {summary['tokenizer_file']}")
    print(f"example: {EXAMPLE!r}")
    print(f"  tokens: {tokenizer.tokenize(EXAMPLE)}")
    print(f"  ids:    {tokenizer.encode(EXAMPLE)}")
    return 0


def _progress(done: int, total: int) -> None:
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} lines")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def _encode(args: argparse.Namespace) -> int:
    if args.tokenizer:
        from tokkit import Tokenizer

        tok = Tokenizer.from_file(args.tokenizer)

        def encode_batch(lines: list[str]) -> list[list[int]]:
            return [e.ids for e in tok.encode_batch(lines, num_threads=args.threads)]
    elif args.vocab:
        full = FullTokenizer(args.vocab, do_lower_case=args.lowercase, compat=args.compat)

        def encode_batch(lines: list[str]) -> list[list[int]]:
            return full.encode_batch(lines, num_threads=args.threads)
    else:
        raise SystemExit("tokkit encode: give --vocab vocab.txt or --tokenizer tokenizer.json")
    if args.text is not None:
        lines = [args.text]
    else:
        source = open(args.file, encoding="utf-8") if args.file != "-" else sys.stdin
        with source:
            lines = source.read().splitlines()
    show = not args.quiet and sys.stderr.isatty() and len(lines) > 1000
    step = 10_000
    out = sys.stdout
    for start in range(0, len(lines), step):
        for ids in encode_batch(lines[start : start + step]):
            out.write(" ".join(map(str, ids)) + "\n")
        if show:
            _progress(min(start + step, len(lines)), len(lines))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tokkit", description="Train and run tokenizers.")
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a vocabulary")
    train.add_argument("files", nargs="*", help="corpus files (default: a bundled sample)")
    train.add_argument("--algo", choices=["wordpiece"], default="wordpiece")
    train.add_argument("--vocab-size", type=int, default=30522)
    train.add_argument("--min-frequency", type=int, default=2)
    train.add_argument("--lowercase", action=argparse.BooleanOptionalAction, default=True)
    train.add_argument(
        "--special-tokens",
        default=",".join(BERT_SPECIAL_TOKENS),
        help="comma-separated, written first (default: %(default)s)",
    )
    train.add_argument("--limit-alphabet", type=int, default=None)
    train.add_argument("--skip-invalid", action="store_true", help="skip non-UTF-8 lines")
    train.add_argument("--threads", type=int, default=None)
    train.add_argument("-o", "--output", default="tokkit-wordpiece", help="output folder")
    train.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    train.set_defaults(run=_train)

    encode = sub.add_parser("encode", help="print the ids of each line")
    encode.add_argument("--vocab", help="a Google vocab.txt")
    encode.add_argument("--tokenizer", help="a Hugging Face tokenizer.json")
    encode.add_argument("--compat", choices=["google", "hf"], default="google")
    encode.add_argument("--lowercase", action=argparse.BooleanOptionalAction, default=True)
    encode.add_argument("--threads", type=int, default=None)
    encode.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    group = encode.add_mutually_exclusive_group(required=True)
    group.add_argument("--text", help="the text to encode")
    group.add_argument("-f", "--file", help="a UTF-8 file, one text per line (- for stdin)")
    encode.set_defaults(run=_encode)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (TokkitError, OSError, UnicodeDecodeError) as error:
        print(f"tokkit: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
