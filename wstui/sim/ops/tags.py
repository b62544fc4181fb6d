"""Tags on every taggable WorkSpaces resource (CreateTags, DeleteTags, DescribeTags)."""

from __future__ import annotations

from typing import Any

from wstui.sim.errors import (
    InvalidParameterValues,
    ResourceLimitExceeded,
    ResourceNotFound,
)
from wstui.sim.model import extras
from wstui.sim.ops.common import (
    Params,
    Resp,
    backend_of,
    live_workspace,
    sim_now,
)
from wstui.sim.ops.registry import op

MAX_TAGS = 50


def _tag_list(backend: Any, resource_id: Any) -> list[dict[str, str]]:
    if not isinstance(resource_id, str) or not resource_id:
        raise InvalidParameterValues("ResourceId is required.")
    ex = extras(backend)
    now = sim_now()
    found: Any = None
    if resource_id.startswith("ws-"):
        found = live_workspace(backend, resource_id, now)
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
def create_tags(resp: Resp, params: Params) -> dict[str, Any]:
    tags = _tag_list(backend_of(resp), params.get("ResourceId"))
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
def delete_tags(resp: Resp, params: Params) -> dict[str, Any]:
    tags = _tag_list(backend_of(resp), params.get("ResourceId"))
    keys = params.get("TagKeys")
    if not isinstance(keys, list) or not keys:
        raise InvalidParameterValues("TagKeys is required.")
    tags[:] = [t for t in tags if t["Key"] not in keys]
    return {}


@op("DescribeTags")
def describe_tags(resp: Resp, params: Params) -> dict[str, Any]:
    return {"TagList": [dict(t) for t in _tag_list(backend_of(resp), params.get("ResourceId"))]}
