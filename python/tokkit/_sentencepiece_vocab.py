"""The vocabulary queries of :class:`tokkit.SentencePieceProcessor`:
sizes, ids and pieces, scores, piece types and the special ids, each taking
one id (or piece) or a list of them, as sentencepiece's do."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokkit._sentencepiece_args import as_text, is_batch, piece_id
from tokkit._tokkit import _SentencePiece


class PieceQueries:
    """What a loaded model answers about its pieces."""

    _model: _SentencePiece | None
    # unk, bos, eos and pad ids of the loaded model (-1 when absent)
    _ids: dict[str, int]

    @property
    def _m(self) -> _SentencePiece:
        if self._model is None:
            raise RuntimeError("no model is loaded: call load(model_file=...) first")
        return self._model

    def get_piece_size(self) -> int:
        """Number of pieces."""
        return self._m.piece_size() if self._model is not None else 0

    def vocab_size(self) -> int:
        """Number of pieces."""
        return self.get_piece_size()

    def piece_size(self) -> int:
        """Number of pieces."""
        return self.get_piece_size()

    def __len__(self) -> int:
        return self.get_piece_size()

    def id_to_piece(self, id: int | Sequence[int]) -> Any:
        """The piece of an id (or of each id in a list)."""
        if is_batch(id):
            return [self._m.id_to_piece(piece_id(i)) for i in id]
        return self._m.id_to_piece(piece_id(id))

    def piece_to_id(self, piece: str | Sequence[str]) -> Any:
        """The id of a piece (the unknown id when absent), or of each piece in a list."""
        if is_batch(piece):
            return [self._m.piece_to_id(as_text(p)) for p in piece]
        return self._m.piece_to_id(as_text(piece))

    def __getitem__(self, piece: str) -> int:
        return self.piece_to_id(piece)

    def get_score(self, id: int | Sequence[int]) -> Any:
        """The score of an id."""
        if is_batch(id):
            return [self._m.get_score(piece_id(i)) for i in id]
        return self._m.get_score(piece_id(id))

    def _is(self, id: Any, kind: str) -> Any:
        if is_batch(id):
            return [self._m.piece_type(piece_id(i)) == kind for i in id]
        return self._m.piece_type(piece_id(id)) == kind

    def is_unknown(self, id: int | Sequence[int]) -> Any:
        """Whether the id is the unknown piece."""
        return self._is(id, "unknown")

    def is_control(self, id: int | Sequence[int]) -> Any:
        """Whether the id is a control symbol."""
        return self._is(id, "control")

    def is_unused(self, id: int | Sequence[int]) -> Any:
        """Whether the id is an unused piece."""
        return self._is(id, "unused")

    def is_byte(self, id: int | Sequence[int]) -> Any:
        """Whether the id is a byte piece."""
        return self._is(id, "byte")

    def unk_id(self) -> int:
        """The unknown id."""
        return self._ids["unk"]

    def bos_id(self) -> int:
        """The begin-of-sentence id (-1 when absent)."""
        return self._ids["bos"]

    def eos_id(self) -> int:
        """The end-of-sentence id (-1 when absent)."""
        return self._ids["eos"]

    def pad_id(self) -> int:
        """The padding id (-1 when absent)."""
        return self._ids["pad"]

    # sentencepiece's CamelCase names.
    GetPieceSize = get_piece_size
    IdToPiece = id_to_piece
    PieceToId = piece_to_id
    GetScore = get_score
    IsUnknown = is_unknown
    IsControl = is_control
    IsUnused = is_unused
    IsByte = is_byte
