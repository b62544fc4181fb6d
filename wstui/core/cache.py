"""The local SQLite cache every screen and CLI command reads from: a thin facade.

`Cache` holds what one open cache needs (its path, one connection per thread, the
write path's memory, the prices for the cost columns) and delegates every statement to
``core.store`` (no SQL outside it):

- ``store.connection``: opening, pragmas, per-thread connections, transactions;
- ``store.schema``: tables and MIGRATIONS; ``store.writes`` (+ ``lookups``, ``extras``,
  ``usage``, ``metrics``): the compare-first write path;
- ``store.reads``, ``store.window``, ``store.summary``: reads; ``store.status``,
  ``store.audit``, ``store.org``, ``store.watch``: the rest.

A refresh of one (target, kind) is one transaction (or a few short ones for a first
load). Subclasses may override `_connect`, `_prepare_files` and `_tx` (the in-memory
cache of ``core.recovery``, the write benchmark).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wstui.core.kinds import KINDS, WORKSPACES, Kind, resolve
from wstui.core.prices import Prices
from wstui.core.store import (
    audit,
    changelog,
    connection,
    extras,
    frozen,
    marked,
    metrics,
    org,
    reads,
    schema,
    status,
    summary,
    tags,
    usage,
    watch,
)
from wstui.core.store.connection import BUSY_TIMEOUT_MS
from wstui.core.store.jsontext import dumps, raw_of
from wstui.core.store.paths import default_cache_path
from wstui.core.store.schema import DIGEST, MIGRATIONS, SCHEMA_VERSION
from wstui.core.store.status import TargetLike
from wstui.core.store.window import TableWindow
from wstui.core.store.writes import Changes, Key, Writer

if TYPE_CHECKING:
    import sqlite_utils  # `Cache.db` only (dev extra): see README "Why plain sqlite3"

__all__ = [
    "BUSY_TIMEOUT_MS",
    "DIGEST",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Cache",
    "Changes",
    "Key",
    "TargetLike",
    "default_cache_path",
    "dumps",
    "raw_of",
]


class Cache:
    """SQLite store for listings, refresh status, change history and the audit log."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.notices: list[str] = []  # set by recovery.open_cache when the cache was rebuilt
        self._conns = connection.Connections()
        self.clock: Callable[[], float] = time.time  # tests move time for usage history
        self._writer = Writer()
        # Prices for the cost columns: the shipped table unless the caller sets config's.
        self.prices = Prices.shipped()
        extras.check(KINDS.values())  # a kind naming an unknown write extra fails here
        self._prepare_files()
        self._migrate()

    # ---- connections (overridable hooks: _prepare_files, _connect, _tx)

    def _prepare_files(self) -> None:
        connection.prepare_files(self.path)

    def _connect(self) -> sqlite3.Connection:
        return connection.connect(self.path)

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (created on first use; see store.connection)."""
        return self._conns.get(self._connect)

    @property
    def open_connections(self) -> int:
        """How many connections this cache holds open (one per live thread that used it)."""
        return len(self._conns)

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils view of this thread's connection, for ad-hoc inspection from a
        REPL or a test (needs the `dev` extra; nothing in the app calls it)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        """Close every thread's connection; a later use opens a fresh one."""
        self._conns.close()

    def _tx(self) -> AbstractContextManager[sqlite3.Connection]:
        return connection.transaction(self.conn)

    def _migrate(self) -> None:
        if schema.up_to_date(self.conn):
            return  # the common start-up: no write lock, no DDL
        with self._tx() as conn:
            schema.migrate(conn, self.path)

    @property
    def schema_version(self) -> int:
        return connection.schema_version(self.conn)

    def data_version(self) -> int:
        """Moves whenever another connection commits to this cache."""
        return connection.data_version(self.conn)

    def change_seq(self) -> int:
        """The last write logged in ``change_log`` (0 for none): where a follower starts."""
        return changelog.latest(self.conn)

    def changes_since(self, seq: int) -> list[changelog.Logged]:
        """The writes (kind, changed keys) logged after `seq`, oldest first."""
        return changelog.since(self.conn, seq)

    # ---- writes

    def replace_snapshot(
        self, kind: Kind | str, target: TargetLike, items: list[dict[str, Any]]
    ) -> Changes:
        """Apply a COMPLETE listing: upsert listed rows, delete vanished ones, record history."""
        return self._write(resolve(kind), target, items, complete=True)

    def upsert_items(
        self, kind: Kind | str, target: TargetLike, items: list[dict[str, Any]]
    ) -> Changes:
        """Apply a partial read (followed ids): upsert only, never delete."""
        return self._write(resolve(kind), target, items, complete=False)

    def _write(
        self, kind: Kind, target: TargetLike, items: list[dict[str, Any]], complete: bool
    ) -> Changes:
        return self._writer.write(
            self.conn, self._tx, kind, target, items, complete, self.clock(), self.prices
        )

    def delete_items(self, kind: Kind | str, target: TargetLike, ids: Sequence[str]) -> Changes:
        """Remove rows known to be gone (e.g. a followed id came back TERMINATED)."""
        return self._writer.delete(self._tx, resolve(kind), target, ids, time.time())

    def record_attempt(self, kind: Kind | str, target: TargetLike, error: str | None) -> None:
        """Note a listing attempt (and its error, if any) without touching any row."""
        with self._tx() as conn:
            status.record_attempt(conn, resolve(kind), target, error, time.time())

    def store_metrics(self, account: str, region: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Store a metrics pass (rows as ``metrics.read_target`` builds them) and set those
        WorkSpaces' metric and cost columns, in one transaction."""
        with self._tx() as conn:
            metrics.store(conn, account, region, rows, self.prices)
            if rows:  # metric columns moved; which rows is not worth listing (no highlight)
                changelog.record(conn, WORKSPACES.name, account, region, None, time.time())

    def metrics_of(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        """The stored aggregates and cost of one WorkSpace (details view), or None."""
        return metrics.of(self.conn, key, self.prices)

    def metrics_workspaces(self, account: str, region: str) -> list[tuple[Any, ...]]:
        """(id, auto_stop_min, read_to, state) of the target's cached WorkSpaces."""
        return metrics.workspaces(self.conn, account, region)

    def connection_days(self, key: tuple[str, str, str]) -> list[int]:
        """The recorded use days of one WorkSpace, oldest first."""
        return usage.connection_days(self.conn, key)

    def freeze_times(self, at: float) -> None:
        """Set every wall-clock timestamp in the cache to `at` (screenshots, tests)."""
        with self._tx() as conn:
            frozen.freeze_times(conn, KINDS.values(), at)

    # ---- reads

    def query(
        self,
        kind: Kind | str,
        where: str = "1",
        params: Sequence[Any] = (),
        order_by: str | None = None,
        desc: bool = False,
        offset: int = 0,
        limit: int | None = 100,
        with_raw: bool = False,
        now: float | None = None,
    ) -> list[dict[str, Any]]:
        """One window of rows as dicts of the kind's columns (+ account, region, id, seen_at)."""
        return reads.query(
            self.conn, resolve(kind), where, params, order_by, desc, offset, limit, with_raw, now
        )

    def iter_query(
        self,
        kind: Kind | str,
        where: str = "1",
        params: Sequence[Any] = (),
        order_by: str | None = None,
        desc: bool = False,
        with_raw: bool = False,
        now: float | None = None,
        batch: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """Every matching row, streamed in batches from one read snapshot (own connection)."""
        return reads.iter_query(
            self._connect, resolve(kind), where, params, order_by, desc, with_raw, now, batch
        )

    def rows_by_rowid(
        self, kind: Kind | str, rowids: Sequence[int], now: float | None = None
    ) -> list[dict[str, Any]]:
        """The rows of `rowids` as `query` shapes them, each with ``_rowid``, in any order."""
        return reads.rows_by_rowid(self.conn, resolve(kind), rowids, now)

    def table_window(self, kind: Kind | str) -> TableWindow:
        """Window paging over the kind's table (the UI's fleet table), on the calling
        thread's connection."""
        return TableWindow(lambda: self.conn, resolve(kind).table)

    def total(self, kind: Kind | str) -> int:
        """All rows of a kind, from the counts every write stores (no scan of the table)."""
        return status.total(self.conn, resolve(kind))

    def count(self, kind: Kind | str, where: str = "1", params: Sequence[Any] = ()) -> int:
        return reads.count(self.conn, resolve(kind), where, params)

    def keys(self, kind: Kind | str, where: str = "1", params: Sequence[Any] = ()) -> list[Key]:
        return reads.keys(self.conn, resolve(kind), where, params)

    def get(
        self, kind: Kind | str, key: Key | str, now: float | None = None
    ) -> dict[str, Any] | None:
        """One row with its parsed ``raw`` and a ``tags`` dict; key = (account, region, id) or id."""
        return reads.get(self.conn, resolve(kind), key, now)

    def rows_for_keys(
        self,
        kind: Kind | str,
        keys: Iterable[Key],
        now: float | None = None,
        columns: Iterable[str] | None = None,
        raw: bool = True,
        tags: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Like `get` for many keys (missing ones skipped), in the order of `keys`
        (see store.reads.rows_for_keys for `columns`, `raw` and `tags`)."""
        return reads.rows_for_keys(self.conn, resolve(kind), keys, now, columns, raw, tags)

    def status(self) -> list[dict[str, Any]]:
        """Per (kind, account, region): last_success, last_attempt, last_error(_at), rows,
        profile, unresolved (see store.status.status)."""
        return status.status(self.conn)

    def known_accounts(self, targets: Iterable[TargetLike]) -> list[TargetLike]:
        """`targets` with the account each last resolved to, where unknown."""
        return status.known_accounts(self.conn, targets)

    def history(
        self,
        kind: Kind | str | None = None,
        since: float | None = None,
        ids: Iterable[str | Key] | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Change events newest first: kind, account, region, id, event, field, old, new, at."""
        return reads.history(
            self.conn, None if kind is None else resolve(kind), since, ids, limit
        )

    # -- summary (core.summary): grouped counts over a kind's cached rows ----------------
    def table_columns(self, kind: Kind | str) -> set[str]:
        """The columns the kind's cache table has now (another feature may add some)."""
        return summary.table_columns(self.conn, resolve(kind))

    def grouped(
        self,
        kind: Kind | str,
        by: Sequence[str],
        total: str | None = None,
        where: str = "1",
        params: Sequence[Any] = (),
    ) -> list[dict[str, Any]]:
        """count(*) (and sum(`total`)) per distinct `by`, largest count first."""
        return summary.grouped(self.conn, resolve(kind), by, total, where, params)

    def histogram(
        self, kind: Kind | str, column: str, edges: Sequence[float], where: str = "1",
        params: Sequence[Any] = (),
    ) -> tuple[list[int], int]:
        """Counts of `column` per bucket between `edges`, and the count of NULLs."""
        return summary.histogram(self.conn, resolve(kind), column, edges, where, params)

    def top_rows(
        self, kind: Kind | str, expr_columns: Sequence[str], limit: int = 5,
        show: Sequence[str] = ("id", "user", "account", "region"),
    ) -> list[dict[str, Any]]:
        """The rows with the largest max(`expr_columns`) (NULLs ignored), largest first."""
        return summary.top_rows(self.conn, resolve(kind), expr_columns, limit, show)

    def estate_totals(self) -> tuple[float, float, int, str]:
        """(estimated cost this month, total saving, WorkSpaces advised, currency)."""
        return summary.estate_totals(self.conn)

    # ---- organizations

    def replace_org_accounts(self, source: str, accounts: Iterable[Mapping[str, Any]]) -> None:
        """Store one discovery's result for `source` (all of it, atomically: a discovery
        that did not complete is never stored -- core.org raises before calling this)."""
        with self._tx() as conn:
            org.replace_accounts(conn, source, accounts)

    def note_org_failure(self, source: str, role: str, error: str, at: float) -> None:
        """A discovery of `source` failed as a whole: one row with account '' says why,
        beside the accounts found last time (kept: they are still targets)."""
        with self._tx() as conn:
            org.note_failure(conn, source, role, error, at)

    def org_accounts(self, source: str | None = None) -> list[dict[str, Any]]:
        """Discovered accounts (of one source, or all), regions decoded, by account."""
        return org.accounts(self.conn, source)

    # ---- the watcher lease (core.watch)

    def watcher_row(self) -> tuple[Any, ...] | None:
        return watch.read(self.conn)

    def watcher_acquire(
        self, token: str, owner: str, now: float, ttl: float,
        alive: Callable[[tuple[Any, ...]], bool],
    ) -> tuple[Any, ...] | None:
        """Take the lease under the write lock; the live holder's row if another has it."""
        with self._tx() as conn:
            return watch.acquire(conn, token, owner, now, ttl, alive)

    def watcher_heartbeat(self, token: str, now: float, passed: bool) -> bool:
        with self._tx() as conn:
            return watch.heartbeat(conn, token, now, passed)

    def watcher_release(self, token: str) -> None:
        with self._tx() as conn:
            watch.release(conn, token)

    # ---- audit

    def audit_before(
        self,
        action: str,
        target: TargetLike,
        ids: Sequence[str],
        params: dict[str, Any] | None,
        caller: str | None,
    ) -> int:
        """Write the audit row (and a pending item per id) BEFORE the call is sent."""
        with self._tx() as conn:
            return audit.before(conn, action, target, ids, params, caller)

    def audit_after(self, audit_id: int, request_id: str | None, outcomes: dict[str, Any]) -> None:
        """Complete an audit row with the request id and each id's outcome."""
        with self._tx() as conn:
            audit.after(conn, audit_id, request_id, outcomes)

    def last_calls(
        self, account: str, region: str, ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Each id's most recent audited call in (account, region): action, status, at."""
        return audit.last_calls(self.conn, account, region, ids)

    def last_calls_among(self, keys: Collection[Key]) -> dict[Key, dict[str, Any]]:
        """Each (account, region, id) key's most recent audited call (store.audit)."""
        return audit.last_calls_among(self.conn, keys)

    def plan_facts(
        self, kind: Kind | str, protect_tag: str, modes: bool = True
    ) -> tuple[list[marked.TargetFacts] | None, set[Key]]:
        """Every row's id, state and (with `modes`) running mode per (account, region),
        and the keys tagged `protect_tag`, from one snapshot (store.marked.plan_snapshot);
        None for the facts when a value holds the separator (plan from rows instead)."""
        return marked.plan_snapshot(self.conn, resolve(kind), protect_tag, modes)

    def acted_on(self, account: str, region: str, since: float) -> set[str]:
        """Ids of (account, region) named by an audited call made at or after `since`."""
        return audit.acted_on(self.conn, account, region, since)

    def tagged(
        self, kind: Kind | str, account: str, region: str, ids: Sequence[str], tag: str
    ) -> set[str]:
        """The ids among `ids` whose cached tags hold the key `tag`."""
        return tags.tagged(self.conn, resolve(kind), account, region, ids, tag)

    def workspaces_tagged_where(
        self, account: str, region: str, column: str, value: str, tag: str
    ) -> list[str]:
        """WorkSpaces of (account, region) with `column` = value (directory, bundle) tagged `tag`."""
        if column not in ("directory", "bundle"):
            raise ValueError(f"not a dependency column: {column}")
        return tags.tagged_where(
            self.conn, WORKSPACES, account, region, column, value, tag
        )

    def audit(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Audit rows newest first, each with ``items``: [{id, status, code, message}]."""
        return audit.rows(self.conn, limit, offset)
