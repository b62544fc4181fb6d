"""The compare-first write path: a listing becomes rows, tags and history.

Each item's digest (``core.digest``) is compared with the stored one; rows whose digest
did not move are not re-extracted, re-serialised or written at all: a complete listing's
success time says when they were seen (``reads.seen_at_sql``). The digests and the rows
that did move are prepared before the write lock is taken. Many moved rows (a first
load, 25,000 rows) are written WRITE_CHUNK at a time, each chunk its own transaction, so
another writer (an audit row before a mutation) waits at most one chunk; the last chunk,
the vanished rows and the status go in one final transaction. Each transaction reads the
stored digests again, so a row another writer changed meanwhile is still diffed against
what is stored, and an unchanged row another writer changed or deleted after this write
read it is written from this listing.

A pass that dies between chunks leaves every row either as it was or as this listing has
it (with its history), deletes nothing and records no success; the next pass compares
against what was committed and finishes the job. Tuned for issue 17: keep per-row Python
work out of the transactions. Each transaction that moved rows logs their ids in
``change_log`` (``store.changelog``), for TUIs following from another process.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from wstui.core import insight
from wstui.core import metrics as metric_columns
from wstui.core.chunking import chunks
from wstui.core.digest import item_digest, kind_salt
from wstui.core.gcpause import gc_paused
from wstui.core.kinds import KEY_COLUMNS, Kind, tags_of
from wstui.core.store import changelog, extras, lookups
from wstui.core.store.connection import data_version
from wstui.core.store.jsontext import dumps
from wstui.core.store.query import search_column, search_text
from wstui.core.store.schema import DIGEST, raw_table
from wstui.core.store.sql import marks, q
from wstui.core.store.status import (
    TargetLike,
    never_succeeded,
    record_success,
    store_row_count,
)
from wstui.core.store.usage import UsageTracker

BATCH = 2000  # rows per executemany
# Moved rows written per transaction when a write has many (a first load): another writer
# (an audit row before a mutation) waits for one chunk, not the target's whole listing.
# A cold row costs ~100 us inside the lock (upserts into the table and its indexes), so
# 500 is ~50 ms of CPU; 2,000 held the lock 4 s of wall time on a loaded machine.
WRITE_CHUNK = 500
HISTORY_KEEP_SECONDS = 14 * 86400
# Keys the listers merge into raw items from other calls; a targeted re-read
# (upsert_items) that lacks them keeps the cached ones instead of blanking them.
MERGED_KEYS = ("Tags", "ConnectionStatus", "ConnectionAliasPermissions", insight.USAGE_KEY)
# Shown as per-tag history rows ("tag:Owner") instead of one blob diff; usage figures
# move daily and are not changes anyone needs in the history.
_NO_HISTORY = frozenset({"tags", "used_days", "advice", "advice_why", *metric_columns.COLUMNS})

Key = tuple[str, str, str]
Tx = Callable[[], AbstractContextManager[sqlite3.Connection]]


@dataclass(frozen=True)
class Changes:
    """What one write did. ``changed_keys`` holds the keys of added, changed and removed rows."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    changed_keys: frozenset[Key] = field(default_factory=frozenset)

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed

    def __bool__(self) -> bool:
        return self.total > 0


@dataclass
class _Prepared:
    """Moved rows made ready before the write lock: their columns (for the diff), the
    upsert's parameters, raw JSON and tags."""

    account: str
    region: str
    now: float
    digests: dict[str, int]
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    params: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    raws: dict[str, str] = field(default_factory=dict)
    tags: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


