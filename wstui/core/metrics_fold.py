"""A WorkSpace's usage folded from its CloudWatch datapoints: sessions, billable hours and
the aggregates shown in the fleet table; the pure half of ``core.metrics`` (no calls, no cache).

Billable hours (the rule implemented; AWS bills AUTO_STOP WorkSpaces by the hour and
stops them after ``RunningModeAutoStopTimeoutInMinutes`` of disconnection):

- a *session* is a run of consecutive 5-minute periods whose ``UserConnected`` Maximum is 1;
- the WorkSpace *runs* from a session's start until the timeout after its end; a session
  that starts before that stop time continues the same running interval;
- each running interval is billed in whole hours, a partial hour counting as a full one:
  ``ceil((stop - start) / 3600)``; for "this month" the interval is clipped to the month
  (UTC) and, while still open, to the end of the last read period.

WorkSpaces without a timeout (ALWAYS_ON) use 60 minutes, the service's default, so their
``hours`` say what they would bill in AUTO_STOP -- which is what the advice needs.
The aggregates: sessions started this month, p95 of the hourly average in-session
latency over the last 7 days, the maximum CPU and memory over the last 7 days, the last
root / user volume usage %, and connected hours per day for the last 30 days.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

PERIOD = 300
HOUR = 3600
DAY = 86400
SERIES_DAYS = 30
WINDOW_DAYS = 7


def month_start(ts: float) -> float:
    d = datetime.fromtimestamp(ts, tz=UTC)
    return datetime(d.year, d.month, 1, tzinfo=UTC).timestamp()


def month_after(start: float) -> float:
    d = datetime.fromtimestamp(start, tz=UTC)
    return datetime(d.year + (d.month == 12), d.month % 12 + 1, 1, tzinfo=UTC).timestamp()


def billable(start: float, stop: float, since: float) -> int:
    """Whole billed hours of a running interval [start, stop) counted from ``since``."""
    begin = max(start, since)
    return math.ceil((stop - begin) / HOUR) if stop > begin else 0


def history_start(now: float, days: int = SERIES_DAYS) -> float:
    """Where a WorkSpace's first read starts: the ``days``-day series, and this month from
    a day before it (a session just before the month bills into it until the timeout)."""
    return float(min(month_start(now) - DAY, (now // DAY - (days - 1)) * DAY))


def p95(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class State:
    """What a WorkSpace's aggregates are folded from; kept as JSON in ``metrics.state``."""

    month: float = 0.0  # start of the month `closed` and `sessions` count
    closed: int = 0  # billed hours of running intervals that ended this month
    sessions: int = 0
    run: list[float] | None = None  # [start, end of last connected period] of the open interval
    days: dict[str, float] = field(default_factory=dict)  # UTC day -> connected hours
    latency: dict[str, float] = field(default_factory=dict)  # hour -> average latency
    cpu: dict[str, float] = field(default_factory=dict)  # day -> max CPU %
    mem: dict[str, float] = field(default_factory=dict)  # day -> max memory %
    root: list[float] | None = None  # [timestamp, %]
    user: list[float] | None = None

    @classmethod
    def loads(cls, text: str | None) -> State:
        if not text:
            return cls()
        try:
            return cls(**json.loads(text))
        except (TypeError, ValueError):
            return cls()  # an unreadable state restarts from the history start

    def dumps(self) -> str:
        return json.dumps(self.__dict__, separators=(",", ":"))

    # -- folding ---------------------------------------------------------------------
    def _roll(self, t: float) -> None:
        m = month_start(t)
        if m != self.month:
            self.month, self.closed, self.sessions = m, 0, 0

    def connected(self, periods: Iterable[float], timeout: float) -> None:
        """Fold UserConnected=1 period starts (ascending, all after the last read)."""
        month_end = -math.inf  # recompute the month only when a period leaves it
        days = self.days
        step = PERIOD / HOUR
        for t in periods:
            if t >= month_end or t < self.month:
                self._roll(t)
                month_end = month_after(self.month)
            day = str(int(t // DAY))
            days[day] = days.get(day, 0.0) + step
            run = self.run
            if run is not None and t < run[1] + timeout:
                if t != run[1]:
                    self.sessions += 1  # back before the WorkSpace stopped: same interval
                run[1] = t + PERIOD
                continue
            self._close(timeout)
            self.run = [t, t + PERIOD]
            self.sessions += 1

    def _close(self, timeout: float) -> None:
        if self.run is not None:
            self.closed += billable(self.run[0], self.run[1] + timeout, self.month)
            self.run = None

    def finish(self, read_to: float, timeout: float) -> None:
        """Close what stopped before ``read_to``, move to its month, prune old samples."""
        self._roll(read_to - 1)  # first: an interval ending in the new month counts there
        if self.run is not None and self.run[1] + timeout <= read_to:
            self._close(timeout)
        keep_day = int(read_to // DAY) - SERIES_DAYS
        self.days = {d: v for d, v in self.days.items() if int(d) > keep_day}
        week = read_to - WINDOW_DAYS * DAY
        self.latency = {h: v for h, v in self.latency.items() if float(h) >= week}
        for name in ("cpu", "mem"):
            samples = getattr(self, name)
            setattr(self, name, {d: v for d, v in samples.items() if int(d) * DAY >= week - DAY})

    def hours(self, read_to: float, timeout: float) -> int:
        open_hours = 0
        if self.run is not None:
            open_hours = billable(self.run[0], min(self.run[1] + timeout, read_to), self.month)
        return self.closed + open_hours

    def series(self, read_to: float) -> list[float]:
        today = int(read_to // DAY) if read_to % DAY else int(read_to // DAY) - 1
        return [round(self.days.get(str(d), 0.0), 2)
                for d in range(today - SERIES_DAYS + 1, today + 1)]  # fmt: skip

    def sample(self, metric: str, points: Iterable[tuple[float, float]]) -> None:
        for t, v in points:
            day = str(int(t // DAY))
            if metric == "InSessionLatency":
                self.latency[str(int(t))] = v
            elif metric in ("CPUUsage", "MemoryUsage"):
                target = self.cpu if metric == "CPUUsage" else self.mem
                target[day] = max(v, target.get(day, v))
            elif metric == "RootVolumeDiskUsage":
                if self.root is None or t >= self.root[0]:
                    self.root = [t, v]
            elif metric == "UserVolumeDiskUsage" and (self.user is None or t >= self.user[0]):
                self.user = [t, v]


@dataclass(frozen=True)
class Aggregates:
    hours: int
    sessions: int
    latency: float | None
    cpu: float | None
    mem: float | None
    root_pct: float | None
    user_pct: float | None
    series: list[float]


def aggregates(state: State, read_to: float, timeout: float) -> Aggregates:
    return Aggregates(
        hours=state.hours(read_to, timeout),
        sessions=state.sessions,
        latency=p95(list(state.latency.values())),
        cpu=max(state.cpu.values(), default=None),
        mem=max(state.mem.values(), default=None),
        root_pct=state.root[1] if state.root else None,
        user_pct=state.user[1] if state.user else None,
        series=state.series(read_to),
    )
