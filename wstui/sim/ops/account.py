"""The account: BYOL (dedicated tenancy, management CIDR ranges) and account links."""

from __future__ import annotations

import ipaddress
from typing import Any

from wstui.sim.errors import (
    AccessDenied,
    InvalidParameterValues,
    InvalidResourceState,
    ResourceAlreadyExists,
    ResourceNotFound,
)
from wstui.sim.ops.common import (
    ACCOUNT_ID,
    Params,
    Resp,
    backend_of,
    listing,
    new_id,
    service_state,
    sim_now,
)
from wstui.sim.ops.registry import op


@op("DescribeAccount")
def describe_account(resp: Resp, params: Params) -> dict[str, Any]:
    m = service_state(backend_of(resp))
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
    m = service_state(backend_of(resp))
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
        "DedicatedTenancyManagementCidrRange": m.management_cidr, "StartTime": sim_now(),
    })  # fmt: skip
    return {}


@op("DescribeAccountModifications")
def describe_account_modifications(resp: Resp, params: Params) -> dict[str, Any]:
    return {"AccountModifications": [dict(x) for x in service_state(backend_of(resp)).modifications]}


@op("ListAvailableManagementCidrRanges")
def list_management_cidrs(resp: Resp, params: Params) -> dict[str, Any]:
    constraint = params.get("ManagementCidrRangeConstraint")
    try:
        net = ipaddress.IPv4Network(str(constraint), strict=False)
    except ValueError as e:
        raise InvalidParameterValues("ManagementCidrRangeConstraint must be a CIDR range.") from e
    m = service_state(backend_of(resp))
    # Reference: "This operation can be run only by AWS accounts that are enabled for BYOL.
    # If your account isn't enabled for BYOL, you'll receive an AccessDeniedException error."
    if not m.byol_enabled:
        raise AccessDenied("This account is not enabled for BYOL.")
    subnets = net.subnets(new_prefix=16) if net.prefixlen <= 16 else iter(())
    # Keys in numeric order (hex of the address) so the token's bisect pages correctly.
    ranges = {s.network_address.packed.hex(): str(s) for s in subnets
              if str(s) != m.management_cidr}  # fmt: skip
    return listing(sorted(ranges), ranges.get, params, 5, "ManagementCidrRanges")


def _link(resp: Resp, params: Params, key: str = "LinkId") -> dict[str, Any]:
    link_id = params.get(key)
    found = service_state(backend_of(resp)).links.get(str(link_id))
    if found is None:
        raise ResourceNotFound(f"The account link {link_id} could not be found.")
    return found


@op("CreateAccountLinkInvitation")
def create_link(resp: Resp, params: Params) -> dict[str, Any]:
    backend = backend_of(resp)
    target = params.get("TargetAccountId")
    if not isinstance(target, str) or not ACCOUNT_ID.match(target):
        raise InvalidParameterValues("TargetAccountId must be a 12-digit account id.")
    if target == backend.account_id:
        raise InvalidParameterValues("You cannot link an account to itself.")
    m = service_state(backend)
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
    del service_state(backend_of(resp)).links[link["AccountLinkId"]]
    return {"AccountLink": {**link, "AccountLinkStatus": "DELETED"}}


@op("GetAccountLink")
def get_link(resp: Resp, params: Params) -> dict[str, Any]:
    if params.get("LinkId"):
        return {"AccountLink": dict(_link(resp, params))}
    linked = params.get("LinkedAccountId")
    for x in service_state(backend_of(resp)).links.values():
        if linked in (x["TargetAccountId"], x["SourceAccountId"]):
            return {"AccountLink": dict(x)}
    raise ResourceNotFound("Give LinkId or LinkedAccountId of an existing link.")


@op("ListAccountLinks")
def list_links(resp: Resp, params: Params) -> dict[str, Any]:
    wanted = params.get("LinkStatusFilter") or []
    links = [dict(x) for x in service_state(backend_of(resp)).links.values()
             if not wanted or x["AccountLinkStatus"] in wanted]  # fmt: skip
    return {"AccountLinks": links}
