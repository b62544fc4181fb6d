"""WorkSpaces: describe, connection status, the batch actions (start, stop, reboot,
rebuild, terminate), create and standby create.

States move on the virtual clock: an accepted action books its transitions
(``states.TRANSITIONS``) and DescribeWorkspaces reports where the WorkSpace is now.
"""

from __future__ import annotations

import string
from typing import Any

from wstui.sim import shapes, states
from wstui.sim.connections import connection_status
from wstui.sim.errors import (
    InvalidParameterValues,
    by_code,
)
from wstui.sim.metrics import SessionModel
from wstui.sim.model import SimWorkspace, extras
from wstui.sim.ops.common import (
    BUNDLE_ID,
    DIR_ID,
    ID_RANDOM,
    WS_ID,
    Params,
    Resp,
    all_bundles,
    backend_of,
    check_id,
    id_list,
    live_workspace,
    new_id,
    page_limit,
    page_token,
    paged,
    sim_now,
)
from wstui.sim.ops.registry import op
from wstui.sim.runtime import current


@op("DescribeWorkspaces")
def describe_workspaces(resp: Resp, params: Params) -> dict[str, Any]:
    backend, now = backend_of(resp), sim_now()
    limit = page_limit(params)
    token = page_token(params)
    ids = id_list(params, "WorkspaceIds", WS_ID)
    directory_id = params.get("DirectoryId")
    user_name = params.get("UserName")
    bundle_id = params.get("BundleId")
    name = params.get("WorkspaceName")
    filters = [f for f in (ids, directory_id, bundle_id, name) if f]
    if len(filters) > 1:
        raise InvalidParameterValues(
            "An invalid number of parameters provided with DescribeWorkspaces. Only one of the "
            "following are allowed to be specified: BundleId, DirectoryId, WorkSpaceIds, "
            "WorkspaceName."
        )
    if user_name and not directory_id:
        raise InvalidParameterValues("The DirectoryId parameter is required when UserName is used.")
    if directory_id:
        check_id(directory_id, DIR_ID, "DirectoryId")
    if bundle_id:
        check_id(bundle_id, BUNDLE_ID, "BundleId")

    def keep(ws: SimWorkspace) -> bool:
        if directory_id and ws.directory_id != directory_id:
            return False
        if user_name and ws.user_name != user_name:
            return False
        if bundle_id and ws.bundle_id != bundle_id:
            return False
        return not (name and ws.workspace_name != name)

    keys = sorted(set(ids)) if ids else extras(backend).sorted_ids(backend.workspaces)
    items, next_token = paged(keys, lambda k: live_workspace(backend, k, now), limit, token, keep)
    out: dict[str, Any] = {"Workspaces": [ws.to_api(now) for ws in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


@op("DescribeWorkspacesConnectionStatus")
def describe_connection_status(
    resp: Resp, params: Params
) -> dict[str, Any]:
    backend, now = backend_of(resp), sim_now()
    token = page_token(params)
    ids = id_list(params, "WorkspaceIds", WS_ID)
    keys = sorted(set(ids)) if ids else extras(backend).sorted_ids(backend.workspaces)
    items, next_token = paged(keys, lambda k: live_workspace(backend, k, now), 25, token)
    usage = current().sessions or SessionModel()
    found = [connection_status(usage, w, now) for w in items]  # the same sessions as metrics
    out: dict[str, Any] = {"WorkspacesConnectionStatus": found}
    if next_token:
        out["NextToken"] = next_token
    return out


def refusal(action: str, ws: SimWorkspace, now: float) -> tuple[str, str] | None:
    state = ws.state_at(now)
    if state not in states.ALLOWED_STATES[action]:
        return states.ERR_STATE, states.state_refusal(action, state)
    modes = states.ALLOWED_RUNNING_MODES.get(action)
    if modes and ws.running_mode not in modes:
        return states.ERR_RUNNING_MODE, states.running_mode_refusal(action, ws.running_mode)
    stuck = now - ws.state_since > states.REBOOT_STUCK_AFTER
    if action == "RebootWorkspaces" and state == "REBOOTING" and not stuck:
        return (
            states.ERR_REBOOT_TOO_SOON,
            "The WorkSpace is already rebooting; reboot it again only if it has been "
            "stuck in REBOOTING for over 20 minutes.",
        )
    return None


def _batch(
    resp: Resp, params: Params, action: str, key: str, exactly_one: bool
) -> dict[str, Any]:
    backend, now = backend_of(resp), sim_now()
    requests = params.get(key)
    if not isinstance(requests, list) or not requests:
        raise InvalidParameterValues(f"{key} must contain at least one request.")
    if exactly_one and len(requests) != 1:
        raise InvalidParameterValues(f"{key} must contain exactly 1 item.")
    if len(requests) > 25:
        raise InvalidParameterValues(f"{key} must contain at most 25 items.")
    if any(not isinstance(r, dict) or not r.get("WorkspaceId") for r in requests):
        raise by_code(shapes.validation_error_code(action))(
            f"1 validation error detected: Value null at '{key[:1].lower() + key[1:]}.member."
            "workspaceId' failed to satisfy constraint: Member must not be null"
        )
    ids = [r["WorkspaceId"] for r in requests]
    failed: list[dict[str, str]] = []
    ex = extras(backend)
    for ws_id in ids:
        ws = live_workspace(backend, ws_id, now)
        if ws is None:
            failed.append(_failure(ws_id, states.ERR_NOT_FOUND, "The WorkSpace could not be found."))
            continue
        if action == "TerminateWorkspaces" and ws.state in ("TERMINATING", "TERMINATED"):
            continue  # already on its way out: accepted, nothing changes
        refused = refusal(action, ws, now)
        if refused:
            failed.append(_failure(ws_id, *refused))
            continue
        ws.book(states.TRANSITIONS[action], now)
        ws.modification_states = []
        if states.TRANSITIONS[action][-1][0] == states.GONE:
            ex.terminating.add(ws_id)
    return {"FailedRequests": failed}


def _failure(ws_id: str, code: str, message: str) -> dict[str, str]:
    return {"WorkspaceId": ws_id, "ErrorCode": code, "ErrorMessage": message}


@op("StartWorkspaces")
def start_workspaces(resp: Resp, params: Params) -> dict[str, Any]:
    return _batch(resp, params, "StartWorkspaces", "StartWorkspaceRequests", False)


@op("StopWorkspaces")
def stop_workspaces(resp: Resp, params: Params) -> dict[str, Any]:
    return _batch(resp, params, "StopWorkspaces", "StopWorkspaceRequests", False)


@op("RebootWorkspaces")
def reboot_workspaces(resp: Resp, params: Params) -> dict[str, Any]:
    return _batch(resp, params, "RebootWorkspaces", "RebootWorkspaceRequests", False)


@op("RebuildWorkspaces")
def rebuild_workspaces(resp: Resp, params: Params) -> dict[str, Any]:
    return _batch(resp, params, "RebuildWorkspaces", "RebuildWorkspaceRequests", True)


@op("TerminateWorkspaces")
def terminate_workspaces(resp: Resp, params: Params) -> dict[str, Any]:
    return _batch(resp, params, "TerminateWorkspaces", "TerminateWorkspaceRequests", False)


@op("CreateWorkspaces")
def create_workspaces(resp: Resp, params: Params) -> dict[str, Any]:
    backend, now = backend_of(resp), sim_now()
    requests = params.get("Workspaces")
    if not isinstance(requests, list) or not 1 <= len(requests) <= 25:
        raise InvalidParameterValues("Workspaces must contain between 1 and 25 items.")
    bundles = all_bundles(backend)
    failed, pending = [], []
    for req in requests:
        code, message = _create_refusal(backend, req, bundles)
        if code:
            failed.append({"WorkspaceRequest": req, "ErrorCode": code, "ErrorMessage": message})
            continue
        props = req.get("WorkspaceProperties") or {}
        bundle = bundles[req["BundleId"]]
        mode = props.get("RunningMode", "ALWAYS_ON")
        ws = SimWorkspace(
            workspace_id=new_id("ws-"),
            directory_id=req["DirectoryId"],
            user_name=req["UserName"],
            bundle_id=req["BundleId"],
            state="PENDING",
            state_since=now,
            running_mode=mode,
            compute_type=props.get("ComputeTypeName", bundle["ComputeType"]["Name"]),
            root_gb=int(props.get("RootVolumeSizeGib", bundle["RootStorage"]["Capacity"])),
            user_gb=int(props.get("UserVolumeSizeGib", bundle["UserStorage"]["Capacity"])),
            computer_name=f"WSAMZN-{new_id('', 8, string.digits + string.ascii_uppercase)}",
            ip_address=f"10.{ID_RANDOM.randrange(256)}.{ID_RANDOM.randrange(256)}.{ID_RANDOM.randrange(1, 255)}",
            tags=[dict(t) for t in req.get("Tags") or []],
            auto_stop_minutes=props.get("RunningModeAutoStopTimeoutInMinutes", 60),
            workspace_name=req.get("WorkspaceName", ""),
            created=now,
        )
        ws.book(states.TRANSITIONS["create"], now)
        backend.workspaces[ws.workspace_id] = ws
        extras(backend).invalidate()
        pending.append(ws.to_api(now))
    return {"FailedRequests": failed, "PendingRequests": pending}


def _create_refusal(backend: Any, req: Any, bundles: dict[str, Any]) -> tuple[str, str]:
    if not isinstance(req, dict):
        raise InvalidParameterValues("Each WorkspaceRequest must be an object.")
    for field in ("DirectoryId", "UserName", "BundleId"):
        if not req.get(field):
            raise InvalidParameterValues(f"{field} is required.")
    if req["DirectoryId"] not in backend.workspace_directories:
        return "ResourceNotFound.Directory", "The specified directory could not be found."
    if req["BundleId"] not in bundles:
        return "ResourceNotFound.Bundle", "The specified bundle could not be found."
    props = req.get("WorkspaceProperties") or {}
    if props.get("RunningModeAutoStopTimeoutInMinutes") and props.get("RunningMode") in (
        None, "ALWAYS_ON"
    ):  # fmt: skip
        return (
            "AutoStopTimeoutIsNotApplicableForAnAlwaysOnWorkspace",
            "RunningModeAutoStopTimeoutInMinutes is not applicable for WorkSpace with running "
            "mode set to ALWAYS_ON.",
        )
    return "", ""


@op("CreateStandbyWorkspaces")
def create_standby(resp: Resp, params: Params) -> dict[str, Any]:
    region = params.get("PrimaryRegion")
    requests = params.get("StandbyWorkspaces")
    if not region or not isinstance(requests, list) or not requests:
        raise InvalidParameterValues("PrimaryRegion and StandbyWorkspaces are required.")
    failed, asks = [], []
    from moto.workspaces.models import workspaces_backends

    primary = workspaces_backends[backend_of(resp).account_id][region]
    for req in requests:
        src = primary.workspaces.get(req.get("PrimaryWorkspaceId"))
        if src is None:
            failed.append({"StandbyWorkspaceRequest": req, "ErrorCode": "ResourceNotFound.Workspace",
                           "ErrorMessage": "The primary WorkSpace could not be found."})  # fmt: skip
            continue
        asks.append({"DirectoryId": req.get("DirectoryId"), "UserName": src.user_name,
                     "BundleId": src.bundle_id, "Tags": req.get("Tags") or []})  # fmt: skip
    pending = []
    if asks:
        created = create_workspaces(resp, {"Workspaces": asks})
        pending = [{"UserName": w["UserName"], "DirectoryId": w["DirectoryId"],
                    "State": w["State"], "WorkspaceId": w["WorkspaceId"]}
                   for w in created["PendingRequests"]]  # fmt: skip
        failed += [{"StandbyWorkspaceRequest": f["WorkspaceRequest"], "ErrorCode": f["ErrorCode"],
                    "ErrorMessage": f["ErrorMessage"]} for f in created["FailedRequests"]]  # fmt: skip
    return {"FailedStandbyRequests": failed, "PendingStandbyRequests": pending}
