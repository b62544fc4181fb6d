"""Directories: describe, register, deregister and their properties (client, self-service,
access, SAML, certificate-based auth, streaming, endpoint encryption, creation defaults).
"""

from __future__ import annotations

from typing import Any

from moto.workspaces.responses import WorkSpacesResponse

from wstui.sim import states
from wstui.sim.errors import (
    InvalidParameterValues,
    InvalidResourceState,
    ResourceAlreadyExists,
    ResourceNotFound,
)
from wstui.sim.model import extras
from wstui.sim.ops.common import (
    DIR_ID,
    Params,
    Resp,
    backend_of,
    directory_param,
    id_list,
    page_limit,
    page_token,
    paged,
    service_state,
    sim_now,
)
from wstui.sim.ops.registry import op


@op("DescribeWorkspaceDirectories")
def describe_directories(resp: Resp, params: Params) -> dict[str, Any]:
    backend = backend_of(resp)
    limit = page_limit(params)
    token = page_token(params)
    ids = id_list(params, "DirectoryIds", DIR_ID)
    names = params.get("WorkspaceDirectoryNames")
    dirs = backend.workspace_directories
    ex = extras(backend)

    def keep(d: Any) -> bool:
        return not names or d.directory_name in names

    keys = sorted(set(ids)) if ids else sorted(dirs)
    items, next_token = paged(keys, dirs.get, limit, token, keep)
    rendered = []
    for d in items:
        item = d.to_dict()
        item["ipGroupIds"] = list(ex.dir_ip_groups.get(d.directory_id, []))
        # Set by ModifyEndpointEncryptionMode / ModifyStreamingProperties (below).
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


# moto serves these two but indexes its dict with the id: an unknown one raised KeyError.
@op("ModifyClientProperties")
def modify_client_properties(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    backend_of(resp).modify_client_properties(d.directory_id, params.get("ClientProperties") or {})
    return {}


@op("ModifySelfservicePermissions")
def modify_selfservice_permissions(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    permissions = params.get("SelfservicePermissions") or {}
    backend_of(resp).modify_selfservice_permissions(d.directory_id, permissions)
    return {}


@op("DeregisterWorkspaceDirectory")
def deregister_directory(resp: Resp, params: Params) -> dict[str, Any]:
    backend = backend_of(resp)
    d = directory_param(resp, params, "DirectoryId")
    now = sim_now()
    users = [w for w in backend.workspaces.values()
             if getattr(w, "directory_id", None) == d.directory_id
             and getattr(w, "state_at", lambda _n: "")(now) != states.GONE]  # fmt: skip
    if users:
        # Reference: remove every WorkSpace of the directory before deregistering it.
        raise InvalidResourceState(
            f"The directory {d.directory_id} has {len(users)} WorkSpace(s); remove them first."
        )
    if any(p.directory_id == d.directory_id for p in extras(backend).pools.values()):
        raise InvalidResourceState(f"The directory {d.directory_id} is used by a pool.")
    del backend.workspace_directories[d.directory_id]
    extras(backend).dir_ip_groups.pop(d.directory_id, None)
    return {}


@op("ModifyWorkspaceAccessProperties")
def modify_access(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    props = params.get("WorkspaceAccessProperties")
    if not isinstance(props, dict) or not props:
        raise InvalidParameterValues("WorkspaceAccessProperties is required.")
    d.workspace_access_properties = {**(d.workspace_access_properties or {}), **props}
    return {}


@op("ModifySamlProperties")
def modify_saml(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    props = dict(params.get("SamlProperties") or {})
    current = dict(d.saml_properties or {})
    for name in params.get("PropertiesToDelete") or []:
        key = {"SAML_PROPERTIES_USER_ACCESS_URL": "UserAccessUrl",
               "SAML_PROPERTIES_RELAY_STATE_PARAMETER_NAME": "RelayStateParameterName"}.get(name)  # fmt: skip
        current.pop(key or "", None)
    current.update(props)
    if current.get("Status", "DISABLED") != "DISABLED" and not current.get("UserAccessUrl"):
        raise InvalidParameterValues("A user access URL is required to enable SAML.")
    d.saml_properties = current
    return {}


@op("ModifyCertificateBasedAuthProperties")
def modify_cba(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    props = dict(params.get("CertificateBasedAuthProperties") or {})
    current = {**(d.certificate_based_auth_properties or {}), **props}
    if "CERTIFICATE_BASED_AUTH_PROPERTIES_CERTIFICATE_AUTHORITY_ARN" in (
        params.get("PropertiesToDelete") or []
    ):
        current.pop("CertificateAuthorityArn", None)
    if current.get("Status") == "ENABLED" and not current.get("CertificateAuthorityArn"):
        raise InvalidParameterValues("A certificate authority ARN is required to enable it.")
    if current.get("Status") == "ENABLED" and (d.saml_properties or {}).get("Status") in (None, "DISABLED"):
        raise InvalidParameterValues("Certificate-based authentication needs SAML enabled first.")
    d.certificate_based_auth_properties = current
    return {}


@op("ModifyStreamingProperties")
def modify_streaming(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params)
    service_state(backend_of(resp)).streaming[d.directory_id] = dict(params.get("StreamingProperties") or {})
    d.streaming_properties = service_state(backend_of(resp)).streaming[d.directory_id]
    return {}


@op("ModifyEndpointEncryptionMode")
def modify_encryption(resp: Resp, params: Params) -> dict[str, Any]:
    d = directory_param(resp, params, "DirectoryId")
    mode = params.get("EndpointEncryptionMode")
    if mode not in ("STANDARD_TLS", "FIPS_VALIDATED"):
        raise InvalidParameterValues("EndpointEncryptionMode must be STANDARD_TLS or FIPS_VALIDATED.")
    service_state(backend_of(resp)).encryption[d.directory_id] = mode
    d.endpoint_encryption_mode = mode
    return {}


_moto_register = WorkSpacesResponse.register_workspace_directory


_moto_creation = WorkSpacesResponse.modify_workspace_creation_properties


@op("RegisterWorkspaceDirectory")
def register_directory(resp: Resp, params: Params) -> dict[str, Any]:
    # DirectoryId is optional in the model (IAM Identity Center / Entra directories are
    # registered without one); the simulator models only AWS Directory Service ones, and
    # moto failed with a TypeError (InternalFailure) without it.
    if not params.get("DirectoryId"):
        raise InvalidParameterValues(
            "DirectoryId is required: the simulator registers only AWS Directory Service "
            "directories."
        )
    if params["DirectoryId"] in backend_of(resp).workspace_directories:
        raise ResourceAlreadyExists(f"The directory {params['DirectoryId']} is already registered.")
    from moto.ds.exceptions import EntityDoesNotExistException

    try:
        _moto_register(resp)
    except EntityDoesNotExistException as e:  # moto's DS error; the model declares this one
        raise ResourceNotFound(f"The directory {params['DirectoryId']} could not be found.") from e
    return {}


@op("ModifyWorkspaceCreationProperties")
def modify_creation_properties(resp: Resp, params: Params) -> dict[str, Any]:
    # moto answers an unknown directory with ValidationException, which this operation
    # does not declare; the reference's answer is ResourceNotFoundException.
    directory_param(resp, params)
    _moto_creation(resp)
    return {}
