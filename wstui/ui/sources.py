"""Row sources: what the fleet table asks for, one visible window at a time.

A `RowSource` answers four questions about one filtered, sorted query: how many rows,
the rows in a window, every key (for mark-all) and where a key sits in the order (to
keep the cursor on its WorkSpace). `SqliteSource` answers them with SQL on one table;
`CacheSource` points it at a table of the core cache. Filtering and sorting run in
SQLite, so the cost of a screen does not grow with the fleet.
"""

from __future__ import annotations

import sqlite3
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

from wstui.core.kinds import resolve

Key = tuple[str, str, str]
"""(account, region, id): the identity of a cached row."""

KEY_COLUMNS = ("account", "region", "id")
# Rows are fetched from SQLite in aligned blocks, kept in a small LRU: a page-down
# usually reads from memory, and memory stays flat however long the table is.
BLOCK_ROWS = 256
CACHED_BLOCKS = 8
# Columns never needed to draw a row (the raw JSON is read only by the details view).
SKIPPED_COLUMNS = frozenset({"raw"})


@runtime_checkable
class RowSource(Protocol):
    """The rows of one query, in a fixed order."""

    def count(self) -> int:
        """Number of rows matching the query."""
        ...

    def window(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """Rows `offset .. offset+limit-1`; each row carries its key under `"_key"`."""
        ...

    def all_keys(self) -> list[Key]:
        """Keys of every matching row (order not significant)."""
        ...

    def index_of(self, key: Key) -> int | None:
        """Position of `key` in the current order, or None if it does not match."""
        ...


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def rows_before(column: str | None, desc: bool, value: Any) -> tuple[str, tuple[Any, ...]]:
    """SQL true for rows ordered before a row whose sort column holds `value`.

    The order is `ORDER BY column ASC|DESC, account, region, id` (the key breaks ties,
    always ascending, as `Cache.query` does). SQLite sorts NULLs first ascending and
    last descending. The caller binds the row's (account, region, id) after the
    returned params.
    """
    key_before = "(account, region, id) < (?, ?, ?)"
    if column is None:
        return key_before, ()
    col = _quote(column)
    tie = f"({col} IS NULL AND {key_before})" if value is None else f"({col} = ? AND {key_before})"
    tie_params: tuple[Any, ...] = () if value is None else (value,)
    if not desc:
        if value is None:
            return tie, tie_params
        return f"{col} IS NULL OR {col} < ? OR {tie}", (value, *tie_params)
    if value is None:
        return f"{col} IS NOT NULL OR {tie}", tie_params
    return f"{col} > ? OR {tie}", (value, *tie_params)


class _WindowedSource:
    """Shared machinery: counted once, rows fetched in LRU blocks, `index_of` in SQL."""

    where: str
    params: tuple[Any, ...]
    order_by: str | None
    desc: bool

    def __init__(self) -> None:
        self._count: int | None = None
        self._blocks: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()

    # -- to provide ----------------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        raise NotImplementedError

    def _table(self) -> str:
        raise NotImplementedError

    def _fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _sort_target(self) -> tuple[str | None, bool]:
        """The stored column the order really uses, and its direction."""
        return self.order_by, self.desc

    # -- changing the query ----------------------------------------------------------
    def set_filter(self, where: str = "1", params: Sequence[Any] = ()) -> None:
        self.where = where or "1"
        self.params = tuple(params)
        self.reload()

    def reload(self) -> None:
        """Forget counted and fetched rows (after a refresh changed the table)."""
        self._count = None
        self._blocks.clear()

    # -- RowSource -------------------------------------------------------------------
    def count(self) -> int:
        if self._count is None:
            sql = f"SELECT count(*) FROM {_quote(self._table())} WHERE ({self.where})"
            self._count = int(self._connection().execute(sql, self.params).fetchone()[0])
        return self._count

    def window(self, offset: int, limit: int) -> list[dict[str, Any]]:
        offset = max(0, offset)
        end = min(offset + max(0, limit), self.count())
        rows: list[dict[str, Any]] = []
        position = offset
        while position < end:
            block_no, start = divmod(position, BLOCK_ROWS)
            block = self._block(block_no)
            if start >= len(block):
                break  # the table shrank under us; the next reload recounts
            take = block[start : start + (end - position)]
            rows.extend(take)
            position += len(take)
        return rows

    def all_keys(self) -> list[Key]:
        sql = f"SELECT account, region, id FROM {_quote(self._table())} WHERE ({self.where})"
        return [tuple(r) for r in self._connection().execute(sql, self.params)]  # type: ignore[misc]

    def index_of(self, key: Key) -> int | None:
        conn = self._connection()
        table = _quote(self._table())
        column, desc = self._sort_target()
        selected = _quote(column) if column else "1"
        found = conn.execute(
            f"SELECT {selected} FROM {table}"
            f" WHERE ({self.where}) AND account = ? AND region = ? AND id = ?",
            (*self.params, *key),
        ).fetchone()
        if found is None:
            return None
        before, before_params = rows_before(column, desc, found[0] if column else None)
        return int(
            conn.execute(
                f"SELECT count(*) FROM {table} WHERE ({self.where}) AND ({before})",
                (*self.params, *before_params, *key),
            ).fetchone()[0]
        )

    def _block(self, block_no: int) -> list[dict[str, Any]]:
        block = self._blocks.get(block_no)
        if block is not None:
            self._blocks.move_to_end(block_no)
            return block
        block = self._fetch(block_no * BLOCK_ROWS, BLOCK_ROWS)
        for row in block:
            row["_key"] = (row["account"], row["region"], row["id"])
        self._blocks[block_no] = block
        if len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block


class SqliteSource(_WindowedSource):
    """A `RowSource` over any SQLite table with `account, region, id` key columns.

    `where`/`params` is a SQL condition with positional parameters (as produced by
    `core.query.compile`); `order_by` is a column name, validated against the table.
    """

    def __init__(
        self,
        connect: Callable[[], sqlite3.Connection],
        table: str,
        where: str = "1",
        params: Sequence[Any] = (),
        order_by: str | None = None,
        desc: bool = False,
    ) -> None:
        super().__init__()
        self._connect = connect
        self.table = table
        self.where = where or "1"
        self.params = tuple(params)
        self._columns: list[str] | None = None
        self.set_sort(order_by, desc)

    def set_sort(self, order_by: str | None, desc: bool = False) -> None:
        if order_by is not None and order_by not in self.columns():
            raise ValueError(f"cannot sort {self.table} by unknown column {order_by!r}")
        self.order_by = order_by
        self.desc = desc
        self.reload()

    def columns(self) -> list[str]:
        if self._columns is None:
            rows = self._connect().execute(f"PRAGMA table_info({_quote(self.table)})").fetchall()
            self._columns = [r[1] for r in rows]
        return self._columns

    def _connection(self) -> sqlite3.Connection:
        return self._connect()

    def _table(self) -> str:
        return self.table

    def _fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        cols = ", ".join(_quote(c) for c in self.columns() if c not in SKIPPED_COLUMNS)
        order = ", ".join(
            [f"{_quote(self.order_by)} {'DESC' if self.desc else 'ASC'}"] if self.order_by else []
        )
        order = f"{order}, account, region, id" if order else "account, region, id"
        cursor = self._connect().execute(
            f"SELECT {cols} FROM {_quote(self.table)} WHERE ({self.where})"
            f" ORDER BY {order} LIMIT ? OFFSET ?",
            (*self.params, limit, offset),
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, values, strict=True)) for values in cursor]


