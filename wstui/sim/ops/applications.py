"""WorkSpaces Application Manager: the application catalogue and per-WorkSpace associations."""

from __future__ import annotations

from typing import Any

from wstui.sim.errors import (
    InvalidResourceState,
    ResourceAlreadyExists,
    ResourceNotFound,
)
from wstui.sim.ops.common import (
    Params,
    Resp,
    backend_of,
    listing,
    require_workspace,
    service_state,
    sim_now,
)
from wstui.sim.ops.registry import op

APPLICATIONS = {
    "wsa-office2021x64a": "Microsoft Office 2021 Professional Plus",
    "wsa-visio2021x64aa": "Microsoft Visio 2021 Professional",
    "wsa-project2021x64": "Microsoft Project 2021 Professional",
}


@op("DescribeApplications")
def describe_applications(resp: Resp, params: Params) -> dict[str, Any]:
    ids = sorted(set(params.get("ApplicationIds") or APPLICATIONS) & set(APPLICATIONS))

    def render(i: str) -> dict[str, Any]:
        return {"ApplicationId": i, "Name": APPLICATIONS[i], "State": "AVAILABLE",
                "SupportedComputeTypeNames": ["STANDARD", "PERFORMANCE", "POWER"]}  # fmt: skip

    return listing(ids, render, params, 25, "Applications")


def _app_target(resp: Resp, params: Params) -> tuple[Any, str]:
    ws = require_workspace(backend_of(resp), params)
    app = params.get("ApplicationId")
    if app not in APPLICATIONS:
        raise ResourceNotFound(f"The application {app} could not be found.")
    return ws, str(app)


def _association(ws_id: str, app: str, state: str) -> dict[str, Any]:
    return {"AssociatedResourceId": app, "AssociatedResourceType": "APPLICATION",
            "WorkspaceId": ws_id, "State": state, "Created": sim_now(), "LastUpdatedTime": sim_now()}  # fmt: skip


@op("AssociateWorkspaceApplication")
def associate_application(resp: Resp, params: Params) -> dict[str, Any]:
    ws, app = _app_target(resp, params)
    assoc = service_state(backend_of(resp)).app_assoc
    if assoc.get((ws.workspace_id, app)) in ("PENDING_INSTALL_DEPLOYMENT", "COMPLETED"):
        raise ResourceAlreadyExists("The application is already associated.")
    assoc[(ws.workspace_id, app)] = "PENDING_INSTALL_DEPLOYMENT"
    return {"Association": _association(ws.workspace_id, app, "PENDING_INSTALL_DEPLOYMENT")}


@op("DisassociateWorkspaceApplication")
def disassociate_application(resp: Resp, params: Params) -> dict[str, Any]:
    ws, app = _app_target(resp, params)
    assoc = service_state(backend_of(resp)).app_assoc
    if (ws.workspace_id, app) not in assoc:
        raise ResourceNotFound("The application is not associated with the WorkSpace.")
    del assoc[(ws.workspace_id, app)]
    return {"Association": _association(ws.workspace_id, app, "REMOVED")}


@op("DeployWorkspaceApplications")
def deploy_applications(resp: Resp, params: Params) -> dict[str, Any]:
    ws = require_workspace(backend_of(resp), params)
    if ws.state_at(sim_now()) not in ("AVAILABLE", "STOPPED"):
        raise InvalidResourceState(f"The WorkSpace is {ws.state}; deploy needs AVAILABLE or STOPPED.")
    assoc = service_state(backend_of(resp)).app_assoc
    done = []
    for (wid, app), state in assoc.items():
        if wid == ws.workspace_id and state == "PENDING_INSTALL_DEPLOYMENT":
            assoc[(wid, app)] = "COMPLETED"
            done.append(_association(wid, app, "COMPLETED"))
    return {"Deployment": {"Associations": done}}


def _associations(resp: Resp, keep: Any) -> list[dict[str, Any]]:
    return [_association(w, a, s) for (w, a), s in service_state(backend_of(resp)).app_assoc.items() if keep(w, a)]


@op("DescribeWorkspaceAssociations")
def describe_workspace_associations(resp: Resp, params: Params) -> dict[str, Any]:
    ws = require_workspace(backend_of(resp), params)
    return {"Associations": _associations(resp, lambda w, a: w == ws.workspace_id)}


@op("DescribeApplicationAssociations")
def describe_application_associations(resp: Resp, params: Params) -> dict[str, Any]:
    app = params.get("ApplicationId")
    if app not in APPLICATIONS:
        raise ResourceNotFound(f"The application {app} could not be found.")
    # ApplicationResourceAssociation: the associated resource is the WorkSpace.
    found = [{"ApplicationId": a, "AssociatedResourceId": w, "AssociatedResourceType": "WORKSPACE",
              "State": s, "Created": sim_now(), "LastUpdatedTime": sim_now()}
             for (w, a), s in service_state(backend_of(resp)).app_assoc.items() if a == app]  # fmt: skip
    return {"Associations": found}