@dataclass
class _Step:
    """One write's inputs and what its transactions have done so far."""

    kind: Kind
    account: str
    region: str
    now: float
    initial: bool
    items: dict[str, dict[str, Any]]
    digests: dict[str, int]
    prep: _Prepared
    dirty: set[str] = field(default_factory=set)  # ids written (or found unchanged) so far
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    def moved(self) -> tuple[int, int]:
        """How many rows were added and changed so far (for `log`)."""
        return len(self.added), len(self.changed)

    def log(
        self, conn: sqlite3.Connection, since: tuple[int, int], removed: Sequence[str] = ()
    ) -> None:
        """Log the rows this transaction moved (those after `since`, and `removed`) in
        ``change_log``: what a TUI following from another process re-reads and highlights."""
        ids = [*self.added[since[0]:], *self.changed[since[1]:], *removed]
        if ids:
            changelog.record(conn, self.kind.name, self.account, self.region, ids, self.now)


class Writer:
    """One cache's write path, with what it remembers between writes (kind salts, the
    usage bookkeeping of the ``usage`` extra)."""

    def __init__(self) -> None:
        self.usage = UsageTracker()
        self._salts: dict[str, bytes] = {}

    def _salt(self, kind: Kind) -> bytes:
        salt = self._salts.get(kind.name)
        if salt is None:
            salt = self._salts[kind.name] = kind_salt(kind)
        return salt

    @gc_paused()  # a fresh pause per call (contextmanager objects are ContextDecorators)
    def write(
        self,
        conn: sqlite3.Connection,
        tx: Tx,
        kind: Kind,
        target: TargetLike,
        items: list[dict[str, Any]],
        complete: bool,
        now: float,
        prices: Any,
    ) -> Changes:
        """Apply a listing: COMPLETE (upsert, delete vanished rows) or partial (upsert).

        `conn` is this thread's connection, `tx` opens a write transaction on it. Runs
        with the cyclic collector paused, as the refresher's passes do: a collection
        that walks the listing's items inside a transaction held the lock ~100 ms more.
        """
        account, region = str(target.account), str(target.region)
        hooks = extras.of(kind)
        if not complete:
            # A partial read (followed ids) lacks what the listers merge in: carry it over.
            items = lookups.carry_merged_keys(conn, kind, account, region, items, MERGED_KEYS)
        env = extras.WriteEnv(conn, tx, self.usage, prices)
        if hooks:
            # Shallow copies: what the extras merge must not leak into the caller's items.
            items = [dict(i) if isinstance(i, dict) else i for i in items]
            for hook in hooks:
                hook.before(env, account, region, items, now, complete)
        by_id: dict[str, dict[str, Any]] = {}
        for item in items:
            if isinstance(item, dict):
                item_id = kind.item_id(item)
                if item_id is not None:  # nothing to key it by; the API never sends these
                    by_id[item_id] = item  # the last one wins, in first-seen order
        salt = self._salt(kind)
        digests = {i: item_digest(item, salt) for i, item in by_id.items()}
        ids = list(by_id)
        only = None if complete else ids
        version = data_version(conn)  # moves when another connection commits
        seen = lookups.digests(conn, kind, account, region, only)
        moved = [i for i in ids if seen.get(i) != digests[i]]
        prep = _prepare(kind, by_id, moved, _Prepared(account, region, now, digests))
        # A first load of 100,000 rows is not 100,000 "created" events.
        initial = complete and not seen and never_succeeded(conn, kind, account, region)
        step = _Step(kind, account, region, now, initial, by_id, digests, prep)
        *early, last = list(chunks(moved, WRITE_CHUNK)) or [[]]
        for chunk in early:
            with tx() as c:
                mark = step.moved()
                stored = lookups.digests(c, kind, account, region, chunk)
                _apply(c, step, chunk, stored, wide=False)
                step.log(c, mark)  # each chunk's rows show up in a follower as they commit
        with tx() as c:
            mark = step.moved()
            candidates = last if complete else ids
            if complete and data_version(c) != version:
                # Another connection committed since `seen` was read: every stored digest
                # again (~5 us a row), so an unchanged row it changed or deleted is
                # written (or re-added) from this listing. Otherwise steady rows are not
                # read or touched at all.
                stored = lookups.digests(c, kind, account, region, None)
                moving = set(moved)
                _apply(c, step, [i for i in ids if i not in moving], stored, wide=False)
            else:
                stored = lookups.digests(c, kind, account, region, candidates)
            # One scan of the old rows when most of a small write's rows moved.
            wide = complete and not early and sum(i in seen for i in moved) * 2 > len(seen)
            _apply(c, step, candidates, stored, wide=wide)
            removed = (
                [i for i in lookups.ids(c, kind, account, region) if i not in by_id]
                if complete
                else []
            )
            history = [
                (kind.name, account, region, i, "vanished", None, None, None, now) for i in removed
            ]
            # Written rows carry seen_at already, steady ones are seen by record_success;
            # left: a partial read's unchanged rows, moved ones another writer already wrote.
            left = [i for i in (moved if complete else ids) if i not in step.dirty]
            _stamp(c, kind, account, region, left, now)
            _delete_rows(c, kind, account, region, removed)
            c.executemany(
                "INSERT INTO history (kind, account, region, id, event, field, old, new, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                history,
            )
            if complete:
                record_success(c, kind, target, now)
                c.execute("DELETE FROM history WHERE at < ?", (now - HISTORY_KEEP_SECONDS,))
                for hook in hooks:
                    hook.after(env, c, account, region, removed, now)
            store_row_count(c, kind, (account, region))
            step.log(c, mark, removed)
        added, changed = step.added, step.changed
        keys = frozenset((account, region, i) for i in (*added, *changed, *removed))
        return Changes(len(added), len(changed), len(removed), keys)

    def delete(
        self, tx: Tx, kind: Kind, target: TargetLike, ids: Sequence[str], now: float
    ) -> Changes:
        """Remove rows known to be gone (e.g. a followed id came back TERMINATED)."""
        account, region = str(target.account), str(target.region)
        with tx() as conn:
            present = lookups.rows(conn, kind, account, region, [], [str(i) for i in ids])
            gone = sorted(present)
            keys = [(account, region, i) for i in gone]
            _delete_rows(conn, kind, account, region, gone)
            conn.executemany(
                "INSERT INTO history (kind, account, region, id, event, at) "
                "VALUES (?, ?, ?, ?, 'vanished', ?)",
                [(kind.name, *k, now) for k in keys],
            )
            store_row_count(conn, kind, (account, region))
            if gone:
                changelog.record(conn, kind.name, account, region, gone, now)
        return Changes(removed=len(gone), changed_keys=frozenset(keys))


