"""WorkSpaces, one at a time: restore, migrate, admin state, properties, snapshots."""

from __future__ import annotations

from typing import Any

from wstui.sim import states
from wstui.sim.catalogue import COMPUTE_TYPES
from wstui.sim.errors import (
    InvalidParameterValues,
    InvalidResourceState,
    OperationInProgress,
    OperationNotSupported,
    ResourceNotFound,
)
from wstui.sim.model import SimWorkspace, extras
from wstui.sim.ops.common import (
    BUNDLE_ID,
    Params,
    Resp,
    all_bundles,
    backend_of,
    check_id,
    new_id,
    require_workspace,
    sim_now,
)
from wstui.sim.ops.registry import op
from wstui.sim.ops.workspaces import refusal


@op("RestoreWorkspace")
def restore_workspace(resp: Resp, params: Params) -> dict[str, Any]:
    backend, now = backend_of(resp), sim_now()
    ws = require_workspace(backend, params)
    refused = refusal("RestoreWorkspace", ws, now)
    if refused:
        raise OperationNotSupported(refused[1])
    ws.book(states.TRANSITIONS["RestoreWorkspace"], now)
    return {}


@op("MigrateWorkspace")
def migrate_workspace(resp: Resp, params: Params) -> dict[str, Any]:
    backend, now = backend_of(resp), sim_now()
    ws = require_workspace(backend, params, "SourceWorkspaceId")
    bundle_id = check_id(params.get("BundleId"), BUNDLE_ID, "BundleId")
    bundle = all_bundles(backend).get(bundle_id)
    if bundle is None:
        raise ResourceNotFound(f"The bundle {bundle_id} could not be found.")
    if bundle_id == ws.bundle_id:
        raise InvalidParameterValues("The WorkSpace already uses the target bundle.")
    refused = refusal("MigrateWorkspace", ws, now)
    if refused:
        raise OperationNotSupported(refused[1])
    target = SimWorkspace(
        workspace_id=new_id("ws-"),
        directory_id=ws.directory_id,
        user_name=ws.user_name,
        bundle_id=bundle_id,
        state="PENDING",
        state_since=now,
        running_mode=ws.running_mode,
        compute_type=bundle["ComputeType"]["Name"],
        root_gb=int(bundle["RootStorage"]["Capacity"]),
        user_gb=ws.user_gb,
        computer_name=ws.computer_name,
        ip_address=ws.ip_address,
        subnet_id=ws.subnet_id,
        tags=[dict(t) for t in ws.tags],
        auto_stop_minutes=ws.auto_stop_minutes,
        created=now,
    )
    target.book(states.TRANSITIONS["create"], now)
    ws.book(states.TRANSITIONS["MigrateWorkspace"], now)
    backend.workspaces[target.workspace_id] = target
    ex = extras(backend)
    ex.terminating.add(ws.workspace_id)
    ex.invalidate()
    return {"SourceWorkspaceId": ws.workspace_id, "TargetWorkspaceId": target.workspace_id}


@op("ModifyWorkspaceState")
def modify_workspace_state(resp: Resp, params: Params) -> dict[str, Any]:
    backend, now = backend_of(resp), sim_now()
    wanted = params.get("WorkspaceState")
    if wanted not in ("AVAILABLE", "ADMIN_MAINTENANCE"):
        raise InvalidParameterValues("WorkspaceState must be AVAILABLE or ADMIN_MAINTENANCE.")
    ws = require_workspace(backend, params)
    state = ws.state_at(now)
    if state not in states.ALLOWED_STATES["ModifyWorkspaceState"]:
        raise InvalidResourceState(states.state_refusal("ModifyWorkspaceState", state))
    ws.enter(wanted, now)
    ws.plan = None
    return {}


@op("ModifyWorkspaceProperties")
def modify_workspace_properties(
    resp: Resp, params: Params
) -> dict[str, Any]:
    backend, now = backend_of(resp), sim_now()
    ws = require_workspace(backend, params)
    props = params.get("WorkspaceProperties") or {}
    if not isinstance(props, dict):
        raise InvalidParameterValues("WorkspaceProperties must be an object.")
    state = ws.state_at(now)
    if ws.modification_states or state == "UPDATING":
        raise OperationInProgress(
            "The properties of this WorkSpace are currently being modified. Try again in a moment."
        )
    if state not in states.ALLOWED_STATES["ModifyWorkspaceProperties"]:
        raise InvalidResourceState(states.state_refusal("ModifyWorkspaceProperties", state))
    mode = props.get("RunningMode", ws.running_mode)
    if mode not in states.RUNNING_MODES:
        raise InvalidParameterValues(f"RunningMode {mode!r} is not valid.")
    timeout = props.get("RunningModeAutoStopTimeoutInMinutes")
    if timeout is not None:
        if mode != "AUTO_STOP":
            raise InvalidParameterValues(
                f"RunningModeAutoStopTimeoutInMinutes is not applicable for running mode {mode}."
            )
        if not isinstance(timeout, int) or timeout <= 0 or timeout % 60:
            raise InvalidParameterValues(
                "RunningModeAutoStopTimeoutInMinutes must be a multiple of 60."
            )
    compute = props.get("ComputeTypeName", ws.compute_type)
    if compute not in COMPUTE_TYPES:
        raise InvalidParameterValues(f"ComputeTypeName {compute!r} is not valid.")
    root = props.get("RootVolumeSizeGib", ws.root_gb)
    user = props.get("UserVolumeSizeGib", ws.user_gb)
    if not isinstance(root, int) or not isinstance(user, int) or root < ws.root_gb or user < ws.user_gb:
        raise InvalidParameterValues("Volumes can only be increased.")
    # Running mode and timeout change at once; compute and volumes go through UPDATING.
    ws.running_mode = mode
    ws.auto_stop_minutes = (timeout or ws.auto_stop_minutes or 60) if mode == "AUTO_STOP" else None
    changes = []
    if compute != ws.compute_type:
        changes.append("COMPUTE_TYPE")
    if root != ws.root_gb:
        changes.append("ROOT_VOLUME")
    if user != ws.user_gb:
        changes.append("USER_VOLUME")
    if changes:
        ws.compute_type, ws.root_gb, ws.user_gb = compute, root, user
        ws.book((("UPDATING", states.UPDATE_SECONDS), (state, 0.0)), now)
        ws.modification_states = [
            {"Resource": r, "State": "UPDATE_IN_PROGRESS"} for r in changes
        ]
    return {}


@op("DescribeWorkspaceSnapshots")
def describe_snapshots(resp: Resp, params: Params) -> dict[str, Any]:
    ws = require_workspace(backend_of(resp), params)
    # One snapshot per 12 hours of life, the newest first (the service keeps a few).
    at = ws.state_since
    return {"RebuildSnapshots": [{"SnapshotTime": at}],
            "RestoreSnapshots": [{"SnapshotTime": at}, {"SnapshotTime": at - 43200}]}  # fmt: skip
