"""After a refresh and a metrics pass, wstui's connection columns (connection, last
connected, idle days) and its metrics columns (sessions, hours, the 30-day series) tell
one story: the simulator answers both from the same sessions."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.refresh import Refresher
from wstui.sim import Simulator

US = "us-east-1"
DAY = 86400
NOV = datetime(2026, 11, 1, tzinfo=UTC).timestamp()


def _story(tmp_path: Any, start: float) -> dict[str, int]:
    sim = Simulator(seed=5, start=start)
    with sim.running():
        sim.seed(size=300, regions=(US,), directories_per_region=3)
        cache = Cache(tmp_path / f"cache{int(start)}.sqlite")
        refresher = Refresher(cache, Clients(max_attempts=1), [Target(None, US)],
                              kinds=["workspaces"])  # fmt: skip
        refresher.metrics_clock = sim.clock.now
        [done] = refresher.refresh()
        assert done.error is None
        [passed] = refresher.read_metrics()
        assert passed.error is None
        now = sim.clock.now()
        read_to = passed.result.read_to  # metrics cover complete periods up to here
        today = int(read_to // DAY)
        rows = cache.query("workspaces", limit=None, now=now)
        assert len(rows) == 300
        tally = {"connected": 0, "idle_this_month": 0, "never": 0, "used": 0}
        for row in rows:
            wid, last = row["id"], row["last_connected"]
            series = cache.metrics_of((row["account"], US, wid))["Series"]
            assert len(series) == 30
            if last is None:
                # Never connected: no session, no hour, nothing in the series.
                assert row["sessions"] == 0 and row["hours"] == 0 and not any(series), wid
                assert row["idle_days"] is None
                tally["never"] += 1
                continue
            assert last <= now
            assert row["idle_days"] == int((now - last) // DAY), wid
            seen = last < read_to  # the session's first period is complete: metrics have it
            if last >= NOV and seen:
                assert row["sessions"] >= 1 and row["hours"] >= 1, wid
                tally["used"] += 1
            if row["sessions"] == 0:
                # No session this month: the last connection is before it (or too new
                # for a complete period).
                assert last < NOV or not seen, wid
                tally["idle_this_month"] += 1
            # Nothing after the day of the last connection; that day has hours.
            day = int(last // DAY)
            assert not any(series[max(0, day - (today - 29)) + 1:]), wid
            if today - 29 <= day and seen:
                assert series[day - (today - 29)] > 0, wid
            if row["connection"] == "CONNECTED":
                # A session is open now: it began at the last connection.
                assert row["state"] == "AVAILABLE"
                log = sim.session_log(wid, now - DAY)
                assert log and log[-1] == (last, now), wid
                if seen:
                    assert series[-1] > 0 and row["hours"] >= math.ceil((read_to - last) / 3600)
                tally["connected"] += 1
            if row["state"] == "STOPPED":
                assert row["connection"] == "UNKNOWN"
        return tally


def test_connection_columns_and_metrics_columns_tell_one_story(tmp_path: Any) -> None:
    # A Friday at 11:02 (users at work) and a Sunday evening (few connected).
    friday = _story(tmp_path, NOV + 12 * DAY + 11 * 3600 + 137)
    sunday = _story(tmp_path, NOV + 14 * DAY + 20 * 3600 + 137)
    for tally in (friday, sunday):
        assert tally["never"] > 20 and tally["idle_this_month"] > 20 and tally["used"] > 50
    assert friday["connected"] > 50 and friday["connected"] > sunday["connected"]
