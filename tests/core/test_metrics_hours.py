"""Billable hours rebuilt from CloudWatch equal the simulator's own session log.

The "Done when" test of issue 16: a 2,000-WorkSpace fleet over a simulated month, read
incrementally (four passes), and for every WorkSpace the hours wstui stores equal the
hours computed here, independently, from ``Simulator.session_log`` with the billing rule
(sessions + AutoStop timeout, whole hours per running interval, clipped to the month).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest

from wstui.core import metrics
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.refresh import Refresher
from wstui.sim import Simulator

US = "us-east-1"
NOV = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
DAY = 86400


def hours_from_log(log: list[tuple[float, float]], timeout: float, month: float, now: float) -> int:
    """The billing rule, applied to the ground truth (written apart from core.metrics)."""
    runs: list[list[float]] = []
    for start, end in sorted(log):
        if runs and start < runs[-1][1]:  # reconnected before the WorkSpace stopped
            runs[-1][1] = max(runs[-1][1], end + timeout)
        else:
            runs.append([start, end + timeout])
    total = 0
    for start, stop in runs:
        stop = min(stop, now)
        start = max(start, month)
        if stop > start:
            total += math.ceil((stop - start) / 3600)
    return total


def timeout_of(sim: Simulator, wid: str) -> float:
    return float((sim.workspace(US, wid).auto_stop_minutes or 60) * 60)


@pytest.mark.slow
@pytest.mark.timeout(1200)  # ~80 s of CPU; minutes on a machine shared by other jobs
def test_billable_hours_equal_the_session_log_for_2000_workspaces(tmp_path: Any) -> None:
    sim = Simulator(seed=16, start=NOV)
    with sim.running():
        sim.seed(size=2000, regions=(US,), directories_per_region=2)
        cache = Cache(tmp_path / "cache.sqlite")
        clients = Clients(max_attempts=2)
        refresher = Refresher(cache, clients, [Target(None, US)], kinds=["workspaces"])
        [listed] = refresher.refresh()
        assert listed.error is None and listed.count == 2000
        target = refresher.targets[0]
        cw = clients.client("cloudwatch", target)
        # Incremental passes over the month (the first reads from a day before the month,
        # not 30 days back, to keep the test to one month of data); the last 10 min before its end.
        passes = [NOV + 9 * DAY + 3 * 3600, NOV + 20 * DAY, NOV + 30 * DAY - 600]
        for at in passes:
            sim.clock.advance(at - sim.clock.now())
            metrics.read_target(cache, cw, target.account, target.region, now=at,
                                history_days=1)  # fmt: skip
        now = math.floor(passes[-1] / 300) * 300
        stored = dict(cache.conn.execute(
            "SELECT id, hours FROM metrics WHERE account = ? AND region = ?",
            (target.account, US)).fetchall())  # fmt: skip
        ids = sorted(sim.backend(US).workspaces)
        assert sorted(stored) == ids
        expected = {
            wid: hours_from_log(
                sim.session_log(wid, NOV - 2 * DAY, now), timeout_of(sim, wid), NOV, now
            )
            for wid in ids
        }
        wrong = {w: (stored[w], expected[w]) for w in ids if stored[w] != expected[w]}
        assert not wrong, f"{len(wrong)} WorkSpaces differ, e.g. {list(wrong.items())[:5]}"
        # The fleet is not trivially idle: most WorkSpaces bill hours, some bill none.
        assert sum(1 for h in expected.values() if h > 0) > 1000
        assert any(h == 0 for h in expected.values())
        # The column the TUI shows and `ls` prints is the same figure.
        col = dict(cache.conn.execute("SELECT id, hours FROM workspaces").fetchall())
        assert col == stored
