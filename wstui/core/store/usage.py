"""Usage bookkeeping of WorkSpaces (the ``usage`` write extra): the UTC days each was
seen in use (``connections``) and the day it was first listed (``observed``), from which
each listed item gets the ``Usage`` entry ``core.insight`` reads for idle days and advice.
"""

from __future__ import annotations

import math
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from wstui.core.chunking import chunks
from wstui.core.insight import DAY, KEEP_DAYS, USAGE_KEY, WINDOW_DAYS, day_of, use_days
from wstui.core.store.sql import marks
from wstui.core.timefmt import to_epoch

Tx = Callable[[], AbstractContextManager[sqlite3.Connection]]
RECORD_CHUNK = 2000  # WorkSpaces whose use days one write transaction records

SCHEMA = """
CREATE TABLE IF NOT EXISTS connections (
    account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, day INTEGER NOT NULL,
    PRIMARY KEY (account, region, id, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS observed (
    account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, first_day INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)) WITHOUT ROWID
"""


def install(conn: sqlite3.Connection) -> None:
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)


@dataclass
class _Pending:
    """One write's use days and first sightings, worked out before its transaction."""

    account: str
    region: str
    now: float
    items: list[dict[str, Any]]
    ids: list[str]
    days_of: dict[str, frozenset[int]]  # id -> days not recorded yet
    new: list[str]  # ids not observed before (complete listings only)


