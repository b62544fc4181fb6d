"""WorkSpaces (DescribeWorkspaces + connection status + tags): the fleet itself.

The only kind with actions (core.act.specs), followed states, usage and metrics.
"""

from __future__ import annotations

from typing import Any

from wstui.core import insight, listers
from wstui.core.kinds.base import (
    Column,
    Kind,
    Relation,
    account_col,
    dig,
    joined,
    region_col,
    tags_col,
    target_only,
)

# A WorkSpace in one of these is polled by the refresher until it leaves it.
TRANSITIONAL = frozenset(
    {
        "PENDING", "STARTING", "STOPPING", "REBOOTING", "REBUILDING", "RESTORING",
        "TERMINATING", "UPDATING", "MAINTENANCE",
    }
)  # fmt: skip


def advice_mode(item: dict[str, Any]) -> str | None:
    advice = insight.item_advice(item)
    return advice.mode if advice else None


def advice_why(item: dict[str, Any]) -> str | None:
    advice = insight.item_advice(item)
    return advice.reason if advice else None


def _metric_cols() -> tuple[Column, ...]:
    """CloudWatch aggregates and cost (core.metrics, core.prices), merged as ``Metrics``."""
    m = "Metrics"

    def num(name: str, title: str, key: str, type_: str = "float", width: int = 7,
            **kw: Any) -> Column:  # fmt: skip
        return Column(name, title, dig(m, key), type=type_, width=width, default=False, **kw)

    return (
        num("hours", "HOURS", "Hours", "int", 5, index=True, aliases=("billable_hours",)),
        num("sessions", "SESS", "Sessions", "int", 4),
        num("latency", "LAT ms", "Latency", width=6, aliases=("lat",)),
        num("cpu", "CPU%", "Cpu", width=5),
        num("mem", "MEM%", "Mem", width=5, aliases=("memory",)),
        num("root_pct", "ROOT%", "RootPct", width=5),
        num("user_pct", "USER%", "UserPct", width=5, aliases=("uservol_pct",)),
        num("cost_month", "COST/MO", "CostMonth", width=8, aliases=("cost",)),
        Column("best_mode", "BEST MODE", dig(m, "BestMode"), width=10, default=False),
        num("saving_month", "SAVING", "SavingMonth", width=8, index=True, aliases=("saving",)),
        num("break_even", "BREAKEVEN", "BreakEven", width=9),
        Column("cost_why", "REASON", dig(m, "Why"), width=36, default=False),
    )


