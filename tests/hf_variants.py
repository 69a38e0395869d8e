"""tokenizer.json files in the shapes other projects use, built from the shared
GPT-2 file with the tokenizers API and saved as HF saves them.

``roberta_json``: RoBERTa / BART / Longformer, GPT-2's vocabulary with ``<s>``
and ``</s>`` added as special tokens and a RobertaProcessing post-processor.
``specials_in_vocab_json``: GPT-2 with special tokens outside the byte
alphabet listed in ``model.vocab`` too (DeepSeek's files), and one that is in
the vocabulary only. ``missing_bytes_json``: GPT-2 without some byte symbols
and the merges that use them. ``clip_json``: CLIP's shape, byte-level BPE
with ``</w>`` and ``unk_token``, trained by HF on English so that other
scripts' bytes have no token. ``word_level_json``: a WordLevel model trained
by HF (lowercase, Whitespace, ``[CLS] $A [SEP]``). ``ctc_json``: a
wav2vec2-style character vocabulary (WordLevel over FixedLength pieces of one
character, ``|`` between words) with the CTC decoder. ``byte_level_normalizer_json``
and ``fixed_length_json``: GPT-2's BPE behind the ByteLevel normalizer, or
behind FixedLength pieces. ``sequence_post_json``: Llama 3's post-processor
shape, a Sequence of ByteLevel (here trimming offsets) and a template.
``regex_replace_decoder_json``: GPT-2 whose decoder first rewrites tokens
with regex Replace decoders. ``byte_level_then_json``: Falcon's shape, steps
after ByteLevel that split its byte alphabet. ``normalized_added_json`` and
``metaspace_normalized_added_json``: normalized added tokens beside
ByteLevel's prefix space, or beside Metaspace's ``▁`` (ruT5's file).
``shared_id_json``: GPT-2 where two tokens share one id, as damaged files do.
With ``after_split=True``, ruT5 has the pre-tokenizer transformers 5 gives
T5, ALBERT, XLM-R and mBART: WhitespaceSplit, then Metaspace on each word.
"""

from __future__ import annotations

import json

import tokenizers
from conftest import shared_path
from tokenizers import Regex, decoders, models, normalizers, pre_tokenizers, processors, trainers


def gpt2() -> tokenizers.Tokenizer:
    """The shared GPT-2 tokenizer.json, without its truncation."""
    tok = tokenizers.Tokenizer.from_file(str(shared_path("vocab", "gpt2", "tokenizer.json")))
    tok.no_truncation()
    return tok


def roberta_json(
    prefix_space: bool, trim_offsets: bool, post_prefix_space: bool | None = None
) -> str:
    """GPT-2 as RoBERTa: ``prefix_space`` for the ByteLevel pre-tokenizer and
    (unless ``post_prefix_space`` says otherwise) the post-processor."""
    tok = gpt2()
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=prefix_space)
    tok.add_special_tokens(["<s>", "</s>"])
    tok.post_processor = processors.RobertaProcessing(
        ("</s>", tok.token_to_id("</s>")),
        ("<s>", tok.token_to_id("<s>")),
        trim_offsets=trim_offsets,
        add_prefix_space=prefix_space if post_prefix_space is None else post_prefix_space,
    )
    document = json.loads(tok.to_str())
    if prefix_space:
        # RoBERTa's added tokens are not normalized when it adds a prefix space
        for token in document["added_tokens"]:
            token["normalized"] = False
    return json.dumps(document)


def _gpt2_document() -> dict:
    document = json.loads(gpt2().to_str())
    document["truncation"] = None
    return document


def specials_in_vocab_json() -> str:
    document = _gpt2_document()
    vocab = document["model"]["vocab"]
    for content in [
        "<\uff5cbegin\u2581of\u2581sentence\uff5c>",
        "<\uff5cend\u2581of\u2581sentence\uff5c>",
    ]:
        vocab[content] = len(vocab)
        document["added_tokens"].append(
            {
                "id": vocab[content],
                "content": content,
                "single_word": False,
                "lstrip": False,
                "rstrip": False,
                "normalized": False,
                "special": True,
            }
        )
    vocab["<\uff5cvocab\u2581only\uff5c>"] = len(vocab)
    return json.dumps(document)


def missing_bytes_json(unk_token: str | None = None) -> str:
    """GPT-2 without the symbols of bytes 0x09 (tab), 0xC3 (Latin-1 letters'
    lead byte) and 0xE4 (a CJK lead byte), nor the merges that use them;
    those bytes become ``unk_token``, or are dropped without one."""
    document = _gpt2_document()
    model = document["model"]
    for symbol in ["\u0109", "\u00c3", "\u00e4"]:
        del model["vocab"][symbol]
    vocab = model["vocab"]
    model["merges"] = [m for m in model["merges"] if all(t in vocab for t in (*m, "".join(m)))]
    model["unk_token"] = unk_token
    return json.dumps(document)


