"""Window paging over one table, for the UI's fleet table (``ui.sources``).

The UI keeps the paging state (rowids in display order, blocks of rows, positions) and
asks a `TableWindow` for what needs SQL: counts, rowids in order, keys and rows of
rowids, and where a key sits. The order is always `ORDER BY column ASC|DESC, account,
region, id` (as ``reads.query`` orders): the key breaks ties, so positions are exact.
"""

from __future__ import annotations

import json
import sqlite3
from array import array
from collections.abc import Callable, Sequence
from typing import Any

from wstui.core.store import marked
from wstui.core.store.sql import marks, q

Key = tuple[str, str, str]
# Columns never needed to draw a row (the raw JSON is read only by the details view).
SKIPPED_COLUMNS = frozenset({"raw"})


def rows_before(column: str | None, desc: bool, value: Any) -> tuple[str, tuple[Any, ...]]:
    """SQL true for rows ordered before a row whose sort column holds `value`.

    SQLite sorts NULLs first ascending and last descending. The caller binds the row's
    (account, region, id) after the returned params.
    """
    key_before = "(account, region, id) < (?, ?, ?)"
    if column is None:
        return key_before, ()
    col = q(column)
    if value is None:
        tie = f"({col} IS NULL AND {key_before})"
        return (f"{col} IS NOT NULL OR {tie}" if desc else tie), ()
    tie = f"({col} = ? AND {key_before})"
    if desc:
        return f"{col} > ? OR {tie}", (value, value)
    return f"{col} IS NULL OR {col} < ? OR {tie}", (value, value)


def _json_ids(rowids: Sequence[int]) -> str:
    return json.dumps(rowids.tolist() if isinstance(rowids, array) else list(rowids))


def order_sql(column: str | None, desc: bool, filtered: bool) -> str:
    if column is None:
        return "account, region, id"
    # With a filter, "+column" keeps SQLite from walking the column's index and
    # reading every row at random to test it: scan once, then sort the matches.
    term = f"+{q(column)}" if filtered else q(column)
    return f"{term} {'DESC' if desc else 'ASC'}, account, region, id"


class TableWindow:
    """The SQL a paging table needs, on one table with `account, region, id` key columns.

    `connect` returns the calling thread's connection; `where`/`params` are a condition
    with positional parameters (``core.query.compile``).
    """

    def __init__(self, connect: Callable[[], sqlite3.Connection], table: str) -> None:
        self._connect = connect
        self.table = table
        self._columns: list[str] | None = None

    def columns(self) -> list[str]:
        if self._columns is None:
            rows = self._connect().execute(f"PRAGMA table_info({q(self.table)})").fetchall()
            self._columns = [r[1] for r in rows]
        return self._columns

    def count(self, where: str, params: Sequence[Any]) -> int:
        sql = f"SELECT count(*) FROM {q(self.table)} WHERE ({where})"
        return int(self._connect().execute(sql, tuple(params)).fetchone()[0])

    def count_at_most(self, limit: int) -> int:
        """min(row count, limit), without counting every row."""
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {q(self.table)} LIMIT ?)"
        return int(self._connect().execute(sql, (max(0, limit),)).fetchone()[0])

    def keys_of(self, rowids: Sequence[int]) -> dict[int, Key]:
        sql = (
            f"SELECT rowid, account, region, id FROM {q(self.table)}"
            " WHERE rowid IN (SELECT value FROM json_each(?))"
        )
        return {
            r[0]: (r[1], r[2], r[3])
            for r in self._connect().execute(sql, (_json_ids(rowids),))
        }

    def all_keys(self, where: str, params: Sequence[Any]) -> list[Key]:
        # Concatenated per (account, region): mark all at 100,000 rows (store.marked).
        return marked.all_keys(self._connect(), self.table, where, params)

    def locate(self, key: Key, column: str | None) -> tuple[int, Any] | None:
        """(rowid, value of `column`) of the row with `key`, or None."""
        found = self._connect().execute(
            f"SELECT rowid, {q(column) if column else 'NULL'} FROM {q(self.table)}"
            " WHERE account = ? AND region = ? AND id = ?",
            tuple(key),
        ).fetchone()
        return None if found is None else (found[0], found[1])

    def count_before(self, column: str | None, desc: bool, value: Any, key: Key) -> int:
        """How many rows (unfiltered) sort before the row `key` whose column holds `value`."""
        before, before_params = rows_before(column, desc, value)
        sql = f"SELECT count(*) FROM {q(self.table)} WHERE {before}"
        return int(self._connect().execute(sql, (*before_params, *key)).fetchone()[0])

    def rowids(
        self,
        where: str,
        params: Sequence[Any],
        column: str | None,
        desc: bool,
        filtered: bool,
        limit: int = -1,
        among: Sequence[int] | None = None,
    ) -> array[int]:
        """Rowids of the matching rows in display order (at most `limit`); with `among`,
        just those rowids re-sorted, without evaluating the filter again."""
        if among is not None:
            where = "rowid IN (SELECT value FROM json_each(?))"
            params = (_json_ids(among),)
        sql = (
            f"SELECT rowid FROM {q(self.table)} WHERE ({where}) "
            f"ORDER BY {order_sql(column, desc, filtered)} LIMIT ?"
        )
        return array("q", (r[0] for r in self._connect().execute(sql, (*params, limit))))

    def rows_sorted(
        self, where: str, params: Sequence[Any], column: str | None, desc: bool, filtered: bool,
        offset: int, limit: int,
    ) -> list[dict[str, Any]]:
        """Rows `offset .. offset+limit-1` in display order, every column but raw."""
        cols = ", ".join(q(c) for c in self.columns() if c not in SKIPPED_COLUMNS)
        cursor = self._connect().execute(
            f"SELECT {cols} FROM {q(self.table)} WHERE ({where})"
            f" ORDER BY {order_sql(column, desc, filtered)} LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor]

    def rows_by_rowid(self, rowids: Sequence[int]) -> list[dict[str, Any]]:
        """The rows of `rowids`, each with a `_rowid` entry, in any order."""
        cols = ", ".join(q(c) for c in self.columns() if c not in SKIPPED_COLUMNS)
        cursor = self._connect().execute(
            f"SELECT rowid AS _rowid, {cols} FROM {q(self.table)} "
            f"WHERE rowid IN ({marks(len(rowids))})",
            tuple(rowids),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor]
