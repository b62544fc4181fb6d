"""Splitting a sequence into fixed-size pieces (SQL variable limits, API batch sizes)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")


def chunks(seq: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive pieces of at most `size` items, in order (none for an empty `seq`)."""
    for start in range(0, len(seq), size):
        piece = seq[start : start + size]
        yield piece if isinstance(piece, list) else list(piece)
