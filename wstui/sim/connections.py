"""The simulator's one connection model: who is connected, and when they last connected.

A WorkSpace's sessions are its user's sessions (``metrics.SessionModel``: a deterministic
profile per WorkSpace and day) minus the times the WorkSpace could not hold one: before it
was created, while it was not AVAILABLE (stopped, rebooting, in maintenance, ...), and
after its user stopped using it (seeded "idle for months" WorkSpaces). Those times are
the WorkSpace's *blocked* intervals, kept by ``SimWorkspace`` as its state changes.

Both answers come from these sessions, so they always tell the same story:
- CloudWatch ``UserConnected`` is 1 for each 5-minute period inside a session
  (``metrics.py``);
- ``DescribeWorkspacesConnectionStatus``: ``CONNECTED`` while a session is open at the
  simulator's clock, ``LastKnownUserConnectionTimestamp`` the *start* of the latest
  session begun before now (the reference: "The timestamp of the last known user
  connection" -- the moment the user connected, so it never lies in the future and an
  open session's start is its value).

Blocked intervals are widened to whole 5-minute periods (a session cut by a reboot
resumes at the next period), so sessions stay aligned the way ``UserConnected`` is
published and a reader rebuilding sessions from the metric gets them back exactly.
"""

from __future__ import annotations

import math
from typing import Any, Protocol

PERIOD = 300
DAY = 86400
INF = math.inf
# How far back the last connection is looked for: past the seeded "idle for months"
# (60-400 days); a user with no session in that long shows as never connected.
LOOKBACK_DAYS = 450
RUNNING = "AVAILABLE"  # the only state in which a user holds a session

Session = tuple[float, float]  # [start, end) in epoch seconds


class Usage(Protocol):
    def profile(self, workspace_id: str) -> str: ...
    def day_sessions(self, workspace_id: str, day: int) -> list[Session]: ...
    def newest_day(
        self, workspace_id: str, first: int, last: int
    ) -> tuple[int, list[Session]] | None: ...
    def sessions(self, workspace_id: str, start: float, end: float) -> list[Session]: ...


def blocked_of(ws: Any, now: float) -> list[Session]:
    """The WorkSpace's blocked intervals as of ``now``, whole periods, sorted.

    Applies its state plan up to ``now``; call with ``model.LOCK`` held.
    """
    ws.state_at(now)
    spans = list(ws.off or ())
    if ws.down_since is not None:
        spans.append((ws.down_since, INF))
    out = []
    for a, b in spans:
        a = math.floor(a / PERIOD) * PERIOD if a != -INF else a
        b = math.ceil(b / PERIOD) * PERIOD if b != INF else b
        out.append((a, b))
    return sorted(out)


def clip(sessions: list[Session], blocked: list[Session]) -> list[Session]:
    """Sessions with the blocked intervals cut out."""
    if not blocked:
        return sessions
    out: list[Session] = []
    for s, e in sessions:
        pieces = [(s, e)]
        for a, b in blocked:
            if a >= e:
                break  # blocked is sorted by start
            kept: list[Session] = []
            for x, y in pieces:
                if b <= x or a >= y:
                    kept.append((x, y))
                    continue
                if x < a:
                    kept.append((x, a))
                if b < y:
                    kept.append((b, y))
            pieces = kept
        out.extend(pieces)
    return out


def sessions_of(
    usage: Usage, workspace_id: str, blocked: list[Session], start: float, end: float
) -> list[Session]:
    """The session log: the WorkSpace's sessions overlapping [start, end), clipped to it."""
    return clip(usage.sessions(workspace_id, start, end), blocked)


def latest_session(
    usage: Usage, workspace_id: str, blocked: list[Session], now: float
) -> Session | None:
    """The latest session begun before ``now`` (its true end, which may be after now)."""
    if usage.profile(workspace_id) == "never":
        return None
    top = now
    moved = True
    while moved:  # nothing can start inside a blocked interval: skip to its start
        moved = False
        for a, b in blocked:
            if a < top <= b:
                top, moved = a, True
    if top == -INF:
        return None
    first = int(top // DAY)
    last = first - LOOKBACK_DAYS
    created = max((b for a, b in blocked if a == -INF), default=-INF)
    if created != -INF:
        last = max(last, int(created // DAY) - 1)  # nothing before the WorkSpace existed
    while first > last:
        newest = usage.newest_day(workspace_id, first, last)
        if newest is None:
            return None
        day, sessions = newest
        found = [p for p in clip(sessions, blocked) if p[0] < now]
        if found:
            return max(found)
        first = day - 1
    return None


def connection_status(usage: Usage, ws: Any, now: float) -> dict[str, Any]:
    """One ``WorkspaceConnectionStatus``; call with ``model.LOCK`` held."""
    blocked = blocked_of(ws, now)
    state = ws.state
    last = latest_session(usage, ws.workspace_id, blocked, now)
    if state == RUNNING:
        conn = "CONNECTED" if last is not None and last[1] > now else "DISCONNECTED"
    elif state in ("IMPAIRED", "UNHEALTHY", "ADMIN_MAINTENANCE"):
        conn = "DISCONNECTED"  # up, but nobody holds a session (blocked)
    else:
        # The reference: "The connection state is unknown if the WorkSpace is stopped";
        # likewise while it starts, stops, reboots or is rebuilt.
        conn = "UNKNOWN"
    item: dict[str, Any] = {
        "WorkspaceId": ws.workspace_id,
        "ConnectionState": conn,
        "ConnectionStateCheckTimestamp": now,
    }
    if last is not None:
        item["LastKnownUserConnectionTimestamp"] = last[0]
    return item
