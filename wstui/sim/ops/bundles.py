"""Bundles: Amazon's catalogue and the account's own (create, update, delete, associations)."""

from __future__ import annotations

from typing import Any

from wstui.sim import states
from wstui.sim.catalogue import AMAZON_BUNDLES
from wstui.sim.errors import (
    InvalidParameterValues,
    ResourceAlreadyExists,
    ResourceAssociated,
    ResourceNotFound,
)
from wstui.sim.model import extras
from wstui.sim.ops.common import (
    BUNDLE_ID,
    Params,
    Resp,
    all_bundles,
    backend_of,
    check_id,
    id_list,
    new_id,
    page_token,
    paged,
    service_state,
    sim_now,
)
from wstui.sim.ops.images import find_image
from wstui.sim.ops.registry import op


@op("DescribeWorkspaceBundles")
def describe_bundles(resp: Resp, params: Params) -> dict[str, Any]:
    backend = backend_of(resp)
    token = page_token(params)
    ids = id_list(params, "BundleIds", BUNDLE_ID)
    owner = params.get("Owner")
    if ids and owner:
        raise InvalidParameterValues("You cannot combine BundleIds with Owner.")
    if ids:
        pool = all_bundles(backend)
    elif owner == "AMAZON":
        pool = dict(AMAZON_BUNDLES)
    elif owner in (None, backend.account_id):
        pool = dict(extras(backend).bundles)
    else:
        pool = {}
    keys = sorted(set(ids)) if ids else sorted(pool)
    items, next_token = paged(keys, pool.get, 25, token)
    out: dict[str, Any] = {"Bundles": [dict(b) for b in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


def _own_bundle(resp: Resp, params: Params) -> dict[str, Any]:
    bundle_id = check_id(params.get("BundleId"), BUNDLE_ID, "BundleId")
    if bundle_id in AMAZON_BUNDLES:
        raise InvalidParameterValues("Amazon-owned bundles cannot be changed.")
    found = extras(backend_of(resp)).bundles.get(bundle_id)
    if found is None:
        raise ResourceNotFound(f"The bundle {bundle_id} could not be found.")
    return found


@op("CreateWorkspaceBundle")
def create_bundle(resp: Resp, params: Params) -> dict[str, Any]:
    backend = backend_of(resp)
    for key in ("BundleName", "BundleDescription", "ImageId", "ComputeType", "UserStorage"):
        if not params.get(key):
            raise InvalidParameterValues(f"{key} is required.")
    find_image(resp, params["ImageId"])
    ex = extras(backend)
    if any(b["Name"] == params["BundleName"] for b in ex.bundles.values()):
        raise ResourceAlreadyExists(f"A bundle named {params['BundleName']} already exists.")
    bundle = {
        "BundleId": new_id("wsb-"), "Name": params["BundleName"], "Owner": backend.account_id,
        "Description": params["BundleDescription"], "ImageId": params["ImageId"],
        "ComputeType": params["ComputeType"], "UserStorage": params["UserStorage"],
        "RootStorage": params.get("RootStorage") or {"Capacity": "80"},
        "State": "AVAILABLE", "BundleType": "REGULAR", "CreationTime": sim_now(),
        "LastUpdatedTime": sim_now(),
    }  # fmt: skip
    ex.bundles[bundle["BundleId"]] = bundle
    return {"WorkspaceBundle": dict(bundle)}


@op("UpdateWorkspaceBundle")
def update_bundle(resp: Resp, params: Params) -> dict[str, Any]:
    bundle = _own_bundle(resp, params)
    find_image(resp, params.get("ImageId"))
    bundle["ImageId"] = params["ImageId"]
    bundle["LastUpdatedTime"] = sim_now()
    return {}


def _bundle_users(resp: Resp, bundle_id: str) -> list[str]:
    backend, now = backend_of(resp), sim_now()
    return sorted(w.workspace_id for w in backend.workspaces.values()
                  if getattr(w, "bundle_id", None) == bundle_id
                  and getattr(w, "state_at", lambda _n: "")(now) != states.GONE)  # fmt: skip


@op("DeleteWorkspaceBundle")
def delete_bundle(resp: Resp, params: Params) -> dict[str, Any]:
    bundle = _own_bundle(resp, params)
    users = _bundle_users(resp, bundle["BundleId"])
    if users:
        raise ResourceAssociated(f"The bundle is used by {len(users)} WorkSpace(s).")
    del extras(backend_of(resp)).bundles[bundle["BundleId"]]
    return {}


@op("DescribeBundleAssociations")
def describe_bundle_associations(resp: Resp, params: Params) -> dict[str, Any]:
    bundle_id = check_id(params.get("BundleId"), BUNDLE_ID, "BundleId")
    bundle = all_bundles(backend_of(resp)).get(bundle_id)
    if bundle is None:
        raise ResourceNotFound(f"The bundle {bundle_id} could not be found.")
    # A bundle's applications are those of its image.
    apps = service_state(backend_of(resp)).image_apps.get(str(bundle.get("ImageId")), [])
    return {"Associations": [{"AssociatedResourceId": a, "AssociatedResourceType": "APPLICATION",
                              "BundleId": bundle_id, "State": "COMPLETED", "Created": sim_now(),
                              "LastUpdatedTime": sim_now()} for a in apps]}  # fmt: skip
