"""Many accounts and regions through the simulator; target status; protect tag everywhere.

The second account is reached the way real fleets are: a boto3 profile that assumes a
role (``role_arn`` + ``credential_source``). moto maps the assumed role's credentials to
the role's account, so STS and WorkSpaces answer as account 222222222222.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.gw import gateway
from wstui.cli import Options
from wstui.config import load_config
from wstui.core import act
from wstui.core.aws import Clients, Target
from wstui.core.cache import Cache
from wstui.core.refresh import Refresher
from wstui.core.targets import expand, narrow_query, statuses, workspaces_regions
from wstui.sim.seed import seed_fleet

MAIN, PROD = "123456789012", "222222222222"
REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def estate(sim: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Account MAIN (the sim's own fleet) + account PROD behind an assume-role profile."""
    seed_fleet(
        size=24, seed=99, now=sim.clock.now(), regions=REGIONS, directories_per_region=2,
        account=PROD,
    )  # fmt: skip
    aws_config = tmp_path / "aws_config"
    aws_config.write_text(
        "[profile prod]\n"
        f"role_arn = arn:aws:iam::{PROD}:role/wstui-admin\n"
        "credential_source = Environment\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no_credentials"))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return sim


def options(tmp_path: Path, toml: str) -> Options:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    config = load_config(path)
    assert config.errors == []
    return Options(config=config, cache_path=tmp_path / "c.sqlite")


def backend_ids(account: str, region: str) -> set[str]:
    from moto.workspaces.models import workspaces_backends

    return set(workspaces_backends[account][region].workspaces)


def test_config_targets_over_two_accounts_fill_one_unified_table(
    estate: Any, tmp_path: Path
) -> None:
    opts = options(
        tmp_path,
        '[[targets]]\nregion = "us-east-1"\n'
        '[[targets]]\nregion = "eu-west-1"\n'
        '[aws]\nprofiles = ["prod"]\nregions = ["us-east-1", "eu-west-1"]\n',
    )
    targets = opts.targets()
    assert {(t.profile, t.region) for t in targets} == {
        (p, r) for p in (None, "prod") for r in REGIONS
    }
    cache, clients = opts.make_cache(), opts.make_clients()
    refresher = opts.make_refresher(cache, clients)
    refresher.kinds = ["workspaces"]
    results = refresher.refresh()
    assert all(r.ok for r in results), [r.error for r in results]
    assert {(t.profile, t.account) for t in refresher.targets} == {(None, MAIN), ("prod", PROD)}
    for account in (MAIN, PROD):
        for region in REGIONS:
            rows = cache.keys("ws", "account = ? AND region = ?", (account, region))
            assert {i for _, _, i in rows} == backend_ids(account, region)
    # One table: account and region are columns the query language and sort know.
    from wstui.core.query import compile as compile_query

    where, params = compile_query(f"account:{PROD} region:eu-west-1", "ws")
    assert {r["id"] for r in cache.query("ws", where, params, limit=None)} == backend_ids(
        PROD, "eu-west-1"
    )
    where, params = compile_query(narrow_query([(PROD, "us-east-1"), (MAIN, "eu-west-1")]), "ws")
    got = {(r["account"], r["region"]) for r in cache.query("ws", where, params, limit=None)}
    assert got == {(PROD, "us-east-1"), (MAIN, "eu-west-1")}
    first = cache.query("ws", order_by="account", desc=True, limit=1)[0]
    assert first["account"] == PROD
    cache.close()


