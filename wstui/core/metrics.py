"""CloudWatch ``AWS/WorkSpaces`` metrics: incremental reads and per-WorkSpace aggregates.

A metrics pass reads ``GetMetricData`` for every cached WorkSpace of a target, only for
the 5-minute periods since that WorkSpace's last read (its watermark, ``read_to``), in
calls of at most 500 queries (following ``NextToken`` when an answer is over 100,800
datapoints), and folds the new datapoints into a small state kept per WorkSpace in the
``metrics`` table. The pass runs on its own interval and thread (see ``refresh``), so it
never delays a WorkSpaces listing.

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
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from wstui.core.chunking import chunks
from wstui.core.timefmt import to_epoch

NAMESPACE = "AWS/WorkSpaces"
PERIOD = 300
HOUR = 3600
DAY = 86400
MAX_QUERIES = 500  # per GetMetricData call (botocore's cloudwatch model)
SERIES_DAYS = 30
WINDOW_DAYS = 7
DEFAULT_TIMEOUT_MIN = 60
DEFAULT_INTERVAL = 3600
METRICS_KEY = "Metrics"  # merged into raw WorkSpaces items by the cache

# (metric, period, stat, short id prefix)
QUERIES: tuple[tuple[str, int, str, str], ...] = (
    ("UserConnected", PERIOD, "Maximum", "c"),
    ("InSessionLatency", HOUR, "Average", "l"),
    ("CPUUsage", HOUR, "Maximum", "p"),
    ("MemoryUsage", HOUR, "Maximum", "m"),
    ("RootVolumeDiskUsage", HOUR, "Maximum", "r"),
    ("UserVolumeDiskUsage", HOUR, "Maximum", "u"),
)

# ------------------------------------------------------------------ pure helpers


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


# ------------------------------------------------------------------ the pass


@dataclass(frozen=True)
class Workspace:
    id: str
    timeout: float  # seconds
    read_to: float | None  # watermark: end of the last read period, None if never read
    state: str | None


@dataclass
class PassResult:
    workspaces: int = 0
    calls: int = 0
    queries: int = 0
    datapoints: int = 0
    seconds: float = 0.0
    read_to: float = 0.0


def cached_workspaces(cache: Any, account: str, region: str) -> list[Workspace]:
    rows = cache.metrics_workspaces(account, region)
    return [Workspace(r[0], float((r[1] or DEFAULT_TIMEOUT_MIN) * 60), r[2], r[3]) for r in rows]


def _query(qid: str, metric: str, period: int, stat: str, workspace_id: str) -> dict[str, Any]:
    return {
        "Id": qid,
        "MetricStat": {
            "Metric": {
                "Namespace": NAMESPACE,
                "MetricName": metric,
                "Dimensions": [{"Name": "WorkspaceId", "Value": workspace_id}],
            },
            "Period": period,
            "Stat": stat,
        },
        "ReturnData": True,
    }


class PassStopped(Exception):
    """A metrics pass given up because the refresher stops (nothing was stored)."""


def fetch(
    client: Any, ids: list[str], start: float, end: float, stop: Any = None, gate: Any = None
) -> tuple[dict[str, dict[str, list[tuple[float, float]]]], int, int]:
    """One batch: {id: {metric: [(t, value)...]}}, calls made, datapoints received.

    `gate` (a core.yielding.Yield): waited on before each call, so no call starts while
    a listing runs."""
    queries, names = [], {}
    for n, wid in enumerate(ids):
        for metric, period, stat, prefix in QUERIES:
            qid = f"{prefix}{n}"
            names[qid] = (wid, metric)
            queries.append(_query(qid, metric, period, stat, wid))
    kwargs: dict[str, Any] = {
        "MetricDataQueries": queries,
        "StartTime": datetime.fromtimestamp(start, tz=UTC),
        "EndTime": datetime.fromtimestamp(end, tz=UTC),
        "ScanBy": "TimestampAscending",
    }
    out: dict[str, dict[str, list[tuple[float, float]]]] = {w: {} for w in ids}
    calls = points = 0
    while True:
        if stop is not None and stop.is_set():  # between pages too: a batch pages a lot
            raise PassStopped("the refresher is stopping")
        if gate is not None:
            gate.wait(stop)
            if stop is not None and stop.is_set():
                raise PassStopped("the refresher is stopping")
        answer = client.get_metric_data(**kwargs)
        calls += 1
        for result in answer.get("MetricDataResults", []):
            wid, metric = names[result["Id"]]
            pairs = [(_epoch(t), float(v))
                     for t, v in zip(result.get("Timestamps", []), result.get("Values", []), strict=False)]  # fmt: skip
            points += len(pairs)
            out[wid].setdefault(metric, []).extend(pairs)
        token = answer.get("NextToken")
        if not token:
            return out, calls, points
        kwargs["NextToken"] = token


_EPOCHS: dict[Any, float] = {}


def _epoch(value: Any) -> float:
    """to_epoch, memoised: the same few thousand period stamps recur for every WorkSpace."""
    found = _EPOCHS.get(value)
    if found is None:
        if len(_EPOCHS) > 100_000:
            _EPOCHS.clear()
        found = _EPOCHS[value] = to_epoch(value) or 0.0
    return found


def read_target(
    cache: Any,
    client: Any,
    account: str,
    region: str,
    now: float | None = None,
    parallel: int = 4,
    write_lock: Any = None,
    history_days: int = SERIES_DAYS,
    stop: Any = None,
    gate: Any = None,
) -> PassResult:
    """One metrics pass for one target: read what is new, store the aggregates.

    `stop` (a threading.Event): once set, no further call starts and nothing is stored
    (the watermarks stay, so the next pass reads the same periods) -- a pass at 100,000
    WorkSpaces lasts minutes, and exit waits for its threads. `gate` (core.yielding.Yield):
    the pass steps aside before each call and before storing while a listing runs.
    """
    t0 = time.monotonic()
    now = time.time() if now is None else now
    end = math.floor(now / PERIOD) * PERIOD  # complete 5-minute periods only
    result = PassResult(read_to=end)
    workspaces = cached_workspaces(cache, account, region)
    by_start: dict[float, list[Workspace]] = {}
    first = history_start(end, history_days)
    for ws in workspaces:
        start = ws.read_to if ws.read_to is not None else first
        if start < end:
            by_start.setdefault(max(start, first), []).append(ws)
    jobs = [
        (start, group)
        for start, members in sorted(by_start.items())
        for group in chunks(members, max(1, MAX_QUERIES // len(QUERIES)))
    ]

    def run(job: tuple[float, list[Workspace]]) -> tuple[list[Workspace], Any, int, int]:
        start, group = job
        data, calls, points = fetch(client, [w.id for w in group], start, end, stop, gate)
        return group, data, calls, points

    rows: list[tuple[Any, ...]] = []
    with ThreadPoolExecutor(max_workers=max(1, parallel), thread_name_prefix="wstui-metrics") as ex:
        for group, data, calls, points in ex.map(run, jobs):
            result.calls += calls
            result.queries += len(group) * len(QUERIES)
            result.datapoints += points
            for ws in group:
                rows.append(_fold(account, region, ws, data[ws.id], end))
    if rows:
        if gate is not None:  # the store holds the cache's write lock: not during a listing
            gate.wait(stop)
        lock = write_lock if write_lock is not None else _NoLock()
        with lock:
            cache.store_metrics(account, region, rows)
    result.workspaces = len(rows)
    result.seconds = time.monotonic() - t0
    return result


def _fold(
    account: str, region: str, ws: Workspace, data: dict[str, list[tuple[float, float]]], end: float
) -> tuple[Any, ...]:
    state = State.loads(ws.state)
    connected = sorted(t for t, v in data.get("UserConnected", []) if v >= 1)
    state.connected(connected, ws.timeout)
    for metric, points in data.items():
        if metric != "UserConnected":
            state.sample(metric, points)
    state.finish(end, ws.timeout)
    agg = aggregates(state, end, ws.timeout)
    return (
        account, region, ws.id, end, agg.hours, agg.sessions, agg.latency, agg.cpu, agg.mem,
        agg.root_pct, agg.user_pct, json.dumps(agg.series), state.dumps(),
    )  # fmt: skip


class _NoLock:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: Any) -> None:
        return None


# ------------------------------------------------------------------ cache side


# Columns of the workspaces kind fed from the merged ``Metrics`` entry (see kinds.py).
COLUMNS = ("hours", "sessions", "latency", "cpu", "mem", "root_pct", "user_pct",
           "cost_month", "best_mode", "saving_month", "break_even", "cost_why")  # fmt: skip


def with_cost(
    entry: dict[str, Any], prices: Any, region: str, compute: Any, mode: Any
) -> dict[str, Any]:
    """A ``Metrics`` entry plus its cost figures (when the price table knows the bundle)."""
    cost = prices.cost(region, compute, mode, entry["Hours"] or 0, entry["ReadTo"])
    if cost is None:
        return entry
    return {**entry, "CostMonth": cost.cost_month, "BestMode": cost.best_mode,
            "SavingMonth": cost.saving_month, "BreakEven": round(cost.break_even, 1),
            "ProjectedHours": round(cost.projected_hours, 1), "Why": cost.reason}  # fmt: skip


# Column -> key of the Metrics entry (the extractors in kinds.py read the same keys).
ENTRY_KEYS = {
    "hours": "Hours", "sessions": "Sessions", "latency": "Latency", "cpu": "Cpu", "mem": "Mem",
    "root_pct": "RootPct", "user_pct": "UserPct", "cost_month": "CostMonth",
    "best_mode": "BestMode", "saving_month": "SavingMonth", "break_even": "BreakEven",
    "cost_why": "Why",
}  # fmt: skip
