"""Simulator handlers for the operations moto and `handlers.py` do not serve.

Registered with `handlers.op` like the others (`handlers.install()` imports this module).
Each keeps the state its Describe/Get/List counterpart returns, and refuses what the API
reference says it refuses (ids that do not exist, wrong states, resources in use).
"""

from __future__ import annotations

import ipaddress
import uuid
from dataclasses import dataclass, field
from typing import Any

from moto.workspaces.models import WorkspaceImage
from moto.workspaces.responses import WorkSpacesResponse

from wstui.sim import states
from wstui.sim.catalogue import AMAZON_BUNDLES
from wstui.sim.errors import (
    AccessDenied,
    InvalidParameterValues,
    InvalidResourceState,
    ResourceAlreadyExists,
    ResourceAssociated,
    ResourceNotFound,
)
from wstui.sim.handlers import (
    ACCOUNT_ID,
    BUNDLE_ID,
    DIR_ID,
    POOL_ID,
    _all_bundles,
    _backend,
    _check,
    _directory,
    _now,
    _page_args,
    _paged,
    _require,
    new_id,
    op,
)
from wstui.sim.model import LOCK, Pool, extras

Params = dict[str, Any]
Resp = WorkSpacesResponse
IMAGE_ID = r"^wsi-[0-9a-z]{9,63}$"


@dataclass
class MoreState:
    """Per (account, region) state of the operations served here."""

    dedicated: str = "DISABLED"
    # "Enabled for BYOL" is granted by AWS out of band (a support request), before
    # ModifyAccount turns dedicated tenancy on; tests switch it off to meet the refusal.
    byol_enabled: bool = True
    management_cidr: str = ""
    modifications: list[dict[str, Any]] = field(default_factory=list)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    branding: dict[str, dict[str, Any]] = field(default_factory=dict)  # directory -> platform -> attrs
    add_ins: dict[str, dict[str, Any]] = field(default_factory=dict)  # AddInId -> add-in
    encryption: dict[str, str] = field(default_factory=dict)  # directory -> mode
    streaming: dict[str, dict[str, Any]] = field(default_factory=dict)
    imports: dict[str, dict[str, Any]] = field(default_factory=dict)  # image id -> import status
    app_assoc: dict[tuple[str, str], str] = field(default_factory=dict)  # (ws, app) -> state
    image_apps: dict[str, list[str]] = field(default_factory=dict)  # image -> apps installed
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)  # session -> session


def more(backend: Any) -> MoreState:
    found = backend.__dict__.get("_wstui_more")
    if found is None:
        with LOCK:
            found = backend.__dict__.setdefault("_wstui_more", MoreState())
    return found


def _re(pattern: str) -> Any:
    import re

    return re.compile(pattern)


_IMAGE = _re(IMAGE_ID)


# -- account: BYOL ---------------------------------------------------------------------------
@op("DescribeAccount")
def describe_account(resp: Resp, params: Params) -> dict[str, Any]:
    m = more(_backend(resp))
    out: dict[str, Any] = {"DedicatedTenancySupport": m.dedicated,
                           "DedicatedTenancyAccountType": "SOURCE_ACCOUNT"}  # fmt: skip
    if m.management_cidr:
        out["DedicatedTenancyManagementCidrRange"] = m.management_cidr
    return out


def _management_cidr(value: Any) -> str:
    try:
        net = ipaddress.IPv4Network(str(value), strict=True)
    except ValueError as e:
        raise InvalidParameterValues(f"The CIDR range {value!r} is not valid.") from e
    # Reference: a /16 from 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16.
    if net.prefixlen != 16 or not any(
        net.subnet_of(ipaddress.IPv4Network(p)) for p in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
    ):  # fmt: skip
        raise InvalidParameterValues("The management CIDR range must be a private /16 range.")
    return str(net)


