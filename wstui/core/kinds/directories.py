"""Registered directories (DescribeWorkspaceDirectories) and the rule before deregistering."""

from __future__ import annotations

from typing import Any

from wstui.core import listers
from wstui.core.kinds.base import (
    Column,
    Kind,
    Relation,
    account_col,
    dig,
    joined,
    region_col,
    tags_col,
)


def _deregister(row: dict[str, Any] | None, request: dict[str, Any], cache: Any) -> str | None:
    from wstui.core.kinds.workspaces import WORKSPACES

    d = str(request.get("DirectoryId") or "")
    ws = WORKSPACES.name
    n = cache.count(ws, f"{ws}.directory = ?", [d]) if cache is not None else 0
    if n:
        return f"{n} WorkSpace(s) are in this directory; remove them before deregistering"
    return None


DIRECTORIES = Kind(
    name="directories",
    aliases=("dir", "directory"),
    title="Directories",
    id_field="DirectoryId",
    list_items=listers.list_directories,
    interval=600,
    demo_interval=60,
    states={
        "REGISTERED": "available",
        "DEREGISTERED": "stopped",
        "ERROR": "error",
        **dict.fromkeys(("REGISTERING", "DEREGISTERING"), "transition"),
    },
    relations=(
        Relation("WorkSpaces in {rid}", "workspaces", "directory:{rid}"),
        Relation("IP groups of {rid}", "ipgroups", "id:{values}", ("ipGroupIds",)),
    ),
    pick_shapes=("DirectoryId",),
    preflight={"DeregisterWorkspaceDirectory": _deregister},
    columns=(
        Column("id", "ID", dig("DirectoryId"), width=14, search=True),
        Column("name", "NAME", dig("DirectoryName"), width=24, search=True),
        Column("alias", "ALIAS", dig("Alias"), width=16, search=True),
        Column("type", "TYPE", dig("DirectoryType"), width=14),
        Column("state", "STATE", dig("State"), width=12, index=True, aliases=("st",)),
        Column("workspace_type", "WS TYPE", dig("WorkspaceType"), width=8, default=False),
        Column("tenancy", "TENANCY", dig("Tenancy"), width=9, default=False),
        Column("registration", "REG CODE", dig("RegistrationCode"), width=14, default=False),
        Column("dns", "DNS", joined("DnsIpAddresses"), width=20, default=False),
        Column("subnets", "SUBNETS", joined("SubnetIds"), width=30, default=False),
        Column("security_group", "SG", dig("WorkspaceSecurityGroupId"), width=14, default=False),
        Column("ip_groups", "IP GROUPS", joined("ipGroupIds"), width=20, default=False),
        Column("identity", "IDENTITY", dig("UserIdentityType"), width=14, default=False),
        account_col(),
        region_col(),
        tags_col(),
    ),
)
