"""CloudWatch ``AWS/WorkSpaces`` metrics, derived from the simulator's session model.

Every WorkSpace has a deterministic usage profile (from the seed and its id): on each UTC
day it may have a few sessions, aligned to 5-minute periods. The **session log**
(those sessions minus the times the WorkSpace could hold none, ``connections.sessions_of``
-- the same sessions ``DescribeWorkspacesConnectionStatus`` answers from) is the ground
truth; ``GetMetricData`` is answered from it:
``UserConnected`` is 1 for each 5-minute period inside a session, and while connected the
WorkSpace also publishes ``InSessionLatency``, ``CPUUsage``, ``MemoryUsage``,
``RootVolumeDiskUsage``, ``UserVolumeDiskUsage`` and ``UDPPacketLossRate``. Only complete
periods (ending at or before the virtual clock) have data. No data is published outside
sessions (the service publishes 0 while a running WorkSpace is disconnected; a reader
that counts 1s is unaffected).

Why not moto's own GetMetricData: it scans every stored datapoint for every period of
every query (a month of 5-minute data for 2,000 WorkSpaces would be 17 million puts and
a quadratic scan), and it enforces none of the service's limits. The simulator answers
``AWS/WorkSpaces`` queries itself and hands any other namespace to moto.

Limits enforced, from botocore's cloudwatch model and its documentation:
- 1 to 500 ``MetricDataQueries``; Ids unique, starting with a lowercase letter, letters
  digits and underscores only; each query has ``MetricStat`` xor ``Expression``;
- ``StartTime`` before ``EndTime``;
- at most 100,800 datapoints per answer (or ``MaxDatapoints``): the rest is paged with
  ``NextToken`` and ``StatusCode: PartialData``;
- ``Period`` a multiple of 60, and of 300 for a start more than 15 days ago, of 3600 for
  more than 63 days ago, otherwise the query returns no datapoints (as documented).

Over 400 lines because it is one simulated API: the session model, the service's limits
checked as the real API checks them, and the paged answers drawn from the model.
"""

from __future__ import annotations

import base64
import json
import math
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue, ValidationError
from moto.cloudwatch.responses import CloudWatchResponse
from moto.core.responses import ActionResult
from moto.core.utils import get_service_model
from moto.workspaces.models import workspaces_backends

from wstui.sim.connections import Session, blocked_of, sessions_of
from wstui.sim.gate import gate
from wstui.sim.model import LOCK, SimWorkspace

NAMESPACE = "AWS/WorkSpaces"
PERIOD = 300  # UserConnected and friends are published at 5-minute periods
DAY = 86400
MAX_QUERIES = 500
MAX_DATAPOINTS = 100_800
METRICS = (
    "UserConnected",
    "InSessionLatency",
    "CPUUsage",
    "MemoryUsage",
    "RootVolumeDiskUsage",
    "UserVolumeDiskUsage",
    "UDPPacketLossRate",
)
_ID = __import__("re").compile(r"^[a-z][a-zA-Z0-9_]*$")


def _h(*parts: Any) -> int:
    return zlib.crc32(":".join(str(p) for p in parts).encode())


_M64 = (1 << 64) - 1
PROFILES = ("never", "light", "office", "heavy")


def _mix(x: int) -> int:
    """splitmix64's step: 64 well-mixed bits from any int (a day's draws, without seeding
    a Mersenne Twister per day, ~14 us: the connection-status path draws 25 users a call)."""
    z = (x + 0x9E3779B97F4A7C15) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