class UsageTracker:
    """Records use days and merges ``Usage`` into listed items (inside the cache's write).

    Remembers what it last wrote per WorkSpace so a steady fleet costs no inserts, and the
    figures it last computed per target and UTC day: they move only with the day or with
    a use day this tracker records, so a steady fleet's pass re-counts nothing (the count
    over the whole history grew with its days: 3.7 -> 12.7 us per WorkSpace from 1 to 60).
    Days another process records for the same cache show from the next day.
    """

    def __init__(self) -> None:
        self._written: dict[tuple[str, str], dict[str, frozenset[int]]] = {}
        self._observed: dict[tuple[str, str], set[str]] = {}
        self._figures: dict[tuple[str, str], tuple[int, dict[str, tuple[int, int]]]] = {}
        self._pruned_on: int | None = None
        # id -> ((last connection, state), day, when a future stamp starts to count, days)
        self._signals: dict[tuple[str, str], dict[str, tuple[Any, int, float, frozenset[int]]]] = {}

    def apply(
        self,
        conn: sqlite3.Connection,
        account: str,
        region: str,
        items: Iterable[dict[str, Any]],
        now: float,
        complete: bool,
    ) -> None:
        """`pending` then `commit` in one go (the caller holds the transaction)."""
        self.commit(conn, self.pending(account, region, items, now, complete))

    def pending(
        self, account: str, region: str, items: Iterable[dict[str, Any]], now: float, complete: bool
    ) -> _Pending:
        """What a write has to record (the per-item work, done before the write lock)."""
        items = [i for i in items if isinstance(i, dict) and i.get("WorkspaceId")]
        memo = self._written.get((account, region), {})
        signals = self._signals.setdefault((account, region), {})
        today, soon = day_of(now), now + DAY
        days_of: dict[str, frozenset[int]] = {}
        for item in items:
            wid = str(item["WorkspaceId"])
            status = item.get("ConnectionStatus")
            signal = (
                (status.get("LastKnownUserConnectionTimestamp"), status.get("ConnectionState"))
                if isinstance(status, dict)
                else None
            )
            # The use days follow from the last connection, the state and the day: what a
            # steady fleet lists again has the days of the last pass -- unless its stamp
            # was too far in the future to count then (`use_days`) and no longer is.
            last = signals.get(wid)
            if last is not None and last[0] == signal and last[1] == today and soon < last[2]:
                days = last[3]
            else:
                days = frozenset(use_days(item, now))
                ts = to_epoch(signal[0]) if signal is not None else None
                counts_from = ts if ts is not None and ts > soon else math.inf
                signals[wid] = (signal, today, counts_from, days)
            if days and not days <= memo.get(wid, frozenset()):
                days_of[wid] = days_of.get(wid, frozenset()) | days
        seen = self._observed.get((account, region), set())
        ids = [str(i["WorkspaceId"]) for i in items]
        new = [i for i in ids if i not in seen] if complete else []
        return _Pending(account, region, now, items, ids, days_of, new)

    def commit(self, conn: sqlite3.Connection, p: _Pending) -> None:
        """Record the use days and first sightings, and merge ``Usage`` into the items
        (the caller holds the transaction)."""
        self._record(conn, p, p.days_of, p.new)
        self.merge(conn, p)

    def record(self, tx: Tx, p: _Pending) -> None:
        """Record the use days and first sightings, RECORD_CHUNK WorkSpaces per write
        transaction: a first load records ~2.5 days for each of 25,000 WorkSpaces per
        target, which in one transaction held the write lock ~0.5 s of CPU. They are
        facts either way: a chunk committed before a failure stays true."""
        new = set(p.new)
        for chunk in chunks(list(dict.fromkeys([*p.days_of, *p.new])), RECORD_CHUNK):
            with tx() as conn:
                days_of = {w: p.days_of[w] for w in chunk if w in p.days_of}
                self._record(conn, p, days_of, [i for i in chunk if i in new])

    def _record(
        self, conn: sqlite3.Connection, p: _Pending, days_of: dict[str, frozenset[int]],
        new: list[str],
    ) -> None:
        account, region, today = p.account, p.region, day_of(p.now)
        conn.executemany(
            "INSERT OR IGNORE INTO connections VALUES (?, ?, ?, ?)",
            [(account, region, w, d) for w, days in days_of.items() for d in days],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO observed VALUES (?, ?, ?, ?)",
            [(account, region, i, today) for i in new],
        )
        # Remembered once written (in the caller's transaction; a rollback raises past here
        # and the next pass tries again only for what was not remembered -- as before).
        memo = self._written.setdefault((account, region), {})
        for wid, days in days_of.items():
            memo[wid] = memo.get(wid, frozenset()) | days
        self._observed.setdefault((account, region), set()).update(new)

    def merge(self, conn: sqlite3.Connection, p: _Pending) -> None:
        """Merge ``Usage`` into the items, from the figures of today (recounted only for
        the WorkSpaces whose days moved). Reads only: no write lock needed."""
        account, region, now, today = p.account, p.region, p.now, day_of(p.now)
        moved = set(p.days_of) | set(p.new)
        day, usage = self._figures.get((account, region), (today, {}))
        if day != today:
            usage = {}
        stale = [i for i in p.ids if i in moved or i not in usage]
        if stale:
            usage.update(self.usage(conn, account, region, now, stale))
        self._figures[(account, region)] = (today, usage)
        for item in p.items:
            used, observed = usage.get(str(item["WorkspaceId"]), (0, 1))
            item[USAGE_KEY] = {"DaysUsed30": used, "ObservedDays": observed, "At": now}

    @staticmethod
    def usage(
        conn: sqlite3.Connection,
        account: str,
        region: str,
        now: float,
        ids: list[str] | None = None,
    ) -> dict[str, tuple[int, int]]:
        """id -> (days used in the last WINDOW_DAYS, days observed)."""
        today = day_of(now)
        base: tuple[Any, ...] = (account, region)
        # A follow-up re-read of a few ids should not scan the whole region's history.
        few = ids is not None and len(ids) <= 500
        only = f" AND id IN ({marks(len(ids))})" if few and ids else ""
        extra = tuple(ids) if few and ids else ()
        used = dict(
            conn.execute(
                "SELECT id, count(*) FROM connections WHERE account = ? AND region = ? "
                f"AND day > ? AND day <= ?{only} GROUP BY id",
                (*base, today - WINDOW_DAYS, today, *extra),
            ).fetchall()
        )
        first = dict(
            conn.execute(
                f"SELECT id, first_day FROM observed WHERE account = ? AND region = ?{only}",
                (*base, *extra),
            ).fetchall()
        )
        wanted = ids if ids is not None else sorted(first.keys() | used.keys())
        return {
            i: (int(used.get(i, 0)), max(1, today - int(first.get(i, today)) + 1)) for i in wanted
        }

    def forget(self, conn: sqlite3.Connection, account: str, region: str, ids: list[str]) -> None:
        """Drop the bookkeeping of WorkSpaces that vanished."""
        keys = [(account, region, i) for i in ids]
        conn.executemany(
            "DELETE FROM connections WHERE account = ? AND region = ? AND id = ?", keys
        )
        conn.executemany("DELETE FROM observed WHERE account = ? AND region = ? AND id = ?", keys)
        memo = self._written.get((account, region), {})
        seen = self._observed.get((account, region), set())
        figures = self._figures.get((account, region), (0, {}))[1]
        signals = self._signals.get((account, region), {})
        for i in ids:
            memo.pop(i, None)
            signals.pop(i, None)
            seen.discard(i)
            figures.pop(i, None)

    def prune_due(self, now: float) -> bool:
        return self._pruned_on != day_of(now)

    def prune(self, conn: sqlite3.Connection, now: float) -> None:
        """Drop use days older than KEEP_DAYS, once per UTC day: the DELETE scans every
        row of history (no index on the day), so the usage extra runs it in a transaction
        of its own, not in a write's final one."""
        if self._pruned_on == day_of(now):
            return
        conn.execute("DELETE FROM connections WHERE day < ?", (day_of(now) - KEEP_DAYS,))
        self._pruned_on = day_of(now)


def connection_days(conn: sqlite3.Connection, key: tuple[str, str, str]) -> list[int]:
    """The recorded use days of one WorkSpace, oldest first."""
    rows = conn.execute(
        "SELECT day FROM connections WHERE account = ? AND region = ? AND id = ? ORDER BY day",
        tuple(key),
    ).fetchall()
    return [int(r[0]) for r in rows]