def _stamp(
    conn: sqlite3.Connection, kind: Kind, account: str, region: str, ids: list[str], now: float
) -> None:
    """Set seen_at of the target's rows `ids` (those still there) to `now`."""
    for part in chunks(ids, lookups.IN_CHUNK):
        conn.execute(
            f"UPDATE {q(kind.table)} SET seen_at = ? WHERE account = ? AND region = ? "
            f"AND id IN ({marks(len(part))})",
            (now, account, region, *part),
        )


def _delete_rows(
    conn: sqlite3.Connection, kind: Kind, account: str, region: str, ids: list[str]
) -> None:
    """Delete the rows, raw items and tags of `ids` (no history)."""
    keys = [(account, region, i) for i in ids]
    for table in (kind.table, raw_table(kind)):
        conn.executemany(
            f"DELETE FROM {q(table)} WHERE account = ? AND region = ? AND id = ?", keys
        )
    conn.executemany(
        "DELETE FROM tags WHERE kind = ? AND account = ? AND region = ? AND id = ?",
        [(kind.name, *k) for k in keys],
    )


def _prepare(
    kind: Kind, items: dict[str, dict[str, Any]], ids: Iterable[str], into: _Prepared
) -> _Prepared:
    """Extract, serialise and tag the given rows (only those a write will store)."""
    search = search_column(kind)
    cols = [c.name for c in kind.stored_columns]
    head, now, digests = (into.account, into.region), into.now, into.digests
    for item_id in ids:
        item = items[item_id]
        row = kind.extract_row(item)
        into.rows[item_id] = row
        text = (search_text(kind, {**row, "id": item_id}),) if search else ()
        into.params[item_id] = (
            *head, item_id, *[row[c] for c in cols], *text, now, digests[item_id]
        )
        into.raws[item_id] = dumps(item)
        into.tags[item_id] = tags_of(item)
    return into


