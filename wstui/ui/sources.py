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


class SqliteSource:
    """A `RowSource` over one SQLite table with `account, region, id` key columns.

    `where`/`params` is a SQL condition with bound parameters (as produced by
    `core.query.compile`); `order_by` is a column name (validated against the table),
    ties broken by the key so the order is total and `index_of` is exact.
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
        self._connect = connect
        self.table = table
        self.where = where or "1"
        self.params: tuple[Any, ...] = tuple(params)
        self.order_by: str | None = None
        self.desc = desc
        self._columns: list[str] | None = None
        self._count: int | None = None
        self._blocks: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()
        self.set_sort(order_by, desc)

    # -- changing the query ------------------------------------------------------
    def set_filter(self, where: str = "1", params: Sequence[Any] = ()) -> None:
        self.where = where or "1"
        self.params = tuple(params)
        self.reload()

    def set_sort(self, order_by: str | None, desc: bool = False) -> None:
        if order_by is not None and order_by not in self.columns():
            raise ValueError(f"cannot sort {self.table} by unknown column {order_by!r}")
        self.order_by = order_by
        self.desc = desc
        self.reload()

    def reload(self) -> None:
        """Forget counted and fetched rows (after a refresh changed the table)."""
        self._count = None
        self._blocks.clear()

    # -- RowSource ---------------------------------------------------------------
    def columns(self) -> list[str]:
        if self._columns is None:
            rows = self._connect().execute(f"PRAGMA table_info({_quote(self.table)})").fetchall()
            self._columns = [r[1] for r in rows]
        return self._columns

    def count(self) -> int:
        if self._count is None:
            sql = f"SELECT count(*) FROM {_quote(self.table)} WHERE {self.where}"
            self._count = int(self._connect().execute(sql, self.params).fetchone()[0])
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
        sql = f"SELECT account, region, id FROM {_quote(self.table)} WHERE {self.where}"
        return [tuple(r) for r in self._connect().execute(sql, self.params)]  # type: ignore[misc]

    def index_of(self, key: Key) -> int | None:
        conn = self._connect()
        table = _quote(self.table)
        if self.order_by is None:
            sort_value: Any = None
            found = conn.execute(
                f"SELECT 1 FROM {table} WHERE ({self.where}) AND account=? AND region=? AND id=?",
                (*self.params, *key),
            ).fetchone()
        else:
            found = conn.execute(
                f"SELECT {_quote(self.order_by)} FROM {table}"
                f" WHERE ({self.where}) AND account=? AND region=? AND id=?",
                (*self.params, *key),
            ).fetchone()
            sort_value = found[0] if found else None
        if found is None:
            return None
        before, before_params = self._before_condition(sort_value)
        ascending = conn.execute(
            f"SELECT count(*) FROM {table} WHERE ({self.where}) AND ({before})",
            (*self.params, *before_params, *key),
        ).fetchone()[0]
        # DESC is the exact reverse of ASC (SQLite puts NULLs first ascending, last descending).
        return self.count() - 1 - ascending if self.desc else int(ascending)

    # -- internals ---------------------------------------------------------------
    def _order_sql(self) -> str:
        direction = " DESC" if self.desc else ""
        parts = [self.order_by] if self.order_by else []
        parts += [c for c in KEY_COLUMNS if c != self.order_by]
        return ", ".join(_quote(p) + direction for p in parts)

    def _before_condition(self, sort_value: Any) -> tuple[str, tuple[Any, ...]]:
        """SQL true for rows that sort before a row with `sort_value` (ascending).

        The key's own (account, region, id) are bound last by the caller.
        """
        key_before = "(account, region, id) < (?, ?, ?)"
        if self.order_by is None or self.order_by in KEY_COLUMNS:
            # Sorting by a key column: the key order alone is the order.
            if self.order_by in (None, "account"):
                return key_before, ()
            return self._reordered_key_condition()
        col = _quote(self.order_by)
        if sort_value is None:
            return f"{col} IS NULL AND {key_before}", ()
        return (
            f"{col} IS NULL OR {col} < ? OR ({col} = ? AND {key_before})",
            (sort_value, sort_value),
        )

    def _reordered_key_condition(self) -> tuple[str, tuple[Any, ...]]:
        # Only reached when sorting by region or id: compare in (sort column, rest) order
        # using a correlated lookup of the key row, so the caller's params stay (a, r, i).
        order = [self.order_by] + [c for c in KEY_COLUMNS if c != self.order_by]
        cols = ", ".join(_quote(c) for c in order)
        table = _quote(self.table)
        sub = ", ".join(f"k.{_quote(c)}" for c in order)
        return (
            f"({cols}) < (SELECT {sub} FROM {table} AS k"
            " WHERE k.account = ? AND k.region = ? AND k.id = ?)",
            (),
        )

    def _select_sql(self) -> str:
        cols = ", ".join(_quote(c) for c in self.columns() if c not in SKIPPED_COLUMNS)
        return (
            f"SELECT {cols} FROM {_quote(self.table)} WHERE {self.where}"
            f" ORDER BY {self._order_sql()} LIMIT ? OFFSET ?"
        )

    def _block(self, block_no: int) -> list[dict[str, Any]]:
        block = self._blocks.get(block_no)
        if block is not None:
            self._blocks.move_to_end(block_no)
            return block
        cursor = self._connect().execute(
            self._select_sql(), (*self.params, BLOCK_ROWS, block_no * BLOCK_ROWS)
        )
        names = [d[0] for d in cursor.description]
        block = []
        for values in cursor:
            row = dict(zip(names, values, strict=True))
            row["_key"] = (row["account"], row["region"], row["id"])
            block.append(row)
        self._blocks[block_no] = block
        if len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block


def _cache_connection(cache: Any) -> Callable[[], sqlite3.Connection]:
    """How to reach the sqlite3 connection of a core `Cache` (for the calling thread)."""
    for name in ("connection", "conn", "db"):
        attr = getattr(cache, name, None)
        if attr is None:
            continue
        if callable(attr) and not isinstance(attr, sqlite3.Connection):
            probe = attr()
            if isinstance(probe, sqlite3.Connection):
                return attr
            if hasattr(probe, "conn"):
                return lambda: attr().conn
            continue
        if isinstance(attr, sqlite3.Connection):
            return lambda: attr
        if isinstance(getattr(attr, "conn", None), sqlite3.Connection):
            return lambda: attr.conn
    raise TypeError(f"cannot find the sqlite connection of {type(cache).__name__}")


class CacheSource(SqliteSource):
    """A `RowSource` over one kind's table in the core cache.

    Reads go straight to the cache's SQLite connection (not `Cache.query`) because the
    table needs `index_of` and a total order with the key as tie-break, which the
    contract's methods do not offer.
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
        self.cache = cache
        self.kind = kind
        table = kind if isinstance(kind, str) else getattr(kind, "table", kind.name)
        super().__init__(_cache_connection(cache), table, where, params, order_by, desc)


__all__ = [
    "BLOCK_ROWS",
    "CacheSource",
    "Key",
    "RowSource",
    "SqliteSource",
]
