"""The refresher on the simulator: snapshots, failures that change nothing, follow."""

from __future__ import annotations

import gc
import threading
import time
from typing import Any

import pytest

from tests.conftest import skip_retry_backoff
from tests.gw import gateway
from wstui.core import act
from wstui.core.act import Mutation
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.refresh import Followed, RefreshDone, Refresher, RefreshStarted, gc_paused

US, EU = "us-east-1", "eu-west-1"


@pytest.fixture
def env(sim: Any, tmp_path, monkeypatch: pytest.MonkeyPatch):
    skip_retry_backoff(monkeypatch)
    return Clients(max_attempts=2), Cache(tmp_path / "cache.sqlite")


def snapshot(cache: Cache) -> list[dict]:
    return cache.query("workspaces", limit=None, with_raw=True)


def test_refresh_fills_every_target_and_kind(sim: Any, env) -> None:
    clients, cache = env
    events: list[Any] = []
    r = Refresher(cache, clients, [Target(None, US), Target(None, EU)], on_event=events.append)
    results = r.refresh()
    assert all(x.error is None for x in results), [x.error for x in results if x.error]
    assert {(x.target.region, x.kind) for x in results} == {
        (reg, k) for reg in (US, EU) for k in r.kinds
    }
    for region in (US, EU):
        assert cache.count("workspaces", "region = ?", [region]) == len(
            sim.backend(region).workspaces
        )
    assert sum(isinstance(e, RefreshStarted) for e in events) == len(results)
    assert sum(isinstance(e, RefreshDone) for e in events) == len(results)
    assert all(s["last_success"] for s in cache.status())


def test_endpoint_failing_mid_listing_changes_no_row(sim: Any, env) -> None:
    clients, cache = env
    r = Refresher(cache, clients, [Target(None, US)], kinds=["workspaces"])
    r.refresh()
    before = snapshot(cache)
    victim = before[0]["id"]
    sim.set_state(US, victim, "STOPPED")  # a change the failed refresh must not apply
    sim.faults.configure(fail_after=2)  # the directory list and one page succeed
    [result] = r.refresh()
    assert result.error and "closed" in result.error.lower()
    assert snapshot(cache) == before
    status = next(s for s in cache.status() if s["kind"] == "workspaces")
    assert status["last_error"] == result.error
    sim.faults.configure(fail_after=None)
    r.refresh()
    assert cache.get("workspaces", ("123456789012", US, victim))["state"] == "STOPPED"


def test_one_failing_target_does_not_stop_the_others(sim: Any, env, monkeypatch) -> None:
    clients, cache = env
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    r = Refresher(
        cache, clients, [Target("no-such-profile", US), Target(None, EU)], kinds=["workspaces"]
    )
    results = r.refresh()
    bad = [x for x in results if x.target.profile == "no-such-profile"]
    good = [x for x in results if x.target.profile is None]
    assert bad and "no-such-profile" in bad[0].error and "aws configure" in bad[0].error
    assert good and good[0].error is None
    assert cache.count("workspaces", "region = ?", [EU]) == len(sim.backend(EU).workspaces)


def test_tags_read_for_new_ids_then_every_nth_pass(sim: Any, env) -> None:
    clients, cache = env
    r = Refresher(
        cache, clients, [Target(None, US)], kinds=["workspaces"], tags_every=3,
        tag_source="describe",
    )  # fmt: skip
    n = len(sim.backend(US).workspaces)
    counts = []
    for _ in range(4):
        sim.clear_calls()
        r.refresh()
        counts.append(len(sim.calls_to("DescribeTags")))
    assert counts == [n, 0, 0, n]
    # a fresh refresher seeds its memo from the cache instead of re-reading all tags
    sim.clear_calls()
    Refresher(
        cache, clients, [Target(None, US)], kinds=["workspaces"], tag_source="describe"
    ).refresh()
    assert len(sim.calls_to("DescribeTags")) == 0


def _owner(cache: Cache, wid: str) -> str | None:
    (row,) = cache.query("workspaces", "id = ?", [wid], with_raw=True)
    return {t["Key"]: t["Value"] for t in row["raw"]["Tags"]}.get("Owner")


def test_tags_from_tagging_api_changed_outside_wstui_show_within_n_passes(sim: Any, env) -> None:
    """Issue 17: tags are not re-read every pass; a change made outside wstui shows by the
    Nth pass (tags_every), and the passes between send no tagging call at all."""
    clients, cache = env
    r = Refresher(cache, clients, [Target(None, US)], kinds=["workspaces"], tags_every=3)
    r.refresh()
    assert sim.calls_to("DescribeTags") == []
    wid = sorted(sim.backend(US).workspaces)[0]
    import boto3

    ws = boto3.client("workspaces", region_name=US)  # set-up, not wstui's gated clients
    ws.create_tags(ResourceId=wid, Tags=[{"Key": "Owner", "Value": "night-shift"}])
    seen, tagging_calls = [], []
    for _ in range(3):
        sim.clear_calls()
        r.refresh()
        seen.append(_owner(cache, wid))
        tagging_calls.append(len(sim.calls_to("GetResources")))
    assert seen == [None, None, "night-shift"]  # passes 2 and 3 use the memo; 4 = 1 + 3
    assert tagging_calls[:2] == [0, 0] and tagging_calls[2] > 0
    assert sim.calls_to("DescribeTags") == []