def _apply(
    conn: sqlite3.Connection,
    step: _Step,
    candidates: list[str],
    stored: dict[str, int | None],
    wide: bool,
) -> None:
    """Write the candidates whose digest differs from `stored`, with their history.

    `wide`: most of the target's rows moved: read all its old rows in one scan.
    """
    kind, account, region, now = step.kind, step.account, step.region, step.now
    cols = [c.name for c in kind.stored_columns]
    digests, prep = step.digests, step.prep
    dirty = [i for i in candidates if i not in step.dirty and stored.get(i) != digests[i]]
    if not dirty:
        return
    step.dirty.update(dirty)
    late = [i for i in dirty if i not in prep.rows]  # another writer moved them
    _prepare(kind, step.items, late, prep)
    present = [i for i in dirty if i in stored]
    old_rows = lookups.rows(conn, kind, account, region, cols, None if wide else present)
    old_tags = lookups.tags(conn, kind, account, region, None if wide else present)

    history: list[tuple[Any, ...]] = []
    for item_id in dirty:
        new = prep.rows[item_id]
        old = old_rows.get(item_id)
        if old is None:
            step.added.append(item_id)
            if not step.initial:
                history.append(
                    (kind.name, account, region, item_id, "created", None, None, None, now)
                )
            continue
        diffs = [
            (kind.name, account, region, item_id, "changed", name, old[i], new[name], now)
            for i, name in enumerate(cols)
            if name not in _NO_HISTORY and old[i] != new[name]
        ]
        diffs += _tag_diffs(
            kind.name, account, region, item_id, old_tags.get(item_id, []),
            prep.tags[item_id], now,
        )  # fmt: skip
        if diffs:
            step.changed.append(item_id)
            history.extend(diffs)

    search = search_column(kind)
    written = [*cols, *([search] if search else []), "seen_at", DIGEST]
    placeholders = marks(len(KEY_COLUMNS) + len(written))
    updates = ", ".join(f"{q(c)} = excluded.{q(c)}" for c in written)
    upsert = (
        f"INSERT INTO {q(kind.table)} (account, region, id, {', '.join(map(q, written))}) "
        f"VALUES ({placeholders}) ON CONFLICT (account, region, id) DO UPDATE SET {updates}"
    )
    upsert_raw = (
        f"INSERT INTO {q(raw_table(kind))} (account, region, id, raw) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (account, region, id) DO UPDATE SET raw = excluded.raw"
    )
    for chunk in chunks(dirty, BATCH):
        conn.executemany(upsert, [prep.params[i] for i in chunk])
        conn.executemany(upsert_raw, [(account, region, i, prep.raws[i]) for i in chunk])
    retag = [i for i in dirty if old_tags.get(i, []) != prep.tags[i]]
    conn.executemany(
        "DELETE FROM tags WHERE kind = ? AND account = ? AND region = ? AND id = ?",
        [(kind.name, account, region, i) for i in retag],
    )
    conn.executemany(
        "INSERT INTO tags (kind, account, region, id, key, value) VALUES (?, ?, ?, ?, ?, ?)",
        [(kind.name, account, region, i, k, v) for i in retag for k, v in prep.tags[i]],
    )
    conn.executemany(
        "INSERT INTO history (kind, account, region, id, event, field, old, new, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        history,
    )


def _tag_diffs(
    kind: str,
    account: str,
    region: str,
    item_id: str,
    old: list[tuple[str, str]],
    new: list[tuple[str, str]],
    now: float,
) -> list[tuple[Any, ...]]:
    if old == new:
        return []
    before, after = dict(old), dict(new)
    return [
        (kind, account, region, item_id, "changed", f"tag:{k}", before.get(k), after.get(k), now)
        for k in sorted(before.keys() | after.keys())
        if before.get(k) != after.get(k)
    ]