@op("ModifyAccount")
def modify_account(resp: Resp, params: Params) -> dict[str, Any]:
    m = more(_backend(resp))
    support = params.get("DedicatedTenancySupport")
    if support not in (None, "ENABLED"):
        raise InvalidParameterValues("DedicatedTenancySupport can only be set to ENABLED.")
    cidr = params.get("DedicatedTenancyManagementCidrRange")
    if support == "ENABLED" and not cidr and not m.management_cidr:
        raise InvalidParameterValues("A management CIDR range is required to enable BYOL.")
    if any(x["ModificationState"] == "PENDING" for x in m.modifications):
        raise InvalidResourceState("An account modification is already in progress.")
    if cidr:
        m.management_cidr = _management_cidr(cidr)
    if support:
        m.dedicated = support
    m.modifications.append({
        "ModificationState": "COMPLETED", "DedicatedTenancySupport": m.dedicated,
        "DedicatedTenancyManagementCidrRange": m.management_cidr, "StartTime": _now(),
    })  # fmt: skip
    return {}


@op("DescribeAccountModifications")
def describe_account_modifications(resp: Resp, params: Params) -> dict[str, Any]:
    return {"AccountModifications": [dict(x) for x in more(_backend(resp)).modifications]}


@op("ListAvailableManagementCidrRanges")
def list_management_cidrs(resp: Resp, params: Params) -> dict[str, Any]:
    constraint = params.get("ManagementCidrRangeConstraint")
    try:
        net = ipaddress.IPv4Network(str(constraint), strict=False)
    except ValueError as e:
        raise InvalidParameterValues("ManagementCidrRangeConstraint must be a CIDR range.") from e
    m = more(_backend(resp))
    # Reference: "This operation can be run only by AWS accounts that are enabled for BYOL.
    # If your account isn't enabled for BYOL, you'll receive an AccessDeniedException error."
    if not m.byol_enabled:
        raise AccessDenied("This account is not enabled for BYOL.")
    subnets = net.subnets(new_prefix=16) if net.prefixlen <= 16 else iter(())
    # Keys in numeric order (hex of the address) so the token's bisect pages correctly.
    ranges = {s.network_address.packed.hex(): str(s) for s in subnets
              if str(s) != m.management_cidr}  # fmt: skip
    return _listing(sorted(ranges), ranges.get, params, 5, "ManagementCidrRanges")


def _listing(
    keys: list[str], fetch: Any, params: Params, default: int, key: str
) -> dict[str, Any]:
    """One page of ``keys`` honouring MaxResults (the model has bounded it) and NextToken."""
    items, token = _paged(keys, fetch, int(params.get("MaxResults") or default),
                          _page_args(params))  # fmt: skip
    out: dict[str, Any] = {key: items}
    if token:
        out["NextToken"] = token
    return out


# -- account links ---------------------------------------------------------------------------
def _link(resp: Resp, params: Params, key: str = "LinkId") -> dict[str, Any]:
    link_id = params.get(key)
    found = more(_backend(resp)).links.get(str(link_id))
    if found is None:
        raise ResourceNotFound(f"The account link {link_id} could not be found.")
    return found


@op("CreateAccountLinkInvitation")
def create_link(resp: Resp, params: Params) -> dict[str, Any]:
    backend = _backend(resp)
    target = params.get("TargetAccountId")
    if not isinstance(target, str) or not ACCOUNT_ID.match(target):
        raise InvalidParameterValues("TargetAccountId must be a 12-digit account id.")
    if target == backend.account_id:
        raise InvalidParameterValues("You cannot link an account to itself.")
    m = more(backend)
    if any(x["TargetAccountId"] == target and x["AccountLinkStatus"] != "REJECTED"
           for x in m.links.values()):  # fmt: skip
        raise ResourceAlreadyExists(f"A link with account {target} already exists.")
    link = {"AccountLinkId": f"link-{new_id('', 10)}", "SourceAccountId": backend.account_id,
            "TargetAccountId": target, "AccountLinkStatus": "PENDING_ACCEPTANCE_BY_TARGET_ACCOUNT"}  # fmt: skip
    m.links[link["AccountLinkId"]] = link
    return {"AccountLink": dict(link)}


def _answer(resp: Resp, params: Params, status: str) -> dict[str, Any]:
    link = _link(resp, params)
    if link["AccountLinkStatus"] != "PENDING_ACCEPTANCE_BY_TARGET_ACCOUNT":
        raise InvalidResourceState(f"The link is {link['AccountLinkStatus']}; it is not pending.")
    link["AccountLinkStatus"] = status
    return {"AccountLink": dict(link)}


@op("AcceptAccountLinkInvitation")
def accept_link(resp: Resp, params: Params) -> dict[str, Any]:
    return _answer(resp, params, "LINKED")