def test_actions_across_accounts_go_to_each_account(estate: Any, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite")
    clients = Clients()
    targets = [Target(p, "us-east-1") for p in (None, "prod")]
    refresher = Refresher(cache, clients, targets, kinds=["workspaces"])
    assert all(r.ok for r in refresher.refresh())
    rows = cache.query("ws", "state = 'AVAILABLE'", limit=None, with_raw=True)
    plan = act.plan("reboot", rows)
    by_account = {(c.account, c.region) for c in plan.calls}
    assert by_account == {(MAIN, "us-east-1"), (PROD, "us-east-1")}
    estate.clear_calls()
    outcomes = act.execute(plan, gateway(clients, cache, caller=None, targets=targets))
    assert {o.status for o in outcomes} == {"sent"}
    calls = estate.calls_to("RebootWorkspaces")
    sent = {
        (c.account, r["WorkspaceId"]) for c in calls for r in c.params["RebootWorkspaceRequests"]
    }
    assert sent == {(r["account"], r["id"]) for r in rows if r["id"] in plan.eligible}
    prod_ids = {i for a, i in sent if a == PROD}
    assert prod_ids and prod_ids <= backend_ids(PROD, "us-east-1")
    assert {a["account"] for a in cache.audit(limit=100)} == {MAIN, PROD}
    cache.close()


def test_all_regions_expand_from_botocore_endpoint_data(tmp_path: Path) -> None:
    regions = workspaces_regions()
    assert "us-east-1" in regions and "eu-west-1" in regions and len(regions) >= 10
    opts = options(tmp_path, '[[targets]]\nprofile = "prod"\nregion = "all"\n'
                   '[[targets]]\nprofile = "prod"\nregion = "us-east-1"\n')  # fmt: skip
    targets = opts.targets()
    assert [t.region for t in targets] == list(regions)  # us-east-1 once
    assert {t.profile for t in targets} == {"prod"}
    assert expand([Target(None, "ALL")])[0].region == regions[0]


def test_target_statuses_ok_stale_error_with_reason(estate: Any, tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite")
    targets = [Target(None, "us-east-1"), Target("prod", "eu-west-1"), Target("ghost", "us-east-1")]
    refresher = Refresher(cache, Clients(), targets, kinds=["workspaces"])
    results = refresher.refresh()
    assert [r.ok for r in results].count(False) == 1
    now = max(r["last_attempt"] for r in cache.status())
    lines = {s.label: s for s in statuses(cache.status(), refresher.targets, now=now)}
    assert lines["default@us-east-1"].status == "ok"
    assert lines["default@us-east-1"].rows == len(backend_ids(MAIN, "us-east-1"))
    assert lines["prod@eu-west-1"].status == "ok" and lines["prod@eu-west-1"].account == PROD
    ghost = lines["ghost@us-east-1"]
    assert ghost.status == "error" and "ghost" in ghost.reason and "profile" in ghost.reason
    later = {s.label: s for s in statuses(cache.status(), refresher.targets, now=now + 500)}
    assert later["prod@eu-west-1"].status == "stale"
    assert "last success 500 s ago" in later["prod@eu-west-1"].reason
    # A target that never ran is pending, not ok.
    pending = statuses([], [Target(None, "ap-south-1")], now=now)
    assert pending[0].status == "pending"
    cache.close()


# ------------------------------------------------------------------ protect tag

# For each action: a row state/mode and params that make it eligible *without* the tag,
# so a skip can only come from the tag.
ELIGIBLE: dict[str, tuple[str, str, dict[str, Any]]] = {
    "start": ("STOPPED", "AUTO_STOP", {}),
    "stop": ("AVAILABLE", "AUTO_STOP", {}),
    "reboot": ("AVAILABLE", "AUTO_STOP", {}),
    "rebuild": ("AVAILABLE", "AUTO_STOP", {}),
    "restore": ("AVAILABLE", "AUTO_STOP", {}),
    "terminate": ("AVAILABLE", "AUTO_STOP", {}),
    "migrate": ("AVAILABLE", "AUTO_STOP", {"bundle": "wsb-12345678"}),
    "maintenance-on": ("AVAILABLE", "AUTO_STOP", {}),
    "maintenance-off": ("ADMIN_MAINTENANCE", "AUTO_STOP", {}),
    "running-mode": ("AVAILABLE", "AUTO_STOP", {"mode": "ALWAYS_ON"}),
    "autostop-timeout": ("AVAILABLE", "AUTO_STOP", {"minutes": 120}),
    "compute-type": ("AVAILABLE", "AUTO_STOP", {"compute": "POWER"}),
    "volumes": ("AVAILABLE", "AUTO_STOP", {"root_gb": 500}),
}


def row(n: int, account: str, state: str, mode: str, tags: dict[str, str]) -> dict:
    return {
        "id": f"ws-{n:08d}", "account": account, "region": "us-east-1", "state": state,
        "running_mode": mode, "tags": tags,
        "raw": {"WorkspaceId": f"ws-{n:08d}", "State": state,
                "WorkspaceProperties": {"RunningMode": mode, "ComputeTypeName": "STANDARD",
                                        "RootVolumeSizeGib": 80, "UserVolumeSizeGib": 50}},
    }  # fmt: skip


def test_every_action_is_covered_by_this_table() -> None:
    assert set(ELIGIBLE) == set(act.ACTIONS)


@pytest.mark.parametrize("action", sorted(ELIGIBLE))
@pytest.mark.parametrize("tag", ["wstui:protect", "Keep-Me"])
def test_protect_tag_skips_every_action_with_the_reason(action: str, tag: str) -> None:
    state, mode, params = ELIGIBLE[action]
    rows = [
        row(1, MAIN, state, mode, {}),
        row(2, MAIN, state, mode, {tag: "true"}),
        row(3, PROD, state, mode, {tag: ""}),  # any value protects, even empty
        row(4, PROD, state, mode, {"Team": "eng"}),
    ]
    p = act.plan(action, rows, params, protect_tag=tag)
    assert sorted(p.eligible) == ["ws-00000001", "ws-00000004"]
    assert [(s.id, s.reason) for s in p.skipped] == [
        ("ws-00000002", f"protected by tag {tag}"),
        ("ws-00000003", f"protected by tag {tag}"),
    ]
    assert f"2 protected by tag {tag}" in p.describe()


def test_protected_workspace_never_reaches_the_simulator(estate: Any, tmp_path: Path) -> None:
    us = "us-east-1"
    ids = sorted(backend_ids(MAIN, us))
    for i in ids:
        estate.set_state(us, i, "AVAILABLE")
    protected = ids[0]
    import boto3

    boto3.client("workspaces", region_name=us).create_tags(
        ResourceId=protected, Tags=[{"Key": "wstui:protect", "Value": "yes"}]
    )
    cache, clients = Cache(tmp_path / "c.sqlite"), Clients()
    assert all(r.ok for r in Refresher(cache, clients, [Target(None, us)], kinds=["ws"]).refresh())
    rows = cache.query("ws", limit=None, with_raw=True)
    for action in ("reboot", "stop", "terminate"):
        p = act.plan(action, rows)
        assert protected not in p.eligible
        assert ("protected by tag wstui:protect") in {
            s.reason for s in p.skipped if s.id == protected
        }
    estate.clear_calls()
    act.execute(act.plan("reboot", rows), gateway(clients, cache, caller=None))
    sent = {r["WorkspaceId"] for c in estate.calls_to("RebootWorkspaces")
            for r in c.params["RebootWorkspaceRequests"]}  # fmt: skip
    assert sent and protected not in sent
    cache.close()


# ------------------------------------------------------- large regions: status by ids


def test_large_region_reads_connection_status_by_ids_in_parallel(
    sim: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above STATUS_BY_IDS_MIN unresolved ids, the sequential status chain is cut."""
    import math

    from wstui.core import listers

    region = "ap-southeast-2"
    seed_fleet(size=400, seed=5, now=sim.clock.now(), regions=(region,), directories_per_region=4)
    monkeypatch.setattr(listers, "STATUS_BY_IDS_MIN", 100)
    sim.faults.configure(latency_ms=20)  # the chain (16 pages) outlasts 4-page directories
    clients = Clients()
    target = clients.resolve_account(Target(None, region))
    sim.clear_calls()
    items = listers.list_workspaces(clients, target)
    assert {w["WorkspaceId"] for w in items} == backend_ids(MAIN, region)
    status_calls = sim.calls_to("DescribeWorkspacesConnectionStatus")
    by_ids = [c for c in status_calls if c.params.get("WorkspaceIds")]
    assert by_ids and all(len(c.params["WorkspaceIds"]) <= 25 for c in by_ids)
    assert len(status_calls) <= math.ceil(400 / 25) + 4  # about as many calls as paging
    import boto3

    truth = {}
    client = boto3.client("workspaces", region_name=region)
    for page in client.get_paginator("describe_workspaces_connection_status").paginate():
        truth.update(
            {s["WorkspaceId"]: s["ConnectionState"] for s in page["WorkspacesConnectionStatus"]}
        )
    assert {w["WorkspaceId"]: w["ConnectionStatus"]["ConnectionState"] for w in items} == truth
    # Below the threshold nothing changes: one region-wide chain, no ids.
    monkeypatch.setattr(listers, "STATUS_BY_IDS_MIN", 10_000)
    sim.clear_calls()
    listers.list_workspaces(clients, target)
    assert all(
        not c.params.get("WorkspaceIds") for c in sim.calls_to("DescribeWorkspacesConnectionStatus")
    )


def test_statuses_after_failure_then_recovery_one_healthy_row_per_target(
    estate: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: a start with the network down wrote failure rows under account '' that
    never cleared -- the header said "never updated STALE" and :targets listed 6 rows for
    3 targets (3 with account '?', 3 "default" ones) even after refreshes succeeded."""
    from botocore.exceptions import EndpointConnectionError

    down = {"now": True}

    def make_clients() -> Clients:
        clients = Clients(max_attempts=1)
        resolve = clients.resolve_account

        def resolve_unless_down(target: Target) -> Target:
            if down["now"]:  # no network: STS fails like everything else
                raise EndpointConnectionError(endpoint_url="https://sts.amazonaws.com")
            return resolve(target)

        monkeypatch.setattr(clients, "resolve_account", resolve_unless_down)
        return clients

    # Two profiles in one region: their failures must not share a row.
    targets = [Target(None, "us-east-1"), Target("prod", "us-east-1"), Target("prod", "eu-west-1")]
    labels = ["default@us-east-1", "prod@us-east-1", "prod@eu-west-1"]
    path = tmp_path / "c.sqlite"

    def lines(cache: Cache, refresher: Refresher) -> list[Any]:
        return statuses(cache.status(), refresher.targets, now=time.time())

    def run(cache: Cache) -> tuple[Refresher, list[Any]]:
        refresher = Refresher(cache, make_clients(), targets, kinds=["workspaces"])
        return refresher, refresher.refresh()

    cache = Cache(path)
    refresher, results = run(cache)
    assert all(r.error and "EndpointConnectionError" in r.error for r in results)
    failing = lines(cache, refresher)
    assert [s.label for s in failing] == labels
    assert [s.status for s in failing] == ["error"] * 3

    down["now"] = False
    assert all(r.ok for r in refresher.refresh())
    healthy = lines(cache, refresher)
    assert [(s.label, s.status, s.account) for s in healthy] == [
        ("default@us-east-1", "ok", MAIN), ("prod@us-east-1", "ok", PROD),
        ("prod@eu-west-1", "ok", PROD),
    ]  # fmt: skip
    # What the header reads: no failing row, none without an account, none never updated.
    rows = [r for r in cache.status() if r["kind"] == "workspaces"]
    assert [r for r in rows if r["last_error"] or not r["account"] or not r["last_success"]] == []
    cache.close()

    # Restart with the network down: each target is one line, against its cached rows.
    down["now"] = True
    cache = Cache(path)
    refresher, results = run(cache)
    assert not any(r.ok for r in results)
    again = lines(cache, refresher)
    assert [(s.label, s.status, s.account) for s in again] == [
        ("default@us-east-1", "error", MAIN), ("prod@us-east-1", "error", PROD),
        ("prod@eu-west-1", "error", PROD),
    ]  # fmt: skip
    assert all(s.rows > 0 and s.last_success for s in again)
    down["now"] = False
    assert all(r.ok for r in refresher.refresh())
    assert [(s.label, s.status) for s in lines(cache, refresher)] == [
        (label, "ok") for label in labels
    ]
    assert len(cache.status()) == 3  # one row per target, nothing left over
    cache.close()
