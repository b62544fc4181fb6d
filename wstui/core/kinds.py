"""The resource-kind registry: one declaration per kind.

The cache tables, `wstui ls` kinds, query fields and TUI screens are all derived from
these declarations, so adding a kind (or a column) is one edit here. Extractors take a
raw API item (as boto3 returns it, plus the ``Tags`` and ``ConnectionStatus`` keys the
listers merge in) and must survive any missing key by returning None.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wstui.core import insight
from wstui.core.timefmt import to_epoch

# Every cached row is keyed by these; they are filled from the target, not the item.
KEY_COLUMNS: tuple[str, ...] = ("account", "region", "id")
COLUMN_TYPES = ("text", "int", "float", "ts")


@dataclass(frozen=True)
class Column:
    name: str  # SQL column name: "state", "root_gb"
    title: str  # header: "STATE"
    extract: Callable[[dict], Any]  # raw API item -> value
    type: str = "text"  # "text" | "int" | "float" | "ts" (epoch seconds, UTC)
    width: int = 12
    default: bool = True  # shown by default in the TUI
    search: bool = False  # bare words in the query language match it
    aliases: tuple[str, ...] = ()  # other names the query language and --sort accept
    index: bool = False  # people filter/sort by it: the cache indexes it
    unit: str | None = None  # "gb" | "min" | "d": how the query reads 80G / 2h / 30d
    age_of: str | None = None  # derived at query time: whole days since that ts column

    @property
    def stored(self) -> bool:
        """True if the cache keeps this column in the kind's table."""
        return self.age_of is None and self.name not in KEY_COLUMNS


@dataclass(frozen=True)
class Kind:
    name: str  # "workspaces"
    aliases: tuple[str, ...]  # ("ws", "workspace")
    title: str  # "WorkSpaces"
    id_field: str  # key of the raw item: "WorkspaceId"
    columns: tuple[Column, ...]
    lister: str  # function name in core.listers
    interval: int  # default refresh seconds
    actions: tuple[str, ...] = ()  # action names from core.actions
    write_extras: tuple[str, ...] = ()  # store hooks run with each write (core.store.extras)
    _by_name: dict[str, Column] = field(init=False, repr=False, compare=False, hash=False)
    _stored: tuple[Column, ...] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_name: dict[str, Column] = {}
        for col in self.columns:
            if col.type not in COLUMN_TYPES:
                raise ValueError(f"{self.name}.{col.name}: unknown type {col.type!r}")
            for n in (col.name, *col.aliases):
                if n in by_name:
                    raise ValueError(f"{self.name}: field name {n!r} declared twice")
                by_name[n] = col
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_stored", tuple(c for c in self.columns if c.stored))

    @property
    def table(self) -> str:
        return self.name

    @property
    def stored_columns(self) -> tuple[Column, ...]:
        return self._stored

    @property
    def search_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.search)

    @property
    def default_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.default)

    def field_names(self) -> list[str]:
        """Every name (column names and their aliases) the query language accepts."""
        return sorted(self._by_name)

    def column(self, name: str) -> Column:
        """Column by name or alias (case-insensitive); KeyError with suggestions."""
        col = self._by_name.get(name) or self._by_name.get(name.lower())
        if col is None:
            raise KeyError(_unknown(f"{self.name} field", name, self._by_name))
        return col

    def item_id(self, item: dict) -> str | None:
        value = item.get(self.id_field) if isinstance(item, dict) else None
        return str(value) if value not in (None, "") else None

    def extract_row(self, item: dict) -> dict[str, Any]:
        """Stored column values of one raw item (never raises on odd shapes)."""
        row: dict[str, Any] = {}
        for col in self._stored:
            try:
                value = col.extract(item)
            except (KeyError, IndexError, TypeError, ValueError, AttributeError):
                value = None
            # Fast path: most values already have the stored type.
            if value is None or (col.type == "text" and type(value) is str):
                row[col.name] = value
            else:
                row[col.name] = _coerce(value, col.type)
        return row


