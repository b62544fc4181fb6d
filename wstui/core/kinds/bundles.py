"""Bundles (DescribeWorkspaceBundles): the account's own and Amazon's public ones."""

from __future__ import annotations

from typing import Any

from wstui.core import listers
from wstui.core.kinds.base import (
    Column,
    Kind,
    Relation,
    account_col,
    capacity_gb,
    description_col,
    dig,
    region_col,
    tags_col,
)


def _public(raw: dict[str, Any], row: dict[str, Any]) -> str | None:
    owner = str(raw.get("Owner") or row.get("owner") or "")
    return "Amazon's public bundles take no tags" if owner.upper() == "AMAZON" else None


def _bundle_delete(row: dict[str, Any] | None, request: dict[str, Any], cache: Any) -> str | None:
    from wstui.core.kinds.workspaces import WORKSPACES

    bundle = str(request.get("BundleId") or "")
    ws = WORKSPACES.name
    n = cache.count(ws, f"{ws}.bundle = ?", [bundle]) if cache is not None else 0
    if n:
        return f"{n} WorkSpace(s) use this bundle; migrate or terminate them first"
    return None


BUNDLES = Kind(
    name="bundles",
    aliases=("bundle",),
    title="Bundles",
    id_field="BundleId",
    list_items=listers.list_bundles,
    interval=3600,
    demo_interval=120,
    states={"AVAILABLE": "available", "PENDING": "transition", "ERROR": "error"},
    relations=(
        Relation("WorkSpaces using {rid}", "workspaces", "bundle:{rid}"),
        Relation("Image {values}", "images", "id:{values}", ("ImageId",)),
    ),
    no_tags=_public,
    pick_shapes=("BundleId",),
    preflight={"DeleteWorkspaceBundle": _bundle_delete},
    columns=(
        Column("id", "ID", dig("BundleId"), width=14, search=True),
        Column("name", "NAME", dig("Name"), width=28, search=True),
        Column("owner", "OWNER", dig("Owner"), width=12),
        Column("compute", "COMPUTE", dig("ComputeType", "Name"), width=11),
        Column(
            "root_gb",
            "ROOT",
            capacity_gb("RootStorage", "Capacity"),
            type="int",
            width=5,
            unit="gb",
            aliases=("root",),
        ),
        Column(
            "user_gb",
            "USERVOL",
            capacity_gb("UserStorage", "Capacity"),
            type="int",
            width=7,
            unit="gb",
            aliases=("uservol",),
        ),
        Column("image", "IMAGE", dig("ImageId"), width=14, search=True),
        Column("state", "STATE", dig("State"), width=10, aliases=("st",)),
        Column("type", "TYPE", dig("BundleType"), width=8, default=False),
        description_col(),
        Column("created", "CREATED", dig("CreationTime"), type="ts", width=16, default=False),
        Column("updated", "UPDATED", dig("LastUpdatedTime"), type="ts", width=16, default=False),
        account_col(),
        region_col(),
        tags_col(),
    ),
)
