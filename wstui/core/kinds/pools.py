"""WorkSpaces Pools (DescribeWorkspacesPools): pooled, non-persistent desktops."""

from __future__ import annotations

from wstui.core import listers
from wstui.core.kinds.base import (
    Column,
    Kind,
    Relation,
    account_col,
    description_col,
    dig,
    region_col,
    tags_col,
)

POOLS = Kind(
    name="pools",
    aliases=("pool",),
    title="Pools",
    id_field="PoolId",
    list_items=listers.list_pools,
    interval=300,
    demo_interval=60,
    states={
        **dict.fromkeys(("CREATING", "DELETING", "UPDATING", "STARTING", "STOPPING"), "transition"),
        "STOPPED": "stopped",
    },
    relations=(
        Relation("Directory {values}", "directories", "id:{values}", ("DirectoryId",)),
        Relation("Bundle {values}", "bundles", "id:{values}", ("BundleId",)),
    ),
    # Pools are not among DescribeTags' documented resource types.
    tags_unread="pools are not a DescribeTags resource type (API Reference): not read",
    pick_shapes=("WorkspacesPoolId",),
    columns=(
        Column("id", "ID", dig("PoolId"), width=16, search=True),
        Column("name", "NAME", dig("PoolName"), width=20, search=True),
        Column("state", "STATE", dig("State"), width=9, aliases=("st",)),
        Column("running_mode", "MODE", dig("RunningMode"), width=10, aliases=("mode",)),
        Column("bundle", "BUNDLE", dig("BundleId"), width=14, search=True),
        Column(
            "directory", "DIRECTORY", dig("DirectoryId"), width=14, search=True, aliases=("dir",)
        ),
        Column(
            "active", "ACTIVE", dig("CapacityStatus", "ActiveUserSessions"), type="int", width=6
        ),
        Column(
            "available",
            "AVAIL",
            dig("CapacityStatus", "AvailableUserSessions"),
            type="int",
            width=6,
        ),
        Column(
            "actual",
            "ACTUAL",
            dig("CapacityStatus", "ActualUserSessions"),
            type="int",
            width=6,
            default=False,
        ),
        Column(
            "desired", "DESIRED", dig("CapacityStatus", "DesiredUserSessions"), type="int", width=7
        ),
        Column("created", "CREATED", dig("CreatedAt"), type="ts", width=16, default=False),
        description_col(),
        account_col(),
        region_col(),
        tags_col(),
    ),
)
