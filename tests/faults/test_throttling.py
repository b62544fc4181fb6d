"""Fault matrix: 50% throttling during a refresh and during a 1,000-WorkSpace action."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from tests.conftest import skip_retry_backoff
from tests.gw import gateway
from wstui.core import act
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.refresh import Refresher

US = "us-east-1"


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    # Back-off sleeps are botocore's business; the test only needs their outcome.
    skip_retry_backoff(monkeypatch)


def accepted(sim: Any, op: str) -> list[Any]:
    return [c for c in sim.calls_to(op) if c.fault is None]


def test_refresh_under_50pct_throttling_completes_exactly(
    sim: Any, tmp_path, fast, reliability
) -> None:
    cache = Cache(tmp_path / "cache.sqlite")
    clients = Clients(max_attempts=8)
    refresher = Refresher(cache, clients, [Target(None, US)])
    sim.clear_calls()
    sim.faults.configure(throttle_rate=0.5)
    results = refresher.refresh()
    sim.faults.configure(throttle_rate=0.0)
    assert [r.error for r in results if r.error] == []
    ids = set(sim.backend(US).workspaces)
    cached = {k[2] for k in cache.keys("workspaces")}
    assert cached == ids
    states = {r["id"]: r["state"] for r in cache.query("workspaces", limit=None)}
    assert states == {i: sim.state_of(US, i) for i in ids}
    throttled = sum(1 for c in sim.calls if c.fault == "throttle")
    assert throttled > 0  # the fault really fired
    reliability.record(
        "fault", "50% throttling during a full refresh (every kind)",
        "refresh completes; cache equals the service exactly", inputs=len(sim.calls),
        lost=len(ids ^ cached), figure=f"{throttled} of {len(sim.calls)} calls throttled",
    )  # fmt: skip


@pytest.mark.slow
def test_1000_reboots_under_50pct_throttling_each_sent_once(
    sim: Any, tmp_path, fast, reliability
) -> None:
    sim.seed(size=1000, regions=(US,), directories_per_region=2)
    cache = Cache(tmp_path / "cache.sqlite")
    clients = Clients(max_attempts=10)
    target = clients.resolve_account(Target(None, US))
    Refresher(cache, clients, [target], kinds=["workspaces"]).refresh()
    ids = sorted(sim.backend(US).workspaces)[:1000]
    for i in ids:
        sim.set_state(US, i, "AVAILABLE")
    Refresher(cache, clients, [target], kinds=["workspaces"]).refresh()
    rows = cache.query("workspaces", "id IN (SELECT value FROM json_each(?))",
                       [__import__("json").dumps(ids)], limit=None, with_raw=True)  # fmt: skip
    plan = act.plan("reboot", rows)
    assert sorted(plan.eligible) == ids
    sim.clear_calls()
    sim.faults.configure(throttle_rate=0.5)
    outcomes = act.execute(plan, gateway(clients, cache, caller="arn:test"))
    sim.faults.configure(throttle_rate=0.0)
    calls = accepted(sim, "RebootWorkspaces")
    throttled = len(sim.calls_to("RebootWorkspaces")) - len(calls)
    sent = Counter(r["WorkspaceId"] for c in calls for r in c.params["RebootWorkspaceRequests"])
    assert len(calls) == 40 and throttled > 0
    assert set(sent) == set(ids) and set(sent.values()) == {1}
    assert Counter(o.status for o in outcomes) == {"sent": 1000}
    assert all(sim.state_of(US, i) == "REBOOTING" for i in ids)
    audit = cache.audit(limit=100)
    assert len(audit) == 40
    audited = Counter(i["id"] for a in audit for i in a["items"] if i["status"] == "sent")
    assert audited == sent
    twice = sum(n - 1 for n in sent.values())
    reliability.record(
        "fault", "50% throttling during a 1,000-WorkSpace reboot",
        "every id sent exactly once (40 accepted calls), audit matches sim.calls",
        inputs=1000, lost=twice + len(set(ids) - set(sent)),
        figure=f"{throttled} throttled attempts retried",
    )  # fmt: skip
