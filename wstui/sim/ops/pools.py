"""WorkSpaces pools: create, describe, update, start, stop, terminate, and their sessions."""

from __future__ import annotations

import uuid
from typing import Any

from wstui.sim import states
from wstui.sim.errors import (
    InvalidParameterValues,
    InvalidResourceState,
    ResourceAlreadyExists,
    ResourceNotFound,
)
from wstui.sim.model import Pool, extras
from wstui.sim.ops.common import (
    POOL_ID,
    Params,
    Resp,
    all_bundles,
    backend_of,
    check_id,
    find_directory,
    new_id,
    page_limit,
    page_token,
    paged,
    service_state,
    sim_now,
)
from wstui.sim.ops.registry import op

POOL_SECONDS = 5 * 60.0


def _pool(resp: Resp, params: Params) -> Any:
    pool_id = check_id(params.get("PoolId"), POOL_ID, "PoolId")
    pool = extras(backend_of(resp)).pools.get(pool_id)
    if pool is None or pool.state_at(sim_now()) == states.GONE:
        raise ResourceNotFound(f"The pool {pool_id} could not be found.")
    return pool


@op("DescribeWorkspacesPools")
def describe_pools(resp: Resp, params: Params) -> dict[str, Any]:
    ex, now = extras(backend_of(resp)), sim_now()
    limit = page_limit(params)
    token = page_token(params)
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
    items, next_token = paged(keys, ex.pools.get, limit, token, keep)
    out: dict[str, Any] = {"WorkspacesPools": [p.to_api(now) for p in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


def _pool_transition(pool: Any, needed: str, steps: list[str], verb: str) -> dict[str, Any]:
    now = sim_now()
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
def start_pool(resp: Resp, params: Params) -> dict[str, Any]:
    return _pool_transition(_pool(resp, params), "STOPPED", ["STARTING", "RUNNING"], "start")


@op("StopWorkspacesPool")
def stop_pool(resp: Resp, params: Params) -> dict[str, Any]:
    return _pool_transition(_pool(resp, params), "RUNNING", ["STOPPING", "STOPPED"], "stop")


@op("TerminateWorkspacesPool")
def terminate_pool(resp: Resp, params: Params) -> dict[str, Any]:
    pool = _pool(resp, params)
    if pool.state_at(sim_now()) in ("DELETING", "CREATING"):
        raise InvalidResourceState(f"The pool {pool.pool_id} is {pool.state}.")
    pool.state = "DELETING"
    pool.plan = [(sim_now() + POOL_SECONDS, states.GONE)]
    return {}


@op("CreateWorkspacesPool")
def create_pool(resp: Resp, params: Params) -> dict[str, Any]:
    backend = backend_of(resp)
    for key in ("PoolName", "Description", "BundleId", "DirectoryId", "Capacity"):
        if not params.get(key):
            raise InvalidParameterValues(f"{key} is required.")
    if params["BundleId"] not in all_bundles(backend):
        raise ResourceNotFound(f"The bundle {params['BundleId']} could not be found.")
    find_directory(backend, params["DirectoryId"])
    ex = extras(backend)
    if any(p.name == params["PoolName"] for p in ex.pools.values()):
        raise ResourceAlreadyExists(f"A pool named {params['PoolName']} already exists.")
    pool_id = new_id("wspool-")
    pool = Pool(pool_id, params["PoolName"], params["BundleId"], params["DirectoryId"],
                f"arn:aws:workspaces:{resp.region}:{backend.account_id}:workspacespool/{pool_id}",
                int(params["Capacity"].get("DesiredUserSessions", 1)), sim_now(),
                running_mode=params.get("RunningMode", "AUTO_STOP"))  # fmt: skip
    ex.pools[pool_id] = pool
    return {"WorkspacesPool": pool.to_api(sim_now())}


@op("UpdateWorkspacesPool")
def update_pool(resp: Resp, params: Params) -> dict[str, Any]:
    pool = _pool(resp, params)
    if pool.state_at(sim_now()) not in ("RUNNING", "STOPPED"):
        raise InvalidResourceState(f"The pool is {pool.state}; it must be RUNNING or STOPPED.")
    if params.get("BundleId"):
        if params["BundleId"] not in all_bundles(backend_of(resp)):
            raise ResourceNotFound(f"The bundle {params['BundleId']} could not be found.")
        pool.bundle_id = params["BundleId"]
    if params.get("Capacity"):
        pool.desired = int(params["Capacity"].get("DesiredUserSessions", pool.desired))
    if params.get("RunningMode"):
        pool.running_mode = params["RunningMode"]
    return {"WorkspacesPool": pool.to_api(sim_now())}


@op("DescribeWorkspacesPoolSessions")
def describe_pool_sessions(resp: Resp, params: Params) -> dict[str, Any]:
    pool = _pool(resp, params)
    m = service_state(backend_of(resp))
    if pool.state_at(sim_now()) == "RUNNING" and not any(s["PoolId"] == pool.pool_id for s in m.sessions.values()):
        for n in range(min(pool.desired, 3)):  # a few users connected once the pool runs
            sid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{pool.pool_id}/{n}"))
            m.sessions[sid] = {"SessionId": sid, "PoolId": pool.pool_id, "UserId": f"user{n}",
                               "AuthenticationType": "SAML", "ConnectionState": "CONNECTED",
                               "InstanceId": f"i-{sid[:17].replace('-', '')}",
                               "ExpirationTime": sim_now() + 3600, "StartTime": sim_now()}  # fmt: skip
    user = params.get("UserId")
    sessions = [dict(s) for s in m.sessions.values()
                if s["PoolId"] == pool.pool_id and (not user or s["UserId"] == user)]  # fmt: skip
    return {"Sessions": sessions}


@op("TerminateWorkspacesPoolSession")
def terminate_pool_session(resp: Resp, params: Params) -> dict[str, Any]:
    sid = params.get("SessionId")
    m = service_state(backend_of(resp))
    if sid not in m.sessions:
        raise ResourceNotFound(f"The session {sid} could not be found.")
    del m.sessions[sid]
    return {}
