"""Idle and cost insight: idle days, connection history, running-mode advice.

The API only tells us a WorkSpace's *last* connection (LastKnownUserConnectionTimestamp)
and whether a user is connected right now. Usage over a month is therefore accumulated
in the cache: every refresh records the UTC days on which each WorkSpace was seen in
use (the day of its last connection, and today if it is CONNECTED) in the
``connections`` table, and the day the WorkSpace was first listed in ``observed``.
From those, each listed item gets a ``Usage`` entry merged into its raw JSON
(``DaysUsed30``, ``ObservedDays``) that the ``used_days`` / ``advice`` columns read.

Advice (days rather than AWS's billing hours, since we only see days):
- AUTO_STOP used on at least ``ALWAYS_ON_MIN_DAYS`` of the last 30 days -> ALWAYS_ON
  (hourly billing of a WorkSpace used most days costs more than the monthly price);
- ALWAYS_ON used on at most ``AUTO_STOP_MAX_DAYS`` of the last 30 days, once we have
  watched it for ``MIN_OBSERVED_DAYS`` (or its last connection is that old, or it never
  connected) -> AUTO_STOP.
MANUAL WorkSpaces get no advice (someone chose that mode on purpose).
"""

from __future__ import annotations

import math
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wstui.core.timefmt import to_epoch

DAY = 86400
WINDOW_DAYS = 30
ALWAYS_ON_MIN_DAYS = 15
AUTO_STOP_MAX_DAYS = 3
MIN_OBSERVED_DAYS = 7
KEEP_DAYS = 60  # connection rows older than this are pruned
USAGE_KEY = "Usage"  # merged into raw WorkSpaces items by the cache

SCHEMA = """
CREATE TABLE IF NOT EXISTS connections (
    account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, day INTEGER NOT NULL,
    PRIMARY KEY (account, region, id, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS observed (
    account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL, first_day INTEGER NOT NULL,
    PRIMARY KEY (account, region, id)) WITHOUT ROWID
"""


# ------------------------------------------------------------------ pure helpers


