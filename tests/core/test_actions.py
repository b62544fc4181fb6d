"""Action specs and plan(): rules from the API reference, fewest calls, skip reasons."""

from __future__ import annotations

import pytest

from tests.conftest import skip_retry_backoff
from tests.gw import gateway
from wstui.core import act
from wstui.core.act import ACTIONS, ActionError, ReadOnlyError, plan


def ws(
    i: int,
    state: str = "AVAILABLE",
    mode: str = "AUTO_STOP",
    account: str = "111111111111",
    region: str = "us-east-1",
    tags: list[dict] | None = None,
    **props: object,
) -> dict:
    wid = f"ws-{i:09d}"
    raw = {
        "WorkspaceId": wid,
        "State": state,
        "WorkspaceProperties": {
            "RunningMode": mode,
            "RootVolumeSizeGib": 80,
            "UserVolumeSizeGib": 50,
            "ComputeTypeName": "STANDARD",
            **props,
        },
        "Tags": tags or [],
    }
    return {"account": account, "region": region, "id": wid, "state": state, "raw": raw}


def test_reference_rules_are_encoded() -> None:
    assert ACTIONS["start"].states == {"STOPPED"}
    assert ACTIONS["start"].running_modes == {"AUTO_STOP", "MANUAL"}
    assert ACTIONS["stop"].states == {"AVAILABLE", "IMPAIRED", "UNHEALTHY", "ERROR"}
    assert ACTIONS["reboot"].states == {"AVAILABLE", "UNHEALTHY"}
    assert ACTIONS["rebuild"].states == {"AVAILABLE", "ERROR", "UNHEALTHY", "STOPPED", "REBOOTING"}
    assert ACTIONS["restore"].states == {"AVAILABLE", "ERROR", "UNHEALTHY", "STOPPED"}
    assert "SUSPENDED" not in ACTIONS["terminate"].states
    assert {n: s.ids_per_call for n, s in ACTIONS.items() if s.ids_per_call > 1} == {
        "start": 25,
        "stop": 25,
        "reboot": 25,
        "terminate": 25,
    }
    assert {n for n, s in ACTIONS.items() if s.destructive} == {
        "rebuild",
        "restore",
        "terminate",
        "migrate",
    }


def test_1000_reboots_are_40_calls_each_id_once() -> None:
    rows = [ws(i) for i in range(1000)]
    p = plan("reboot", rows)
    assert len(p.calls) == 40
    sent = [i for c in p.calls for i in c.ids]
    assert sorted(sent) == sorted(r["id"] for r in rows)
    assert all(len(c.ids) == 25 for c in p.calls)
    first = p.calls[0].request["RebootWorkspaceRequests"]
    assert first == [{"WorkspaceId": i} for i in p.calls[0].ids]


def test_calls_grouped_by_account_and_region_fewest_calls() -> None:
    rows = [ws(i, region="us-east-1") for i in range(30)]
    rows += [ws(100 + i, region="eu-west-1") for i in range(3)]
    rows += [ws(200 + i, account="222222222222") for i in range(26)]
    p = plan("reboot", rows)
    by_group = {}
    for c in p.calls:
        by_group.setdefault((c.account, c.region), []).append(len(c.ids))
    assert by_group == {
        ("111111111111", "us-east-1"): [25, 5],
        ("111111111111", "eu-west-1"): [3],
        ("222222222222", "us-east-1"): [25, 1],
    }


def test_skip_reasons_and_summary() -> None:
    rows = [ws(i, "STOPPED") for i in range(12)] + [ws(50 + i) for i in range(5)]
    rows += [ws(90, "SUSPENDED")]
    p = plan("reboot", rows, hidden=3)
    assert len(p.eligible) == 5
    assert {s.reason for s in p.skipped} == {"STOPPED cannot reboot", "SUSPENDED cannot reboot"}
    assert p.skipped_summary() == ["12 STOPPED cannot reboot", "1 SUSPENDED cannot reboot"]
    text = p.describe()
    assert "5 WorkSpaces in 1 call" in text
    assert "12 STOPPED cannot reboot" in text
    assert "3 marked row(s) hidden by the current filter" in text


def test_start_needs_auto_stop_or_manual() -> None:
    rows = [ws(1, "STOPPED", "ALWAYS_ON"), ws(2, "STOPPED", "MANUAL"), ws(3, "STOPPED")]
    p = plan("start", rows)
    assert p.eligible == ["ws-000000002", "ws-000000003"]
    assert p.skipped_summary() == ["1 ALWAYS_ON cannot start"]


