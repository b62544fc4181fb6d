"""Idle days, never-connected, connection history across refreshes, running-mode advice."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from wstui.core import insight
from wstui.core.act.advice import advice_plans
from wstui.core.cache import Cache
from wstui.core.query import compile as compile_query

DAY = 86400.0
T0 = 1_750_000_000.0  # a fixed "now" (2025-06-15)


@dataclass(frozen=True)
class Target:
    profile: str | None
    region: str
    account: str = "111111111111"


T = Target(None, "us-east-1")


def item(
    n: int,
    mode: str = "AUTO_STOP",
    last: float | None = None,
    connected: bool = False,
    state: str = "AVAILABLE",
    tags: dict[str, str] | None = None,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "WorkspaceId": f"ws-{n:08d}",
        "ConnectionState": "CONNECTED" if connected else "DISCONNECTED",
    }
    if last is not None:
        status["LastKnownUserConnectionTimestamp"] = last
    return {
        "WorkspaceId": f"ws-{n:08d}",
        "DirectoryId": "d-0000000001",
        "UserName": f"user{n}",
        "State": state,
        "WorkspaceProperties": {"RunningMode": mode},
        "ConnectionStatus": status,
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
    }


@pytest.fixture
def cache(tmp_path: Path) -> Any:
    c = Cache(tmp_path / "c.sqlite")
    c.clock = lambda: T0
    yield c
    c.close()


def ids(cache: Cache, text: str, now: float = T0) -> list[str]:
    where, params = compile_query(text, "workspaces", now=now)
    return [r["id"] for r in cache.query("workspaces", where, params, limit=None, now=now)]


# ------------------------------------------------------------------------- idle


def test_idle_days_and_never_connected_in_queries_and_columns(cache: Cache) -> None:
    cache.replace_snapshot(
        "ws",
        T,
        [
            item(1, last=T0 - 45 * DAY),
            item(2, last=T0 - 5 * DAY - 3600),
            item(3, last=None),
            item(4, last=T0 - 31 * DAY),
        ],
    )
    rows = {r["id"]: r for r in cache.query("ws", limit=None, now=T0)}
    assert rows["ws-00000001"]["idle_days"] == 45
    assert rows["ws-00000002"]["idle_days"] == 5
    assert rows["ws-00000003"]["idle_days"] is None
    # Never connected counts as the most idle.
    assert ids(cache, "idle>30d") == ["ws-00000001", "ws-00000003", "ws-00000004"]
    assert ids(cache, "connected:never") == ["ws-00000003"]
    assert ids(cache, "idle<30d") == ["ws-00000002"]
    assert insight.idle_days(T0 - 45 * DAY, T0) == 45
    assert insight.idle_days(None, T0) == math.inf
    assert insight.never_connected(item(3)) and not insight.never_connected(item(1, last=T0))


# --------------------------------------------------------- connection history


def refresh_on(cache: Cache, day: int, items: list[dict]) -> None:
    cache.clock = lambda: T0 + day * DAY
    cache.replace_snapshot("ws", T, items)


def test_connection_history_accumulates_across_refreshes(cache: Cache) -> None:
    # ws 1 connects on days 0, 1 and 3 (last-connection stamps); ws 2 is seen CONNECTED
    # at the refresh of day 2 without a new stamp; ws 3 never connects.
    for day, (last1, conn2) in enumerate(
        [(0, False), (1, False), (1, True), (3, False), (3, False)]
    ):
        refresh_on(
            cache,
            day,
            [
                item(1, last=T0 + last1 * DAY + 60),
                item(2, last=T0 - 40 * DAY, connected=conn2),
                item(3),
            ],
        )
    base = insight.day_of(T0)
    assert insight.connection_days(cache, (T.account, T.region, "ws-00000001")) == [
        base, base + 1, base + 3,
    ]  # fmt: skip
    assert insight.connection_days(cache, (T.account, T.region, "ws-00000002")) == [
        base - 40, base + 2,
    ]  # fmt: skip
    assert insight.connection_days(cache, (T.account, T.region, "ws-00000003")) == []
    now = T0 + 4 * DAY
    rows = {r["id"]: r for r in cache.query("ws", limit=None, now=now)}
    # day -40 is outside the 30-day window
    assert [rows[f"ws-0000000{n}"]["used_days"] for n in (1, 2, 3)] == [3, 1, 0]
    assert ids(cache, "used_days>=2", now) == ["ws-00000001"]
    raw = cache.get("ws", "ws-00000001")["raw"]
    assert raw["Usage"]["ObservedDays"] == 5


def test_history_survives_a_new_cache_object_and_prunes_vanished(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    first = Cache(path)
    first.clock = lambda: T0
    first.replace_snapshot("ws", T, [item(1, last=T0), item(2, last=T0)])
    first.close()
    second = Cache(path)  # another process/run: the history is in the file
    second.clock = lambda: T0 + DAY
    second.replace_snapshot("ws", T, [item(1, last=T0 + DAY)])  # ws 2 vanished
    assert insight.connection_days(second, (T.account, T.region, "ws-00000001")) == [
        insight.day_of(T0), insight.day_of(T0) + 1,
    ]  # fmt: skip
    assert insight.connection_days(second, (T.account, T.region, "ws-00000002")) == []
    assert second.get("ws", "ws-00000001")["used_days"] == 2
    second.close()


# ------------------------------------------------------------------------ advice


@pytest.mark.parametrize(
    ("mode", "used", "observed", "last_days_ago", "want"),
    [
        ("AUTO_STOP", 15, 30, 0, "ALWAYS_ON"),
        ("AUTO_STOP", 14, 30, 0, None),
        ("ALWAYS_ON", 3, 30, 1, "AUTO_STOP"),
        ("ALWAYS_ON", 4, 30, 1, None),
        ("ALWAYS_ON", 0, 2, 1, None),  # too little history to judge
        ("ALWAYS_ON", 0, 2, 40, "AUTO_STOP"),  # ...unless the last connection is old
        ("ALWAYS_ON", 0, 1, None, "AUTO_STOP"),  # never connected
        ("MANUAL", 30, 30, 0, None),
        ("MANUAL", 0, 30, None, None),
    ],
)
def test_advise_rules(
    mode: str, used: int, observed: int, last_days_ago: int | None, want: str | None
) -> None:
    last = None if last_days_ago is None else T0 - last_days_ago * DAY
    advice = insight.advise(mode, used, observed, last, T0)
    assert (advice.mode if advice else None) == want


def test_advice_columns_view_and_bulk_plans_through_the_plan_flow(cache: Cache) -> None:
    # 16 days of use for ws 1 (AUTO_STOP) and ws 4 (AUTO_STOP, protected);
    # ws 2 (ALWAYS_ON) used once in 10 days; ws 3 ALWAYS_ON used daily.
    for day in range(16):
        refresh_on(
            cache,
            day,
            [
                item(1, last=T0 + day * DAY),
                item(2, mode="ALWAYS_ON", last=T0),
                item(3, mode="ALWAYS_ON", last=T0 + day * DAY),
                item(4, last=T0 + day * DAY, tags={"wstui:protect": "yes"}),
                item(5, mode="MANUAL"),
            ],
        )
    now = T0 + 15 * DAY
    assert ids(cache, "advice:ALWAYS_ON", now) == ["ws-00000001", "ws-00000004"]
    assert ids(cache, "advice:AUTO_STOP", now) == ["ws-00000002"]
    assert ids(cache, "-advice:*", now) == ["ws-00000003", "ws-00000005"]
    assert cache.get("ws", "ws-00000002")["advice_why"] == "used 1 of 30 days"
    where, params = compile_query("advice:*", "workspaces", now=now)
    rows = cache.query("ws", where, params, limit=None, with_raw=True, now=now)
    plans = {p.params["mode"]: p for p in advice_plans(rows)}
    assert plans["ALWAYS_ON"].eligible == ["ws-00000001"]
    assert [(s.id, s.reason) for s in plans["ALWAYS_ON"].skipped] == [
        ("ws-00000004", "protected by tag wstui:protect")
    ]
    assert plans["AUTO_STOP"].eligible == ["ws-00000002"]
    assert plans["AUTO_STOP"].calls[0].request == {
        "WorkspaceId": "ws-00000002",
        "WorkspaceProperties": {"RunningMode": "AUTO_STOP"},
    }


def test_advice_follows_a_running_mode_change_read_by_id(cache: Cache) -> None:
    for day in range(16):
        refresh_on(cache, day, [item(1, last=T0 + day * DAY)])
    assert cache.get("ws", "ws-00000001")["advice"] == "ALWAYS_ON"
    # The follow-up re-read (DescribeWorkspaces by id) has no Usage and no ConnectionStatus.
    reread = item(1, mode="ALWAYS_ON")
    del reread["ConnectionStatus"], reread["Tags"]
    cache.upsert_items("ws", T, [reread])
    row = cache.get("ws", "ws-00000001")
    assert row["advice"] is None and row["used_days"] == 16
    assert row["running_mode"] == "ALWAYS_ON"


def test_usage_figures_do_not_flood_the_change_history(cache: Cache) -> None:
    refresh_on(cache, 0, [item(1, last=T0)])
    refresh_on(cache, 1, [item(1, last=T0 + DAY)])
    fields = {h["field"] for h in cache.history("ws")}
    assert fields == {"last_connected"}


def test_usage_on_the_simulated_fleet(sim: Any, tmp_path: Path) -> None:
    from wstui.core.aws import Clients
    from wstui.core.aws import Target as AwsTarget
    from wstui.core.refresh import Refresher

    c = Cache(tmp_path / "sim.sqlite")
    refresher = Refresher(c, Clients(), [AwsTarget(None, "us-east-1")], kinds=["workspaces"])
    assert all(r.ok for r in refresher.refresh())
    rows = c.query("ws", limit=None, with_raw=True)
    never = [r["id"] for r in rows if insight.never_connected(r["raw"])]
    assert sorted(ids(c, "connected:never", now=None)) == sorted(never)  # type: ignore[arg-type]
    for r in rows:
        advice = insight.item_advice(r["raw"])
        assert r["advice"] == (advice.mode if advice else None)
        assert r["used_days"] == len(
            [
                d
                for d in insight.use_days(r["raw"], r["seen_at"])
                if d > insight.day_of(r["seen_at"]) - 30
            ]
        )
    c.close()