@op("RejectAccountLinkInvitation")
def reject_link(resp: Resp, params: Params) -> dict[str, Any]:
    return _answer(resp, params, "REJECTED")


@op("DeleteAccountLinkInvitation")
def delete_link(resp: Resp, params: Params) -> dict[str, Any]:
    link = _link(resp, params)
    del more(_backend(resp)).links[link["AccountLinkId"]]
    return {"AccountLink": {**link, "AccountLinkStatus": "DELETED"}}


@op("GetAccountLink")
def get_link(resp: Resp, params: Params) -> dict[str, Any]:
    if params.get("LinkId"):
        return {"AccountLink": dict(_link(resp, params))}
    linked = params.get("LinkedAccountId")
    for x in more(_backend(resp)).links.values():
        if linked in (x["TargetAccountId"], x["SourceAccountId"]):
            return {"AccountLink": dict(x)}
    raise ResourceNotFound("Give LinkId or LinkedAccountId of an existing link.")


@op("ListAccountLinks")
def list_links(resp: Resp, params: Params) -> dict[str, Any]:
    wanted = params.get("LinkStatusFilter") or []
    links = [dict(x) for x in more(_backend(resp)).links.values()
             if not wanted or x["AccountLinkStatus"] in wanted]  # fmt: skip
    return {"AccountLinks": links}


# -- directories: properties, branding, add-ins ------------------------------------------------
def _dir(resp: Resp, params: Params, key: str = "ResourceId") -> Any:
    return _directory(_backend(resp), _check(params.get(key), DIR_ID, key))


# moto serves these two but indexes its dict with the id: an unknown one raised KeyError.
@op("ModifyClientProperties")
def modify_client_properties(resp: Resp, params: Params) -> dict[str, Any]:
    d = _dir(resp, params)
    _backend(resp).modify_client_properties(d.directory_id, params.get("ClientProperties") or {})
    return {}


@op("ModifySelfservicePermissions")
def modify_selfservice_permissions(resp: Resp, params: Params) -> dict[str, Any]:
    d = _dir(resp, params)
    permissions = params.get("SelfservicePermissions") or {}
    _backend(resp).modify_selfservice_permissions(d.directory_id, permissions)
    return {}


@op("DeregisterWorkspaceDirectory")
def deregister_directory(resp: Resp, params: Params) -> dict[str, Any]:
    backend = _backend(resp)
    d = _dir(resp, params, "DirectoryId")
    now = _now()
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
    d = _dir(resp, params)
    props = params.get("WorkspaceAccessProperties")
    if not isinstance(props, dict) or not props:
        raise InvalidParameterValues("WorkspaceAccessProperties is required.")
    d.workspace_access_properties = {**(d.workspace_access_properties or {}), **props}
    return {}


@op("ModifySamlProperties")
def modify_saml(resp: Resp, params: Params) -> dict[str, Any]:
    d = _dir(resp, params)
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
    d = _dir(resp, params)
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
    d = _dir(resp, params)
    more(_backend(resp)).streaming[d.directory_id] = dict(params.get("StreamingProperties") or {})
    d.streaming_properties = more(_backend(resp)).streaming[d.directory_id]
    return {}


@op("ModifyEndpointEncryptionMode")
def modify_encryption(resp: Resp, params: Params) -> dict[str, Any]:
    d = _dir(resp, params, "DirectoryId")
    mode = params.get("EndpointEncryptionMode")
    if mode not in ("STANDARD_TLS", "FIPS_VALIDATED"):
        raise InvalidParameterValues("EndpointEncryptionMode must be STANDARD_TLS or FIPS_VALIDATED.")
    more(_backend(resp)).encryption[d.directory_id] = mode
    d.endpoint_encryption_mode = mode
    return {}


@op("ImportClientBranding")
def import_branding(resp: Resp, params: Params) -> dict[str, Any]:
    d = _dir(resp, params)
    platforms = {k: v for k, v in params.items() if k.startswith("DeviceType")}
    if not platforms:
        raise InvalidParameterValues("Give the branding of at least one device type.")
    m = more(_backend(resp))
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
    d = _dir(resp, params)
    return {k: dict(v) for k, v in more(_backend(resp)).branding.get(d.directory_id, {}).items()}