def _pack(sessions: list[Session], day: int) -> int:
    """A day's sessions (at most two, 5-minute slots 0..288) in 38 bits of an int."""
    base, bits = day * DAY, len(sessions)
    for i, (s, e) in enumerate(sessions):
        bits |= int((s - base) // PERIOD) << (2 + 18 * i) | int((e - base) // PERIOD) << (11 + 18 * i)
    return bits


def _unpack(bits: int, day: int) -> list[Session]:
    base = day * DAY
    return [(float(base + ((bits >> (2 + 18 * i)) & 511) * PERIOD),
             float(base + ((bits >> (11 + 18 * i)) & 511) * PERIOD)) for i in range(bits & 3)]  # fmt: skip


class SessionModel:
    """Deterministic sessions per WorkSpace and day; values per 5-minute period."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._days: dict[tuple[str, int], list[Session]] = {}
        self._bases: dict[tuple[str, str], int] = {}
        # Per-user memos hold plain ints (not tuples or lists): 100,000 of them must not
        # give the garbage collector anything to walk. id -> day-draw key | profile << 22.
        self._users: dict[str, int] = {}
        # id -> hi << 64 | (hi - day) << 40 | that day's sessions (_pack): the user's newest
        # day <= hi with sessions is `day` (the connection-status path asks on every
        # refresh; a user's days never change).
        self._newest: dict[str, int] = {}

    def _user(self, workspace_id: str) -> int:
        found = self._users.get(workspace_id)
        if found is None:
            p = _h(self.seed, workspace_id, "profile") % 100
            kind = 0 if p < 15 else 1 if p < 45 else 2 if p < 85 else 3
            found = (_h(self.seed, workspace_id, "days") << 24) | (kind << 22)
            self._users[workspace_id] = found
        return found

    def profile(self, workspace_id: str) -> str:
        return PROFILES[(self._user(workspace_id) >> 22) & 3]

    def _day(self, workspace_id: str, day: int) -> list[Session]:
        key = (workspace_id, day)
        found = self._days.get(key)
        if found is None:
            found = self._days[key] = self.day_sessions(workspace_id, day)
        return found

    def day_sessions(self, workspace_id: str, day: int) -> list[Session]:
        """The sessions the WorkSpace's user would open on one UTC day (not memoised: the
        connection-status path looks back over days a metrics pass never reads)."""
        key = self._user(workspace_id)
        profile = PROFILES[(key >> 22) & 3]
        weekday = (day + 3) % 7 < 5  # day 0 (1970-01-01) was a Thursday
        if profile == "never" or (not weekday and profile != "heavy"):
            return []
        # One 64-bit draw: a 16-bit chance and three 16-bit fields (a second for lunch).
        z = _mix(key ^ day)
        chance, f1, f2, f3 = (z & 0xFFFF) / 65536, (z >> 16) & 0xFFFF, (z >> 32) & 0xFFFF, z >> 48
        base = day * DAY
        slots: list[tuple[int, int]] = []  # (start, length) in 5-minute periods from midnight
        if profile == "light":
            if chance < 0.3:
                slots.append((108 + f1 % 84, 6 + f2 % 30))
        elif profile == "office":
            if chance < 0.9:
                morning, length = 96 + f1 % 24, 36 + f2 % 24
                slots.append((morning, length))
                if (f3 & 0xFF) / 256 < 0.7:  # back from lunch: often within the AutoStop timeout
                    z2 = _mix(z)
                    slots.append((morning + length + 3 + (z2 & 0xFFFF) % 21,
                                  24 + ((z2 >> 16) & 0xFFFF) % 24))  # fmt: skip
        elif chance < 0.95:  # heavy, weekends too
            slots.append((84 + f1 % 24, 120 + f2 % 48))
        return [
            (float(base + s * PERIOD), float(base + min(s + n, 288) * PERIOD)) for s, n in slots
        ]

    def newest_day(self, workspace_id: str, first: int, last: int) -> tuple[int, list[Session]] | None:
        """The newest day in (last, first] on which the user has sessions, and those."""
        memo = self._newest.get(workspace_id)
        stop = last
        hi = day = 0
        if memo is not None:
            hi, day = memo >> 64, (memo >> 64) - ((memo >> 40) & 0xFFFFFF)
            if day > first:
                memo = None  # asked about older days: no help
            elif first <= hi:
                return (day, _unpack(memo, day)) if day > last else None
            else:
                stop = max(last, hi)  # days (day, hi] are known to be empty
        for d in range(first, stop, -1):
            found = self.day_sessions(workspace_id, d)
            if found:
                if memo is not None or workspace_id not in self._newest:
                    self._newest[workspace_id] = first << 64 | (first - d) << 40 | _pack(found, d)
                return d, found
        if memo is not None and stop == hi:
            self._newest[workspace_id] = first << 64 | (memo & ((1 << 64) - 1)) + (
                (first - hi) << 40)  # fmt: skip
            return (day, _unpack(memo, day)) if day > last else None
        return None

    def sessions(self, workspace_id: str, start: float, end: float) -> list[Session]:
        """The user's sessions overlapping [start, end), clipped to it, before the
        WorkSpace's own history is applied (``wstui.sim.connections.sessions_of``)."""
        out: list[Session] = []
        for day in range(int(start // DAY), math.ceil(end / DAY) + 1):
            for s, e in self._day(workspace_id, day):
                if e > start and s < end:
                    out.append((max(s, start), min(e, end)))
        return out

    def _base(self, workspace_id: str, metric: str) -> int:
        key = (workspace_id, metric)
        base = self._bases.get(key)
        if base is None:
            base = self._bases[key] = _h(self.seed, workspace_id, metric)
        return base

    def value(self, workspace_id: str, metric: str, t: float) -> float:
        """The metric's value for the 5-minute period starting at t (inside a session)."""
        if metric == "UserConnected":
            return 1.0
        h = self._base(workspace_id, metric)
        base = (h % 1000) / 1000.0
        # Integer mixing, not a hash per period: a month of a fleet is millions of periods.
        # Values move hourly (enough for a health view, and an hour's periods share one).
        noise = (((h ^ int(t) // 3600) * 2654435761) >> 8) % 1000 / 1000.0
        if metric == "InSessionLatency":
            return round(30 + base * 220 + noise * 40, 1)  # ms
        if metric == "UDPPacketLossRate":
            return round(base * 2 + noise, 2)  # %
        if metric == "CPUUsage":
            return round(min(100.0, 5 + base * 60 + noise * 35), 1)
        if metric == "MemoryUsage":
            return round(min(100.0, 20 + base * 55 + noise * 25), 1)
        if metric == "RootVolumeDiskUsage":
            return round(30 + base * 55, 1)
        # UserVolumeDiskUsage: fills slowly with time, some users near full.
        growth = ((t // DAY) % 365) / 365.0
        return round(min(100.0, 10 + base * 85 + growth * 5), 1)

    def connected_periods(
        self, workspace_id: str, start: float, end: float, blocked: list[Session] | None = None
    ) -> list[float]:
        """Starts of the 5-minute periods in [start, end) with a session (``blocked``: when
        the WorkSpace could hold none, ``connections.blocked_of``)."""
        out: list[float] = []
        for s, e in sessions_of(self, workspace_id, blocked or [], start, end):
            t = math.ceil(s / PERIOD) * PERIOD
            while t < e:
                out.append(float(t))
                t += PERIOD
        return sorted(set(out))


# -------------------------------------------------------------------- statistics


def _stat(stat: str, values: list[float]) -> float:
    if stat == "Maximum":
        return max(values)
    if stat == "Minimum":
        return min(values)
    if stat == "Sum":
        return float(sum(values))
    if stat == "SampleCount":
        return float(len(values))
    if stat == "Average":
        return sum(values) / len(values)
    if stat.startswith("p"):
        q = float(stat[1:]) / 100.0
        ordered = sorted(values)
        return ordered[max(0, math.ceil(q * len(ordered)) - 1)]
    raise InvalidParameterValue(f"The value {stat} for parameter Stat is not valid.")


def _valid_stat(stat: Any) -> bool:
    if stat in ("Maximum", "Minimum", "Sum", "SampleCount", "Average"):
        return True
    if isinstance(stat, str) and stat.startswith("p"):
        try:
            return 0 <= float(stat[1:]) <= 100
        except ValueError:
            return False
    return False


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, tz=UTC)


# -------------------------------------------------------------------- the handler


def _check(params: dict[str, Any], start: float, end: float) -> list[dict[str, Any]]:
    queries = params.get("MetricDataQueries") or []
    if not isinstance(queries, list) or not queries:
        raise ValidationError("The parameter MetricDataQueries is required.")
    if len(queries) > MAX_QUERIES:
        raise ValidationError(
            f"The collection MetricDataQueries must not have a size greater than {MAX_QUERIES}."
        )
    if start >= end:
        raise ValidationError("The parameter StartTime must be less than the parameter EndTime.")
    seen: set[str] = set()
    for n, q in enumerate(queries, 1):
        qid = q.get("Id", "")
        if not isinstance(qid, str) or not _ID.match(qid):
            raise ValidationError(
                f"The value {qid} for parameter MetricDataQueries.member.{n}.Id is not valid: "
                "it must start with a lowercase letter and hold letters, digits and underscores."
            )
        if qid in seen:
            raise ValidationError(f"The value {qid} for parameter MetricDataQueries.member.{n}"
                                  ".Id is not unique.")  # fmt: skip
        seen.add(qid)
        if ("MetricStat" in q) == ("Expression" in q):
            raise ValidationError(
                f"Exactly one element of the MetricStat or the Expression of "
                f"MetricDataQueries.member.{n} must be set."
            )
        stat = q.get("MetricStat") or {}
        if "MetricStat" in q:
            period = stat.get("Period")
            if not isinstance(period, int) or period < 1:
                raise ValidationError(
                    f"The parameter MetricDataQueries.member.{n}.MetricStat.Period must be "
                    "greater than 0."
                )
            if not _valid_stat(stat.get("Stat")):
                raise InvalidParameterValue(
                    f"The value {stat.get('Stat')} for parameter "
                    f"MetricDataQueries.member.{n}.MetricStat.Stat is not valid."
                )
    return queries


def _round_start(start: float, now: float) -> float:
    """StartTime as CloudWatch rounds it: to the minute, 5 minutes or hour by age."""
    age = now - start
    step = 3600 if age > 63 * DAY else PERIOD if age > 15 * DAY else 60
    return math.floor(start / step) * step


def _period_allowed(period: int, start: float, now: float) -> bool:
    age = now - start
    if period % 60:
        return False  # regular-resolution metrics: multiples of 60 only
    if age > 63 * DAY:
        return period % 3600 == 0
    if age > 15 * DAY:
        return period % 300 == 0
    return True


def _series(
    model: SessionModel, blocked: Callable[[str], list[Session] | None], q: dict[str, Any],
    start: float, end: float, now: float,
) -> tuple[list[float], list[float]]:  # fmt: skip
    """(timestamps, values) ascending for one MetricStat query."""
    stat = q["MetricStat"]
    metric = stat.get("Metric") or {}
    period = int(stat["Period"])
    dims = {d.get("Name"): d.get("Value") for d in metric.get("Dimensions") or []}
    wid = dims.get("WorkspaceId")
    spans = blocked(str(wid))
    if (
        metric.get("Namespace") != NAMESPACE
        or metric.get("MetricName") not in METRICS
        or set(dims) != {"WorkspaceId"}
        or spans is None
        or not _period_allowed(period, start, now)
    ):
        return [], []
    last = min(end, math.floor(now / PERIOD) * PERIOD)  # complete periods only
    periods = model.connected_periods(str(wid), start, last, spans)
    name = metric["MetricName"]
    if period == PERIOD and start % PERIOD == 0 and stat["Stat"] in ("Maximum", "Minimum",
                                                                     "Average"):  # fmt: skip
        # One published value per bucket: the statistic is the value itself.
        return periods, [model.value(str(wid), name, t) for t in periods]
    buckets: dict[float, list[float]] = {}
    hourly: dict[int, float] = {}
    for t in periods:
        b = start + ((t - start) // period) * period
        v = hourly.get(int(t) // 3600)
        if v is None:
            v = hourly[int(t) // 3600] = model.value(str(wid), name, t)
        buckets.setdefault(b, []).append(v)
    ts = sorted(buckets)
    return ts, [_stat(stat["Stat"], buckets[b]) for b in ts]


def get_metric_data(resp: CloudWatchResponse, original: Callable[[], Any]) -> Any:
    from wstui.sim.runtime import current

    params = resp._get_params()
    start, end = _epoch(params["StartTime"]), _epoch(params["EndTime"])
    queries = _check(params, start, end)
    start = _round_start(start, current().clock.now())
    if not any((q.get("MetricStat") or {}).get("Metric", {}).get("Namespace") == NAMESPACE
               for q in queries):  # fmt: skip
        return original()
    if any("Expression" in q for q in queries):
        raise ValidationError("The simulator answers AWS/WorkSpaces queries without Expression.")
    runtime = current()
    model = runtime.sessions or SessionModel()
    now = runtime.clock.now()
    backend = workspaces_backends[resp.current_account][resp.region]
    wanted = {
        d.get("Value")
        for q in queries
        for d in (q.get("MetricStat") or {}).get("Metric", {}).get("Dimensions") or []
        if d.get("Name") == "WorkspaceId"
    }
    with LOCK:  # each WorkSpace's history as of now; the series are built without the lock
        spans = {w: blocked_of(ws, now) for w in wanted
                 if isinstance(ws := backend.workspaces.get(w), SimWorkspace)}  # fmt: skip
    budget = int(params.get("MaxDatapoints") or MAX_DATAPOINTS)
    budget = min(budget, MAX_DATAPOINTS)
    token = params.get("NextToken")
    skip_q, skip_p = 0, 0
    if token:
        try:
            skip_q, skip_p = json.loads(base64.b64decode(token))
        except (ValueError, TypeError) as exc:
            raise ValidationError("The NextToken is not valid.") from exc
    descending = (params.get("ScanBy") or "TimestampDescending") == "TimestampDescending"
    results: list[dict[str, Any]] = []
    next_token = None
    for n, q in enumerate(queries):
        if n < skip_q:
            continue
        ts, vals = _series(model, spans.get, q, start, end, now)
        if descending:
            ts, vals = ts[::-1], vals[::-1]
        first = skip_p if n == skip_q else 0
        ts, vals = ts[first:], vals[first:]
        status = "Complete"
        if next_token is not None:
            ts, vals, status = [], [], "PartialData"
        elif len(ts) > budget:
            ts, vals, status = ts[:budget], vals[:budget], "PartialData"
            next_token = base64.b64encode(json.dumps([n, first + budget]).encode()).decode()
        budget -= len(ts)
        if q.get("ReturnData", True):
            label = q.get("Label") or f"{q['MetricStat']['Metric'].get('MetricName')} " \
                f"{q['MetricStat']['Stat']}"  # fmt: skip
            results.append({"id": q["Id"], "label": label, "timestamps": ts,
                            "values": vals, "status_code": status})  # fmt: skip
        if budget == 0 and next_token is None and n + 1 < len(queries):
            next_token = base64.b64encode(json.dumps([n + 1, 0]).encode()).decode()
    if resp.determine_response_protocol(get_service_model("cloudwatch")) == "json":
        # moto's generic serializer walks the shape for every datapoint (tens of
        # microseconds each); the JSON protocol's answer is plain json.dumps.
        body: dict[str, Any] = {"MetricDataResults": [
            {"Id": r["id"], "Label": r["label"], "Timestamps": r["timestamps"],
             "Values": r["values"], "StatusCode": r["status_code"]} for r in results
        ], "Messages": []}  # fmt: skip
        if next_token:
            body["NextToken"] = next_token
        return json.dumps(body)
    for r in results:
        r["timestamps"] = [_dt(t) for t in r["timestamps"]]
    out: dict[str, Any] = {"MetricDataResults": results, "Messages": []}
    if next_token:
        out["NextToken"] = next_token
    return ActionResult(out)


_original_get_metric_data = CloudWatchResponse.get_metric_data
_original_call_action = CloudWatchResponse.call_action


def _handler(self: CloudWatchResponse) -> Any:
    return get_metric_data(self, lambda: _original_get_metric_data(self))


def _call_action(self: CloudWatchResponse) -> Any:
    """Every CloudWatch call goes through the simulator's gate: recorded in the call log,
    subject to its faults (latency, throttling, a dying endpoint) like WorkSpaces calls."""
    try:
        params = self._get_params()
    except Exception:
        params = {}
    operation = self._get_action()
    return gate(self, operation, _loggable(params), f"cloudwatch:{operation}",
                lambda: _original_call_action(self))  # fmt: skip


def _loggable(params: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(params, default=str))


def install() -> None:
    CloudWatchResponse.get_metric_data = _handler  # type: ignore[method-assign]
    CloudWatchResponse.call_action = _call_action  # type: ignore[method-assign,assignment]