class CacheSource(_WindowedSource):
    """A `RowSource` over one kind in the core cache.

    Windows come from `Cache.query` (so derived columns such as idle days are filled
    and the order is the cache's); `index_of` needs SQL the contract does not offer,
    so it reads the kind's table through the calling thread's `cache.conn`.
    """

    def __init__(
        self,
        cache: Any,
        kind: Any,
        where: str = "1",
        params: Sequence[Any] = (),
        order_by: str | None = None,
        desc: bool = False,
    ) -> None:
        super().__init__()
        self.cache = cache
        self.kind = resolve(kind)
        self.where = where or "1"
        self.params = tuple(params)
        self.set_sort(order_by, desc)

    def set_sort(self, order_by: str | None, desc: bool = False) -> None:
        if order_by is not None and order_by not in (*KEY_COLUMNS, "seen_at"):
            try:
                order_by = self.kind.column(order_by).name
            except KeyError as exc:
                raise ValueError(exc.args[0]) from None
        self.order_by = order_by
        self.desc = desc
        self.reload()

    def _sort_target(self) -> tuple[str | None, bool]:
        if self.order_by is None or self.order_by in (*KEY_COLUMNS, "seen_at"):
            return self.order_by, self.desc
        column = self.kind.column(self.order_by)
        if column.age_of:
            # Days since a timestamp: the cache sorts by the timestamp, reversed.
            return column.age_of, not self.desc
        return column.name, self.desc

    def _connection(self) -> sqlite3.Connection:
        return self.cache.conn

    def _table(self) -> str:
        return self.kind.table

    def count(self) -> int:
        if self._count is None:
            self._count = self.cache.count(self.kind, self.where, self.params)
        return self._count

    def all_keys(self) -> list[Key]:
        return self.cache.keys(self.kind, self.where, self.params)

    def _fetch(self, offset: int, limit: int) -> list[dict[str, Any]]:
        return self.cache.query(
            self.kind, self.where, self.params, self.order_by, self.desc, offset, limit
        )


__all__ = [
    "BLOCK_ROWS",
    "CacheSource",
    "Key",
    "RowSource",
    "SqliteSource",
    "rows_before",
]