def test_protect_tag_skips_with_reason_and_is_configurable() -> None:
    rows = [
        ws(1, tags=[{"Key": "wstui:protect", "Value": ""}]),
        ws(2),
        ws(3, tags=[{"Key": "keep", "Value": "yes"}]),
    ]
    p = plan("terminate", rows)
    assert p.eligible == ["ws-000000002", "ws-000000003"]
    assert p.skipped[0].reason == "protected by tag wstui:protect"
    p2 = plan("terminate", rows, protect_tag="keep")
    assert p2.eligible == ["ws-000000001", "ws-000000002"]
    # A tags dict on the row (cache.get() form) counts too.
    row = ws(4)
    row["tags"] = {"wstui:protect": "1"}
    assert plan("reboot", [row]).eligible == []


def test_single_id_actions_one_call_each() -> None:
    rows = [ws(i, "STOPPED") for i in range(3)]
    p = plan("rebuild", rows)
    assert [len(c.ids) for c in p.calls] == [1, 1, 1]
    assert p.calls[0].request == {"RebuildWorkspaceRequests": [{"WorkspaceId": "ws-000000000"}]}
    r = plan("restore", rows).calls[1].request
    assert r == {"WorkspaceId": "ws-000000001"}


def test_duplicate_rows_planned_once() -> None:
    p = plan("reboot", [ws(1), ws(1), ws(2)])
    assert p.eligible == ["ws-000000001", "ws-000000002"]


def test_modify_requests_and_params() -> None:
    rows = [ws(1), ws(2, mode="ALWAYS_ON"), ws(3, "REBOOTING")]
    p = plan("running-mode", rows, {"mode": "always_on"})
    assert p.eligible == ["ws-000000001"]
    assert p.calls[0].request == {
        "WorkspaceId": "ws-000000001",
        "WorkspaceProperties": {"RunningMode": "ALWAYS_ON"},
    }
    assert sorted(p.skipped_summary()) == [
        "1 REBOOTING cannot change running mode",
        "1 already ALWAYS_ON",
    ]
    p = plan("autostop-timeout", rows, {"minutes": "120"})
    assert p.calls[0].request["WorkspaceProperties"] == {"RunningModeAutoStopTimeoutInMinutes": 120}
    assert "1 ALWAYS_ON cannot change AutoStop timeout" in p.skipped_summary()
    p = plan("volumes", [ws(1), ws(2, RootVolumeSizeGib=175)], {"root_gb": "100"})
    assert p.eligible == ["ws-000000001"]
    assert p.skipped_summary() == ["1 cannot shrink root volume"]
    p = plan("maintenance-on", [ws(1), ws(2, "ADMIN_MAINTENANCE")])
    assert p.calls[0].request == {
        "WorkspaceId": "ws-000000001",
        "WorkspaceState": "ADMIN_MAINTENANCE",
    }
    p = plan("maintenance-off", [ws(1), ws(2, "ADMIN_MAINTENANCE")])
    assert p.calls[0].request == {"WorkspaceId": "ws-000000002", "WorkspaceState": "AVAILABLE"}
    p = plan("migrate", [ws(1)], {"bundle": "wsb-abcdefgh1"})
    assert p.calls[0].request == {"SourceWorkspaceId": "ws-000000001", "BundleId": "wsb-abcdefgh1"}


@pytest.mark.parametrize(
    ("action", "params", "words"),
    [
        ("running-mode", {}, "missing parameter(s) mode"),
        ("running-mode", {"mode": "SOMETIMES"}, "mode must be one of"),
        ("autostop-timeout", {"minutes": "90"}, "multiple of 60"),
        ("autostop-timeout", {"minutes": "x"}, "must be an integer"),
        ("migrate", {"bundle": "bad"}, "wsb-"),
        ("volumes", {}, "root_gb and/or user_gb"),
        ("reboot", {"force": "1"}, "unknown parameter(s) force"),
        ("explode", {}, "unknown action 'explode'"),
    ],
)
def test_bad_params_are_clear_errors(action: str, params: dict, words: str) -> None:
    with pytest.raises(ActionError, match=None) as err:
        plan(action, [ws(1)], params)
    assert words in str(err.value)


def test_hostile_strings_in_rows_do_not_break_plan() -> None:
    nasty = "[bold red]x[/] \x1b]8;;file:///etc/passwd\x07y\x1b]8;;\x07 \u202eevil" + "界" * 1000
    row = ws(1, state=nasty)
    p = plan("reboot", [row])
    assert p.eligible == []
    assert p.skipped[0].reason.endswith("cannot reboot")
    assert isinstance(p.describe(), str)


def _valid_params(name: str) -> dict:
    return {
        "migrate": {"bundle": "wsb-abcdefgh1"},
        "running-mode": {"mode": "ALWAYS_ON"},
        "autostop-timeout": {"minutes": 60},
        "compute-type": {"compute": "POWER"},
        "volumes": {"root_gb": 175},
    }.get(name, {})


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_read_only_refuses_every_action(name: str) -> None:
    spec = ACTIONS[name]
    state = next(iter(sorted(spec.states)))
    mode = "AUTO_STOP" if spec.running_modes is None else sorted(spec.running_modes)[0]
    rows = [ws(1, state, mode, RootVolumeSizeGib=80)]
    p = plan(name, rows, _valid_params(name))
    assert p.eligible, p.skipped

    class Boom:
        def __getattr__(self, attr: str) -> object:
            raise AssertionError(f"read-only execute touched {attr}")

    with pytest.raises(ReadOnlyError, match="read-only"):
        act.execute(p, gateway(Boom(), Boom(), read_only=True))  # type: ignore[arg-type]


