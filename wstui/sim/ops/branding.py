"""A directory's client branding and Amazon Connect client add-ins."""

from __future__ import annotations

import uuid
from typing import Any

from wstui.sim.errors import (
    InvalidParameterValues,
    ResourceAlreadyExists,
    ResourceNotFound,
)
from wstui.sim.ops.common import (
    Params,
    Resp,
    backend_of,
    directory_param,
    service_state,
)
from wstui.sim.ops.registry import op


@op("ImportClientBranding")
def import_branding(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    platforms = {k: v for k, v in params.items() if k.startswith("DeviceType")}
    if not platforms:
        raise InvalidParameterValues("Give the branding of at least one device type.")
    m = service_state(backend_of(resp))
    current = m.branding.setdefault(d.directory_id, {})
    clash = sorted(set(platforms) & set(current))
    if clash:
        # Reference: delete the existing branding before importing it again.
        raise ResourceAlreadyExists(f"Branding already exists for {', '.join(clash)}.")
    out = {}
    for key, attrs in platforms.items():
        shown = {k: v for k, v in (attrs or {}).items() if not k.endswith("Logo")}
        current[key] = shown
        out[key] = shown
    return out


@op("DescribeClientBranding")
def describe_branding(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    return {k: dict(v) for k, v in service_state(backend_of(resp)).branding.get(d.directory_id, {}).items()}


@op("DeleteClientBranding")
def delete_branding(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    platforms = params.get("Platforms") or []
    if not platforms:
        raise InvalidParameterValues("Platforms is required.")
    current = service_state(backend_of(resp)).branding.get(d.directory_id, {})
    for p in platforms:  # the ClientDeviceType values name the response keys
        current.pop(str(p), None)
    return {}


@op("CreateConnectClientAddIn")
def create_add_in(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    name, url = params.get("Name"), params.get("URL")
    if not name or not url:
        raise InvalidParameterValues("Name and URL are required.")
    m = service_state(backend_of(resp))
    if any(a["ResourceId"] == d.directory_id and a["Name"] == name for a in m.add_ins.values()):
        raise ResourceAlreadyExists(f"An add-in named {name} already exists for the directory.")
    add_in = {"AddInId": str(uuid.UUID(int=len(m.add_ins) + 1 + hash(name) % 10**9)),
              "ResourceId": d.directory_id, "Name": name, "URL": url}  # fmt: skip
    m.add_ins[add_in["AddInId"]] = add_in
    return {"AddInId": add_in["AddInId"]}


def _add_in(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    found = service_state(backend_of(resp)).add_ins.get(str(params.get("AddInId")))
    if found is None or found["ResourceId"] != d.directory_id:
        raise ResourceNotFound(f"The add-in {params.get('AddInId')} could not be found.")
    return found


@op("DescribeConnectClientAddIns")
def describe_add_ins(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    return {"AddIns": [dict(a) for a in service_state(backend_of(resp)).add_ins.values()
                       if a["ResourceId"] == d.directory_id]}  # fmt: skip


@op("UpdateConnectClientAddIn")
def update_add_in(resp: Resp, params: Params) -> dict[str, Any]:
    add_in = _add_in(resp, params)
    for key in ("Name", "URL"):
        if params.get(key):
            add_in[key] = params[key]
    return {}


@op("DeleteConnectClientAddIn")
def delete_add_in(resp: Resp, params: Params) -> dict[str, Any]:
    add_in = _add_in(resp, params)
    del service_state(backend_of(resp)).add_ins[add_in["AddInId"]]
    return {}
