"""Row sources: what the fleet table asks for, one visible window at a time.

A `RowSource` answers four questions about one filtered, sorted query: how many rows,
the rows in a window, every key (for mark-all) and where a key sits in the order (to
keep the cursor on its WorkSpace). `SqliteSource` answers them with SQL on one table;
`CacheSource` points it at a table of the core cache. Filtering and sorting run in
SQLite, so the cost of a screen does not grow with the fleet; the SQL itself is the
store's (`core.store.window.TableWindow`): this module keeps the paging state.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from wstui.core.kinds import resolve
from wstui.core.store.window import TableWindow

if TYPE_CHECKING:
    import sqlite3

Key = tuple[str, str, str]
"""(account, region, id): the identity of a cached row."""

KEY_COLUMNS = ("account", "region", "id")
# Rows are read in aligned blocks, kept in a small LRU: a page-down usually reads from
# memory, and memory stays flat however long the table is.
BLOCK_ROWS = 128
CACHED_BLOCKS = 16
# A sort change on a filtered list re-sorts its rowids when there are at most this many.
RESORT_MAX = 50_000
# A filter lists at most this many rowids up front; past it, the count is a separate
# query and the full list waits until the user scrolls that far.
PREFIX_ROWS = 5_000
# Above this many rows, index_of builds a rowid -> position map once instead of
# searching the array each time.
POSITION_MAP_AFTER = 20_000


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


class _SqlSource:
    """Shared machinery for SQLite-backed sources.

    The order is `ORDER BY column ASC|DESC, account, region, id`, as in `Cache.query`:
    the key breaks ties, so the order is total and positions are exact.

    Two ways to answer, chosen per query:
    - unfiltered: `count` uses the primary-key index, the first screen is one
      `LIMIT` query and `index_of` one counting query;
    - filtered, or once the user scrolls past the first block: one query lists the
      matching rowids in display order (8 bytes per row, 0.8 MB at 100,000), so the
      filter is evaluated once and `count`, `index_of` and windows at any depth are
      cheap. A filter lists at most `PREFIX_ROWS` up front (when more match, the count
      is its own query and the full list waits until the user scrolls that far); a
      sort change on a complete filtered list re-sorts just those rowids.
    """

    where: str
    params: tuple[Any, ...]
    order_by: str | None
    desc: bool

    def __init__(self) -> None:
        # Rowids in display order: all matches when `_complete`, else a prefix of them.
        self._ids: array[int] | None = None
        self._complete = False
        self._positions: dict[int, int] | None = None
        self._count: int | None = None
        self._blocks: OrderedDict[int, list[dict[str, Any]]] = OrderedDict()

    # -- to provide ----------------------------------------------------------------
    def _window(self) -> TableWindow:
        raise NotImplementedError

    def _rows_by_rowid(self, rowids: Sequence[int]) -> list[dict[str, Any]]:
        """The display rows of `rowids`, each with a `_rowid` entry, in any order."""
        raise NotImplementedError

    def _stored_total(self) -> int | None:
        """The unfiltered row count if known without counting, else None."""
        return None

    def _rows_sorted(self, offset: int, limit: int) -> list[dict[str, Any]]:
        """Display rows `offset .. offset+limit-1` of the current query, in order."""
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
        """Forget counted and listed rows (after a refresh changed the table)."""
        self._ids = None
        self._complete = False
        self._positions = None
        self._count = None
        self._blocks.clear()

    def _order_changed(self) -> None:
        """The sort changed; the filter (so the count and the matching rows) did not."""
        ids, complete = self._ids, self._complete
        self._ids = None
        self._complete = False
        self._positions = None
        self._blocks.clear()
        if ids is not None and complete and self.filtered and len(ids) <= RESORT_MAX:
            self._ids, self._complete = self._list_ids(among=ids), True

    @property
    def filtered(self) -> bool:
        return self.where != "1"

    # -- RowSource -------------------------------------------------------------------
    def count(self) -> int:
        if self._ids is None and self.filtered:
            self._list_prefix()
        if self._ids is not None and self._complete:
            return len(self._ids)
        if self._count is None and not self.filtered:
            self._count = self._stored_total()
        if self._count is None:
            self._count = self._window().count(self.where, self.params)
        return self._count

    def count_at_most(self, limit: int) -> int:
        """min(count(), limit), without counting every row of an unfiltered table
        (a table's first frame needs only to know whether it fills the screen)."""
        if self.filtered or self._count is not None or self._ids is not None:
            return min(self.count(), limit)
        return self._window().count_at_most(limit)

    def window(self, offset: int, limit: int) -> list[dict[str, Any]]:
        offset = max(0, offset)
        end = offset + max(0, limit)
        if self.filtered or self._count is not None or self._ids is not None:
            end = min(end, self.count())
        # else: an uncounted unfiltered table; a short block below ends the window.
        rows: list[dict[str, Any]] = []
        position = offset
        while position < end:
            block_no, start = divmod(position, BLOCK_ROWS)
            take = self._block(block_no)[start : start + (end - position)]
            if not take:
                break  # rows deleted since they were counted; the next reload recounts
            rows.extend(take)
            position += len(take)
        return rows

    def keys_in(self, offset: int, limit: int) -> list[Key]:
        """Keys of rows `offset .. offset+limit-1` in order (a range mark), without
        reading whole rows."""
        offset, limit = max(0, offset), max(0, limit)
        if offset + limit <= BLOCK_ROWS * 2:
            return [row["_key"] for row in self.window(offset, limit)]
        ids = self._ordered_ids()[offset : offset + limit]
        by_rowid = self._window().keys_of(ids)
        return [by_rowid[i] for i in ids if i in by_rowid]

    def all_keys(self) -> list[Key]:
        return self._window().all_keys(self.where, self.params)

    def index_of(self, key: Key) -> int | None:
        column, desc = self._sort_target()
        found = self._window().locate(key, column)
        if found is None:
            return None
        if self._ids is None and not self.filtered:
            return self._window().count_before(column, desc, found[1], key)
        if self._ids is None:
            self._list_prefix()
        position = self._position(found[0])
        if position is None and not self._complete:
            self._ordered_ids()
            position = self._position(found[0])
        return position  # None: the row exists but the filter hides it

    # -- internals ---------------------------------------------------------------------
    def _position(self, rowid: int) -> int | None:
        ids = self._ids
        assert ids is not None
        if self._positions is None and len(ids) > POSITION_MAP_AFTER:
            self._positions = {r: i for i, r in enumerate(ids)}
        if self._positions is not None:
            return self._positions.get(rowid)
        try:
            return ids.index(rowid)
        except ValueError:
            return None

    def _list_ids(self, limit: int = -1, among: array[int] | None = None) -> array[int]:
        # With `among`: re-sort known matches without evaluating the filter again.
        column, desc = self._sort_target()
        return self._window().rowids(
            self.where, self.params, column, desc, self.filtered, limit, among
        )

    def _list_prefix(self) -> None:
        """List the first matches; when there are few, that is all of them (one scan).

        A filter matching most of the fleet stops early instead of listing 100,000 ids.
        """
        ids = self._list_ids(limit=PREFIX_ROWS + 1)
        self._complete = len(ids) <= PREFIX_ROWS
        self._ids = ids if self._complete else ids[:PREFIX_ROWS]
        self._positions = None

    def _ordered_ids(self) -> array[int]:
        if self._ids is None or not self._complete:
            self._ids, self._complete, self._positions = self._list_ids(), True, None
        return self._ids

    def _block(self, block_no: int) -> list[dict[str, Any]]:
        block = self._blocks.get(block_no)
        if block is not None:
            self._blocks.move_to_end(block_no)
            return block
        first, end = block_no * BLOCK_ROWS, (block_no + 1) * BLOCK_ROWS
        if self._ids is None and block_no == 0 and not self.filtered:
            # The first screen of an unfiltered query: a LIMIT query beats listing 100k ids.
            block = self._rows_sorted(0, BLOCK_ROWS)
        else:
            listed = self._ids
            if listed is None or (not self._complete and end > len(listed)):
                listed = self._ordered_ids()
            ids = listed[first:end]
            by_rowid = {row.pop("_rowid"): row for row in self._rows_by_rowid(ids)}
            block = [by_rowid[i] for i in ids if i in by_rowid]
        for row in block:
            row["_key"] = (row["account"], row["region"], row["id"])
        self._blocks[block_no] = block
        if len(self._blocks) > CACHED_BLOCKS:
            self._blocks.popitem(last=False)
        return block


class SqliteSource(_SqlSource):
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
        self._tw = TableWindow(connect, table)
        self.table = table
        self.where = where or "1"
        self.params = tuple(params)
        self.set_sort(order_by, desc)

    def set_sort(self, order_by: str | None, desc: bool = False) -> None:
        if order_by is not None and order_by not in self.columns():
            raise ValueError(f"cannot sort {self.table} by unknown column {order_by!r}")
        self.order_by = order_by
        self.desc = desc
        self._order_changed()

    def columns(self) -> list[str]:
        return self._tw.columns()

    def _window(self) -> TableWindow:
        return self._tw

    def _rows_sorted(self, offset: int, limit: int) -> list[dict[str, Any]]:
        column, desc = self._sort_target()
        return self._tw.rows_sorted(
            self.where, self.params, column, desc, self.filtered, offset, limit
        )

    def _rows_by_rowid(self, rowids: Sequence[int]) -> list[dict[str, Any]]:
        return self._tw.rows_by_rowid(rowids)


class CacheSource(_SqlSource):
    """A `RowSource` over one kind in the core cache.

    Rows are read through `Cache.query` / `Cache.rows_by_rowid` (so derived columns such
    as idle days are the cache's own); counts, rowids in order and `index_of` through
    the kind's `Cache.table_window`, which orders as `Cache.query` does.
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
        self._tw: TableWindow = cache.table_window(self.kind)
        self.where = where or "1"
        self.params = tuple(params)
        self.set_sort(order_by, desc)

    def set_sort(self, order_by: str | None, desc: bool = False) -> None:
        if order_by is not None and order_by not in KEY_COLUMNS:
            try:
                order_by = self.kind.column(order_by).name
            except KeyError as exc:
                raise ValueError(exc.args[0]) from None
        self.order_by = order_by
        self.desc = desc
        self._order_changed()

    def _sort_target(self) -> tuple[str | None, bool]:
        if self.order_by is None or self.order_by in KEY_COLUMNS:
            return self.order_by, self.desc
        column = self.kind.column(self.order_by)
        if column.age_of:
            # Days since a timestamp: the cache sorts by the timestamp, reversed.
            return column.age_of, not self.desc
        return column.name, self.desc

    def _window(self) -> TableWindow:
        return self._tw

    def _stored_total(self) -> int | None:
        total = getattr(self.cache, "total", None)
        return int(total(self.kind)) if callable(total) else None

    def _rows_sorted(self, offset: int, limit: int) -> list[dict[str, Any]]:
        return self.cache.query(
            self.kind, self.where, self.params, self.order_by, self.desc, offset, limit
        )

    def _rows_by_rowid(self, rowids: Sequence[int]) -> list[dict[str, Any]]:
        return list(self.cache.rows_by_rowid(self.kind, rowids))


__all__ = [
    "BLOCK_ROWS",
    "CacheSource",
    "Key",
    "RowSource",
    "SqliteSource",
]