def _coerce(value: Any, type_: str) -> Any:
    if value is None:
        return None
    try:
        if type_ == "int":
            return int(float(value))
        if type_ == "float":
            return float(value)
        if type_ == "ts":
            return to_epoch(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _unknown(what: str, name: str, choices: Iterable[str]) -> str:
    choices = list(choices)
    close = difflib.get_close_matches(name.lower(), choices, n=3, cutoff=0.5)
    hint = (
        f"; did you mean {', '.join(close)}?" if close else f"; known: {', '.join(sorted(choices))}"
    )
    shown = name if len(name) <= 60 else name[:60] + "…"  # a pasted 50,000 characters
    return f"unknown {what} {shown!r}{hint}"


# ----------------------------------------------------------------- extractor helpers


def dig(*path: str | int) -> Callable[[dict], Any]:
    """Extractor for a nested key path; None when any step is missing."""
    # Fast paths for the common shapes: these run once per column per item.
    if len(path) == 1 and isinstance(path[0], str):
        key = path[0]
        return lambda item: item.get(key) if isinstance(item, dict) else None
    if len(path) == 2 and all(isinstance(p, str) for p in path):
        outer, inner = path

        def get2(item: dict) -> Any:
            sub = item.get(outer) if isinstance(item, dict) else None
            return sub.get(inner) if isinstance(sub, dict) else None

        return get2

    def get(item: dict) -> Any:
        value: Any = item
        for step in path:
            if isinstance(step, int):
                if not isinstance(value, list) or len(value) <= step:
                    return None
                value = value[step]
            else:
                if not isinstance(value, dict):
                    return None
                value = value.get(step)
            if value is None:
                return None
        return value

    return get


def joined(*path: str) -> Callable[[dict], Any]:
    """Extractor for a list of strings, stored comma-joined (sorted for stable diffs)."""
    inner = dig(*path)

    def get(item: dict) -> str | None:
        value = inner(item)
        if not isinstance(value, list) or not value:
            return None
        return ",".join(sorted(str(v) for v in value))

    return get


def count_of(*path: str) -> Callable[[dict], int | None]:
    inner = dig(*path)

    def get(item: dict) -> int | None:
        value = inner(item)
        return len(value) if isinstance(value, list) else None

    return get


def tags_of(item: dict) -> list[tuple[str, str]]:
    """``Tags`` as (key, value) pairs; malformed entries are skipped."""
    tags = item.get("Tags") if isinstance(item, dict) else None
    pairs: list[tuple[str, str]] = []
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, dict) and tag.get("Key") is not None:
                value = tag.get("Value")
                pairs.append((str(tag["Key"]), "" if value is None else str(value)))
    elif isinstance(tags, dict):  # tolerate a {key: value} mapping
        pairs = [(str(k), "" if v is None else str(v)) for k, v in tags.items()]
    return sorted(set(pairs))


def _tags_text(item: dict) -> str | None:
    pairs = tags_of(item)
    return " ".join(f"{k}={v}" for k, v in pairs) if pairs else None


def _target_only(_item: dict) -> None:
    return None  # account/region come from the target, not from the item


def _capacity_gb(*path: str) -> Callable[[dict], int | None]:
    """Bundle storage capacities are strings ("80"); keep the integer."""
    inner = dig(*path)

    def get(item: dict) -> int | None:
        value = inner(item)
        try:
            return int(float(value))
        except (TypeError, ValueError):
            return None

    return get


def _alias_shares(item: dict) -> str | None:
    perms = item.get("ConnectionAliasPermissions") or item.get("Permissions") or []
    if not isinstance(perms, list):
        return None
    ids = sorted(
        str(p.get("SharedAccountId"))
        for p in perms
        if isinstance(p, dict) and p.get("SharedAccountId") and p.get("AllowAssociation", True)
    )
    return ",".join(ids) or None


def _advice_mode(item: dict) -> str | None:
    advice = insight.item_advice(item)
    return advice.mode if advice else None


def _advice_why(item: dict) -> str | None:
    advice = insight.item_advice(item)
    return advice.reason if advice else None


def _account_col() -> Column:
    return Column("account", "ACCOUNT", _target_only, width=12, default=False)


def _description_col() -> Column:
    return Column(
        "description", "DESCRIPTION", dig("Description"), width=30, default=False, aliases=("desc",)
    )


def _region_col() -> Column:
    return Column("region", "REGION", _target_only, width=14, default=False)


def _tags_col() -> Column:
    return Column("tags", "TAGS", _tags_text, width=30, default=False)


