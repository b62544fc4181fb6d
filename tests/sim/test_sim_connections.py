"""One connection model: DescribeWorkspacesConnectionStatus and CloudWatch UserConnected
tell the story of the same sessions (``Simulator.session_log``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from wstui.sim import Simulator

US = "us-east-1"
DAY = 86400
# Monday 2026-11-16 11:02:17 UTC: off the 5-minute grid, so no session starts or ends
# exactly at the clock (the log clips at now; an open session ends there).
START = datetime(2026, 11, 16, 11, 2, 17, tzinfo=UTC).timestamp()
LOOKBACK = 460 * DAY  # past the seeded "idle for months" (up to 400 days)


@pytest.fixture
def fleet() -> Any:
    sim = Simulator(seed=9, start=START)
    with sim.running():
        sim.seed(size=300, regions=(US,), directories_per_region=3)
        yield sim


def _statuses(sim: Simulator) -> dict[str, dict[str, Any]]:
    client = boto3.client("workspaces", region_name=US)
    pages = client.get_paginator("describe_workspaces_connection_status").paginate()
    return {s["WorkspaceId"]: s for p in pages for s in p["WorkspacesConnectionStatus"]}


def _states(sim: Simulator) -> dict[str, str]:
    client = boto3.client("workspaces", region_name=US)
    pages = client.get_paginator("describe_workspaces").paginate()
    return {w["WorkspaceId"]: w["State"] for p in pages for w in p["Workspaces"]}


def _check_against_log(sim: Simulator) -> dict[str, int]:
    """Every WorkSpace's answer agrees with its session log; returns a tally."""
    now = sim.clock.now()
    statuses, states = _statuses(sim), _states(sim)
    assert set(statuses) == set(states) and len(states) == 300
    tally = {"CONNECTED": 0, "DISCONNECTED": 0, "UNKNOWN": 0, "never": 0, "stopped": 0}
    for wid, status in statuses.items():
        log = sim.session_log(wid, now - LOOKBACK, now)
        state = states[wid]
        conn = status["ConnectionState"]
        tally[conn] += 1
        last = status.get("LastKnownUserConnectionTimestamp")
        if not log:
            assert last is None, wid
            tally["never"] += 1
        else:
            # The start of the latest session begun before now, never in the future.
            assert last is not None, wid
            assert last.timestamp() == log[-1][0], wid
            assert last.timestamp() <= now
        open_now = bool(log) and log[-1][1] == now  # the log clips an open session at now
        assert (conn == "CONNECTED") == open_now, (wid, state, conn, log[-1:])
        if state != "AVAILABLE":
            assert conn != "CONNECTED"
        if state == "STOPPED":
            assert conn == "UNKNOWN"  # the reference: unknown if the WorkSpace is stopped
            tally["stopped"] += 1
    return tally


def test_connection_status_agrees_with_the_session_log_at_several_times(fleet: Any) -> None:
    sim = fleet
    tallies = []
    # 11:02 Monday, 14:02, 21:02, Tuesday 09:02, Saturday 11:02 (heavy users only), and a
    # month later (seeded transitions have settled by then).
    for step in (0, 3 * 3600, 7 * 3600, 12 * 3600, 4 * DAY + 2 * 3600, 30 * DAY):
        sim.clock.advance(step)
        tallies.append(_check_against_log(sim))
    # The seed makes every case happen, so the agreement above is not vacuous.
    assert tallies[0]["CONNECTED"] > 50 and tallies[0]["DISCONNECTED"] > 50
    assert tallies[0]["never"] > 20 and tallies[0]["stopped"] > 10
    assert tallies[2]["CONNECTED"] < tallies[0]["CONNECTED"]  # 21:02: most went home
    assert tallies[4]["CONNECTED"] < tallies[3]["CONNECTED"]  # Saturday