# CLIP's split pattern (its tokenizer.json, after the normalizer's lowercasing)
CLIP_PATTERN = (
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|"""
    r"""[^\s\p{L}\p{N}]+"""
)


def clip_json(unk_token: str | None = "<|endoftext|>") -> str:
    """CLIP's pipeline (NFC, spaces squeezed, lowercase; its split pattern,
    then ByteLevel without a regex; byte-level BPE with ``</w>``;
    RobertaProcessing without trimming), trained on English text."""
    tok = tokenizers.Tokenizer(models.BPE(unk_token=unk_token, end_of_word_suffix="</w>"))
    tok.normalizer = normalizers.Sequence(
        [normalizers.NFC(), normalizers.Replace(Regex(r"\s+"), " "), normalizers.Lowercase()]
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(CLIP_PATTERN), behavior="removed", invert=True),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.BPEDecoder(suffix="</w>")
    trainer = trainers.BpeTrainer(
        vocab_size=3000,
        special_tokens=["<|startoftext|>", "<|endoftext|>"],
        end_of_word_suffix="</w>",
        show_progress=False,
    )
    text = shared_path("corpus", "english", "tinyshakespeare.txt").read_text(encoding="utf-8")
    tok.train_from_iterator(text.splitlines()[:4000], trainer)
    tok.post_processor = processors.RobertaProcessing(
        ("<|endoftext|>", tok.token_to_id("<|endoftext|>")),
        ("<|startoftext|>", tok.token_to_id("<|startoftext|>")),
        trim_offsets=False,
        add_prefix_space=False,
    )
    return tok.to_str()


def word_level_json(unk_token: str = "[UNK]") -> str:
    """WordLevel trained on the English corpora and a few UDHR texts, with
    ``unk_token`` (one the vocabulary lacks makes unknown words fail)."""
    tok = tokenizers.Tokenizer(models.WordLevel(unk_token=unk_token))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.WordLevelTrainer(
        vocab_size=6000, special_tokens=["[UNK]", "[CLS]", "[SEP]"], show_progress=False
    )
    texts = [
        shared_path("corpus", *parts).read_text(encoding="utf-8")
        for parts in [
            ("english", "tinyshakespeare.txt"),
            ("english", "botchan.txt"),
            ("multilingual", "udhr", "de.txt"),
        ]
    ]
    tok.train_from_iterator([line for text in texts for line in text.splitlines()], trainer)
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", 1), ("[SEP]", 2)],
    )
    return tok.to_str()


def ctc_json() -> str:
    """Characters of the English corpora as a WordLevel vocabulary, one
    token per character (FixedLength 1), spaces as ``|``, and CTC decoding."""
    text = shared_path("corpus", "english", "tinyshakespeare.txt").read_text(encoding="utf-8")
    chars = sorted(set(text.upper()) - {" "})
    vocab = {token: i for i, token in enumerate(["<pad>", "<unk>", "|", *chars])}
    tok = tokenizers.Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Sequence([normalizers.Replace(" ", "|")])
    tok.pre_tokenizer = pre_tokenizers.FixedLength(length=1)
    tok.decoder = decoders.CTC(pad_token="<pad>", word_delimiter_token="|", cleanup=True)
    return tok.to_str()


def byte_level_normalizer_json() -> str:
    """GPT-2's BPE over the text the ByteLevel normalizer spells, cut before
    each ``\u0120`` (a space)."""
    tok = gpt2()
    tok.normalizer = normalizers.ByteLevel()
    tok.pre_tokenizer = pre_tokenizers.Split("\u0120", behavior="merged_with_next")
    return tok.to_str()


def fixed_length_json(length: int = 7) -> str:
    """GPT-2 with FixedLength pieces before ByteLevel."""
    tok = gpt2()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.FixedLength(length=length),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    return tok.to_str()


def sequence_post_json() -> str:
    tok = gpt2()
    tok.add_special_tokens(["<|begin_of_text|>"])
    template = processors.TemplateProcessing(
        single="<|begin_of_text|> $A",
        pair="<|begin_of_text|> $A <|begin_of_text|>:1 $B:1",
        special_tokens=[("<|begin_of_text|>", tok.token_to_id("<|begin_of_text|>"))],
    )
    tok.post_processor = processors.Sequence([processors.ByteLevel(trim_offsets=True), template])
    return tok.to_str()


def regex_replace_decoder_json() -> str:
    """Runs of spaces squeezed and digits masked in the tokens (regexes, and
    one that matches the empty string) before ByteLevel decodes them."""
    tok = gpt2()
    tok.decoder = decoders.Sequence(
        [
            decoders.Replace(Regex("\u0120{2,}"), "\u0120"),
            decoders.Replace(Regex(r"\d"), "#"),
            decoders.Replace(Regex("z*"), ""),
            decoders.ByteLevel(),
        ]
    )
    return tok.to_str()


def byte_level_then_json(shape: str) -> str:
    """GPT-2 whose pre-tokenizer runs steps after ByteLevel, on its byte
    alphabet: ``falcon`` is Falcon's own (Punctuation, ByteLevel, Digits, a
    Split of three digits), ``digits`` single digits after ByteLevel with a
    prefix space, ``nested`` the steps in nested Sequences; ``before`` has
    them all before ByteLevel."""
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=shape == "digits", use_regex=True)
    punctuation = pre_tokenizers.Punctuation("contiguous")
    shapes = {
        "falcon": [
            punctuation,
            byte_level,
            pre_tokenizers.Digits(individual_digits=False),
            pre_tokenizers.Split(Regex("[0-9][0-9][0-9]"), behavior="isolated"),
        ],
        "digits": [byte_level, pre_tokenizers.Digits(individual_digits=True)],
        "nested": [
            punctuation,
            pre_tokenizers.Sequence([byte_level, pre_tokenizers.Split(Regex(r"\s"), "removed")]),
        ],
        "before": [punctuation, pre_tokenizers.Digits(individual_digits=True), byte_level],
    }
    tok = gpt2()
    tok.pre_tokenizer = pre_tokenizers.Sequence(shapes[shape])
    return tok.to_str()


# Normalized added tokens, which HF finds in the normalized text before its
# pre-tokenizer puts the prefix space before each piece between them.
NORMALIZED_ADDED = ["<mask>", "world", "ing", "Hello"]


def normalized_added_tokens() -> list[tokenizers.AddedToken]:
    """``NORMALIZED_ADDED`` as added tokens: one stripping the spaces before
    it, one only a whole word, one stripping the spaces after it."""
    return [
        tokenizers.AddedToken("<mask>", normalized=True, lstrip=True),
        tokenizers.AddedToken("world", normalized=True),
        tokenizers.AddedToken("ing", normalized=True, single_word=True),
        tokenizers.AddedToken("Hello", normalized=True, rstrip=True),
    ]


def normalized_added_json(shape: str) -> str:
    """GPT-2 with ByteLevel's ``add_prefix_space`` and the normalized added
    tokens above (one stripping the spaces before it, one only a whole word);
    ``falcon`` with Falcon's steps after ByteLevel too."""
    tok = gpt2()
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=True)
    if shape == "falcon":
        tok.pre_tokenizer = pre_tokenizers.Sequence(
            [byte_level, pre_tokenizers.Digits(individual_digits=False)]
        )
    else:
        tok.pre_tokenizer = byte_level
    tok.normalizer = normalizers.Lowercase() if shape == "lowercase" else None
    tok.add_tokens(normalized_added_tokens())
    return tok.to_str()


