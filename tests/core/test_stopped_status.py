"""A WorkSpace STOPPED on the last listing and on this one keeps its connection status
instead of being asked again (the reference: "The connection state is unknown if the
WorkSpace is stopped"); anything that left STOPPED is read fresh, and every Nth pass
reads all (listers.list_workspaces `known_status`, Refresher._list)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from wstui.core import listers
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.refresh import Refresher
from wstui.sim.seed import seed_fleet

REGION = "ap-southeast-2"


def asked(sim: Any) -> list[str]:
    """Ids named by the DescribeWorkspacesConnectionStatus calls the simulator received."""
    calls = sim.calls_to("DescribeWorkspacesConnectionStatus")
    return [i for c in calls for i in c.params.get("WorkspaceIds") or []]


@pytest.fixture
def region(sim: Any, monkeypatch: pytest.MonkeyPatch) -> Target:
    seed_fleet(size=300, seed=11, now=sim.clock.now(), regions=(REGION,), directories_per_region=3)
    monkeypatch.setattr(listers, "STATUS_BY_IDS_MIN", 0)  # the by-ids path, as a big region
    return Clients().resolve_account(Target(None, REGION))


def test_still_stopped_is_carried_and_a_started_one_is_read_fresh(
    sim: Any, region: Target
) -> None:
    clients = Clients()
    first = listers.list_workspaces(clients, region)
    stopped = {w["WorkspaceId"]: w["ConnectionStatus"] for w in first if w["State"] == "STOPPED"}
    assert len(stopped) >= 10, "the seeded fleet has STOPPED WorkSpaces"
    assert {s["ConnectionState"] for s in stopped.values()} == {"UNKNOWN"}
    started = sorted(stopped)[0]
    sim.set_state(REGION, started, "AVAILABLE")  # started (and maybe used) between passes

    sim.clear_calls()
    second = listers.list_workspaces(clients, region, known_status=stopped)

    names = asked(sim)
    by_id = {w["WorkspaceId"]: w for w in second}
    assert len(names) == len(set(names)) == len(second) - (len(stopped) - 1)
    # Fewer calls, not emptier ones: 25 ids in every call but the last.
    calls = [c for c in sim.calls_to("DescribeWorkspacesConnectionStatus") if c.params.get("WorkspaceIds")]
    assert len(calls) == math.ceil(len(names) / listers.IDS_PER_DESCRIBE)
    assert not (set(names) & (set(stopped) - {started}))
    assert started in names
    assert by_id[started]["ConnectionStatus"]["ConnectionState"] != "UNKNOWN"
    for wid in set(stopped) - {started}:
        assert by_id[wid]["ConnectionStatus"] == stopped[wid]
    # Every WorkSpace still has a status, and it is what AWS says now.
    truth = {}
    for page in clients.workspaces(region).get_paginator(
        "describe_workspaces_connection_status"
    ).paginate():
        truth.update({s["WorkspaceId"]: s["ConnectionState"] for s in page["WorkspacesConnectionStatus"]})
    assert {i: w["ConnectionStatus"]["ConnectionState"] for i, w in by_id.items()} == truth


def test_a_status_for_a_workspace_not_stopped_now_is_never_used(
    sim: Any, region: Target
) -> None:
    """A hostile or stale map (ids that are AVAILABLE now) changes nothing."""
    clients = Clients()
    items = listers.list_workspaces(clients, region)
    running = [w["WorkspaceId"] for w in items if w["State"] == "AVAILABLE"][:5]
    fake = {"ConnectionState": "UNKNOWN", "WorkspaceId": "ws-fake"}
    sim.clear_calls()
    again = listers.list_workspaces(clients, region, known_status={i: fake for i in running})
    assert set(running) <= set(asked(sim))
    assert all(w["ConnectionStatus"] is not fake for w in again)


def test_refresher_carries_between_passes_and_reads_all_every_nth(
    sim: Any, region: Target, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "c.sqlite")
    refresher = Refresher(cache, Clients(), [region], kinds=["workspaces"], tags_every=3)
    stopped = {r["id"] for r in cache.query("workspaces", limit=None) if r["state"] == "STOPPED"}
    per_pass = []
    for _ in range(4):  # passes n = 0, 1, 2, 3: n = 3 is the full pass
        sim.clear_calls()
        results = refresher.refresh()
        assert not [r.error for r in results if r.error]
        per_pass.append(set(asked(sim)))
        if not stopped:
            stopped = {
                r["id"] for r in cache.query("workspaces", limit=None) if r["state"] == "STOPPED"
            }
    everyone = {r["id"] for r in cache.query("workspaces", limit=None)}
    assert stopped and per_pass[0] == everyone
    assert per_pass[1] == per_pass[2] == everyone - stopped
    assert per_pass[3] == everyone
    rows = {r["id"]: r for r in cache.query("workspaces", limit=None, with_raw=True)}
    assert all(rows[i]["raw"]["ConnectionStatus"]["ConnectionState"] == "UNKNOWN" for i in stopped)
    cache.close()