def day_of(ts: float) -> int:
    """UTC day number (days since the epoch)."""
    return int(ts // DAY)


def idle_days(last_connected: float | None, now: float) -> float:
    """Whole days since the last connection; ``math.inf`` for never connected.

    The same figure as the ``idle_days`` column (which shows never-connected as empty).
    """
    if last_connected is None:
        return math.inf
    return float(max(0, int((now - last_connected) // DAY)))


def never_connected(item: dict) -> bool:
    status = item.get("ConnectionStatus") if isinstance(item, dict) else None
    return not (isinstance(status, dict) and status.get("LastKnownUserConnectionTimestamp"))


def use_days(item: dict, now: float) -> set[int]:
    """UTC days on which this listed item shows use."""
    status = item.get("ConnectionStatus") if isinstance(item, dict) else None
    if not isinstance(status, dict):
        return set()
    days: set[int] = set()
    ts = to_epoch(status.get("LastKnownUserConnectionTimestamp"))
    if ts is not None and ts <= now + DAY:  # a clock-skewed future stamp still counts once
        days.add(day_of(ts))
    if status.get("ConnectionState") == "CONNECTED":
        days.add(day_of(now))
    return days


@dataclass(frozen=True)
class Advice:
    mode: str  # the running mode to switch to
    reason: str


def advise(
    running_mode: str | None,
    days_used: int | None,
    observed_days: int | None,
    last_connected: float | None = None,
    now: float | None = None,
) -> Advice | None:
    """Running-mode advice for one WorkSpace, or None (no change worth making)."""
    used = int(days_used or 0)
    if running_mode == "AUTO_STOP" and used >= ALWAYS_ON_MIN_DAYS:
        return Advice("ALWAYS_ON", f"used {used} of {WINDOW_DAYS} days")
    if running_mode == "ALWAYS_ON" and used <= AUTO_STOP_MAX_DAYS:
        now = time.time() if now is None else now
        if last_connected is None:
            return Advice("AUTO_STOP", "never connected")
        idle = idle_days(last_connected, now)
        if idle >= MIN_OBSERVED_DAYS or (observed_days or 0) >= MIN_OBSERVED_DAYS:
            return Advice("AUTO_STOP", f"used {used} of {WINDOW_DAYS} days")
    return None


_last_advice: tuple[int, dict | None, Advice | None] = (0, None, None)


def item_advice(item: dict) -> Advice | None:
    """Advice from a raw item carrying the merged ``Usage`` entry (None without it)."""
    global _last_advice
    # Two columns (advice, why) ask in a row for the same item: answer the second from memo.
    memo_id, memo_item, memo = _last_advice
    if memo_item is item and memo_id == id(item):
        return memo
    advice = _item_advice(item)
    _last_advice = (id(item), item, advice)
    return advice


def timed_advice(item: dict) -> Advice | None:
    """The item's advice where it depends on the time (`advise` reads `now` only for
    ALWAYS_ON WorkSpaces: idle days), else None. Keep it in step with `advise`."""
    props = item.get("WorkspaceProperties") if isinstance(item, dict) else None
    if isinstance(props, dict) and props.get("RunningMode") == "ALWAYS_ON":
        return item_advice(item)
    return None


def _item_advice(item: dict) -> Advice | None:
    if not isinstance(item, dict):
        return None
    usage = item.get(USAGE_KEY)
    if not isinstance(usage, dict):
        return None
    props = item.get("WorkspaceProperties")
    mode = props.get("RunningMode") if isinstance(props, dict) else None
    status = item.get("ConnectionStatus")
    last = (
        to_epoch(status.get("LastKnownUserConnectionTimestamp"))
        if isinstance(status, dict)
        else None
    )
    return advise(mode, usage.get("DaysUsed30"), usage.get("ObservedDays"), last, usage.get("At"))


# -------------------------------------------------------------- cache bookkeeping


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
    items: list[dict]
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

    def apply(
        self,
        conn: sqlite3.Connection,
        account: str,
        region: str,
        items: Iterable[dict],
        now: float,
        complete: bool,
    ) -> None:
        """`pending` then `commit` in one go (the caller holds the transaction)."""
        self.commit(conn, self.pending(account, region, items, now, complete))

    def pending(
        self, account: str, region: str, items: Iterable[dict], now: float, complete: bool
    ) -> _Pending:
        """What a write has to record (the per-item work, done before the write lock)."""
        items = [i for i in items if isinstance(i, dict) and i.get("WorkspaceId")]
        memo = self._written.get((account, region), {})
        days_of: dict[str, frozenset[int]] = {}
        for item in items:
            wid = str(item["WorkspaceId"])
            days = frozenset(use_days(item, now))
            if days and not days <= memo.get(wid, frozenset()):
                days_of[wid] = days_of.get(wid, frozenset()) | days
        seen = self._observed.get((account, region), set())
        ids = [str(i["WorkspaceId"]) for i in items]
        new = [i for i in ids if i not in seen] if complete else []
        return _Pending(account, region, now, items, ids, days_of, new)

    def commit(self, conn: sqlite3.Connection, p: _Pending) -> None:
        """Record the use days and first sightings, and merge ``Usage`` into the items."""
        account, region, now, today = p.account, p.region, p.now, day_of(p.now)
        conn.executemany(
            "INSERT OR IGNORE INTO connections VALUES (?, ?, ?, ?)",
            [(account, region, w, d) for w, days in p.days_of.items() for d in days],
        )
        conn.executemany(
            "INSERT OR IGNORE INTO observed VALUES (?, ?, ?, ?)",
            [(account, region, i, today) for i in p.new],
        )
        # Remembered once written (in the caller's transaction; a rollback raises past here
        # and the next pass tries again only for what was not remembered -- as before).
        memo = self._written.setdefault((account, region), {})
        for wid, days in p.days_of.items():
            memo[wid] = memo.get(wid, frozenset()) | days
        self._observed.setdefault((account, region), set()).update(p.new)
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
        only = f" AND id IN ({', '.join('?' for _ in ids)})" if few and ids else ""
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
        for i in ids:
            memo.pop(i, None)
            seen.discard(i)
            figures.pop(i, None)

    def prune(self, conn: sqlite3.Connection, now: float) -> None:
        """Drop use days older than KEEP_DAYS, once per UTC day: the DELETE scans every
        row of history (no index on the day), inside every target's write lock."""
        if self._pruned_on == day_of(now):
            return
        conn.execute("DELETE FROM connections WHERE day < ?", (day_of(now) - KEEP_DAYS,))
        self._pruned_on = day_of(now)


def connection_days(cache: Any, key: tuple[str, str, str]) -> list[int]:
    """The recorded use days of one WorkSpace, oldest first (for details and tests)."""
    rows = cache.conn.execute(
        "SELECT day FROM connections WHERE account = ? AND region = ? AND id = ? ORDER BY day",
        tuple(key),
    ).fetchall()
    return [int(r[0]) for r in rows]


# ------------------------------------------------------------------ bulk advice


def advice_plans(rows: Iterable[dict], protect_tag: str | None = None) -> list[Any]:
    """One running-mode Plan per advised mode, for rows carrying an ``advice`` column.

    Goes through the normal ``actions.plan`` (states, protect tag, already-in-mode).
    """
    from wstui.core import actions

    by_mode: dict[str, list[dict]] = {}
    for row in rows:
        mode = row.get("advice")
        if mode in actions.RUNNING_MODES:
            by_mode.setdefault(str(mode), []).append(row)
    kw: dict[str, Any] = {} if protect_tag is None else {"protect_tag": protect_tag}
    return [
        actions.plan("running-mode", group, {"mode": mode}, **kw)
        for mode, group in sorted(by_mode.items())
    ]


# ------------------------------------------------------------------ what changed


def changes_since(cache: Any, since: float, kind: str, limit: int = 5000) -> dict:
    """History since a time, grouped: created, vanished, state changes, other changes."""
    events = cache.history(kind, since=since, limit=limit)
    out: dict[str, list[dict]] = {"created": [], "vanished": [], "state": [], "other": []}
    for e in events:
        if e["event"] in ("created", "vanished"):
            out[e["event"]].append(e)
        elif e.get("field") == "state":
            out["state"].append(e)
        else:
            out["other"].append(e)
    return out


_SPAN = re.compile(r"(\d+)\s*([smhdw])", re.IGNORECASE)
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": DAY, "w": 7 * DAY}


def parse_since(text: str, now: float) -> float:
    """ "2h", "30m", "1d12h", "1w" (ago) or an ISO date/time (UTC) -> epoch seconds.

    ValueError with what was expected otherwise.
    """
    from wstui.core.timefmt import parse_datetime

    text = text.strip()
    spans = _spans(text)
    if spans:
        try:
            seconds: float = sum(int(n) * _UNIT[u.lower()] for n, u in spans)
        except ValueError:  # more digits than int() converts (a pasted 50,000 "9"s)
            seconds = math.inf
        return max(0.0, now - seconds)  # before 1970 = everything the cache recorded
    at = parse_datetime(text)
    # float("9" * 400) is inf and 1e300 is no date: both would crash the "Since ..." line.
    if at is None or not math.isfinite(at) or not 0.0 <= at <= _LAST_EPOCH:
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(
            f"expected a time span such as 2h or 7d, or a date such as 2024-05-01, not {shown!r}"
        )
    return at


def _spans(text: str) -> list[tuple[str, str]]:
    """("1", "d"), ("12", "h") for "1d 12h"; [] unless the whole text is spans.

    Matched one after another from the start: findall would retry from every digit of a
    pasted "999...9", quadratic in its length (minutes for 50,000 characters)."""
    spans, pos = [], 0
    while pos < len(text):
        match = _SPAN.match(text, pos)
        if match is None:
            return []
        spans.append((match.group(1), match.group(2)))
        pos = match.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return spans


_LAST_EPOCH = 253402300799.0  # 9999-12-31T23:59:59Z, the last second datetime can show
