"""Listers against the simulator: paging, per-directory parallel listing, throttling."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from tests.conftest import skip_retry_backoff
from wstui.core import listers
from wstui.core.aws import Clients, Target

US = "us-east-1"


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Clients:
    skip_retry_backoff(monkeypatch)
    return Clients(max_attempts=25)


def sim_ids(sim: Any, region: str) -> set[str]:
    return set(sim.backend(region).workspaces)


def test_lists_every_workspace_per_directory_with_status_and_tags(
    sim: Any, clients: Clients
) -> None:
    sim.seed(size=300, regions=(US,), directories_per_region=3)
    sim.clear_calls()
    target = clients.resolve_account(Target(None, US))
    items = listers.list_workspaces(clients, target)
    expected = sim_ids(sim, US)
    assert {w["WorkspaceId"] for w in items} == expected and len(items) == len(expected)

    describe = sim.calls_to("DescribeWorkspaces")
    per_dir = Counter(c.params.get("DirectoryId") for c in describe)
    assert None not in per_dir  # never one region-wide chain
    dirs = Counter(w["DirectoryId"] for w in items)
    assert set(per_dir) == set(dirs)
    for d, n in dirs.items():
        assert per_dir[d] == math.ceil(n / 25) or per_dir[d] == math.ceil(n / 25) + (n % 25 == 0)

    status = sim.calls_to("DescribeWorkspacesConnectionStatus")
    assert len(status) == math.ceil(len(expected) / 25)
    assert all(not c.params.get("WorkspaceIds") for c in status)
    assert all("ConnectionState" in w["ConnectionStatus"] for w in items)

    # Tags come from the tagging API, 100 WorkSpaces' ARNs per call, not one DescribeTags
    # per WorkSpace; every WorkSpace is asked for exactly once.
    assert sim.calls_to("DescribeTags") == []
    by_arn = sim.calls_to("GetResources")
    assert len(by_arn) == math.ceil(len(expected) / 100)
    asked = [a.rsplit("/", 1)[-1] for c in by_arn for a in c.params["ResourceARNList"]]
    assert sorted(asked) == sorted(expected)
    assert all(len(c.params["ResourceARNList"]) <= 100 for c in by_arn)
    assert all("Tags" in w for w in items)
    tagged = [w for w in items if w["Tags"]]
    assert tagged
    one = tagged[0]
    direct = sim.backend(US)  # compare with what the service itself answers
    del direct
    import boto3

    real = boto3.client("workspaces", region_name=US).describe_tags(ResourceId=one["WorkspaceId"])
    assert one["Tags"] == real["TagList"]


def test_directories_are_listed_in_parallel(sim: Any, clients: Clients) -> None:
    # 4 pages per directory at 100 ms each: long enough that every worker thread has
    # built its client and started before any directory's listing can finish alone.
    sim.seed(size=400, regions=(US,), directories_per_region=4)
    target = clients.resolve_account(Target(None, US))
    known = {i: [] for i in sim_ids(sim, US)}  # skip tags: time only the listing
    sim.faults.configure(latency_ms=100)
    sim.clear_calls()
    listers.list_workspaces(clients, target, known_tags=known)
    # Sequential code would finish one directory's pages before the next one's.
    order = [c.params["DirectoryId"] for c in sim.calls_to("DescribeWorkspaces")]
    firsts = {d: order.index(d) for d in set(order)}
    lasts = {d: len(order) - 1 - order[::-1].index(d) for d in set(order)}
    assert any(firsts[a] < firsts[b] < lasts[a] for a in firsts for b in firsts if a != b)


def test_known_tags_skip_describe_tags_and_budget_caps_it(sim: Any, clients: Clients) -> None:
    target = clients.resolve_account(Target(None, US))
    ids = sorted(sim_ids(sim, US))
    known = {i: [{"Key": "k", "Value": "memo"}] for i in ids[:-3]}
    sim.clear_calls()
    items = listers.list_workspaces(clients, target, known_tags=known, tag_source="describe")
    fetched = {c.params["ResourceId"] for c in sim.calls_to("DescribeTags")}
    assert fetched == set(ids[-3:])
    memo_item = next(w for w in items if w["WorkspaceId"] == ids[0])
    assert memo_item["Tags"] == [{"Key": "k", "Value": "memo"}]
    sim.clear_calls()
    items = listers.list_workspaces(clients, target, tag_budget=5, tag_source="describe")
    assert len(sim.calls_to("DescribeTags")) == 5
    assert sum(1 for w in items if "Tags" not in w) == len(ids) - 5


def test_tagging_api_denied_falls_back_to_describe_tags(sim: Any, clients: Clients) -> None:
    sim.seed(size=40, regions=(US,), directories_per_region=2)
    target = clients.resolve_account(Target(None, US))
    sim.faults.configure(denied={"GetResources"})
    sim.clear_calls()
    items = listers.list_workspaces(clients, target)
    assert sim.calls_to("GetResources") and all(
        c.fault == "denied" for c in sim.calls_to("GetResources")
    )
    assert {c.params["ResourceId"] for c in sim.calls_to("DescribeTags")} == sim_ids(sim, US)
    for w in items:
        want = [dict(t) for t in sim.workspace(US, w["WorkspaceId"]).tags]
        assert w["Tags"] == want


def test_throttling_30_percent_listing_is_exact(sim: Any, clients: Clients) -> None:
    sim.seed(size=200, regions=(US,), directories_per_region=3)
    target = clients.resolve_account(Target(None, US))
    baseline = listers.list_workspaces(clients, target)
    sim.faults.configure(throttle_rate=0.3)
    sim.clear_calls()
    throttled = listers.list_workspaces(clients, target)
    assert any(c.fault == "throttle" for c in sim.calls)

    def strip(ws: list[dict]) -> list[dict]:
        plain = ({k: v for k, v in w.items() if k != "ConnectionStatus"} for w in ws)
        return sorted(plain, key=lambda w: w["WorkspaceId"])

    assert strip(throttled) == strip(baseline)
    assert len(throttled) == len(sim_ids(sim, US))


def test_endpoint_down_mid_listing_raises(sim: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    skip_retry_backoff(monkeypatch)
    clients = Clients(max_attempts=2)
    target = clients.resolve_account(Target(None, US))
    sim.faults.configure(fail_after=3)
    with pytest.raises(Exception, match=r"[Cc]losed"):
        listers.list_workspaces(clients, target)


def test_other_kinds(sim: Any, clients: Clients) -> None:
    target = clients.resolve_account(Target(None, US))
    dirs = listers.list_directories(clients, target)
    assert len(dirs) == 2 and all(d["DirectoryId"].startswith("d-") for d in dirs)
    bundles = listers.list_bundles(clients, target)
    assert len({b["BundleId"] for b in bundles}) == len(bundles)
    owners = {c.params.get("Owner") for c in sim.calls_to("DescribeWorkspaceBundles")}
    assert owners == {None, "AMAZON"}  # own and Amazon's public bundles
    aliases = listers.list_connection_aliases(clients, target)
    assert all("ConnectionAliasPermissions" in a for a in aliases)
    assert isinstance(listers.list_ip_groups(clients, target), list)
    assert isinstance(listers.list_pools(clients, target), list)
    assert isinstance(listers.list_images(clients, target), list)


def test_describe_by_ids_25_per_call(sim: Any, clients: Clients) -> None:
    sim.seed(size=60, regions=(US,), directories_per_region=1)
    target = clients.resolve_account(Target(None, US))
    ids = [*sorted(sim_ids(sim, US))[:60], "ws-gone00000"]
    sim.clear_calls()
    items = listers.describe_workspaces_by_ids(clients, target, ids)
    assert {w["WorkspaceId"] for w in items} == set(ids[:60])
    calls = sim.calls_to("DescribeWorkspaces")
    assert [len(c.params["WorkspaceIds"]) for c in calls] == [25, 25, 11]
    assert all(
        len(c.params["WorkspaceIds"]) <= 25
        for c in sim.calls_to("DescribeWorkspacesConnectionStatus")
    )
