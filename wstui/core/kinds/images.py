"""Images (DescribeWorkspaceImages): owned and shared with the account."""

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

IMAGES = Kind(
    name="images",
    aliases=("image", "img"),
    title="Images",
    id_field="ImageId",
    list_items=listers.list_images,
    interval=1800,
    demo_interval=120,
    states={"AVAILABLE": "available", "PENDING": "transition", "ERROR": "error"},
    relations=(Relation("Bundles using {rid}", "bundles", "image:{rid}"),),
    pick_shapes=("WorkspaceImageId",),
    columns=(
        Column("id", "ID", dig("ImageId"), width=14, search=True),
        Column("name", "NAME", dig("Name"), width=28, search=True),
        Column("state", "STATE", dig("State"), width=10, aliases=("st",)),
        Column("os", "OS", dig("OperatingSystem", "Type"), width=8),
        Column("tenancy", "TENANCY", dig("RequiredTenancy"), width=9),
        Column("owner", "OWNER", dig("OwnerAccountId"), width=12),
        Column("created", "CREATED", dig("Created"), type="ts", width=16),
        Column(
            "update_available",
            "UPDATE",
            dig("Updates", "UpdateAvailable"),
            width=6,
            default=False,
            aliases=("update",),
        ),
        description_col(),
        Column("error", "ERROR", dig("ErrorCode"), width=16, default=False),
        account_col(),
        region_col(),
        tags_col(),
    ),
)