@op("DeleteClientBranding")
def delete_branding(resp: Resp, params: Params) -> dict[str, Any]:
    d = _dir(resp, params)
    platforms = params.get("Platforms") or []
    if not platforms:
        raise InvalidParameterValues("Platforms is required.")
    current = more(_backend(resp)).branding.get(d.directory_id, {})
    for p in platforms:  # the ClientDeviceType values name the response keys
        current.pop(str(p), None)
    return {}


@op("CreateConnectClientAddIn")
def create_add_in(resp: Resp, params: Params) -> dict[str, Any]:
    d = _dir(resp, params)
    name, url = params.get("Name"), params.get("URL")
    if not name or not url:
        raise InvalidParameterValues("Name and URL are required.")
    m = more(_backend(resp))
    if any(a["ResourceId"] == d.directory_id and a["Name"] == name for a in m.add_ins.values()):
        raise ResourceAlreadyExists(f"An add-in named {name} already exists for the directory.")
    add_in = {"AddInId": str(uuid.UUID(int=len(m.add_ins) + 1 + hash(name) % 10**9)),
              "ResourceId": d.directory_id, "Name": name, "URL": url}  # fmt: skip
    m.add_ins[add_in["AddInId"]] = add_in
    return {"AddInId": add_in["AddInId"]}


def _add_in(resp: Resp, params: Params) -> dict[str, Any]:
    d = _dir(resp, params)
    found = more(_backend(resp)).add_ins.get(str(params.get("AddInId")))
    if found is None or found["ResourceId"] != d.directory_id:
        raise ResourceNotFound(f"The add-in {params.get('AddInId')} could not be found.")
    return found