# ----------------------------------------------------------------------- the kinds

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
    lister="list_workspaces",
    interval=60,
    write_extras=("usage", "metrics"),
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
            _target_only,
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
        Column("advice", "ADVICE", _advice_mode, width=10, default=False, index=True),
        Column("advice_why", "WHY", _advice_why, width=22, default=False, aliases=("why",)),
        Column("error", "ERROR", dig("ErrorCode"), width=16, default=False),
        Column("subnet", "SUBNET", dig("SubnetId"), width=16, default=False),
        *_metric_cols(),
        _account_col(),
        _region_col(),
        _tags_col(),
    ),
)

DIRECTORIES = Kind(
    name="directories",
    aliases=("dir", "directory"),
    title="Directories",
    id_field="DirectoryId",
    lister="list_directories",
    interval=600,
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
        _account_col(),
        _region_col(),
        _tags_col(),
    ),
)

BUNDLES = Kind(
    name="bundles",
    aliases=("bundle",),
    title="Bundles",
    id_field="BundleId",
    lister="list_bundles",
    interval=3600,
    columns=(
        Column("id", "ID", dig("BundleId"), width=14, search=True),
        Column("name", "NAME", dig("Name"), width=28, search=True),
        Column("owner", "OWNER", dig("Owner"), width=12),
        Column("compute", "COMPUTE", dig("ComputeType", "Name"), width=11),
        Column(
            "root_gb",
            "ROOT",
            _capacity_gb("RootStorage", "Capacity"),
            type="int",
            width=5,
            unit="gb",
            aliases=("root",),
        ),
        Column(
            "user_gb",
            "USERVOL",
            _capacity_gb("UserStorage", "Capacity"),
            type="int",
            width=7,
            unit="gb",
            aliases=("uservol",),
        ),
        Column("image", "IMAGE", dig("ImageId"), width=14, search=True),
        Column("state", "STATE", dig("State"), width=10, aliases=("st",)),
        Column("type", "TYPE", dig("BundleType"), width=8, default=False),
        _description_col(),
        Column("created", "CREATED", dig("CreationTime"), type="ts", width=16, default=False),
        Column("updated", "UPDATED", dig("LastUpdatedTime"), type="ts", width=16, default=False),
        _account_col(),
        _region_col(),
        _tags_col(),
    ),
)

IMAGES = Kind(
    name="images",
    aliases=("image", "img"),
    title="Images",
    id_field="ImageId",
    lister="list_images",
    interval=1800,
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
        _description_col(),
        Column("error", "ERROR", dig("ErrorCode"), width=16, default=False),
        _account_col(),
        _region_col(),
        _tags_col(),
    ),
)

IPGROUPS = Kind(
    name="ipgroups",
    aliases=("ipgroup", "ip"),
    title="IP access control groups",
    id_field="groupId",
    lister="list_ip_groups",
    interval=1800,
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
        _account_col(),
        _region_col(),
        _tags_col(),
    ),
)

ALIASES = Kind(
    name="aliases",
    aliases=("alias", "connectionalias"),
    title="Connection aliases",
    id_field="AliasId",
    lister="list_connection_aliases",
    interval=1800,
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
        Column("shared_with", "SHARED WITH", _alias_shares, width=26, default=False),
        _account_col(),
        _region_col(),
        _tags_col(),
    ),
)

POOLS = Kind(
    name="pools",
    aliases=("pool",),
    title="Pools",
    id_field="PoolId",
    lister="list_pools",
    interval=300,
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
        _description_col(),
        _account_col(),
        _region_col(),
        _tags_col(),
    ),
)

KINDS: dict[str, Kind] = {
    k.name: k for k in (WORKSPACES, DIRECTORIES, BUNDLES, IMAGES, IPGROUPS, ALIASES, POOLS)
}
_LOOKUP: dict[str, Kind] = {n: k for k in KINDS.values() for n in (k.name, *k.aliases)}


def resolve(name: str | Kind) -> Kind:
    """Kind by name or alias, case-insensitive; KeyError naming close matches."""
    if isinstance(name, Kind):
        return name
    kind = _LOOKUP.get(str(name).strip().lower())
    if kind is None:
        raise KeyError(_unknown("kind", str(name), _LOOKUP))
    return kind
