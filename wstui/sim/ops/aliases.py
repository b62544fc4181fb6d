"""Connection aliases: create (CREATING for a few seconds), associate with a directory,
share with other accounts.
"""

from __future__ import annotations

import re
from typing import Any

from wstui.sim.errors import (
    InvalidParameterValues,
    InvalidResourceState,
    ResourceAlreadyExists,
    ResourceAssociated,
    ResourceLimitExceeded,
    ResourceNotFound,
)
from wstui.sim.model import ConnectionAlias, extras
from wstui.sim.ops.common import (
    ACCOUNT_ID,
    ALIAS_ID,
    DIR_ID,
    Params,
    Resp,
    backend_of,
    check_id,
    find_directory,
    id_list,
    new_id,
    page_limit,
    page_token,
    paged,
    sim_now,
)
from wstui.sim.ops.registry import op

CONNECTION_STRING = re.compile(r"^[.0-9a-zA-Z\-]{1,255}$")


MAX_ALIAS_SHARES = 5


ALIAS_CREATE_SECONDS = 5.0


def _alias(resp: Resp, params: Params) -> ConnectionAlias:
    alias_id = check_id(params.get("AliasId"), ALIAS_ID, "AliasId")
    alias = extras(backend_of(resp)).aliases.get(alias_id)
    if alias is None:
        raise ResourceNotFound(f"The connection alias {alias_id} could not be found.")
    return alias


def _require_created(alias: ConnectionAlias) -> None:
    state = alias.state_at(sim_now())
    if state != "CREATED":
        raise InvalidResourceState(
            f"The connection alias {alias.alias_id} is {state}; it must be CREATED."
        )


@op("CreateConnectionAlias")
def create_connection_alias(resp: Resp, params: Params) -> dict[str, Any]:
    backend = backend_of(resp)
    ex = extras(backend)
    conn = params.get("ConnectionString")
    if not isinstance(conn, str) or not CONNECTION_STRING.match(conn):
        raise InvalidParameterValues(f"The ConnectionString {conn!r} is not valid.")
    if any(a.connection_string == conn for a in ex.aliases.values()):
        raise ResourceAlreadyExists(f"A connection alias for {conn} already exists.")
    alias = ConnectionAlias(
        new_id("wsca-"), conn, backend.account_id, sim_now() + ALIAS_CREATE_SECONDS,
        tags=[dict(t) for t in params.get("Tags") or []],
    )  # fmt: skip
    ex.aliases[alias.alias_id] = alias
    return {"AliasId": alias.alias_id}


@op("DeleteConnectionAlias")
def delete_connection_alias(resp: Resp, params: Params) -> dict[str, Any]:
    alias = _alias(resp, params)
    _require_created(alias)
    if alias.associations:
        raise ResourceAssociated("Disassociate the connection alias from its directories first.")
    if any(alias.permissions.values()):
        raise ResourceAssociated("Unshare the connection alias from every account first.")
    del extras(backend_of(resp)).aliases[alias.alias_id]
    return {}


@op("DescribeConnectionAliases")
def describe_connection_aliases(
    resp: Resp, params: Params
) -> dict[str, Any]:
    ex, now = extras(backend_of(resp)), sim_now()
    limit = page_limit(params)
    token = page_token(params)
    ids = id_list(params, "AliasIds", ALIAS_ID)
    resource = params.get("ResourceId")

    def keep(a: ConnectionAlias) -> bool:
        return not resource or any(x["ResourceId"] == resource for x in a.associations)

    keys = sorted(set(ids)) if ids else sorted(ex.aliases)
    items, next_token = paged(keys, ex.aliases.get, limit, token, keep)
    out: dict[str, Any] = {"ConnectionAliases": [a.to_api(now) for a in items]}
    if next_token:
        out["NextToken"] = next_token
    return out


@op("AssociateConnectionAlias")
def associate_connection_alias(resp: Resp, params: Params) -> dict[str, Any]:
    backend = backend_of(resp)
    alias = _alias(resp, params)
    directory_id = check_id(params.get("ResourceId"), DIR_ID, "ResourceId")
    find_directory(backend, directory_id)
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
    resp: Resp, params: Params
) -> dict[str, Any]:
    alias = _alias(resp, params)
    _require_created(alias)
    if not alias.associations:
        raise InvalidResourceState(f"The connection alias {alias.alias_id} is not associated.")
    alias.associations.clear()
    return {}


@op("DescribeConnectionAliasPermissions")
def describe_alias_permissions(resp: Resp, params: Params) -> dict[str, Any]:
    alias = _alias(resp, params)
    limit = page_limit(params, "MaxResults")
    token = page_token(params)
    shared = {k: v for k, v in alias.permissions.items() if v}
    items, next_token = paged(
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
def update_alias_permission(resp: Resp, params: Params) -> dict[str, Any]:
    backend = backend_of(resp)
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
