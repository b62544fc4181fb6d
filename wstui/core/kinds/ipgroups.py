"""IP access control groups (DescribeIpGroups) and the rule before one is deleted."""

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


def _ipgroup_delete(row: dict[str, Any] | None, request: dict[str, Any], cache: Any) -> str | None:
    from wstui.core.kinds.directories import DIRECTORIES

    group = str(request.get("GroupId") or "")
    dirs = []
    if cache is not None:  # the directories the group is associated with
        for d in cache.query(DIRECTORIES.name, limit=None, with_raw=True):
            if group in (raw_of(d).get("ipGroupIds") or []):
                dirs.append(str(d["id"]))
    if dirs:
        return (
            f"the IP group is associated with {', '.join(dirs)}: disassociate it from every "
            "directory first (the API refuses to delete an associated group)"
        )
    return None


IPGROUPS = Kind(
    name="ipgroups",
    aliases=("ipgroup", "ip"),
    title="IP access control groups",
    id_field="groupId",
    list_items=listers.list_ip_groups,
    interval=1800,
    demo_interval=120,
    relations=(Relation("Directories using {rid}", "directories", "ip_groups:*{rid}*"),),
    pick_shapes=("IpGroupId",),
    preflight={"DeleteIpGroup": _ipgroup_delete},
    columns=(
        Column("id", "ID", dig("groupId"), width=16, search=True),
        Column("name", "NAME", dig("groupName"), width=24, search=True),
        Column("description", "DESCRIPTION", dig("groupDesc"), width=30, aliases=("desc",)),
        Column(
            "rule_count", "RULES", count_of("userRules"), type="int", width=5, aliases=("rules",)
        ),
        Column(
            "cidrs",
            "CIDRS",
            lambda i: (
                ",".join(
                    str(r.get("ipRule")) for r in i.get("userRules") or [] if isinstance(r, dict)
                )
                or None
            ),
            width=40,
            default=False,
            search=True,
        ),
        account_col(),
        region_col(),
        tags_col(),
    ),
)