def test_connected_publishes_user_connected_and_stopped_does_not(fleet: Any) -> None:
    sim = fleet
    now = sim.clock.now()
    statuses, states = _statuses(sim), _states(sim)
    connected = [w for w, s in statuses.items() if s["ConnectionState"] == "CONNECTED"]
    stopped = [w for w, s in states.items() if s == "STOPPED"]
    cw = boto3.client("cloudwatch", region_name=US)
    end = datetime.fromtimestamp((now // 300) * 300, tz=UTC)  # periods on the 5-minute grid

    def user_connected(wid: str, days: float) -> list[datetime]:
        q = {"Id": "c", "MetricStat": {"Metric": {
            "Namespace": "AWS/WorkSpaces", "MetricName": "UserConnected",
            "Dimensions": [{"Name": "WorkspaceId", "Value": wid}]},
            "Period": 300, "Stat": "Maximum"}}  # fmt: skip
        res = cw.get_metric_data(MetricDataQueries=[q], StartTime=end - timedelta(days=days),
                                 EndTime=end)["MetricDataResults"][0]  # fmt: skip
        assert res["StatusCode"] == "Complete" and set(res["Values"]) <= {1.0}
        return sorted(res["Timestamps"])

    last_complete = (now // 300) * 300 - 300
    for wid in connected[:20]:
        start = statuses[wid]["LastKnownUserConnectionTimestamp"].timestamp()
        stamps = [t.timestamp() for t in user_connected(wid, 1)]
        # The open session: 1 for every complete period since its start, up to now (none
        # yet if it began in the current, incomplete period).
        assert [t for t in stamps if t >= start] == list(
            range(int(start), int(last_complete) + 1, 300))
    assert any(statuses[w]["LastKnownUserConnectionTimestamp"].timestamp() <= last_complete
               for w in connected[:20])  # fmt: skip
    for wid in stopped:
        stamps = user_connected(wid, 14)
        log = sim.session_log(wid, end.timestamp() - 14 * DAY, end.timestamp())
        assert [t.timestamp() for t in stamps] == [
            t for s, e in log for t in range(int(s), int(e), 300)]
        # Nothing since it stopped: the last published period ends by the last connection's
        # session end, and no session is open.
        assert statuses[wid]["ConnectionState"] == "UNKNOWN"
        assert not log or log[-1][1] < now
    assert len(stopped) > 10 and any(
        sim.session_log(w, now - 14 * DAY) for w in stopped)  # fmt: skip


def test_stop_start_reboot_and_create_follow_the_model(fleet: Any) -> None:
    sim = fleet
    client = boto3.client("workspaces", region_name=US)
    statuses = _statuses(sim)
    # A connected AUTO_STOP WorkSpace: stopping it ends the session.
    wid = next(w for w, s in statuses.items() if s["ConnectionState"] == "CONNECTED"
               and sim.workspace(US, w).running_mode == "AUTO_STOP")  # fmt: skip
    began = statuses[wid]["LastKnownUserConnectionTimestamp"]
    stopped_at = sim.clock.now()
    assert client.stop_workspaces(StopWorkspaceRequests=[{"WorkspaceId": wid}])[
        "FailedRequests"] == []  # fmt: skip
    sim.clock.advance(3 * 3600)
    assert sim.state_of(US, wid) == "STOPPED"
    after = _statuses(sim)[wid]
    assert after["ConnectionState"] == "UNKNOWN"
    assert after["LastKnownUserConnectionTimestamp"] == began  # no later connection
    log = sim.session_log(wid, stopped_at - DAY)
    assert log[-1][0] == began.timestamp() and log[-1][1] <= stopped_at
    # Started again: its user's sessions resume (the next working day's).
    client.start_workspaces(StartWorkspaceRequests=[{"WorkspaceId": wid}])
    sim.clock.advance(DAY)
    again = _statuses(sim)[wid]
    log = sim.session_log(wid, sim.clock.now() - LOOKBACK)
    assert again["LastKnownUserConnectionTimestamp"].timestamp() == log[-1][0]
    # A new WorkSpace has no past: no connection before it was created.
    directory = sim.workspace(US, wid).directory_id
    created_at = sim.clock.now()
    made = client.create_workspaces(Workspaces=[{
        "DirectoryId": directory, "UserName": "new.user", "BundleId":
        sim.workspace(US, wid).bundle_id}])["PendingRequests"]  # fmt: skip
    new_id = made[0]["WorkspaceId"]
    fresh = _statuses(sim)[new_id]
    assert "LastKnownUserConnectionTimestamp" not in fresh
    assert fresh["ConnectionState"] == "UNKNOWN"  # PENDING
    assert sim.session_log(new_id, created_at - LOOKBACK) == []
    sim.clock.advance(10 * DAY)
    log = sim.session_log(new_id, created_at - LOOKBACK)
    assert all(s >= created_at for s, _e in log)
    status = _statuses(sim)[new_id]
    if log:
        assert status["LastKnownUserConnectionTimestamp"].timestamp() == log[-1][0]
    else:
        assert "LastKnownUserConnectionTimestamp" not in status


def test_reboot_cuts_the_open_session(fleet: Any) -> None:
    sim = fleet
    client = boto3.client("workspaces", region_name=US)
    statuses = _statuses(sim)
    wid = next(w for w, s in statuses.items() if s["ConnectionState"] == "CONNECTED")
    at = sim.clock.now()
    client.reboot_workspaces(RebootWorkspaceRequests=[{"WorkspaceId": wid}])
    assert _statuses(sim)[wid]["ConnectionState"] == "UNKNOWN"  # REBOOTING
    sim.clock.advance(600)  # rebooted (2 minutes), the user back at the next period
    log = sim.session_log(wid, at - DAY)
    began = statuses[wid]["LastKnownUserConnectionTimestamp"].timestamp()
    # The open session now ends where the reboot's period began.
    assert (began, (at // 300) * 300) in log
    resumed = log[-1]
    assert resumed[0] > at and resumed[1] == sim.clock.now()
    status = _statuses(sim)[wid]
    assert status["ConnectionState"] == "CONNECTED"
    assert status["LastKnownUserConnectionTimestamp"].timestamp() == resumed[0]


def test_same_seed_same_answers() -> None:
    def answers() -> list[tuple[str, str, Any]]:
        sim = Simulator(seed=9, start=START)
        with sim.running():
            sim.seed(size=80, regions=(US,), directories_per_region=2)
            sim.clock.advance(3600)
            return sorted((w, s["ConnectionState"], s.get("LastKnownUserConnectionTimestamp"))
                          for w, s in _statuses(sim).items())  # fmt: skip

    first = answers()
    assert first == answers()
    assert len({a[1] for a in first}) == 3
