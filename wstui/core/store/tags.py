"""Reads of the cached tags a mutation's checks need (the protect tag, dependants)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from wstui.core.chunking import chunks
from wstui.core.kinds import Kind
from wstui.core.store.sql import marks, q


def tagged(
    conn: sqlite3.Connection, kind: Kind, account: str, region: str, ids: Sequence[str], tag: str
) -> set[str]:
    """The ids among `ids` whose cached tags hold the key `tag`."""
    found = set[str]()
    for chunk in chunks(list(dict.fromkeys(ids)), 500):
        found.update(r[0] for r in conn.execute(
            "SELECT id FROM tags WHERE kind = ? AND account = ? AND region = ? AND key = ? "
            f"AND id IN ({marks(len(chunk))})", (kind.name, account, region, tag, *chunk),
        ))  # fmt: skip
    return found


def tagged_where(
    conn: sqlite3.Connection, kind: Kind, account: str, region: str, column: str, value: str,
    tag: str,
) -> list[str]:
    """Rows of `kind` in (account, region) with `column` = value, tagged `tag`."""
    return [r[0] for r in conn.execute(
        f"SELECT w.id FROM {q(kind.table)} AS w JOIN tags AS t ON t.kind = ? "
        "AND t.account = w.account AND t.region = w.region AND t.id = w.id AND t.key = ? "
        f"WHERE w.account = ? AND w.region = ? AND w.{q(column)} = ? ORDER BY w.id",
        (kind.name, tag, account, region, value),
    )]  # fmt: skip