def test_a_tag_set_through_wstui_shows_on_the_next_pass(sim: Any, env) -> None:
    clients, cache = env
    target = Target(None, US)
    r = Refresher(cache, clients, [target], kinds=["workspaces"], tags_every=100)
    r.refresh()
    wid = sorted(sim.backend(US).workspaces)[0]
    account = r.targets[0].account
    gw = gateway(clients, cache, targets=[target])
    request = {"ResourceId": wid, "Tags": [{"Key": "Owner", "Value": "day-shift"}]}
    gw.send(Mutation("CreateTags", account, US, request))
    sim.clear_calls()
    r.refresh()  # what the TUI's operation form does after sending (form.refresh_after)
    assert _owner(cache, wid) == "day-shift"
    # Only that WorkSpace's tags were read again, not the whole fleet's.
    [call] = sim.calls_to("GetResources")
    assert len(call.params["ResourceARNList"]) == 1


def test_a_row_that_changed_gets_its_tags_read_on_the_next_pass(sim: Any, env) -> None:
    clients, cache = env
    r = Refresher(cache, clients, [Target(None, US)], kinds=["workspaces"], tags_every=100)
    r.refresh()
    wid = sorted(sim.backend(US).workspaces)[1]
    sim.set_state(US, wid, "STOPPED")
    r.refresh()  # sees the state change
    sim.clear_calls()
    r.refresh()  # re-reads the tags of the changed row only
    [call] = sim.calls_to("GetResources")
    assert [arn.rsplit("/", 1)[1] for arn in call.params["ResourceARNList"]] == [wid]


def _advance_on_follow(sim: Any, events: list) -> Any:
    def on_event(e: Any) -> None:
        events.append(e)
        if isinstance(e, Followed):
            sim.clock.advance(60)

    return on_event


def test_follow_until_reboot_settles(sim: Any, env) -> None:
    clients, cache = env
    events: list[Any] = []
    r = Refresher(
        cache,
        clients,
        [Target(None, US)],
        kinds=["workspaces"],
        on_event=_advance_on_follow(sim, events),
        follow_interval=0.01,
    )
    r.refresh()
    rows = cache.query("workspaces", "region = ?", [US], limit=3, with_raw=True)
    for row in rows:
        sim.set_state(US, row["id"], "AVAILABLE")
    r.refresh()
    rows = cache.query("workspaces", "region = ?", [US], limit=3, with_raw=True)
    outcomes = act.execute(act.plan("reboot", rows), gateway(clients, cache, caller=""))
    assert {o.status for o in outcomes} == {"sent"}
    keys = [(row["account"], US, row["id"]) for row in rows]
    final = r.follow(keys)
    assert set(final.values()) == {"AVAILABLE"}
    followed = [e for e in events if isinstance(e, Followed)]
    assert any("REBOOTING" in e.states.values() for e in followed)
    assert followed[-1].done
    assert {row["state"] for row in cache.query("workspaces", "region = ?", [US], limit=3)} == {
        "AVAILABLE"
    }


def test_terminated_rows_disappear(sim: Any, env) -> None:
    clients, cache = env
    events: list[Any] = []
    r = Refresher(
        cache,
        clients,
        [Target(None, US)],
        kinds=["workspaces"],
        on_event=_advance_on_follow(sim, events),
        follow_interval=0.01,
    )
    r.refresh()
    rows = cache.query("workspaces", "region = ?", [US], limit=2, with_raw=True)
    p = act.plan("terminate", rows, protect_tag="")
    assert len(p.eligible) == 2
    act.execute(p, gateway(clients, cache, caller=""))
    r.follow([(row["account"], US, row["id"]) for row in rows])
    for row in rows:
        assert cache.get("workspaces", (row["account"], US, row["id"])) is None


def test_background_loop_never_overlaps_and_stops(sim: Any, env) -> None:
    clients, cache = env
    active, peak, passes = [0], [0], [0]
    lock = threading.Lock()

    def on_event(e: Any) -> None:
        with lock:
            if isinstance(e, RefreshStarted):
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            elif isinstance(e, RefreshDone):
                active[0] -= 1
                passes[0] += 1

    r = Refresher(
        cache,
        clients,
        [Target(None, US)],
        kinds=["workspaces"],
        intervals={"workspaces": 0},
        on_event=on_event,
    )
    r.start(tick=0.01)
    deadline = time.monotonic() + 20
    while passes[0] < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    r.stop()
    assert passes[0] >= 3 and peak[0] == 1 and not r.running
    settled = passes[0]
    time.sleep(0.2)
    assert passes[0] == settled


def test_listings_run_with_the_cyclic_gc_paused_then_restored(sim: Any, env) -> None:
    clients, cache = env
    during: list[bool] = []
    r = Refresher(cache, clients, [Target(None, US)], kinds=["workspaces", "directories"],
                  on_event=lambda e: during.append(gc.isenabled()))  # fmt: skip
    assert gc.isenabled()
    results = r.refresh()
    assert all(res.ok for res in results) and during and not any(during)
    assert gc.isenabled()
    # Nested pauses (two passes in two threads) restore it only when the last one ends.
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()  # a caller that turned it off keeps it off
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
