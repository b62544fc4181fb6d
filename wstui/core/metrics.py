"""CloudWatch ``AWS/WorkSpaces`` metrics: incremental reads and per-WorkSpace aggregates.

A metrics pass reads ``GetMetricData`` for every cached WorkSpace of a target, only for
the 5-minute periods since that WorkSpace's last read (its watermark, ``read_to``), in
calls of at most 500 queries (following ``NextToken`` when an answer is over 100,800
datapoints), and folds the new datapoints into a small state kept per WorkSpace in the
``metrics`` table. The pass runs on its own interval and thread (see ``refresh``), so it
never delays a WorkSpaces listing.

The billing rule and the aggregates folded per WorkSpace: ``core.metrics_fold``.
"""

from __future__ import annotations

import json
import math
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wstui.core.chunking import chunks
from wstui.core.metrics_fold import HOUR, PERIOD, SERIES_DAYS, State, aggregates, history_start
from wstui.core.timefmt import to_epoch

NAMESPACE = "AWS/WorkSpaces"
MAX_QUERIES = 500  # per GetMetricData call (botocore's cloudwatch model)
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