@op("DescribeConnectClientAddIns")
def describe_add_ins(resp: Resp, params: Params) -> dict[str, Any]:
    d = _dir(resp, params)
    return {"AddIns": [dict(a) for a in more(_backend(resp)).add_ins.values()
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
    del more(_backend(resp)).add_ins[add_in["AddInId"]]
    return {}


# -- bundles -------------------------------------------------------------------------------------
def _image(resp: Resp, image_id: Any, key: str = "ImageId") -> Any:
    _check(image_id, _IMAGE, key)
    found = _backend(resp).workspace_images.get(image_id)
    if found is None:
        raise ResourceNotFound(f"The image {image_id} could not be found.")
    return found


@op("CreateWorkspaceBundle")
def create_bundle(resp: Resp, params: Params) -> dict[str, Any]:
    backend = _backend(resp)
    for key in ("BundleName", "BundleDescription", "ImageId", "ComputeType", "UserStorage"):
        if not params.get(key):
            raise InvalidParameterValues(f"{key} is required.")
    _image(resp, params["ImageId"])
    ex = extras(backend)
    if any(b["Name"] == params["BundleName"] for b in ex.bundles.values()):
        raise ResourceAlreadyExists(f"A bundle named {params['BundleName']} already exists.")
    bundle = {
        "BundleId": new_id("wsb-"), "Name": params["BundleName"], "Owner": backend.account_id,
        "Description": params["BundleDescription"], "ImageId": params["ImageId"],
        "ComputeType": params["ComputeType"], "UserStorage": params["UserStorage"],
        "RootStorage": params.get("RootStorage") or {"Capacity": "80"},
        "State": "AVAILABLE", "BundleType": "REGULAR", "CreationTime": _now(),
        "LastUpdatedTime": _now(),
    }  # fmt: skip
    ex.bundles[bundle["BundleId"]] = bundle
    return {"WorkspaceBundle": dict(bundle)}


def _own_bundle(resp: Resp, params: Params) -> dict[str, Any]:
    bundle_id = _check(params.get("BundleId"), BUNDLE_ID, "BundleId")
    if bundle_id in AMAZON_BUNDLES:
        raise InvalidParameterValues("Amazon-owned bundles cannot be changed.")
    found = extras(_backend(resp)).bundles.get(bundle_id)
    if found is None:
        raise ResourceNotFound(f"The bundle {bundle_id} could not be found.")
    return found


@op("UpdateWorkspaceBundle")
def update_bundle(resp: Resp, params: Params) -> dict[str, Any]:
    bundle = _own_bundle(resp, params)
    _image(resp, params.get("ImageId"))
    bundle["ImageId"] = params["ImageId"]
    bundle["LastUpdatedTime"] = _now()
    return {}


def _bundle_users(resp: Resp, bundle_id: str) -> list[str]:
    backend, now = _backend(resp), _now()
    return sorted(w.workspace_id for w in backend.workspaces.values()
                  if getattr(w, "bundle_id", None) == bundle_id
                  and getattr(w, "state_at", lambda _n: "")(now) != states.GONE)  # fmt: skip


@op("DeleteWorkspaceBundle")
def delete_bundle(resp: Resp, params: Params) -> dict[str, Any]:
    bundle = _own_bundle(resp, params)
    users = _bundle_users(resp, bundle["BundleId"])
    if users:
        raise ResourceAssociated(f"The bundle is used by {len(users)} WorkSpace(s).")
    del extras(_backend(resp)).bundles[bundle["BundleId"]]
    return {}


@op("DescribeBundleAssociations")
def describe_bundle_associations(resp: Resp, params: Params) -> dict[str, Any]:
    bundle_id = _check(params.get("BundleId"), BUNDLE_ID, "BundleId")
    bundle = _all_bundles(_backend(resp)).get(bundle_id)
    if bundle is None:
        raise ResourceNotFound(f"The bundle {bundle_id} could not be found.")
    # A bundle's applications are those of its image.
    apps = more(_backend(resp)).image_apps.get(str(bundle.get("ImageId")), [])
    return {"Associations": [{"AssociatedResourceId": a, "AssociatedResourceType": "APPLICATION",
                              "BundleId": bundle_id, "State": "COMPLETED", "Created": _now(),
                              "LastUpdatedTime": _now()} for a in apps]}  # fmt: skip


# -- images --------------------------------------------------------------------------------------
def _new_image(resp: Resp, name: str, description: str, state: str = "PENDING") -> Any:
    backend = _backend(resp)
    if any(i.name == name for i in backend.workspace_images.values()):
        raise ResourceAlreadyExists(f"An image named {name} already exists.")
    image = WorkspaceImage(name, description, [], backend.account_id)
    image.image_id = new_id("wsi-")
    image.state = state
    backend.workspace_images[image.image_id] = image
    return image


@op("CreateWorkspaceImage")
def create_image_from_workspace(resp: Resp, params: Params) -> dict[str, Any]:
    ws = _require(_backend(resp), params)
    if ws.state_at(_now()) != "AVAILABLE":
        raise InvalidResourceState(f"The WorkSpace is {ws.state}; it must be AVAILABLE.")
    image = _new_image(resp, str(params.get("Name") or ""), str(params.get("Description") or ""))
    image.tags = [dict(t) for t in params.get("Tags") or []]
    image.operating_system = {"Type": "WINDOWS"}
    m = more(_backend(resp))
    # The image carries the applications installed on the WorkSpace (DescribeImageAssociations).
    m.image_apps[image.image_id] = sorted(a for (w, a), s in m.app_assoc.items()
                                          if w == ws.workspace_id and s == "COMPLETED")  # fmt: skip
    return {**image.to_dict(), "State": image.state}


@op("CreateUpdatedWorkspaceImage")
def create_updated_image(resp: Resp, params: Params) -> dict[str, Any]:
    source = _image(resp, params.get("SourceImageId"), "SourceImageId")
    if not source.updates.get("UpdateAvailable"):
        raise OperationNotSupportedHere("The image has no updates available.")
    image = _new_image(resp, params.get("Name", ""), params.get("Description", ""))
    return {"ImageId": image.image_id}


class OperationNotSupportedHere(InvalidParameterValues):  # type: ignore[valid-type,misc]
    error_type = "OperationNotSupportedException"


@op("CopyWorkspaceImage")
def copy_image(resp: Resp, params: Params) -> dict[str, Any]:
    region = params.get("SourceRegion")
    if not region:
        raise InvalidParameterValues("SourceRegion is required.")
    from moto.workspaces.models import workspaces_backends

    source_backend = workspaces_backends[_backend(resp).account_id][region]
    source = source_backend.workspace_images.get(str(params.get("SourceImageId")))
    if source is None:
        raise ResourceNotFound(f"The image {params.get('SourceImageId')} was not found in {region}.")
    image = _new_image(resp, params.get("Name", ""), params.get("Description", source.description))
    return {"ImageId": image.image_id}


@op("ImportWorkspaceImage")
def import_image(resp: Resp, params: Params) -> dict[str, Any]:
    ec2 = str(params.get("Ec2ImageId") or "")
    if not ec2.startswith("ami-"):
        raise InvalidParameterValues("Ec2ImageId must be an AMI id (ami-...).")
    if more(_backend(resp)).dedicated != "ENABLED":
        # Reference: BYOL images need the account enabled for dedicated tenancy first.
        raise OperationNotSupportedHere("Enable BYOL for the account (ModifyAccount) first.")
    image = _new_image(resp, params.get("ImageName", ""), params.get("ImageDescription", ""))
    image.required_tenancy = "DEDICATED"
    return {"ImageId": image.image_id}


@op("ImportCustomWorkspaceImage")
def import_custom_image(resp: Resp, params: Params) -> dict[str, Any]:
    image = _new_image(resp, params.get("ImageName", ""), params.get("ImageDescription", ""))
    more(_backend(resp)).imports[image.image_id] = {
        "ImageId": image.image_id, "State": "PENDING", "Created": _now(),
        "ImageSource": params.get("ImageSource") or {},
    }  # fmt: skip
    return {"ImageId": image.image_id, "State": "PENDING"}


@op("DescribeCustomWorkspaceImageImport")
def describe_custom_import(resp: Resp, params: Params) -> dict[str, Any]:
    found = more(_backend(resp)).imports.get(str(params.get("ImageId")))
    if found is None:
        raise ResourceNotFound(f"No custom image import {params.get('ImageId')}.")
    return dict(found)


@op("DeleteWorkspaceImage")
def delete_image(resp: Resp, params: Params) -> dict[str, Any]:
    # The operation declares no ResourceNotFoundException: deleting an image that is not
    # there (already deleted) succeeds with nothing to do, as AWS's idempotent deletes do.
    image = _backend(resp).workspace_images.get(params.get("ImageId"))
    if image is None:
        return {}
    users = [b["BundleId"] for b in extras(_backend(resp)).bundles.values()
             if b.get("ImageId") == image.image_id]  # fmt: skip
    if users:
        raise ResourceAssociated(f"The image is used by bundle(s) {', '.join(users)}.")
    if image.image_permissions:
        raise InvalidResourceState("Unshare the image from every account before deleting it.")
    del _backend(resp).workspace_images[image.image_id]
    return {}


@op("UpdateWorkspaceImagePermission")
def update_image_permission(resp: Resp, params: Params) -> dict[str, Any]:
    # moto's own handler raised KeyError for an unknown image.
    image = _image(resp, params.get("ImageId"))
    account = _check(params.get("SharedAccountId"), ACCOUNT_ID, "SharedAccountId")
    allow = params.get("AllowCopyImage")
    if not isinstance(allow, bool):
        raise InvalidParameterValues("AllowCopyImage must be true or false.")
    _backend(resp).update_workspace_image_permission(image.image_id, allow, account)
    return {}


@op("DescribeImageAssociations")
def describe_image_associations(resp: Resp, params: Params) -> dict[str, Any]:
    image = _image(resp, params.get("ImageId"))
    apps = more(_backend(resp)).image_apps.get(image.image_id, [])
    return {"Associations": [{"AssociatedResourceId": a, "AssociatedResourceType": "APPLICATION",
                              "ImageId": image.image_id, "State": "COMPLETED", "Created": _now(),
                              "LastUpdatedTime": _now()} for a in apps]}  # fmt: skip


# -- WorkSpaces ----------------------------------------------------------------------------------
@op("DescribeWorkspaceSnapshots")
def describe_snapshots(resp: Resp, params: Params) -> dict[str, Any]:
    ws = _require(_backend(resp), params)
    # One snapshot per 12 hours of life, the newest first (the service keeps a few).
    at = ws.state_since
    return {"RebuildSnapshots": [{"SnapshotTime": at}],
            "RestoreSnapshots": [{"SnapshotTime": at}, {"SnapshotTime": at - 43200}]}  # fmt: skip


@op("CreateStandbyWorkspaces")
def create_standby(resp: Resp, params: Params) -> dict[str, Any]:
    from wstui.sim.handlers import create_workspaces

    region = params.get("PrimaryRegion")
    requests = params.get("StandbyWorkspaces")
    if not region or not isinstance(requests, list) or not requests:
        raise InvalidParameterValues("PrimaryRegion and StandbyWorkspaces are required.")
    failed, asks = [], []
    from moto.workspaces.models import workspaces_backends

    primary = workspaces_backends[_backend(resp).account_id][region]
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


# -- applications (WAM) --------------------------------------------------------------------------
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

    return _listing(ids, render, params, 25, "Applications")


@op("DescribeWorkspaceImages")
def describe_images(resp: Resp, params: Params) -> dict[str, Any]:
    # moto's handler ignored MaxResults and NextToken: every image came back in one page.
    images = {i["ImageId"]: i for i in _backend(resp).describe_workspace_images(
        image_ids=params.get("ImageIds"), image_type=params.get("ImageType"))}  # fmt: skip
    return _listing(sorted(images), images.get, params, 25, "Images")


def _app_target(resp: Resp, params: Params) -> tuple[Any, str]:
    ws = _require(_backend(resp), params)
    app = params.get("ApplicationId")
    if app not in APPLICATIONS:
        raise ResourceNotFound(f"The application {app} could not be found.")
    return ws, str(app)


def _association(ws_id: str, app: str, state: str) -> dict[str, Any]:
    return {"AssociatedResourceId": app, "AssociatedResourceType": "APPLICATION",
            "WorkspaceId": ws_id, "State": state, "Created": _now(), "LastUpdatedTime": _now()}  # fmt: skip


@op("AssociateWorkspaceApplication")
def associate_application(resp: Resp, params: Params) -> dict[str, Any]:
    ws, app = _app_target(resp, params)
    assoc = more(_backend(resp)).app_assoc
    if assoc.get((ws.workspace_id, app)) in ("PENDING_INSTALL_DEPLOYMENT", "COMPLETED"):
        raise ResourceAlreadyExists("The application is already associated.")
    assoc[(ws.workspace_id, app)] = "PENDING_INSTALL_DEPLOYMENT"
    return {"Association": _association(ws.workspace_id, app, "PENDING_INSTALL_DEPLOYMENT")}


@op("DisassociateWorkspaceApplication")
def disassociate_application(resp: Resp, params: Params) -> dict[str, Any]:
    ws, app = _app_target(resp, params)
    assoc = more(_backend(resp)).app_assoc
    if (ws.workspace_id, app) not in assoc:
        raise ResourceNotFound("The application is not associated with the WorkSpace.")
    del assoc[(ws.workspace_id, app)]
    return {"Association": _association(ws.workspace_id, app, "REMOVED")}


@op("DeployWorkspaceApplications")
def deploy_applications(resp: Resp, params: Params) -> dict[str, Any]:
    ws = _require(_backend(resp), params)
    if ws.state_at(_now()) not in ("AVAILABLE", "STOPPED"):
        raise InvalidResourceState(f"The WorkSpace is {ws.state}; deploy needs AVAILABLE or STOPPED.")
    assoc = more(_backend(resp)).app_assoc
    done = []
    for (wid, app), state in assoc.items():
        if wid == ws.workspace_id and state == "PENDING_INSTALL_DEPLOYMENT":
            assoc[(wid, app)] = "COMPLETED"
            done.append(_association(wid, app, "COMPLETED"))
    return {"Deployment": {"Associations": done}}


def _associations(resp: Resp, keep: Any) -> list[dict[str, Any]]:
    return [_association(w, a, s) for (w, a), s in more(_backend(resp)).app_assoc.items() if keep(w, a)]


@op("DescribeWorkspaceAssociations")
def describe_workspace_associations(resp: Resp, params: Params) -> dict[str, Any]:
    ws = _require(_backend(resp), params)
    return {"Associations": _associations(resp, lambda w, a: w == ws.workspace_id)}


@op("DescribeApplicationAssociations")
def describe_application_associations(resp: Resp, params: Params) -> dict[str, Any]:
    app = params.get("ApplicationId")
    if app not in APPLICATIONS:
        raise ResourceNotFound(f"The application {app} could not be found.")
    # ApplicationResourceAssociation: the associated resource is the WorkSpace.
    found = [{"ApplicationId": a, "AssociatedResourceId": w, "AssociatedResourceType": "WORKSPACE",
              "State": s, "Created": _now(), "LastUpdatedTime": _now()}
             for (w, a), s in more(_backend(resp)).app_assoc.items() if a == app]  # fmt: skip
    return {"Associations": found}


# -- pools ---------------------------------------------------------------------------------------
@op("CreateWorkspacesPool")
def create_pool(resp: Resp, params: Params) -> dict[str, Any]:
    backend = _backend(resp)
    for key in ("PoolName", "Description", "BundleId", "DirectoryId", "Capacity"):
        if not params.get(key):
            raise InvalidParameterValues(f"{key} is required.")
    if params["BundleId"] not in _all_bundles(backend):
        raise ResourceNotFound(f"The bundle {params['BundleId']} could not be found.")
    _directory(backend, params["DirectoryId"])
    ex = extras(backend)
    if any(p.name == params["PoolName"] for p in ex.pools.values()):
        raise ResourceAlreadyExists(f"A pool named {params['PoolName']} already exists.")
    pool_id = new_id("wspool-")
    pool = Pool(pool_id, params["PoolName"], params["BundleId"], params["DirectoryId"],
                f"arn:aws:workspaces:{resp.region}:{backend.account_id}:workspacespool/{pool_id}",
                int(params["Capacity"].get("DesiredUserSessions", 1)), _now(),
                running_mode=params.get("RunningMode", "AUTO_STOP"))  # fmt: skip
    ex.pools[pool_id] = pool
    return {"WorkspacesPool": pool.to_api(_now())}


@op("UpdateWorkspacesPool")
def update_pool(resp: Resp, params: Params) -> dict[str, Any]:
    from wstui.sim.handlers import _pool

    pool = _pool(resp, params)
    if pool.state_at(_now()) not in ("RUNNING", "STOPPED"):
        raise InvalidResourceState(f"The pool is {pool.state}; it must be RUNNING or STOPPED.")
    if params.get("BundleId"):
        if params["BundleId"] not in _all_bundles(_backend(resp)):
            raise ResourceNotFound(f"The bundle {params['BundleId']} could not be found.")
        pool.bundle_id = params["BundleId"]
    if params.get("Capacity"):
        pool.desired = int(params["Capacity"].get("DesiredUserSessions", pool.desired))
    if params.get("RunningMode"):
        pool.running_mode = params["RunningMode"]
    return {"WorkspacesPool": pool.to_api(_now())}


@op("DescribeWorkspacesPoolSessions")
def describe_pool_sessions(resp: Resp, params: Params) -> dict[str, Any]:
    from wstui.sim.handlers import _pool

    pool = _pool(resp, params)
    m = more(_backend(resp))
    if pool.state_at(_now()) == "RUNNING" and not any(s["PoolId"] == pool.pool_id for s in m.sessions.values()):
        for n in range(min(pool.desired, 3)):  # a few users connected once the pool runs
            sid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{pool.pool_id}/{n}"))
            m.sessions[sid] = {"SessionId": sid, "PoolId": pool.pool_id, "UserId": f"user{n}",
                               "AuthenticationType": "SAML", "ConnectionState": "CONNECTED",
                               "InstanceId": f"i-{sid[:17].replace('-', '')}",
                               "ExpirationTime": _now() + 3600, "StartTime": _now()}  # fmt: skip
    user = params.get("UserId")
    sessions = [dict(s) for s in m.sessions.values()
                if s["PoolId"] == pool.pool_id and (not user or s["UserId"] == user)]  # fmt: skip
    return {"Sessions": sessions}


@op("TerminateWorkspacesPoolSession")
def terminate_pool_session(resp: Resp, params: Params) -> dict[str, Any]:
    sid = params.get("SessionId")
    m = more(_backend(resp))
    if sid not in m.sessions:
        raise ResourceNotFound(f"The session {sid} could not be found.")
    del m.sessions[sid]
    return {}


_ = POOL_ID  # the pool id pattern is checked by handlers._pool


# -- moto's directory operations, with the errors the model declares ------------------------------
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
    if params["DirectoryId"] in _backend(resp).workspace_directories:
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
    _dir(resp, params)
    _moto_creation(resp)
    return {}
