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
import time
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


def never_connected(item: dict[str, Any]) -> bool:
    status = item.get("ConnectionStatus") if isinstance(item, dict) else None
    return not (isinstance(status, dict) and status.get("LastKnownUserConnectionTimestamp"))


def use_days(item: dict[str, Any], now: float) -> set[int]:
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


_last_advice: tuple[int, dict[str, Any] | None, Advice | None] = (0, None, None)


def item_advice(item: dict[str, Any]) -> Advice | None:
    """Advice from a raw item carrying the merged ``Usage`` entry (None without it)."""
    global _last_advice
    # Two columns (advice, why) ask in a row for the same item: answer the second from memo.
    memo_id, memo_item, memo = _last_advice
    if memo_item is item and memo_id == id(item):
        return memo
    advice = _item_advice(item)
    _last_advice = (id(item), item, advice)
    return advice


def timed_advice(item: dict[str, Any]) -> Advice | None:
    """The item's advice where it depends on the time (`advise` reads `now` only for
    ALWAYS_ON WorkSpaces: idle days), else None. Keep it in step with `advise`."""
    props = item.get("WorkspaceProperties") if isinstance(item, dict) else None
    if isinstance(props, dict) and props.get("RunningMode") == "ALWAYS_ON":
        return item_advice(item)
    return None


def _item_advice(item: dict[str, Any]) -> Advice | None:
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


def connection_days(cache: Any, key: tuple[str, str, str]) -> list[int]:
    """The recorded use days of one WorkSpace, oldest first (for details and tests)."""
    return list(cache.connection_days(key))


# ------------------------------------------------------------------ bulk advice


# ------------------------------------------------------------------ what changed


def changes_since(
    cache: Any, since: float, kind: str, limit: int = 5000
) -> dict[str, list[dict[str, Any]]]:
    """History since a time, grouped: created, vanished, state changes, other changes."""
    events = cache.history(kind, since=since, limit=limit)
    out: dict[str, list[dict[str, Any]]] = {"created": [], "vanished": [], "state": [], "other": []}
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
