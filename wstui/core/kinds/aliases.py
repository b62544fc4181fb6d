"""Connection aliases (DescribeConnectionAliases), with who they are shared with, and the
rules the service applies before it deletes, associates or unshares one."""

from __future__ import annotations

from typing import Any

from wstui.core import listers
from wstui.core.kinds.base import (
    Column,
    Kind,
    Relation,
    account_col,
    count_of,
    dig,
    raw_of,
    region_col,
    tags_col,
)


def alias_shares(item: dict[str, Any]) -> str | None:
    perms = item.get("ConnectionAliasPermissions") or item.get("Permissions") or []
    if not isinstance(perms, list):
        return None
    ids = sorted(
        str(p.get("SharedAccountId"))
        for p in perms
        if isinstance(p, dict) and p.get("SharedAccountId") and p.get("AllowAssociation", True)
    )
    return ",".join(ids) or None


# -- before sending: what the cache says the service would refuse ------------------------------
def _alias_created(row: dict[str, Any] | None, request: dict[str, Any], cache: Any) -> str | None:
    state = raw_of(row).get("State")
    if row is not None and state != "CREATED":
        return f"the alias is {state or 'in an unknown state'}; it must be CREATED first"
    return None


def _shared_with(row: dict[str, Any] | None) -> list[str]:
    perms = raw_of(row).get("ConnectionAliasPermissions") or []
    return [str(p.get("SharedAccountId")) for p in perms if p.get("AllowAssociation")]


def _alias_delete(row: dict[str, Any] | None, request: dict[str, Any], cache: Any) -> str | None:
    blocked = _alias_created(row, request, cache)
    if blocked:
        return blocked
    assoc = [a.get("ResourceId") for a in raw_of(row).get("Associations") or []]
    if assoc:
        return (
            f"the alias is associated with {', '.join(map(str, assoc))}: disassociate it "
            "first (d), then unshare it, then delete"
        )
    shared = _shared_with(row)
    if shared:
        return (
            f"the alias is shared with {', '.join(shared)}: unshare it first (s, "
            "AllowAssociation=false); an alias can be deleted only when it is neither shared "
            "nor associated"
        )
    return None


def _alias_associate(row: dict[str, Any] | None, request: dict[str, Any], cache: Any) -> str | None:
    blocked = _alias_created(row, request, cache)
    assoc = [a.get("ResourceId") for a in raw_of(row).get("Associations") or []]
    if not blocked and assoc:
        return f"the alias is already associated with {', '.join(map(str, assoc))}"
    return blocked


def _alias_disassociate(
    row: dict[str, Any] | None, request: dict[str, Any], cache: Any
) -> str | None:
    blocked = _alias_created(row, request, cache)
    if not blocked and row is not None and not raw_of(row).get("Associations"):
        return "the alias is not associated with any directory"
    return blocked


def _alias_unshare(row: dict[str, Any] | None, request: dict[str, Any], cache: Any) -> str | None:
    blocked = _alias_created(row, request, cache)
    if blocked:
        return blocked
    perm = request.get("ConnectionAliasPermission") or {}
    account = perm.get("SharedAccountId")
    if perm.get("AllowAssociation") is False:
        for a in raw_of(row).get("Associations") or []:
            if a.get("AssociatedAccountId") == account:
                return (
                    f"account {account} has associated the alias with {a.get('ResourceId')}; "
                    "it must disassociate it before you unshare"
                )
    if row is not None and account and account == raw_of(row).get("OwnerAccountId"):
        return "an alias cannot be shared with the account that owns it"
    return None


ALIASES = Kind(
    name="aliases",
    aliases=("alias", "connectionalias"),
    title="Connection aliases",
    id_field="AliasId",
    list_items=listers.list_connection_aliases,
    interval=1800,
    demo_interval=120,
    states=dict.fromkeys(("CREATING", "DELETING"), "transition"),
    relations=(
        Relation(
            "Directories associated with {rid}",
            "directories",
            "id:{values}",
            ("Associations", "ResourceId"),
        ),
    ),
    pick_shapes=("ConnectionAliasId",),
    preflight={
        "DeleteConnectionAlias": _alias_delete,
        "AssociateConnectionAlias": _alias_associate,
        "DisassociateConnectionAlias": _alias_disassociate,
        "UpdateConnectionAliasPermission": _alias_unshare,
    },
    columns=(
        Column("id", "ID", dig("AliasId"), width=16, search=True),
        Column(
            "connection_string",
            "CONNECTION STRING",
            dig("ConnectionString"),
            width=30,
            search=True,
            aliases=("cs",),
        ),
        Column("state", "STATE", dig("State"), width=9, aliases=("st",)),
        Column("owner", "OWNER", dig("OwnerAccountId"), width=12),
        Column("associations", "ASSOC", count_of("Associations"), type="int", width=5),
        Column("shared_with", "SHARED WITH", alias_shares, width=26, default=False),
        account_col(),
        region_col(),
        tags_col(),
    ),
)
