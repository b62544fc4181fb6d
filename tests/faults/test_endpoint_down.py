"""Fault matrix: the endpoint goes down mid-listing and mid-action."""

from __future__ import annotations

import json
from typing import Any

from tests.faults.conftest import EU, US, make_app, screen_text
from tests.gw import gateway
from wstui.core import act


def snapshot(cache: Any) -> list[dict]:
    return cache.query("workspaces", limit=None, with_raw=True)


async def test_endpoint_down_mid_listing_changes_nothing_and_app_works(
    sim: Any, fleet, reliability
) -> None:
    cache, clients, refresher = fleet
    before = snapshot(cache)
    history_before = len(cache.history(limit=100000))
    victim = next(r for r in before if r["region"] == US)["id"]
    sim.set_state(US, victim, "STOPPED" if sim.state_of(US, victim) != "STOPPED" else "AVAILABLE")
    sim.faults.configure(fail_after=3)  # a few pages succeed, then the endpoint is gone
    t0 = __import__("time").time()
    results = refresher.refresh(["workspaces"])
    assert all(r.error for r in results)
    assert snapshot(cache) == before  # no row changed, none deleted
    assert len(cache.history(limit=100000)) == history_before
    status = {(s["region"], s["kind"]): s for s in cache.status()}
    for region in (US, EU):
        st = status[(region, "workspaces")]
        assert "ConnectionClosedError" in st["last_error"] and st["last_error_at"] >= t0 - 1
    app = make_app(cache, clients, refresher)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        # Each failing target's error, with what it means and when it happened.
        errors = [line.strip() for line in text.splitlines()[:6] if line.strip().startswith("!")]
        for region in (US, EU):
            assert any(e.startswith("! endpoint down") and " ago: " in e and f"/{region}: "
                       "ConnectionClosedError" in e for e in errors), errors  # fmt: skip
        assert victim in text or len(before) > 20  # rows come from the cache
        await pilot.press("slash")
        await pilot.press(*"state:STOPPED")
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        stopped = [r["id"] for r in before if r["state"] == "STOPPED"]
        assert stopped and stopped[0] in text  # filtering still works on the cache
    reliability.record(
        "fault", "endpoint down mid-listing (both regions)",
        "cache and history unchanged; error + time in refresh_status; TUI shows it and keeps "
        "filtering the cache (Pilot)", inputs=len(before), lost=0,
    )  # fmt: skip


def test_endpoint_down_mid_action_unknown_then_reread_before_retry(
    sim: Any, fleet, reliability
) -> None:
    cache, clients, refresher = fleet
    rows = cache.query("workspaces", limit=None, with_raw=True)
    for r in rows:
        sim.set_state(r["region"], r["id"], "AVAILABLE")
    refresher.refresh(["workspaces"])
    rows = cache.query("workspaces", order_by="region", desc=True, limit=None, with_raw=True)
    ids = [r["id"] for r in rows]
    plan = act.plan("reboot", rows)
    assert [c.region for c in plan.calls] == [US, EU]  # one call per region (20 ids each)
    sim.clear_calls()
    # Through: US protect-tag read, US reboot, EU protect-tag read; the EU reboot never answers.
    sim.faults.configure(fail_after=3)
    outcomes = act.execute(plan, gateway(clients, cache, caller="arn:test"))
    sim.faults.configure(fail_after=None)
    sent = sim.calls_to("RebootWorkspaces")
    assert len(sent) == 2 and sent[1].fault == "down"  # one attempt each: nothing re-sent
    by_status: dict[str, set[str]] = {}
    for o in outcomes:
        by_status.setdefault(o.status, set()).add(o.id)
    first = {r["WorkspaceId"] for r in sent[0].params["RebootWorkspaceRequests"]}
    second = {r["WorkspaceId"] for r in sent[1].params["RebootWorkspaceRequests"]}
    assert by_status == {"sent": first, "unknown": second}
    audit = cache.audit(limit=2)
    assert {i["status"] for i in audit[0]["items"]} == {"unknown"}
    # Retrying means re-planning from a fresh read: the state is re-read first.
    sim.clear_calls()
    for target in refresher.targets:
        refresher.refresh_ids(target, sorted(first if target.region == US else second))
    reads = sim.calls_to("DescribeWorkspaces")
    assert reads and sim.calls_to("RebootWorkspaces") == []
    read_ids = {i for c in reads for i in c.params.get("WorkspaceIds", [])}
    assert second <= read_ids
    fresh = [cache.get("workspaces", (r["account"], r["region"], r["id"])) for r in rows]
    retry = act.plan("reboot", [r for r in fresh if r["id"] in second])
    # The service never got the second call: those are still AVAILABLE and eligible once.
    assert sorted(retry.eligible) == sorted(second)
    again = act.plan("reboot", [r for r in fresh if r["id"] in first])
    assert again.eligible == []  # the ones that did reboot are not sent again
    reliability.record(
        "fault", "endpoint down mid-action (2nd of 2 reboot calls, 40 ids)",
        "ids of the lost call recorded 'unknown' (audit too), not re-sent; state re-read "
        "before a retry; rebooted ids not eligible again", inputs=len(ids),
        lost=len(sent) - 2,
    )  # fmt: skip
    assert json.dumps(audit)  # the audit is plain data
