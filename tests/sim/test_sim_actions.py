"""Actions: the preconditions table, batch limits, FailedRequests and transitions over time.

The tables below are typed in from the API Reference ("You cannot reboot a WorkSpace unless
its state is ..."), independently of wstui/sim/states.py, so a wrong rule there fails here.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

REGION = "us-east-1"
STATES = (
    "PENDING", "AVAILABLE", "IMPAIRED", "UNHEALTHY", "REBOOTING", "STARTING", "REBUILDING",
    "RESTORING", "MAINTENANCE", "ADMIN_MAINTENANCE", "TERMINATING", "TERMINATED", "SUSPENDED",
    "UPDATING", "STOPPING", "STOPPED", "ERROR",
)  # fmt: skip
BATCH = {  # action -> (request key, states in which the reference accepts it)
    "StartWorkspaces": ("StartWorkspaceRequests", {"STOPPED"}),
    "StopWorkspaces": ("StopWorkspaceRequests", {"AVAILABLE", "IMPAIRED", "UNHEALTHY", "ERROR"}),
    # REBOOTING only when stuck > 20 min: a freshly set REBOOTING one is refused.
    "RebootWorkspaces": ("RebootWorkspaceRequests", {"AVAILABLE", "UNHEALTHY"}),
    "RebuildWorkspaces": (
        "RebuildWorkspaceRequests", {"AVAILABLE", "ERROR", "UNHEALTHY", "STOPPED", "REBOOTING"}
    ),
    "TerminateWorkspaces": ("TerminateWorkspaceRequests", set(STATES) - {"SUSPENDED"}),
}
RESTORE_OK = {"AVAILABLE", "ERROR", "UNHEALTHY", "STOPPED"}


def _call(client, action, ids):
    key = BATCH[action][0]
    method = getattr(client, {
        "StartWorkspaces": "start_workspaces", "StopWorkspaces": "stop_workspaces",
        "RebootWorkspaces": "reboot_workspaces", "RebuildWorkspaces": "rebuild_workspaces",
        "TerminateWorkspaces": "terminate_workspaces",
    }[action])  # fmt: skip
    return method(**{key: [{"WorkspaceId": i} for i in ids]})


def _state(client, ws_id):
    got = client.describe_workspaces(WorkspaceIds=[ws_id])["Workspaces"]
    return got[0]["State"] if got else None


@pytest.mark.parametrize("action", sorted(BATCH))
def test_preconditions_table(sim, sim_client, action):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    wrong = {}
    for state in STATES:
        sim.set_state(REGION, ws_id, state, running_mode="AUTO_STOP")
        failed = _call(client, action, [ws_id])["FailedRequests"]
        accepted = not failed
        if accepted != (state in BATCH[action][1]):
            wrong[state] = failed
        elif failed:
            assert failed[0]["WorkspaceId"] == ws_id
            assert failed[0]["ErrorCode"].startswith("InvalidResourceState")
            assert state in failed[0]["ErrorMessage"]
    assert wrong == {}


@pytest.mark.parametrize("action", ["StartWorkspaces", "StopWorkspaces"])
def test_start_stop_refuse_always_on(sim, sim_client, action):
    ws_id = sim.report.workspace_ids[REGION][0]
    ok_state = next(iter(BATCH[action][1]))
    sim.set_state(REGION, ws_id, ok_state, running_mode="ALWAYS_ON")
    failed = _call(sim_client(REGION), action, [ws_id])["FailedRequests"]
    assert [f["ErrorCode"] for f in failed] == ["UnsupportedWorkspaceConfiguration.RunningMode"]
    assert sim.state_of(REGION, ws_id) == ok_state


def test_restore_preconditions(sim, sim_client):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    wrong = []
    for state in STATES:
        sim.set_state(REGION, ws_id, state)
        try:
            client.restore_workspace(WorkspaceId=ws_id)
            accepted = True
        except ClientError as e:
            assert e.response["Error"]["Code"] == "OperationNotSupportedException"
            accepted = False
        if accepted != (state in RESTORE_OK):
            wrong.append(state)
        if accepted:
            assert sim.state_of(REGION, ws_id) == "RESTORING"
    assert wrong == []


@pytest.mark.parametrize("action", sorted(BATCH))
def test_26_ids_refused_whole_request(sim, sim_client, action):
    ids = (sim.report.workspace_ids[REGION] * 2)[:26]
    before = {i: sim.state_of(REGION, i) for i in ids}
    with pytest.raises(ClientError) as exc:
        _call(sim_client(REGION), action, ids)
    # Start/Stop/Terminate declare no errors and Reboot/Rebuild only
    # OperationNotSupportedException: a malformed request gets the common ValidationException.
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert "have length less than or equal to" in exc.value.response["Error"]["Message"]
    assert {i: sim.state_of(REGION, i) for i in ids} == before


def test_rebuild_takes_exactly_one(sim, sim_client):
    ids = sim.report.workspace_ids[REGION][:2]
    for i in ids:
        sim.set_state(REGION, i, "AVAILABLE")
    with pytest.raises(ClientError) as exc:
        _call(sim_client(REGION), "RebuildWorkspaces", ids)
    assert exc.value.response["Error"]["Code"] == "ValidationException"  # max 1 in the model
    assert [sim.state_of(REGION, i) for i in ids] == ["AVAILABLE", "AVAILABLE"]


def test_partial_failure_reports_only_refused_ids(sim, sim_client):
    ok, stopped = sim.report.workspace_ids[REGION][:2]
    sim.set_state(REGION, ok, "AVAILABLE")
    sim.set_state(REGION, stopped, "STOPPED", running_mode="AUTO_STOP")
    failed = _call(sim_client(REGION), "RebootWorkspaces", [ok, stopped, "ws-nosuchone1"])[
        "FailedRequests"
    ]
    assert {f["WorkspaceId"]: f["ErrorCode"] for f in failed} == {
        stopped: "InvalidResourceState",
        "ws-nosuchone1": "ResourceNotFound.Workspace",
    }
    assert sim.state_of(REGION, ok) == "REBOOTING"


def test_reboot_on_stopped_fails_and_start_goes_through_starting(sim, sim_client):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    sim.set_state(REGION, ws_id, "STOPPED", running_mode="AUTO_STOP")
    failed = _call(client, "RebootWorkspaces", [ws_id])["FailedRequests"]
    assert [f["WorkspaceId"] for f in failed] == [ws_id]
    assert _state(client, ws_id) == "STOPPED"
    assert _call(client, "StartWorkspaces", [ws_id])["FailedRequests"] == []
    seen = [_state(client, ws_id)]
    for _ in range(6):
        sim.clock.advance(30)
        seen.append(_state(client, ws_id))
    assert seen[0] == "STARTING" and seen[-1] == "AVAILABLE"
    assert seen == sorted(seen, key=["STARTING", "AVAILABLE"].index)  # no flapping back


@pytest.mark.parametrize(
    ("action", "start", "middle", "end", "seconds"),
    [
        ("StopWorkspaces", "AVAILABLE", "STOPPING", "STOPPED", 60),
        ("RebootWorkspaces", "AVAILABLE", "REBOOTING", "AVAILABLE", 120),
        ("RebuildWorkspaces", "ERROR", "REBUILDING", "AVAILABLE", 900),
    ],
)
def test_transition_over_virtual_time(sim, sim_client, action, start, middle, end, seconds):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    sim.set_state(REGION, ws_id, start, running_mode="AUTO_STOP")
    assert _call(client, action, [ws_id])["FailedRequests"] == []
    assert _state(client, ws_id) == middle
    sim.clock.advance(seconds - 1)
    assert _state(client, ws_id) == middle
    sim.clock.advance(2)
    assert _state(client, ws_id) == end


def test_terminate_goes_terminating_terminated_then_gone(sim, sim_client):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    sim.set_state(REGION, ws_id, "AVAILABLE")
    assert _call(client, "TerminateWorkspaces", [ws_id])["FailedRequests"] == []
    assert _state(client, ws_id) == "TERMINATING"
    sim.clock.advance(301)
    assert _state(client, ws_id) == "TERMINATED"
    sim.clock.advance(61)
    assert _state(client, ws_id) is None
    listed = {w["WorkspaceId"] for p in client.get_paginator("describe_workspaces").paginate()
              for w in p["Workspaces"]}  # fmt: skip
    assert ws_id not in listed
    failed = _call(client, "RebootWorkspaces", [ws_id])["FailedRequests"]
    assert failed[0]["ErrorCode"] == "ResourceNotFound.Workspace"


def test_reboot_of_stuck_rebooting_is_accepted_after_20_minutes(sim, sim_client):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    sim.set_state(REGION, ws_id, "REBOOTING")  # stuck: no plan to leave it
    assert _call(client, "RebootWorkspaces", [ws_id])["FailedRequests"][0]["ErrorCode"] == (
        "InvalidResourceState.RebootInProgress"
    )
    sim.clock.advance(20 * 60 + 1)
    assert _call(client, "RebootWorkspaces", [ws_id])["FailedRequests"] == []
    sim.clock.advance(121)
    assert _state(client, ws_id) == "AVAILABLE"


def test_admin_maintenance_round_trip_blocks_actions(sim, sim_client):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    sim.set_state(REGION, ws_id, "AVAILABLE", running_mode="AUTO_STOP")
    client.modify_workspace_state(WorkspaceId=ws_id, WorkspaceState="ADMIN_MAINTENANCE")
    assert _state(client, ws_id) == "ADMIN_MAINTENANCE"
    for action in ("RebootWorkspaces", "StopWorkspaces", "RebuildWorkspaces"):
        assert _call(client, action, [ws_id])["FailedRequests"], action
    client.modify_workspace_state(WorkspaceId=ws_id, WorkspaceState="AVAILABLE")
    assert _state(client, ws_id) == "AVAILABLE"
    sim.set_state(REGION, ws_id, "STOPPED")
    with pytest.raises(ClientError) as exc:
        client.modify_workspace_state(WorkspaceId=ws_id, WorkspaceState="ADMIN_MAINTENANCE")
    assert exc.value.response["Error"]["Code"] == "InvalidResourceStateException"


def test_modify_properties_running_mode_now_compute_through_updating(sim, sim_client):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    sim.set_state(REGION, ws_id, "AVAILABLE", running_mode="ALWAYS_ON")
    client.modify_workspace_properties(
        WorkspaceId=ws_id, WorkspaceProperties={"RunningMode": "AUTO_STOP",
                                                "RunningModeAutoStopTimeoutInMinutes": 120},
    )  # fmt: skip
    item = client.describe_workspaces(WorkspaceIds=[ws_id])["Workspaces"][0]
    assert item["WorkspaceProperties"]["RunningMode"] == "AUTO_STOP"
    assert item["WorkspaceProperties"]["RunningModeAutoStopTimeoutInMinutes"] == 120
    assert item["State"] == "AVAILABLE"
    target = "POWER" if item["WorkspaceProperties"]["ComputeTypeName"] != "POWER" else "POWERPRO"
    client.modify_workspace_properties(
        WorkspaceId=ws_id, WorkspaceProperties={"ComputeTypeName": target}
    )
    item = client.describe_workspaces(WorkspaceIds=[ws_id])["Workspaces"][0]
    assert item["State"] == "UPDATING"
    assert item["ModificationStates"] == [
        {"Resource": "COMPUTE_TYPE", "State": "UPDATE_IN_PROGRESS"}
    ]
    with pytest.raises(ClientError) as exc:
        client.modify_workspace_properties(
            WorkspaceId=ws_id, WorkspaceProperties={"RunningMode": "ALWAYS_ON"}
        )
    assert exc.value.response["Error"]["Code"] == "OperationInProgressException"
    sim.clock.advance(301)
    item = client.describe_workspaces(WorkspaceIds=[ws_id])["Workspaces"][0]
    assert item["State"] == "AVAILABLE" and "ModificationStates" not in item
    assert item["WorkspaceProperties"]["ComputeTypeName"] == target
    with pytest.raises(ClientError) as exc:  # AutoStop timeout makes no sense for ALWAYS_ON
        client.modify_workspace_properties(
            WorkspaceId=ws_id, WorkspaceProperties={
                "RunningMode": "ALWAYS_ON", "RunningModeAutoStopTimeoutInMinutes": 60},
        )  # fmt: skip
    assert exc.value.response["Error"]["Code"] == "InvalidParameterValuesException"


def test_migrate_creates_target_and_retires_source(sim, sim_client):
    client = sim_client(REGION)
    ws_id = sim.report.workspace_ids[REGION][0]
    sim.set_state(REGION, ws_id, "AVAILABLE")
    source = sim.workspace(REGION, ws_id)
    bundles = client.describe_workspace_bundles(Owner="AMAZON")["Bundles"]
    target_bundle = next(b["BundleId"] for b in bundles if b["BundleId"] != source.bundle_id)
    out = client.migrate_workspace(SourceWorkspaceId=ws_id, BundleId=target_bundle)
    assert out["SourceWorkspaceId"] == ws_id and out["TargetWorkspaceId"] != ws_id
    target = client.describe_workspaces(WorkspaceIds=[out["TargetWorkspaceId"]])["Workspaces"][0]
    assert target["State"] == "PENDING" and target["BundleId"] == target_bundle
    assert target["UserName"] == source.user_name
    assert _state(client, ws_id) == "TERMINATING"
    sim.clock.advance(20 * 60 + 1)
    assert _state(client, ws_id) is None
    assert _state(client, out["TargetWorkspaceId"]) == "AVAILABLE"


def test_create_workspaces_start_pending(sim, sim_client):
    client = sim_client(REGION)
    directory = sim.report.directories[REGION][0]
    bundle = client.describe_workspace_bundles(Owner="AMAZON")["Bundles"][0]["BundleId"]
    out = client.create_workspaces(Workspaces=[
        {"DirectoryId": directory, "UserName": "new.user", "BundleId": bundle},
        {"DirectoryId": "d-ffffffffff", "UserName": "x", "BundleId": bundle},
    ])  # fmt: skip
    assert [f["ErrorCode"] for f in out["FailedRequests"]] == ["ResourceNotFound.Directory"]
    new_id = out["PendingRequests"][0]["WorkspaceId"]
    assert _state(client, new_id) == "PENDING"
    sim.clock.advance(20 * 60 + 1)
    assert _state(client, new_id) == "AVAILABLE"


def test_every_call_is_recorded_with_region_and_params(sim, sim_client):
    sim.clear_calls()
    ws_id = sim.report.workspace_ids["eu-west-1"][0]
    sim.set_state("eu-west-1", ws_id, "AVAILABLE")
    _call(sim_client("eu-west-1"), "RebootWorkspaces", [ws_id])
    [call] = sim.calls_to("RebootWorkspaces")
    assert call.region == "eu-west-1"
    assert call.params == {"RebootWorkspaceRequests": [{"WorkspaceId": ws_id}]}
    assert call.at == sim.clock.now() and call.fault is None