def metaspace_normalized_added_json(prepend_scheme: str, after_split: bool = False) -> str:
    """ruT5's Unigram file (Metaspace) with the normalized added tokens above
    and Metaspace's ``prepend_scheme`` set to ``always`` or ``first``;
    ``after_split``: Metaspace after WhitespaceSplit, as transformers 5
    builds T5's."""
    path = shared_path("vocab", "rut5-large-spm-unigram", "tokenizer.json")
    tok = tokenizers.Tokenizer.from_file(str(path))
    metaspace = pre_tokenizers.Metaspace(prepend_scheme=prepend_scheme)
    if after_split:
        metaspace = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), metaspace])
    tok.pre_tokenizer = metaspace
    tok.decoder = decoders.Metaspace(prepend_scheme=prepend_scheme)
    tok.add_tokens(normalized_added_tokens())
    return tok.to_str()


SHARED_ID_TOKENS = ("Ġinfantry", "Ġthe")


def shared_id_json() -> str:
    """GPT-2 where " infantry" takes the id of " the" (HF loads it; each
    token encodes to the shared id, which decodes to either)."""
    document = _gpt2_document()
    vocab = document["model"]["vocab"]
    moved, kept = SHARED_ID_TOKENS
    vocab[moved] = vocab[kept]
    return json.dumps(document)
