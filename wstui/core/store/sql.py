"""Small SQL text helpers shared by the store modules."""

from __future__ import annotations


def q(name: str) -> str:
    """Quote an identifier (names come from the registry, never from users)."""
    return '"' + name.replace('"', '""') + '"'


def marks(n: int) -> str:
    """``?, ?, ?`` for `n` bound parameters."""
    return ", ".join("?" for _ in range(n))
