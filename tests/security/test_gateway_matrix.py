"""The gateway's promises over EVERY mutating operation of the registry, checked on what
the simulator received: 0 calls outside scope, 0 ids executed twice, 0 mutations in
read-only, 0 protected WorkSpaces touched, every unknown outcome refused until re-read.

Requests are synthesised from botocore's input shapes (required members, enums, minimum
lengths), with the simulator's real ids where a member names a resource, so every call
passes botocore's validation and would reach the service.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.gw import gateway
from wstui.core.act import Mutation, ReadOnlyError, Refused, ops
from wstui.core.aws import Clients, Target, is_mutating
from wstui.core.cache import Cache
from wstui.core.refresh import Refresher

US, EU = "us-east-1", "eu-west-1"
PROTECT = "wstui:protect"
MUTATING = sorted(o.name for o in ops.OPERATIONS.values() if o.mutates)


def test_the_matrix_covers_every_mutating_operation_of_the_model() -> None:
    model = ops.service_model()
    assert sorted(n for n in model.operation_names if is_mutating(n)) == MUTATING
    assert len(MUTATING) >= 60


# -- requests from the model -------------------------------------------------------------
def sample(shape: Any, name: str, ids: dict[str, str]) -> Any:
    t = shape.type_name
    if t == "structure":
        if shape.metadata.get("union"):  # exactly one member must be set
            first, member = next(iter(shape.members.items()))
            return {first: sample(member, first, ids)}
        return {m: sample(s, m, ids) for m, s in shape.members.items() if m in shape.required_members}  # fmt: skip
    if t == "list":
        return [sample(shape.member, name, ids) for _ in range(max(1, shape.metadata.get("min", 1)))]  # fmt: skip
    if t == "map":
        return {"k": "v"}
    if t == "string":
        if shape.enum:
            return shape.enum[0]
        if name in ids:
            return ids[name]
        return "x" * max(1, shape.metadata.get("min", 1))
    if t in ("integer", "long"):
        return max(1, int(shape.metadata.get("min", 1)))
    if t == "double":
        return 1.0
    if t == "boolean":
        return True
    if t == "blob":
        return b"x"
    if t == "timestamp":
        return "2026-01-01T00:00:00Z"
    raise AssertionError(t)


def request_for(operation: str, ids: dict[str, str]) -> dict:
    shape = ops.service_model().operation_model(operation).input_shape
    return sample(shape, operation, ids) if shape is not None else {}


@pytest.fixture
def world(sim: Any, tmp_path: Path) -> Any:
    """A refreshed cache of both regions, one WorkSpace protected, ids of every kind."""
    cache = Cache(tmp_path / "c.sqlite")
    clients = Clients(max_attempts=4)
    refresher = Refresher(cache, clients, [Target(None, US), Target(None, EU)], kinds=["workspaces"])
    import boto3

    plain = boto3.client("workspaces", region_name=US)  # set-up only
    ws_id = sim.report.workspace_ids[US][0]
    plain.create_tags(ResourceId=ws_id, Tags=[{"Key": PROTECT, "Value": "yes"}])
    refresher.refresh()
    directory = sim.report.directories[US][0]
    bundle = str(cache.get("workspaces", (sim.account, US, ws_id))["bundle"])
    ids = {
        "WorkspaceId": ws_id, "SourceWorkspaceId": ws_id, "ResourceId": ws_id,
        "DirectoryId": directory, "BundleId": bundle, "SourceImageId": "wsi-123456789",
        "ImageId": "wsi-123456789", "GroupId": "wsipg-12345678", "AliasId": "wsca-123456789",
        "PoolId": "wspool-123456789", "SharedAccountId": "210987654321",
        "PrimaryWorkspaceId": ws_id, "PrimaryRegion": US,
    }  # fmt: skip
    sim.clear_calls()
    yield type("World", (), dict(sim=sim, cache=cache, clients=clients, ids=ids, ws=ws_id,
                                 directory=directory, bundle=bundle))  # fmt: skip
    cache.close()


def received(sim: Any, operation: str) -> int:
    return len(sim.calls_to(operation))


def run_matrix(check: Callable[[str], str | None]) -> list[str]:
    problems = []
    for operation in MUTATING:
        problem = check(operation)
        if problem:
            problems.append(f"{operation}: {problem}")
    return problems


# -- read-only: flag, config, broken config ------------------------------------------------
@pytest.mark.parametrize("source", ["flag", "config", "broken-config", "env"])
def test_read_only_sends_no_mutation(world: Any, source: str, reliability: Any) -> None:
    from wstui.core.act import Policy

    policy = {
        "flag": Policy.from_sources(flag=True),
        "config": Policy.from_sources(config_read_only=True),
        "broken-config": Policy.from_sources(config_errors=["config.toml:3: invalid TOML"]),
        "env": Policy.from_sources(env={"WSTUI_READ_ONLY": "1"}),
    }[source]
    gw = gateway(world.clients, world.cache)
    gw.policy = policy

    def check(operation: str) -> str | None:
        m = Mutation(operation, world.sim.account, US, request_for(operation, world.ids))
        try:
            gw.send(m)
        except ReadOnlyError:
            return None if received(world.sim, operation) == 0 else "sent in read-only"
        return "not refused"

    problems = run_matrix(check)
    assert problems == []
    assert [c for c in world.sim.calls if is_mutating(c.operation)] == []
    reliability.record("security", f"gateway matrix: read-only from {source}",
                       "every mutating operation refused; 0 mutations received",
                       inputs=len(MUTATING), lost=len(problems))  # fmt: skip


# -- scope: another region, another account ----------------------------------------------
@pytest.mark.parametrize("where", ["unselected region", "another account"])
def test_calls_outside_the_selected_targets_are_refused(world: Any, where: str, reliability: Any) -> None:  # fmt: skip
    gw = gateway(world.clients, world.cache, targets=[Target(None, US)])
    account, region = (world.sim.account, EU) if where == "unselected region" else ("222222222222", US)  # fmt: skip

    def check(operation: str) -> str | None:
        m = Mutation(operation, account, region, request_for(operation, world.ids))
        try:
            gw.send(m)
        except Refused as exc:
            if "outside the selected targets" not in str(exc):
                return f"refused for another reason: {exc}"
            return None if received(world.sim, operation) == 0 else "sent"
        return "not refused"

    problems = run_matrix(check)
    assert problems == []
    assert [c for c in world.sim.calls if is_mutating(c.operation)] == []
    reliability.record("security", f"gateway matrix: row in {where}",
                       "refused as outside the selected targets; 0 calls received",
                       inputs=len(MUTATING), lost=len(problems))  # fmt: skip


# -- protect tag ---------------------------------------------------------------------------
def test_no_operation_touches_a_protected_workspace(world: Any, reliability: Any) -> None:
    gw = gateway(world.clients, world.cache)
    naming = 0

    def check(operation: str) -> str | None:
        nonlocal naming
        op = ops.OPERATIONS[operation]
        m = Mutation(operation, world.sim.account, US, request_for(operation, world.ids),
                     destructive=op.destructive)  # fmt: skip
        names_ws = world.ws in (*m.workspaces, *m.primaries)
        uses_protected = op.destructive and any(v in (world.directory, world.bundle) for _, v in m.depends_on)  # fmt: skip
        if not (names_ws or uses_protected):
            return None
        naming += 1
        try:
            gw.send(m)
        except Refused as exc:
            if PROTECT not in str(exc):
                return f"refused for another reason: {exc}"
            return None if received(world.sim, operation) == 0 else "sent"
        return "a protected WorkSpace was acted on"

    problems = run_matrix(check)
    assert problems == []
    assert naming >= 15  # every operation whose request can name a WorkSpace was tried
    touched = [c for c in world.sim.calls if is_mutating(c.operation) and world.ws in str(c.params)]
    assert touched == []
    reliability.record("security", "gateway matrix: protected WorkSpace (or its directory/bundle, destructive)",
                       "refused; 0 protected WorkSpaces touched", inputs=naming, lost=len(problems))  # fmt: skip


def test_destructive_calls_re_read_the_protect_tag_from_the_service(world: Any) -> None:
    """The cache says unprotected, the service says protected: the service wins."""
    import boto3

    other = world.sim.report.workspace_ids[US][1]
    boto3.client("workspaces", region_name=US).create_tags(
        ResourceId=other, Tags=[{"Key": PROTECT, "Value": "1"}]
    )
    gw = gateway(world.clients, world.cache)
    m = Mutation("TerminateWorkspaces", world.sim.account, US,
                 {"TerminateWorkspaceRequests": [{"WorkspaceId": other}]}, destructive=True)  # fmt: skip
    with pytest.raises(Refused, match=PROTECT):
        gw.send(m)
    assert world.sim.calls_to("TerminateWorkspaces") == []
    asked = world.sim.calls_to("GetResources")  # the tagging API, 100 ids a call
    assert len(asked) == 1 and any(other in arn for arn in asked[0].params["ResourceARNList"])


def test_every_call_naming_a_workspace_re_reads_the_protect_tag(world: Any) -> None:
    """Tags are re-read every Nth refresh pass: a reboot (not destructive) must not trust
    the cache either."""
    import boto3

    other = world.sim.report.workspace_ids[US][2]
    boto3.client("workspaces", region_name=US).create_tags(
        ResourceId=other, Tags=[{"Key": PROTECT, "Value": "1"}]
    )
    m = Mutation("RebootWorkspaces", world.sim.account, US,
                 {"RebootWorkspaceRequests": [{"WorkspaceId": other}]})  # fmt: skip
    with pytest.raises(Refused, match=PROTECT):
        gateway(world.clients, world.cache).send(m)
    assert world.sim.calls_to("RebootWorkspaces") == []


def test_protect_tags_unreadable_means_not_sent(world: Any) -> None:
    """The tagging API failing (503 on every retry): refused, never sent blind."""
    unprotected = world.sim.report.workspace_ids[US][3]
    world.sim.faults.inject("503", ["GetResources"], 10)
    m = Mutation("RebootWorkspaces", world.sim.account, US,
                 {"RebootWorkspaceRequests": [{"WorkspaceId": unprotected}]})  # fmt: skip
    with pytest.raises(Refused, match="could not re-read the tags"):
        gateway(world.clients, world.cache).send(m)
    assert world.sim.calls_to("RebootWorkspaces") == []


# -- once-only: lost response, 500 after execution, killed mid-call ----------------------
@pytest.mark.parametrize("fault", ["drop-after", "500-after"])
def test_an_ambiguous_outcome_is_sent_once_and_never_resent(world: Any, fault: str, reliability: Any) -> None:  # fmt: skip
    gw = gateway(world.clients, world.cache)
    ids = {**world.ids, "WorkspaceId": world.sim.report.workspace_ids[US][2],
           "SourceWorkspaceId": world.sim.report.workspace_ids[US][2],
           "ResourceId": world.sim.report.workspace_ids[US][2],
           "PrimaryWorkspaceId": world.sim.report.workspace_ids[US][2]}  # an unprotected WorkSpace
    twice = 0

    def check(operation: str) -> str | None:
        nonlocal twice
        world.sim.faults.inject(fault, operations=[operation])
        m = Mutation(operation, world.sim.account, US, request_for(operation, ids))
        try:
            reply, _ = gw.send(m)
        except Refused as exc:
            return f"refused: {exc}"
        finally:
            world.sim.faults.clear_injections()
        n = received(world.sim, operation)
        if n != 1:
            twice += n > 1
            return f"received {n} times"
        if reply.status != "unknown":
            return f"reported {reply.status}, not unknown"
        try:  # the re-run: refused until someone checks the resource
            gw.send(m)
            return "re-sent after an unknown outcome"
        except Refused as exc:
            if "unknown outcome" not in str(exc):
                return f"refused for another reason: {exc}"
        return None if received(world.sim, operation) == 1 else "re-sent"

    problems = run_matrix(check)
    assert problems == []
    assert world.cache.conn.execute(
        "SELECT count(*) FROM audit_items WHERE status = 'unknown'"
    ).fetchone()[0] >= len(MUTATING)
    reliability.record("security", f"gateway matrix: {fault} (executed, response lost)",
                       "received exactly once, audited unknown, re-run refused",
                       inputs=len(MUTATING), lost=twice)  # fmt: skip


def test_a_call_killed_between_audit_and_answer_blocks_the_re_run(world: Any, reliability: Any) -> None:  # fmt: skip
    """Process killed after the audit-before row: the item stays `pending`."""
    gw = gateway(world.clients, world.cache)
    target = Target(None, US, world.sim.account)
    other = world.sim.report.workspace_ids[US][3]
    ids = {**world.ids, "WorkspaceId": other, "SourceWorkspaceId": other, "ResourceId": other,
           "PrimaryWorkspaceId": other}

    def check(operation: str) -> str | None:
        m = Mutation(operation, world.sim.account, US, request_for(operation, ids))
        world.cache.audit_before(operation, target, list(m.audit_ids), m.request, "killed")
        try:
            gw.send(m)
        except Refused as exc:
            return None if "unknown outcome" in str(exc) and received(world.sim, operation) == 0 else str(exc)  # fmt: skip
        return "re-sent a call whose outcome was never recorded"

    problems = run_matrix(check)
    assert problems == []
    reliability.record("security", "gateway matrix: process killed mid-call, then re-run",
                       "pending call refused until re-read; 0 calls received",
                       inputs=len(MUTATING), lost=len(problems))  # fmt: skip


def test_throttling_before_execution_is_still_retried(world: Any, monkeypatch: Any) -> None:
    from tests.conftest import skip_retry_backoff

    skip_retry_backoff(monkeypatch)
    gw = gateway(world.clients, world.cache)
    wid = world.sim.report.workspace_ids[US][4]
    world.sim.set_state(US, wid, "AVAILABLE")
    world.sim.faults.configure(rps_cap={"RebootWorkspaces": 0.0})
    calls = 0

    def open_after_two(**_: Any) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:  # the first two attempts are throttled, the third goes through
            world.sim.faults.configure(rps_cap=None)

    world.clients.workspaces(Target(None, US)).meta.events.register(
        "before-send.workspaces.RebootWorkspaces", open_after_two
    )
    reply, per_id = gw.send(Mutation("RebootWorkspaces", world.sim.account, US,
                                     {"RebootWorkspaceRequests": [{"WorkspaceId": wid}]}))  # fmt: skip
    assert reply.status == "sent" and per_id[wid].status == "sent"
    statuses = [c.fault for c in world.sim.calls_to("RebootWorkspaces")]
    assert statuses == ["throttle", "throttle", None]  # refused before executing, then once


def test_only_the_gateway_opens_the_mutation_pass() -> None:
    """The runtime guard has one key; no module but the gateway may turn it."""
    root = Path(__file__).resolve().parents[2] / "wstui"
    users = sorted(
        str(p.relative_to(root)) for p in root.rglob("*.py") if "MUTATION_PASS" in p.read_text()
    )
    # clients.py defines it and the package re-exports it; only the gateway sets it.
    assert users == ["core/act/gateway.py", "core/aws/__init__.py", "core/aws/clients.py"]


def test_an_unknown_create_blocks_only_the_same_request(world: Any) -> None:
    """A call that names no resource is 'the same call' only when its request is."""
    gw = gateway(world.clients, world.cache)
    world.sim.faults.inject("drop-after", operations=["CreateIpGroup"], times=1)
    first = Mutation("CreateIpGroup", world.sim.account, US, {"GroupName": "hq"})
    reply, _ = gw.send(first)
    assert reply.status == "unknown"
    with pytest.raises(Refused, match="unknown outcome"):
        gw.send(first)
    other, _ = gw.send(Mutation("CreateIpGroup", world.sim.account, US, {"GroupName": "branch"}))
    assert other.status == "sent"
    assert [c.params["GroupName"] for c in world.sim.calls_to("CreateIpGroup")] == ["hq", "branch"]
