"""The encoders measured by ``cases_peers.py``: for each case (a vocabulary),
tokkit's paths, the reference that decides the right ids, and every peer on
PyPI that can load the vocabulary from the shared files, without a download.

Each implementation gives the ids of one document (``encode``) and of a
batch on a given number of threads (``batch``), in its own fastest form that
still holds every document's ids (a list, or gigatoken's numpy array). A
peer that cannot load a case's vocabulary offline is named in the case's
notes with the reason.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness import SHARED

import tokkit

VOCAB = SHARED / "vocab"
TIKTOKEN = VOCAB / "tiktoken"
LLAMA2_MODEL = VOCAB / "llama2-spm-bpe" / "tokenizer.model"
RUT5_MODEL = VOCAB / "rut5-large-spm-unigram" / "spiece.model"
BERT_VOCAB = VOCAB / "bert-base-uncased" / "vocab.txt"

# The split pattern of Meta's Llama 3 tokenizer.json (its Split
# pre-tokenizer): the cl100k pattern as HF's regex engine spells it.
LLAMA3_PATTERN = (
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)

Ids = Callable[[str], object]
Batch = Callable[[list[str], int], list]


@dataclass
class Impl:
    """One encoder of a case: ``encode`` one document, ``batch`` a list on
    a given number of threads. An implementation that reads another file than the case's reference
    (a tokenizer.json beside a sentencepiece model) is checked against
    ``reference``, named ``reference_name``: the ids of that file."""

    name: str
    encode: Ids
    batch: Batch
    reference_name: str | None = None
    reference: Ids | None = None


@dataclass
class Case:
    """A vocabulary and its encoders; ``reference`` gives the ids every
    implementation is checked against (it is timed too when it is also in
    ``impls``)."""

    name: str
    reference: Ids
    reference_name: str
    impls: list[Impl]
    notes: list[str] = field(default_factory=list)


def _json_copy(path: Path, folder: Path) -> Path:
    """``path`` with truncation and padding off: the shared GPT-2 and BERT
    files set them, and kitoken has no call to turn them off."""
    document = json.loads(path.read_text(encoding="utf-8"))
    document["truncation"] = None
    document["padding"] = None
    out = folder / f"{path.parent.name}-{path.name}"
    out.write_text(json.dumps(document), encoding="utf-8")
    return out


def llama3_style_json(folder: Path) -> Path:
    """cl100k's ranks in the layout of Meta's Llama 3 tokenizer.json (Split on
    Llama 3's pattern, ByteLevel without its regex, BPE with ignore_merges):
    written by ``tokkit.convert``, then given Llama 3's own pattern."""
    path = folder / "llama3-style.json"
    tokkit.convert(path, tiktoken=TIKTOKEN / "cl100k_base.tiktoken", encoding="cl100k_base")
    document = json.loads(path.read_text(encoding="utf-8"))
    document["pre_tokenizer"]["pretokenizers"][0]["pattern"] = {"Regex": LLAMA3_PATTERN}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def llama2_json(folder: Path) -> Path:
    """Llama 2's tokenizer.json as transformers writes it (the tests' builder)."""
    from hf_bpe_json import llama_json

    path = folder / "llama2.json"
    path.write_text(json.dumps(llama_json(LLAMA2_MODEL, "metaspace")), encoding="utf-8")
    return path


# Each peer, as one builder per input format.


def _hf(path: Path) -> Impl:
    import tokenizers

    tok = tokenizers.Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return Impl(
        "HF tokenizers",
        lambda d: tok.encode(d, add_special_tokens=False).ids,
        lambda docs, n: [e.ids for e in tok.encode_batch(docs, add_special_tokens=False)],
    )


def _tokkit_json(path: Path) -> Impl:
    tok = tokkit.Tokenizer.from_file(path)
    tok.no_truncation()
    tok.no_padding()
    return Impl(
        "tokkit",
        lambda d: tok.encode(d, add_special_tokens=False).ids,
        lambda docs, n: [
            e.ids for e in tok.encode_batch(docs, add_special_tokens=False, num_threads=n)
        ],
    )


def _fastokens_json(path: Path) -> Impl:
    import fastokens

    tok = fastokens.Tokenizer.from_file(str(path))
    tok.no_truncation()
    tok.no_padding()
    return Impl(
        "fastokens",
        lambda d: tok.encode(d).ids,
        lambda docs, n: [e.ids for e in tok.encode_batch(docs)],
    )


def _gigatoken(tok: object) -> Impl:
    # parallel=False runs on the calling thread; True on its global pool.
    return Impl(
        "gigatoken",
        tok.encode,
        lambda docs, n: tok.encode_batch_list(docs, parallel=n > 1),
    )


def _tokie(path: Path) -> Impl:
    import tokie

    tok = tokie.Tokenizer.from_json(str(path))
    return Impl(
        "tokie",
        lambda d: tok.encode(d, add_special_tokens=False).ids,
        lambda docs, n: [e.ids for e in tok.encode_batch(docs, add_special_tokens=False)],
    )


def _kitoken(tok: object) -> Impl:
    return Impl("kitoken", tok.encode, lambda docs, n: tok.encode_all(docs))


def _json_readers(path: Path) -> list[Impl]:
    """tokie and HF tokenizers on a sentencepiece model's tokenizer.json,
    checked against HF on that file: the file's pipeline is not
    sentencepiece's (see the case's notes)."""
    hf = _hf(path)
    readers = [_tokie(path), hf]
    for impl in readers:
        impl.reference_name = "HF tokenizers on the same tokenizer.json"
        impl.reference = hf.encode
    return readers


def _tiktoken_like(name: str, enc: object) -> Impl:
    """tiktoken's API: tokkit's tiktoken path, tiktoken, bpe-openai."""
    return Impl(
        name,
        enc.encode_ordinary,
        lambda docs, n: enc.encode_ordinary_batch(docs, num_threads=n),
    )


def _spm_like(name: str, sp: object) -> Impl:
    """sentencepiece's API: sentencepiece and tokkit's SentencePieceProcessor."""
    return Impl(name, sp.encode, lambda docs, n: sp.encode(docs, num_threads=n))


def _tiktoken_case(name: str) -> Case:
    import bpe_openai
    import fastokens
    import gigatoken
    import kitoken
    from references import tiktoken_encoding
    from rs_bpe.bpe import openai as rs_openai

    path = TIKTOKEN / f"{name}.tiktoken"
    ref = tiktoken_encoding(name, path)
    fast = fastokens.Tokenizer.from_tiktoken(str(path), encoding=name)
    rs = getattr(rs_openai, name)()

    def rs_batch(docs: list[str], n: int) -> list:
        if n == 1:
            return rs.encode_batch(docs)[0]
        return rs.encode_batch_parallel(docs, rs_openai.ParallelOptions(1, 16, n))[0]

    return Case(
        name=name,
        reference=ref.encode_ordinary,
        reference_name="tiktoken",
        impls=[
            _tiktoken_like("tokkit", tokkit.load_tiktoken(path, name)),
            _tiktoken_like("tiktoken", ref),
            Impl(
                "fastokens",
                lambda d: fast.encode_ordinary(d).ids,
                lambda docs, n: [e.ids for e in fast.encode_batch(docs)],
            ),
            _gigatoken(gigatoken.Tokenizer.from_tiktoken(path)),
            _kitoken(kitoken.Kitoken.from_tiktoken_file(str(path))),
            _tiktoken_like("bpe-openai", bpe_openai.get_encoding(name)),
            Impl("rs-bpe", rs.encode, rs_batch),
        ],
        notes=[
            "tokie reads only tokenizer.json (or its own .tkz): the Llama-3-style "
            "case is cl100k's ranks as a tokenizer.json",
        ],
    )


def _byte_level_json_case(name: str, path: Path, folder: Path, extra: list[Impl]) -> Case:
    """A byte-level BPE tokenizer.json, read by every peer that reads one."""
    import gigatoken
    import kitoken

    plain = _json_copy(path, folder)
    hf = _hf(plain)
    return Case(
        name=name,
        reference=hf.encode,
        reference_name="HF tokenizers",
        impls=[
            _tokkit_json(plain),
            *extra,
            hf,
            _fastokens_json(plain),
            _gigatoken(gigatoken.Tokenizer(plain)),
            _tokie(plain),
            _kitoken(kitoken.Kitoken.from_tokenizers_file(str(plain))),
        ],
    )


def _gpt2_case(folder: Path) -> Case:
    from references import tiktoken_encoding

    r50k = TIKTOKEN / "r50k_base.tiktoken"
    return _byte_level_json_case(
        "GPT-2 tokenizer.json",
        VOCAB / "gpt2" / "tokenizer.json",
        folder,
        [
            _tiktoken_like("tokkit tiktoken path", tokkit.load_tiktoken(r50k, "r50k_base")),
            _tiktoken_like("tiktoken r50k", tiktoken_encoding("r50k_base", r50k)),
        ],
    )


def _llama2_case(folder: Path) -> Case:
    import gigatoken
    import kitoken
    import sentencepiece

    ref = sentencepiece.SentencePieceProcessor(model_file=str(LLAMA2_MODEL))
    return Case(
        name="Llama 2 sentencepiece BPE",
        reference=ref.encode,
        reference_name="sentencepiece",
        impls=[
            _spm_like("tokkit", tokkit.SentencePieceProcessor(model_file=str(LLAMA2_MODEL))),
            _spm_like("sentencepiece", ref),
            _gigatoken(gigatoken.Tokenizer.from_sentencepiece(LLAMA2_MODEL)),
            _kitoken(kitoken.Kitoken.from_sentencepiece_file(str(LLAMA2_MODEL))),
            *_json_readers(llama2_json(folder)),
        ],
        notes=[
            "tokie and HF tokenizers read the tokenizer.json transformers writes for "
            "Llama 2 (Metaspace) and are checked against HF on it; the others read "
            "tokenizer.model. That file differs from sentencepiece on documents that "
            "begin with spaces (indented code: one '▁' fewer)",
            "fastokens: no Metaspace pre-tokenizer, so it cannot read Llama 2's "
            "tokenizer.json, and it reads a .model only by downloading its tokenizer.json",
        ],
    )


def _bert_case(compat: str, folder: Path) -> Case:
    import kitoken

    plain = _json_copy(VOCAB / "bert-base-uncased" / "tokenizer.json", folder)
    hf = _hf(plain)
    ours = tokkit.FullTokenizer(BERT_VOCAB, compat=compat)
    impls = [
        Impl("tokkit", ours.encode, lambda docs, n: ours.encode_batch(docs, num_threads=n)),
        hf,
        _tokie(plain),
        _kitoken(kitoken.Kitoken.from_tokenizers_file(str(plain))),
    ]
    notes = [
        "fastokens: BertNormalizer is not supported; gigatoken: WordPiece is not supported",
    ]
    if compat == "hf":
        return Case("BERT uncased (HF compat)", hf.encode, "HF tokenizers", impls, notes)
    from google_bert import tokenization

    google = tokenization.FullTokenizer(str(BERT_VOCAB), do_lower_case=True)
    notes.append("google's tokenization.py (about 1 MB/s) gives the ids and is not timed")
    return Case(
        "BERT uncased (google compat)",
        lambda d: google.convert_tokens_to_ids(google.tokenize(d)),
        "google BERT",
        impls,
        notes,
    )


def _unigram_case(folder: Path) -> Case:
    import kitoken
    import sentencepiece

    ref = sentencepiece.SentencePieceProcessor(model_file=str(RUT5_MODEL))
    return Case(
        name="ruT5 sentencepiece Unigram",
        reference=ref.encode,
        reference_name="sentencepiece",
        impls=[
            _spm_like("tokkit", tokkit.SentencePieceProcessor(model_file=str(RUT5_MODEL))),
            _spm_like("sentencepiece", ref),
            _kitoken(kitoken.Kitoken.from_sentencepiece_file(str(RUT5_MODEL))),
            *_json_readers(VOCAB / "rut5-large-spm-unigram" / "tokenizer.json"),
        ],
        notes=[
            "tokie and HF tokenizers read ruT5's tokenizer.json and are checked against "
            "HF on it; the others read spiece.model. That file's ids differ from "
            "sentencepiece's (a trailing '▁' kept, unknown characters as id 0)",
            "fastokens: the Precompiled normalizer is not supported; gigatoken: only "
            "BPE sentencepiece models",
        ],
    )


BUILDERS: dict[str, Callable[[Path], Case]] = {
    "cl100k": lambda folder: _tiktoken_case("cl100k_base"),
    "o200k": lambda folder: _tiktoken_case("o200k_base"),
    "gpt2": _gpt2_case,
    "llama3": lambda folder: _byte_level_json_case(
        "Llama-3-style tokenizer.json (cl100k ranks)", llama3_style_json(folder), folder, []
    ),
    "llama2": _llama2_case,
    "bert-google": lambda folder: _bert_case("google", folder),
    "bert-hf": lambda folder: _bert_case("hf", folder),
    "unigram": _unigram_case,
}


def build(key: str) -> Case:
    """The case named ``key`` in BUILDERS, its files written to a temporary
    folder that lives as long as the process."""
    folder = Path(tempfile.mkdtemp(prefix="tokkit-peers-"))
    return BUILDERS[key](folder)
