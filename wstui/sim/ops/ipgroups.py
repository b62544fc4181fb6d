"""IP access control groups: rules and their association with directories."""

from __future__ import annotations

import ipaddress
from typing import Any

from wstui.sim.errors import (
    InvalidParameterValues,
    ResourceAlreadyExists,
    ResourceAssociated,
    ResourceLimitExceeded,
    ResourceNotFound,
)
from wstui.sim.model import IpGroup, extras
from wstui.sim.ops.common import (
    DIR_ID,
    IPG_ID,
    Params,
    Resp,
    backend_of,
    check_id,
    find_directory,
    new_id,
    page_limit,
    page_token,
    paged,
)
from wstui.sim.ops.registry import op

MAX_RULES_PER_GROUP = 10


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


def _ip_group(backend: Any, params: Params) -> IpGroup:
    group_id = check_id(params.get("GroupId"), IPG_ID, "GroupId")
    group = extras(backend).ip_groups.get(group_id)
    if group is None:
        raise ResourceNotFound(f"The IP group {group_id} could not be found.")
    return group


@op("CreateIpGroup")
def create_ip_group(resp: Resp, params: Params) -> dict[str, Any]:
    ex = extras(backend_of(resp))
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
def delete_ip_group(resp: Resp, params: Params) -> dict[str, Any]:
    ex = extras(backend_of(resp))
    group = _ip_group(backend_of(resp), params)
    if any(group.group_id in groups for groups in ex.dir_ip_groups.values()):
        raise ResourceAssociated(
            f"The IP group {group.group_id} is associated with a directory; disassociate it first."
        )
    del ex.ip_groups[group.group_id]
    return {}


@op("DescribeIpGroups")
def describe_ip_groups(resp: Resp, params: Params) -> dict[str, Any]:
    ex = extras(backend_of(resp))
    limit = page_limit(params, "MaxResults")
    token = page_token(params)
    ids = params.get("GroupIds")
    if ids is not None and (not isinstance(ids, list) or len(ids) > 25):
        raise InvalidParameterValues("GroupIds must contain at most 25 items.")
    keys = sorted(set(ids)) if ids else sorted(ex.ip_groups)
    items, next_token = paged(keys, ex.ip_groups.get, limit, token)
    out: dict[str, Any] = {"Result": [g.to_api() for g in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


@op("AuthorizeIpRules")
def authorize_ip_rules(resp: Resp, params: Params) -> dict[str, Any]:
    group = _ip_group(backend_of(resp), params)
    rules = {r["ipRule"]: r for r in group.rules}
    for r in _rules(params.get("UserRules")):
        rules[r["ipRule"]] = r
    if len(rules) > MAX_RULES_PER_GROUP:
        raise ResourceLimitExceeded(f"An IP group can have at most {MAX_RULES_PER_GROUP} rules.")
    group.rules = list(rules.values())
    return {}


@op("RevokeIpRules")
def revoke_ip_rules(resp: Resp, params: Params) -> dict[str, Any]:
    group = _ip_group(backend_of(resp), params)
    revoke = params.get("UserRules")
    if not isinstance(revoke, list):
        raise InvalidParameterValues("UserRules must be a list of IP rules.")
    group.rules = [r for r in group.rules if r["ipRule"] not in revoke]
    return {}


@op("UpdateRulesOfIpGroup")
def update_rules_of_ip_group(resp: Resp, params: Params) -> dict[str, Any]:
    group = _ip_group(backend_of(resp), params)
    rules = _rules(params.get("UserRules"))
    if len(rules) > MAX_RULES_PER_GROUP:
        raise ResourceLimitExceeded(f"An IP group can have at most {MAX_RULES_PER_GROUP} rules.")
    group.rules = rules
    return {}


def _dir_groups(resp: Resp, params: Params) -> tuple[list[str], list[str]]:
    backend = backend_of(resp)
    directory_id = check_id(params.get("DirectoryId"), DIR_ID, "DirectoryId")
    find_directory(backend, directory_id)
    ids = params.get("GroupIds")
    if not isinstance(ids, list) or not ids:
        raise InvalidParameterValues("GroupIds is required.")
    ex = extras(backend)
    for g in ids:
        if g not in ex.ip_groups:
            raise ResourceNotFound(f"The IP group {g} could not be found.")
    return ex.dir_ip_groups.setdefault(directory_id, []), ids


@op("AssociateIpGroups")
def associate_ip_groups(resp: Resp, params: Params) -> dict[str, Any]:
    current_groups, ids = _dir_groups(resp, params)
    for g in ids:
        if g not in current_groups:
            current_groups.append(g)
    if len(current_groups) > 25:
        raise ResourceLimitExceeded("A directory can have at most 25 IP groups.")
    return {}


@op("DisassociateIpGroups")
def disassociate_ip_groups(resp: Resp, params: Params) -> dict[str, Any]:
    current_groups, ids = _dir_groups(resp, params)
    current_groups[:] = [g for g in current_groups if g not in ids]
    return {}
