"""Request handlers registered on moto's WorkSpaces response class.

``install()`` adds the operations moto lacks and replaces the ones whose behaviour differs
from the service (paging, asynchronous states), by setting methods on
``moto.workspaces.responses.WorkSpacesResponse``; moto's files stay untouched. It also wraps
``call_action`` so every call is recorded and passes through fault injection, in-process
(``mock_aws``) and over HTTP (moto's server) alike.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import logging
import random
import re
import socket
import string
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError, ConnectionClosedError
from moto.workspaces.responses import WorkSpacesResponse
from werkzeug.exceptions import HTTPException

from wstui.sim import shapes, states
from wstui.sim.catalogue import AMAZON_BUNDLES, COMPUTE_TYPES
from wstui.sim.errors import (
    AccessDenied,
    ExpiredToken,
    InternalFailure,
    InvalidParameterValues,
    InvalidResourceState,
    OperationInProgress,
    OperationNotSupported,
    ResourceAlreadyExists,
    ResourceAssociated,
    ResourceLimitExceeded,
    ResourceNotFound,
    ServiceUnavailable,
    SimServiceError,
    Throttling,
    UnknownOperation,
    by_code,
)
from wstui.sim.http import SOCKET_KEY
from wstui.sim.model import (
    LOCK,
    BadToken,
    ConnectionAlias,
    IpGroup,
    SimWorkspace,
    extras,
    page,
    purge_gone,
)
from wstui.sim.runtime import SimCall, current

log = logging.getLogger(__name__)
Handler = Callable[[WorkSpacesResponse, dict[str, Any]], dict[str, Any]]
OPERATIONS: dict[str, Handler] = {}

WS_ID = re.compile(r"^ws-[0-9a-z]{8,63}$")
DIR_ID = re.compile(r"^(d-[0-9a-f]{8,63}$)|(wsd-[0-9a-z]{8,63}$)")
BUNDLE_ID = re.compile(r"^wsb-[0-9a-z]{8,63}$")
IPG_ID = re.compile(r"^wsipg-[0-9a-z]{8,24}$")
ALIAS_ID = re.compile(r"^wsca-[0-9a-z]{8,63}$")
POOL_ID = re.compile(r"^wspool-[0-9a-z]{9}$")
ACCOUNT_ID = re.compile(r"^\d{12}$")
CONNECTION_STRING = re.compile(r"^[.0-9a-zA-Z\-]{1,255}$")
MAX_RULES_PER_GROUP = 10
MAX_TAGS = 50
MAX_ALIAS_SHARES = 5
ALIAS_CREATE_SECONDS = 5.0
POOL_SECONDS = 5 * 60.0

_ids = random.Random(0)
_ALNUM = string.digits + string.ascii_lowercase


def new_id(prefix: str, n: int = 9, alphabet: str = _ALNUM) -> str:
    with LOCK:
        return prefix + "".join(_ids.choices(alphabet, k=n))


def reseed_ids(seed: int) -> None:
    with LOCK:
        _ids.seed(f"api-ids/{seed}")


def op(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        OPERATIONS[name] = fn
        return fn

    return register


# -- validation helpers -------------------------------------------------------------------
def _limit(params: dict[str, Any], key: str = "Limit", default: int = 25) -> int:
    value = params.get(key, default)
    if not isinstance(value, int) or not 1 <= value <= 25:
        raise InvalidParameterValues(f"The value for {key} must be between 1 and 25.")
    return value


def _id_list(params: dict[str, Any], key: str, pattern: re.Pattern[str]) -> list[str] | None:
    ids = params.get(key)
    if ids is None:
        return None
    if not isinstance(ids, list) or not 1 <= len(ids) <= 25:
        raise InvalidParameterValues(f"{key} must contain between 1 and 25 items.")
    for i in ids:
        _check(i, pattern, key)
    return ids


def _check(value: Any, pattern: re.Pattern[str], name: str) -> str:
    if not isinstance(value, str) or not pattern.match(value):
        raise InvalidParameterValues(f"The {name} value {value!r} is not valid.")
    return value


def _page_args(params: dict[str, Any]) -> str | None:
    token = params.get("NextToken")
    if token is not None and (not isinstance(token, str) or not 1 <= len(token) <= 2048):
        raise InvalidParameterValues("The NextToken value is not valid.")
    return token


def _paged(keys: list[str], fetch: Any, limit: int, token: str | None, keep: Any = None) -> Any:
    try:
        if keep is None:
            return page(keys, fetch, limit, token)
        return page(keys, fetch, limit, token, keep)
    except BadToken as e:
        raise InvalidParameterValues("The NextToken value is not valid.") from e


def _now() -> float:
    return current().clock.now()


def _backend(resp: WorkSpacesResponse) -> Any:
    return resp.workspaces_backend


def _workspace(backend: Any, ws_id: str, now: float) -> SimWorkspace | None:
    ws = backend.workspaces.get(ws_id)
    if ws is None or not isinstance(ws, SimWorkspace) or ws.state_at(now) == states.GONE:
        return None
    return ws


def _all_bundles(backend: Any) -> dict[str, dict[str, Any]]:
    return {**AMAZON_BUNDLES, **extras(backend).bundles}


def _directory(backend: Any, directory_id: str) -> Any:
    found = backend.workspace_directories.get(directory_id)
    if found is None:
        raise ResourceNotFound(f"The directory {directory_id} could not be found.")
    return found


# -- WorkSpaces: reads --------------------------------------------------------------------
@op("DescribeWorkspaces")
def describe_workspaces(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend, now = _backend(resp), _now()
    limit = _limit(params)
    token = _page_args(params)
    ids = _id_list(params, "WorkspaceIds", WS_ID)
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
        _check(directory_id, DIR_ID, "DirectoryId")
    if bundle_id:
        _check(bundle_id, BUNDLE_ID, "BundleId")

    def keep(ws: SimWorkspace) -> bool:
        if directory_id and ws.directory_id != directory_id:
            return False
        if user_name and ws.user_name != user_name:
            return False
        if bundle_id and ws.bundle_id != bundle_id:
            return False
        return not (name and ws.workspace_name != name)

    keys = sorted(set(ids)) if ids else extras(backend).sorted_ids(backend.workspaces)
    items, next_token = _paged(keys, lambda k: _workspace(backend, k, now), limit, token, keep)
    out: dict[str, Any] = {"Workspaces": [ws.to_api(now) for ws in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


@op("DescribeWorkspacesConnectionStatus")
def describe_connection_status(
    resp: WorkSpacesResponse, params: dict[str, Any]
) -> dict[str, Any]:
    backend, now = _backend(resp), _now()
    token = _page_args(params)
    ids = _id_list(params, "WorkspaceIds", WS_ID)
    keys = sorted(set(ids)) if ids else extras(backend).sorted_ids(backend.workspaces)
    items, next_token = _paged(keys, lambda k: _workspace(backend, k, now), 25, token)
    out: dict[str, Any] = {"WorkspacesConnectionStatus": [w.connection_status(now) for w in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


@op("DescribeWorkspaceDirectories")
def describe_directories(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend = _backend(resp)
    limit = _limit(params)
    token = _page_args(params)
    ids = _id_list(params, "DirectoryIds", DIR_ID)
    names = params.get("WorkspaceDirectoryNames")
    dirs = backend.workspace_directories
    ex = extras(backend)

    def keep(d: Any) -> bool:
        return not names or d.directory_name in names

    keys = sorted(set(ids)) if ids else sorted(dirs)
    items, next_token = _paged(keys, dirs.get, limit, token, keep)
    rendered = []
    for d in items:
        item = d.to_dict()
        item["ipGroupIds"] = list(ex.dir_ip_groups.get(d.directory_id, []))
        # Set by ModifyEndpointEncryptionMode / ModifyStreamingProperties (more_ops).
        for attr, key in (("endpoint_encryption_mode", "EndpointEncryptionMode"),
                          ("streaming_properties", "StreamingProperties")):  # fmt: skip
            if getattr(d, attr, None):
                item[key] = getattr(d, attr)
        rendered.append(_omit_empty(item))
    out: dict[str, Any] = {"Directories": rendered}
    if next_token:
        out["NextToken"] = next_token
    return out


def _omit_empty(value: Any) -> Any:
    """Drop members whose value is "" (moto's placeholder): AWS leaves unset members out."""
    if isinstance(value, dict):
        return {k: _omit_empty(v) for k, v in value.items() if v != ""}
    if isinstance(value, list):
        return [_omit_empty(v) for v in value]
    return value


@op("DescribeWorkspaceBundles")
def describe_bundles(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend = _backend(resp)
    token = _page_args(params)
    ids = _id_list(params, "BundleIds", BUNDLE_ID)
    owner = params.get("Owner")
    if ids and owner:
        raise InvalidParameterValues("You cannot combine BundleIds with Owner.")
    if ids:
        pool = _all_bundles(backend)
    elif owner == "AMAZON":
        pool = dict(AMAZON_BUNDLES)
    elif owner in (None, backend.account_id):
        pool = dict(extras(backend).bundles)
    else:
        pool = {}
    keys = sorted(set(ids)) if ids else sorted(pool)
    items, next_token = _paged(keys, pool.get, 25, token)
    out: dict[str, Any] = {"Bundles": [dict(b) for b in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


# -- WorkSpaces: batch actions ------------------------------------------------------------
def _refusal(action: str, ws: SimWorkspace, now: float) -> tuple[str, str] | None:
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
    resp: WorkSpacesResponse, params: dict[str, Any], action: str, key: str, exactly_one: bool
) -> dict[str, Any]:
    backend, now = _backend(resp), _now()
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
        ws = _workspace(backend, ws_id, now)
        if ws is None:
            failed.append(_failure(ws_id, states.ERR_NOT_FOUND, "The WorkSpace could not be found."))
            continue
        if action == "TerminateWorkspaces" and ws.state in ("TERMINATING", "TERMINATED"):
            continue  # already on its way out: accepted, nothing changes
        refused = _refusal(action, ws, now)
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
def start_workspaces(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    return _batch(resp, params, "StartWorkspaces", "StartWorkspaceRequests", False)


@op("StopWorkspaces")
def stop_workspaces(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    return _batch(resp, params, "StopWorkspaces", "StopWorkspaceRequests", False)


@op("RebootWorkspaces")
def reboot_workspaces(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    return _batch(resp, params, "RebootWorkspaces", "RebootWorkspaceRequests", False)


@op("RebuildWorkspaces")
def rebuild_workspaces(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    return _batch(resp, params, "RebuildWorkspaces", "RebuildWorkspaceRequests", True)


@op("TerminateWorkspaces")
def terminate_workspaces(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    return _batch(resp, params, "TerminateWorkspaces", "TerminateWorkspaceRequests", False)


@op("CreateWorkspaces")
def create_workspaces(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend, now = _backend(resp), _now()
    requests = params.get("Workspaces")
    if not isinstance(requests, list) or not 1 <= len(requests) <= 25:
        raise InvalidParameterValues("Workspaces must contain between 1 and 25 items.")
    bundles = _all_bundles(backend)
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
            ip_address=f"10.{_ids.randrange(256)}.{_ids.randrange(256)}.{_ids.randrange(1, 255)}",
            tags=[dict(t) for t in req.get("Tags") or []],
            auto_stop_minutes=props.get("RunningModeAutoStopTimeoutInMinutes", 60),
            workspace_name=req.get("WorkspaceName", ""),
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


# -- WorkSpaces: single-item actions ------------------------------------------------------
def _require(backend: Any, params: dict[str, Any], key: str = "WorkspaceId") -> SimWorkspace:
    ws_id = _check(params.get(key), WS_ID, key)
    ws = _workspace(backend, ws_id, _now())
    if ws is None:
        raise ResourceNotFound(f"The WorkSpace {ws_id} could not be found.")
    return ws


@op("RestoreWorkspace")
def restore_workspace(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend, now = _backend(resp), _now()
    ws = _require(backend, params)
    refused = _refusal("RestoreWorkspace", ws, now)
    if refused:
        raise OperationNotSupported(refused[1])
    ws.book(states.TRANSITIONS["RestoreWorkspace"], now)
    return {}


@op("MigrateWorkspace")
def migrate_workspace(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend, now = _backend(resp), _now()
    ws = _require(backend, params, "SourceWorkspaceId")
    bundle_id = _check(params.get("BundleId"), BUNDLE_ID, "BundleId")
    bundle = _all_bundles(backend).get(bundle_id)
    if bundle is None:
        raise ResourceNotFound(f"The bundle {bundle_id} could not be found.")
    if bundle_id == ws.bundle_id:
        raise InvalidParameterValues("The WorkSpace already uses the target bundle.")
    refused = _refusal("MigrateWorkspace", ws, now)
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
        last_connection=ws.last_connection,
        auto_stop_minutes=ws.auto_stop_minutes,
    )
    target.book(states.TRANSITIONS["create"], now)
    ws.book(states.TRANSITIONS["MigrateWorkspace"], now)
    backend.workspaces[target.workspace_id] = target
    ex = extras(backend)
    ex.terminating.add(ws.workspace_id)
    ex.invalidate()
    return {"SourceWorkspaceId": ws.workspace_id, "TargetWorkspaceId": target.workspace_id}


@op("ModifyWorkspaceState")
def modify_workspace_state(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend, now = _backend(resp), _now()
    wanted = params.get("WorkspaceState")
    if wanted not in ("AVAILABLE", "ADMIN_MAINTENANCE"):
        raise InvalidParameterValues("WorkspaceState must be AVAILABLE or ADMIN_MAINTENANCE.")
    ws = _require(backend, params)
    state = ws.state_at(now)
    if state not in states.ALLOWED_STATES["ModifyWorkspaceState"]:
        raise InvalidResourceState(states.state_refusal("ModifyWorkspaceState", state))
    ws.state, ws.state_since, ws.plan = wanted, now, None
    return {}


@op("ModifyWorkspaceProperties")
def modify_workspace_properties(
    resp: WorkSpacesResponse, params: dict[str, Any]
) -> dict[str, Any]:
    backend, now = _backend(resp), _now()
    ws = _require(backend, params)
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


# -- tags ---------------------------------------------------------------------------------
def _tag_list(backend: Any, resource_id: Any) -> list[dict[str, str]]:
    if not isinstance(resource_id, str) or not resource_id:
        raise InvalidParameterValues("ResourceId is required.")
    ex = extras(backend)
    now = _now()
    found: Any = None
    if resource_id.startswith("ws-"):
        found = _workspace(backend, resource_id, now)
    elif resource_id.startswith(("d-", "wsd-")):
        found = backend.workspace_directories.get(resource_id)
    elif resource_id.startswith("wsi-"):
        found = backend.workspace_images.get(resource_id)
    elif resource_id.startswith("wsipg-"):
        found = ex.ip_groups.get(resource_id)
    elif resource_id.startswith("wsca-"):
        found = ex.aliases.get(resource_id)
    elif resource_id.startswith("wspool-"):
        found = ex.pools.get(resource_id)
    elif resource_id.startswith("wsb-") and resource_id in ex.bundles:
        return ex.bundles[resource_id].setdefault("Tags", [])
    if found is None:
        raise ResourceNotFound(f"The resource {resource_id} could not be found.")
    if found.tags is None:
        found.tags = []
    return found.tags


@op("CreateTags")
def create_tags(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    tags = _tag_list(_backend(resp), params.get("ResourceId"))
    new = params.get("Tags") or []
    merged = {t["Key"]: t.get("Value", "") for t in tags}
    for t in new:
        if not isinstance(t, dict) or not t.get("Key"):
            raise InvalidParameterValues("Each tag needs a Key.")
        merged[t["Key"]] = t.get("Value", "")
    if len(merged) > MAX_TAGS:
        raise ResourceLimitExceeded(f"A resource can have at most {MAX_TAGS} tags.")
    tags[:] = [{"Key": k, "Value": v} for k, v in merged.items()]
    return {}


@op("DeleteTags")
def delete_tags(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    tags = _tag_list(_backend(resp), params.get("ResourceId"))
    keys = params.get("TagKeys")
    if not isinstance(keys, list) or not keys:
        raise InvalidParameterValues("TagKeys is required.")
    tags[:] = [t for t in tags if t["Key"] not in keys]
    return {}


@op("DescribeTags")
def describe_tags(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    return {"TagList": [dict(t) for t in _tag_list(_backend(resp), params.get("ResourceId"))]}


# -- IP access groups ---------------------------------------------------------------------
def _rules(raw: Any) -> list[dict[str, str]]:
    if not isinstance(raw, list):
        raise InvalidParameterValues("UserRules must be a list.")
    out = []
    for r in raw:
        cidr = (r or {}).get("ipRule") if isinstance(r, dict) else None
        try:
            ipaddress.ip_network(cidr or "", strict=False)
        except ValueError as e:
            raise InvalidParameterValues(f"The IP rule {cidr!r} is not valid.") from e
        out.append({"ipRule": str(cidr), "ruleDesc": str(r.get("ruleDesc", ""))})
    return out


def _ip_group(backend: Any, params: dict[str, Any]) -> IpGroup:
    group_id = _check(params.get("GroupId"), IPG_ID, "GroupId")
    group = extras(backend).ip_groups.get(group_id)
    if group is None:
        raise ResourceNotFound(f"The IP group {group_id} could not be found.")
    return group


@op("CreateIpGroup")
def create_ip_group(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    ex = extras(_backend(resp))
    name = params.get("GroupName")
    if not isinstance(name, str) or not name:
        raise InvalidParameterValues("GroupName is required.")
    if any(g.name == name for g in ex.ip_groups.values()):
        raise ResourceAlreadyExists(f"An IP group named {name} already exists.")
    rules = _rules(params.get("UserRules") or [])
    if len(rules) > MAX_RULES_PER_GROUP:
        raise ResourceLimitExceeded(f"An IP group can have at most {MAX_RULES_PER_GROUP} rules.")
    group = IpGroup(new_id("wsipg-"), name, params.get("GroupDesc", ""), rules,
                    [dict(t) for t in params.get("Tags") or []])  # fmt: skip
    ex.ip_groups[group.group_id] = group
    return {"GroupId": group.group_id}


@op("DeleteIpGroup")
def delete_ip_group(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    ex = extras(_backend(resp))
    group = _ip_group(_backend(resp), params)
    if any(group.group_id in groups for groups in ex.dir_ip_groups.values()):
        raise ResourceAssociated(
            f"The IP group {group.group_id} is associated with a directory; disassociate it first."
        )
    del ex.ip_groups[group.group_id]
    return {}


@op("DescribeIpGroups")
def describe_ip_groups(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    ex = extras(_backend(resp))
    limit = _limit(params, "MaxResults")
    token = _page_args(params)
    ids = params.get("GroupIds")
    if ids is not None and (not isinstance(ids, list) or len(ids) > 25):
        raise InvalidParameterValues("GroupIds must contain at most 25 items.")
    keys = sorted(set(ids)) if ids else sorted(ex.ip_groups)
    items, next_token = _paged(keys, ex.ip_groups.get, limit, token)
    out: dict[str, Any] = {"Result": [g.to_api() for g in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


@op("AuthorizeIpRules")
def authorize_ip_rules(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    group = _ip_group(_backend(resp), params)
    rules = {r["ipRule"]: r for r in group.rules}
    for r in _rules(params.get("UserRules")):
        rules[r["ipRule"]] = r
    if len(rules) > MAX_RULES_PER_GROUP:
        raise ResourceLimitExceeded(f"An IP group can have at most {MAX_RULES_PER_GROUP} rules.")
    group.rules = list(rules.values())
    return {}


@op("RevokeIpRules")
def revoke_ip_rules(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    group = _ip_group(_backend(resp), params)
    revoke = params.get("UserRules")
    if not isinstance(revoke, list):
        raise InvalidParameterValues("UserRules must be a list of IP rules.")
    group.rules = [r for r in group.rules if r["ipRule"] not in revoke]
    return {}


@op("UpdateRulesOfIpGroup")
def update_rules_of_ip_group(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    group = _ip_group(_backend(resp), params)
    rules = _rules(params.get("UserRules"))
    if len(rules) > MAX_RULES_PER_GROUP:
        raise ResourceLimitExceeded(f"An IP group can have at most {MAX_RULES_PER_GROUP} rules.")
    group.rules = rules
    return {}


def _dir_groups(resp: WorkSpacesResponse, params: dict[str, Any]) -> tuple[list[str], list[str]]:
    backend = _backend(resp)
    directory_id = _check(params.get("DirectoryId"), DIR_ID, "DirectoryId")
    _directory(backend, directory_id)
    ids = params.get("GroupIds")
    if not isinstance(ids, list) or not ids:
        raise InvalidParameterValues("GroupIds is required.")
    ex = extras(backend)
    for g in ids:
        if g not in ex.ip_groups:
            raise ResourceNotFound(f"The IP group {g} could not be found.")
    return ex.dir_ip_groups.setdefault(directory_id, []), ids


@op("AssociateIpGroups")
def associate_ip_groups(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    current_groups, ids = _dir_groups(resp, params)
    for g in ids:
        if g not in current_groups:
            current_groups.append(g)
    if len(current_groups) > 25:
        raise ResourceLimitExceeded("A directory can have at most 25 IP groups.")
    return {}


@op("DisassociateIpGroups")
def disassociate_ip_groups(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    current_groups, ids = _dir_groups(resp, params)
    current_groups[:] = [g for g in current_groups if g not in ids]
    return {}


# -- connection aliases -------------------------------------------------------------------
def _alias(resp: WorkSpacesResponse, params: dict[str, Any]) -> ConnectionAlias:
    alias_id = _check(params.get("AliasId"), ALIAS_ID, "AliasId")
    alias = extras(_backend(resp)).aliases.get(alias_id)
    if alias is None:
        raise ResourceNotFound(f"The connection alias {alias_id} could not be found.")
    return alias


def _require_created(alias: ConnectionAlias) -> None:
    state = alias.state_at(_now())
    if state != "CREATED":
        raise InvalidResourceState(
            f"The connection alias {alias.alias_id} is {state}; it must be CREATED."
        )


@op("CreateConnectionAlias")
def create_connection_alias(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend = _backend(resp)
    ex = extras(backend)
    conn = params.get("ConnectionString")
    if not isinstance(conn, str) or not CONNECTION_STRING.match(conn):
        raise InvalidParameterValues(f"The ConnectionString {conn!r} is not valid.")
    if any(a.connection_string == conn for a in ex.aliases.values()):
        raise ResourceAlreadyExists(f"A connection alias for {conn} already exists.")
    alias = ConnectionAlias(
        new_id("wsca-"), conn, backend.account_id, _now() + ALIAS_CREATE_SECONDS,
        tags=[dict(t) for t in params.get("Tags") or []],
    )  # fmt: skip
    ex.aliases[alias.alias_id] = alias
    return {"AliasId": alias.alias_id}


@op("DeleteConnectionAlias")
def delete_connection_alias(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    alias = _alias(resp, params)
    _require_created(alias)
    if alias.associations:
        raise ResourceAssociated("Disassociate the connection alias from its directories first.")
    if any(alias.permissions.values()):
        raise ResourceAssociated("Unshare the connection alias from every account first.")
    del extras(_backend(resp)).aliases[alias.alias_id]
    return {}


@op("DescribeConnectionAliases")
def describe_connection_aliases(
    resp: WorkSpacesResponse, params: dict[str, Any]
) -> dict[str, Any]:
    ex, now = extras(_backend(resp)), _now()
    limit = _limit(params)
    token = _page_args(params)
    ids = _id_list(params, "AliasIds", ALIAS_ID)
    resource = params.get("ResourceId")

    def keep(a: ConnectionAlias) -> bool:
        return not resource or any(x["ResourceId"] == resource for x in a.associations)

    keys = sorted(set(ids)) if ids else sorted(ex.aliases)
    items, next_token = _paged(keys, ex.aliases.get, limit, token, keep)
    out: dict[str, Any] = {"ConnectionAliases": [a.to_api(now) for a in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


@op("AssociateConnectionAlias")
def associate_connection_alias(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend = _backend(resp)
    alias = _alias(resp, params)
    directory_id = _check(params.get("ResourceId"), DIR_ID, "ResourceId")
    _directory(backend, directory_id)
    _require_created(alias)
    if alias.associations:
        raise ResourceAssociated(f"The connection alias {alias.alias_id} is already associated.")
    cid = new_id("", 20)
    alias.associations.append({
        "AssociationStatus": "ASSOCIATED_WITH_OWNER_ACCOUNT",
        "AssociatedAccountId": backend.account_id,
        "ResourceId": directory_id,
        "ConnectionIdentifier": cid,
    })  # fmt: skip
    return {"ConnectionIdentifier": cid}


@op("DisassociateConnectionAlias")
def disassociate_connection_alias(
    resp: WorkSpacesResponse, params: dict[str, Any]
) -> dict[str, Any]:
    alias = _alias(resp, params)
    _require_created(alias)
    if not alias.associations:
        raise InvalidResourceState(f"The connection alias {alias.alias_id} is not associated.")
    alias.associations.clear()
    return {}


@op("DescribeConnectionAliasPermissions")
def describe_alias_permissions(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    alias = _alias(resp, params)
    limit = _limit(params, "MaxResults")
    token = _page_args(params)
    shared = {k: v for k, v in alias.permissions.items() if v}
    items, next_token = _paged(
        sorted(shared), lambda k: {"SharedAccountId": k, "AllowAssociation": shared[k]},
        limit, token,
    )  # fmt: skip
    out: dict[str, Any] = {"AliasId": alias.alias_id}
    if items:  # the model's list has min 1: an alias shared with nobody has no member
        out["ConnectionAliasPermissions"] = items
    if next_token:
        out["NextToken"] = next_token
    return out


@op("UpdateConnectionAliasPermission")
def update_alias_permission(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    backend = _backend(resp)
    alias = _alias(resp, params)
    perm = params.get("ConnectionAliasPermission") or {}
    account = perm.get("SharedAccountId")
    allow = perm.get("AllowAssociation")
    if not isinstance(account, str) or not ACCOUNT_ID.match(account) or not isinstance(allow, bool):
        raise InvalidParameterValues("SharedAccountId and AllowAssociation are required.")
    if account == backend.account_id:
        raise InvalidParameterValues("You cannot share a connection alias with its owner account.")
    _require_created(alias)
    if allow:
        if account not in alias.permissions and len(alias.permissions) >= MAX_ALIAS_SHARES:
            raise ResourceLimitExceeded(
                f"A connection alias can be shared with at most {MAX_ALIAS_SHARES} accounts."
            )
        alias.permissions[account] = True
    else:
        if any(a["AssociatedAccountId"] == account for a in alias.associations):
            raise ResourceAssociated(
                f"Account {account} has associated the alias; it must disassociate it first."
            )
        alias.permissions.pop(account, None)
    return {}


# -- pools --------------------------------------------------------------------------------
def _pool(resp: WorkSpacesResponse, params: dict[str, Any]) -> Any:
    pool_id = _check(params.get("PoolId"), POOL_ID, "PoolId")
    pool = extras(_backend(resp)).pools.get(pool_id)
    if pool is None or pool.state_at(_now()) == states.GONE:
        raise ResourceNotFound(f"The pool {pool_id} could not be found.")
    return pool


@op("DescribeWorkspacesPools")
def describe_pools(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    ex, now = extras(_backend(resp)), _now()
    limit = _limit(params)
    token = _page_args(params)
    ids = params.get("PoolIds")
    if ids is not None and (not isinstance(ids, list) or not 1 <= len(ids) <= 25):
        raise InvalidParameterValues("PoolIds must contain between 1 and 25 items.")
    names = [v for f in params.get("Filters") or [] if f.get("Name") == "PoolName"
             for v in f.get("Values", [])]  # fmt: skip
    for pool_id in [k for k, p in ex.pools.items() if p.state_at(now) == states.GONE]:
        del ex.pools[pool_id]

    def keep(p: Any) -> bool:
        return not names or p.name in names

    keys = sorted(set(ids)) if ids else sorted(ex.pools)
    items, next_token = _paged(keys, ex.pools.get, limit, token, keep)
    out: dict[str, Any] = {"WorkspacesPools": [p.to_api(now) for p in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


def _pool_transition(pool: Any, needed: str, steps: list[str], verb: str) -> dict[str, Any]:
    now = _now()
    state = pool.state_at(now)
    if state != needed or (verb != "terminate" and pool.running_mode != "AUTO_STOP"):
        raise InvalidResourceState(
            f"You cannot {verb} pool {pool.pool_id}: it is {state} with running mode "
            f"{pool.running_mode}."
        )
    pool.state = steps[0]
    pool.plan = [(now + POOL_SECONDS, s) for s in steps[1:]]
    return {}


@op("StartWorkspacesPool")
def start_pool(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    return _pool_transition(_pool(resp, params), "STOPPED", ["STARTING", "RUNNING"], "start")


@op("StopWorkspacesPool")
def stop_pool(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    return _pool_transition(_pool(resp, params), "RUNNING", ["STOPPING", "STOPPED"], "stop")


@op("TerminateWorkspacesPool")
def terminate_pool(resp: WorkSpacesResponse, params: dict[str, Any]) -> dict[str, Any]:
    pool = _pool(resp, params)
    if pool.state_at(_now()) in ("DELETING", "CREATING"):
        raise InvalidResourceState(f"The pool {pool.pool_id} is {pool.state}.")
    pool.state = "DELETING"
    pool.plan = [(_now() + POOL_SECONDS, states.GONE)]
    return {}


# -- installation -------------------------------------------------------------------------
def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _as_method(fn: Handler) -> Callable[[WorkSpacesResponse], str]:
    def method(self: WorkSpacesResponse) -> str:
        params = _params(self)
        with LOCK:
            return json.dumps(fn(self, params))

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


def _params(resp: WorkSpacesResponse) -> dict[str, Any]:
    body = resp.body
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not body:
        return {}
    try:
        params = json.loads(body)
    except ValueError as e:
        raise InvalidParameterValues("The request body is not valid JSON.") from e
    if not isinstance(params, dict):
        raise InvalidParameterValues("The request body must be a JSON object.")
    return params


_original_call_action = WorkSpacesResponse.call_action
_installed = False

Response = tuple[int, dict[str, Any], str]
INTERNAL_FAILURE_MESSAGE = "We encountered an internal error. Please try again."
EXPIRED_TOKEN_MESSAGE = "The security token included in the request is expired"


@functools.cache
def model_operations() -> frozenset[str]:
    """The operation names botocore's WorkSpaces model defines (what the service answers)."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("workspaces")
    return frozenset(model.operation_names)


def _call_action(self: WorkSpacesResponse) -> Any:
    """Record the call, apply faults, settle finished terminations, then dispatch."""
    operation = self._get_action()
    try:
        params, parsed = _params(self), True
    except InvalidParameterValues:
        params, parsed = {}, False
    if operation not in model_operations():
        # The service answers this before any fault or authorisation; moto would raise.
        _record(self, operation, params, None)
        unknown = UnknownOperation(f"Unknown operation {operation or '(none)'}.")
        return error_response(self, unknown)

    def run() -> Any:
        # The model's constraints first, for every operation (moto's own included): a
        # malformed request never reaches a handler, as at AWS's front end.
        problems = shapes.input_problems(operation, params) if parsed else []
        if problems:
            err = by_code(shapes.validation_error_code(operation))
            return error_response(self, err(shapes.validation_message(problems)))
        with LOCK:
            purge_gone(self.workspaces_backend, current().clock.now())
        return _original_call_action(self)

    return gate(self, operation, params, f"workspaces:{operation}", run)


def gate(
    resp: Any, operation: str, params: dict[str, Any], permission: str, run: Callable[[], Any]
) -> Any:
    """Record one call and answer it through the faults: ``run()`` is the real handler.

    Shared by every service the simulator answers (WorkSpaces, the tagging API). Faults
    judged "before" answer instead of running the handler; "after" faults (drop-after,
    500-after) let it run -- the state changes -- and then spoil the answer.
    """
    runtime = current()
    verdict, latency = runtime.faults.judge(operation, json.dumps(params, sort_keys=True, default=str))
    _record(resp, operation, params, None if verdict == "ok" else verdict)
    if latency:
        time.sleep(latency)
    refused = _refusal_before(resp, verdict, permission)
    if refused is not None:
        return refused
    result = _run_guarded(resp, operation, run)
    if verdict == "drop-after":
        return _endpoint_down(resp)
    if verdict == "500-after":
        return error_response(resp, InternalFailure(INTERNAL_FAILURE_MESSAGE))
    return result


def _record(resp: Any, operation: str, params: dict[str, Any], fault: str | None) -> None:
    runtime = current()
    runtime.record(
        SimCall(operation, resp.region, params, runtime.clock.now(), resp.current_account, fault)
    )


def _refusal_before(resp: Any, verdict: str, permission: str) -> Any:
    """The response for a fault answered without running the handler, else None."""
    if verdict == "down":
        return _endpoint_down(resp)
    if verdict == "denied":
        return error_response(resp, AccessDenied(
            f"User: arn:aws:iam::{resp.current_account}:user/sim is not authorized to perform: "
            f"{permission}"
        ))  # fmt: skip
    if verdict == "throttle":
        return error_response(resp, Throttling("Rate exceeded"))
    if verdict == "503":
        return error_response(resp, ServiceUnavailable("Service Unavailable"))
    if verdict == "expired-token":
        return error_response(resp, ExpiredToken(EXPIRED_TOKEN_MESSAGE))
    return None


def _run_guarded(resp: Any, operation: str, run: Callable[[], Any]) -> Any:
    """Run the handler; an unexpected exception becomes an InternalFailure response.

    moto answers service errors itself; anything else escaping a handler would reach the
    client as a raw Python exception (in-process) or a dropped connection (HTTP), which
    no real endpoint does.
    """
    try:
        return run()
    except (HTTPException, ClientError):
        raise  # answered as service errors by moto's adapters and `simulator._direct`
    except Exception as e:  # the whole point: never let one escape
        log.warning("simulator handler for %s failed", operation, exc_info=True)
        return error_response(resp, InternalFailure(
            f"The simulator failed to handle {operation}: {type(e).__name__}: {e}"
        ))  # fmt: skip


def error_response(resp: Any, err: SimServiceError) -> Response:
    """A JSON-protocol error as AWS sends it: status, x-amzn-ErrorType and a JSON body."""
    headers = {
        **resp.response_headers,
        "status": str(err.code),
        "x-amzn-ErrorType": err.error_type,
        "Content-Type": "application/x-amz-json-1.1",
    }
    return err.code, headers, err.description


def _endpoint_down(resp: Any) -> Any:
    """Make the client see a dead endpoint: the connection closes without a response."""
    environ = getattr(getattr(resp, "normalized_request", None), "environ", None)
    sock = environ.get(SOCKET_KEY) if isinstance(environ, dict) else None
    if sock is None:
        # In-process (mock_aws): botocore treats this exception like a dropped connection.
        raise ConnectionClosedError(endpoint_url=getattr(resp, "uri", "") or "simulator")
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    # The server's write to the closed socket fails quietly as a dropped connection.
    return 500, {"status": "500"}, ""


def install() -> None:
    """Register the simulator's operations on moto's WorkSpaces handler (idempotent)."""
    global _installed
    if _installed:
        return
    from wstui.sim import (
        metrics,
        more_ops,  # noqa: F401  (registers the remaining operations)
        tagging,
    )

    for name, fn in OPERATIONS.items():
        setattr(WorkSpacesResponse, _snake(name), _as_method(fn))
    WorkSpacesResponse.call_action = _call_action  # type: ignore[method-assign,assignment]
    tagging.install()
    metrics.install()
    _installed = True
