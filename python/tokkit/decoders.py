"""Decoding helpers under the names of HF's ``tokenizers.decoders``:
``DecodeStream(ids=None, skip_special_tokens=False)``, whose
``step(tokenizer, id)`` returns the text an id completes, or None while a
character's bytes are still split across ids."""

from tokkit._tokkit import DecodeStream

__all__ = ["DecodeStream"]