# -- execute against the simulator -------------------------------------------
from collections import Counter  # noqa: E402

from wstui.core.aws import Clients, Target  # noqa: E402
from wstui.core.cache import Cache  # noqa: E402
from wstui.core.refresh import Refresher  # noqa: E402

US = "us-east-1"


@pytest.fixture
def fleet(sim, tmp_path, monkeypatch):
    skip_retry_backoff(monkeypatch)
    clients = Clients(max_attempts=3)
    cache = Cache(tmp_path / "cache.sqlite")
    return clients, cache


def _load(sim, clients, cache, size=0):
    if size:
        sim.seed(size=size, regions=(US,), directories_per_region=2)
    target = clients.resolve_account(Target(None, US))
    Refresher(cache, clients, [target], kinds=["workspaces"]).refresh()
    return target


def test_1000_reboots_sent_as_40_calls_each_id_once(sim, fleet) -> None:
    clients, cache = fleet
    _load(sim, clients, cache, size=1000)
    ids = sorted(sim.backend(US).workspaces)
    for i in ids:
        sim.set_state(US, i, "AVAILABLE")
    rows = cache.query("workspaces", "region = ?", [US], limit=None, with_raw=True)
    rows = [{**r, "state": "AVAILABLE", "raw": {**r["raw"], "Tags": []}} for r in rows][:1000]
    ids = sorted(r["id"] for r in rows)
    p = plan("reboot", rows)
    assert len(p.eligible) == 1000
    sim.clear_calls()
    outcomes = act.execute(p, gateway(clients, cache, caller="arn:test"))
    calls = sim.calls_to("RebootWorkspaces")
    assert len(calls) == 40
    sent = Counter(r["WorkspaceId"] for c in calls for r in c.params["RebootWorkspaceRequests"])
    assert set(sent) == set(ids) and set(sent.values()) == {1}
    assert Counter(o.status for o in outcomes) == {"sent": len(ids)}
    audit = cache.audit(limit=1000)
    assert len(audit) == len(calls)
    assert all(a["action"] == "RebootWorkspaces" and a["caller"] == "arn:test" for a in audit)
    assert all({i["status"] for i in a["items"]} == {"sent"} for a in audit)


def test_failed_requests_map_to_per_id_outcomes(sim, fleet) -> None:
    clients, cache = fleet
    _load(sim, clients, cache)
    rows = cache.query("workspaces", "region = ?", [US], limit=None, with_raw=True)[:6]
    for r in rows:
        sim.set_state(US, r["id"], "AVAILABLE")
    stale = [r["id"] for r in rows[:2]]
    for i in stale:  # the cache still says AVAILABLE; the service knows better
        sim.set_state(US, i, "STOPPED")
    rows = [{**r, "state": "AVAILABLE", "raw": {**r["raw"], "Tags": []}} for r in rows]
    outcomes = {o.id: o for o in act.execute(plan("reboot", rows), gateway(clients, cache, caller=""))}
    assert {i for i, o in outcomes.items() if o.status == "failed"} == set(stale)
    assert all(outcomes[i].code for i in stale)
    assert all(outcomes[r["id"]].status == "sent" for r in rows[2:])
    items = {i["id"]: i for i in cache.audit(limit=1)[0]["items"]}
    assert {i for i, it in items.items() if it["status"] == "failed"} == set(stale)


def test_dropped_connection_is_unknown_and_never_resent(sim, fleet) -> None:
    clients, cache = fleet
    _load(sim, clients, cache)
    rows = cache.query("workspaces", "region = ?", [US], limit=None, with_raw=True)[:3]
    for r in rows:
        sim.set_state(US, r["id"], "STOPPED", running_mode="AUTO_STOP")
    rows = [
        {**r, "state": "STOPPED", "running_mode": "AUTO_STOP", "raw": {**r["raw"], "Tags": []}}
        for r in rows
    ]
    p = plan("start", rows)
    clients.workspaces(Target(None, US, "123456789012"))  # warm the client: no more calls
    sim.clear_calls()
    sim.faults.configure(fail_after=1)  # the protect-tag re-read answers; the send does not
    outcomes = act.execute(p, gateway(clients, cache, caller=""))
    assert len(sim.calls_to("StartWorkspaces")) == 1  # retries allowed were 3; none used
    assert {o.status for o in outcomes} == {"unknown"}
    audit = cache.audit(limit=1)[0]
    assert {i["status"] for i in audit["items"]} == {"unknown"}