WORKSPACES = Kind(
    name="workspaces",
    aliases=("ws", "workspace"),
    title="WorkSpaces",
    id_field="WorkspaceId",
    list_items=listers.list_workspaces,
    interval=60,
    demo_interval=10,
    action_keys={
        "start": ("u", "Start"),
        "stop": ("d", "Stop"),
        "reboot": ("b", "Reboot"),
        "rebuild": ("B", "Rebuild"),
        "restore": ("R", "Restore"),
        "terminate": ("X", "Terminate"),
        "maintenance-on": ("m", "Maintenance on"),
        "maintenance-off": ("M", "Maintenance off"),
        "running-mode": ("n", "Running mode"),
        "autostop-timeout": ("a", "AutoStop timeout"),
        "compute-type": ("C", "Compute type"),
        "volumes": ("V", "Volume sizes"),
        "migrate": ("I", "Migrate"),
    },
    states={
        "AVAILABLE": "available",
        **dict.fromkeys(("STOPPED", "TERMINATED"), "stopped"),
        **dict.fromkeys(("ERROR", "UNHEALTHY", "IMPAIRED", "SUSPENDED"), "error"),
        **dict.fromkeys((*TRANSITIONAL, "ADMIN_MAINTENANCE"), "transition"),
    },
    transitional=TRANSITIONAL,
    relations=(
        Relation("Directory {values}", "directories", "id:{values}", ("DirectoryId",)),
        Relation("Bundle {values}", "bundles", "id:{values}", ("BundleId",)),
    ),
    id_param="WorkspaceId",
    pick_shapes=("WorkspaceId",),
    write_extras=("usage", "metrics"),
    incremental_tags=True,
    actions=(
        "start",
        "stop",
        "reboot",
        "rebuild",
        "restore",
        "terminate",
        "migrate",
        "maintenance-on",
        "maintenance-off",
        "running-mode",
        "autostop-timeout",
        "compute-type",
        "volumes",
    ),
    columns=(
        Column("id", "ID", dig("WorkspaceId"), width=14, search=True),
        Column(
            "user",
            "USER",
            dig("UserName"),
            width=18,
            search=True,
            index=True,
            aliases=("username",),
        ),
        Column(
            "computer",
            "COMPUTER",
            dig("ComputerName"),
            width=16,
            search=True,
            aliases=("host", "computer_name"),
        ),
        Column("state", "STATE", dig("State"), width=12, index=True, aliases=("st",)),
        Column("ip", "IP", dig("IpAddress"), width=15, search=True, aliases=("ip_address",)),
        Column(
            "directory",
            "DIRECTORY",
            dig("DirectoryId"),
            width=14,
            search=True,
            index=True,
            aliases=("dir", "directory_id"),
        ),
        Column(
            "bundle",
            "BUNDLE",
            dig("BundleId"),
            width=14,
            default=False,
            index=True,
            aliases=("bundle_id",),
        ),
        Column(
            "running_mode",
            "MODE",
            dig("WorkspaceProperties", "RunningMode"),
            width=10,
            aliases=("mode", "rm"),
        ),
        Column(
            "compute",
            "COMPUTE",
            dig("WorkspaceProperties", "ComputeTypeName"),
            width=11,
            aliases=("compute_type",),
        ),
        Column(
            "root_gb",
            "ROOT",
            dig("WorkspaceProperties", "RootVolumeSizeGib"),
            type="int",
            width=5,
            unit="gb",
            aliases=("root",),
        ),
        Column(
            "user_gb",
            "USERVOL",
            dig("WorkspaceProperties", "UserVolumeSizeGib"),
            type="int",
            width=7,
            unit="gb",
            aliases=("uservol",),
        ),
        Column(
            "auto_stop_min",
            "AUTOSTOP",
            dig("WorkspaceProperties", "RunningModeAutoStopTimeoutInMinutes"),
            type="int",
            width=8,
            default=False,
            unit="min",
            aliases=("autostop",),
        ),
        Column(
            "protocol",
            "PROTO",
            joined("WorkspaceProperties", "Protocols"),
            width=6,
            default=False,
            aliases=("protocols", "proto"),
        ),
        Column(
            "os", "OS", dig("WorkspaceProperties", "OperatingSystemName"), width=14, default=False
        ),
        Column("name", "NAME", dig("WorkspaceName"), width=16, default=False),
        Column(
            "connection",
            "CONN",
            dig("ConnectionStatus", "ConnectionState"),
            width=12,
            aliases=("conn", "connection_state"),
        ),
        Column(
            "last_connected",
            "LAST CONNECTED",
            dig("ConnectionStatus", "LastKnownUserConnectionTimestamp"),
            type="ts",
            width=16,
            index=True,
            aliases=("connected", "last_connection"),
        ),
        Column(
            "idle_days",
            "IDLE",
            target_only,
            type="int",
            width=5,
            unit="d",
            age_of="last_connected",
            aliases=("idle",),
        ),
        Column(
            "used_days",
            "USED/30D",
            dig(insight.USAGE_KEY, "DaysUsed30"),
            type="int",
            width=8,
            default=False,
            aliases=("used",),
        ),
        Column("advice", "ADVICE", advice_mode, width=10, default=False, index=True),
        Column("advice_why", "WHY", advice_why, width=22, default=False, aliases=("why",)),
        Column("error", "ERROR", dig("ErrorCode"), width=16, default=False),
        Column("subnet", "SUBNET", dig("SubnetId"), width=16, default=False),
        *_metric_cols(),
        account_col(),
        region_col(),
        tags_col(),
    ),
)
