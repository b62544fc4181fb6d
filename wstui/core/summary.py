"""What the `:summary` screen shows, computed from the cache (no Textual, no AWS call).

Each function answers one section: the state distribution (whole estate and per
account/region), an idle-days histogram (from the last known user connection, as
core.insight counts idle days), WorkSpaces per directory / bundle, and -- when the
metrics columns exist in the cache (they are filled by the metrics pass, another
feature) -- cost per directory / bundle and the worst latency / disk usage. Without
them those sections return None and the screen says "no metrics yet".

`bar` draws a horizontal bar from block characters: readable in 16 colours and NO_COLOR.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wstui.core import kinds
from wstui.core.insight import DAY

WORKSPACES = kinds.WORKSPACES.name
COST = "cost_month"  # metrics columns read when present (see module doc)
LATENCY = "latency"
DISK = ("root_pct", "user_pct")
NO_METRICS = "no metrics yet — see docs/tui.md (Summary): metrics fill in after the metrics pass"

# Idle-days buckets: [lo, hi) in days, and a label; "never" = no known connection.
IDLE_BUCKETS: tuple[tuple[float, str], ...] = (
    (0, "< 1 d"), (1, "1-6 d"), (7, "7-13 d"), (14, "14-29 d"), (30, "30-89 d"), (90, "90+ d"),
)  # fmt: skip
NEVER = "never"

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, largest: float, width: int) -> str:
    """`value` as a bar of at most `width` cells, scaled to `largest` (eighth-cell steps).
    A non-zero value always shows at least a sliver, so small counts do not vanish."""
    if width <= 0 or largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(min(value, largest) / largest * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


@dataclass(frozen=True)
class Group:
    label: str
    count: int
    total: float | None = None  # a summed metric (cost), when asked for
    parts: tuple[tuple[str, int], ...] = ()  # e.g. states within an account/region


def states(cache: Any) -> list[Group]:
    """WorkSpaces per state, most first."""
    return [Group(str(r["state"]) or "?", int(r["n"])) for r in cache.grouped(WORKSPACES, ["state"])]


def states_by_target(cache: Any) -> list[Group]:
    """Per account/region: the total and its states (most first), largest target first."""
    rows = cache.grouped(WORKSPACES, ["account", "region", "state"])
    targets: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for r in rows:
        targets.setdefault((r["account"], r["region"]), []).append((r["state"] or "?", int(r["n"])))
    out = [
        Group(f"{a}/{reg}", sum(n for _, n in parts), None, tuple(parts))
        for (a, reg), parts in targets.items()
    ]
    return sorted(out, key=lambda g: (-g.count, g.label))


def idle_histogram(cache: Any, now: float) -> list[Group]:
    """WorkSpaces per idle-days bucket: whole days since the last known user connection,
    as core.insight.idle_days counts them (idle >= d  <=>  last_connected <= now - d days)."""
    lows = [lo for lo, _ in IDLE_BUCKETS[1:]]  # 1, 7, 14, 30, 90
    edges = [now - lo * DAY for lo in reversed(lows)]  # increasing timestamps
    counts, never = cache.histogram(WORKSPACES, "last_connected", edges)
    # counts: (-inf, now-90d] = 90+ d, ..., (now-1d, +inf) = < 1 d: the buckets reversed.
    out = [Group(label, n) for (_, label), n in zip(IDLE_BUCKETS, reversed(counts), strict=True)]
    return [*out, Group(NEVER, never)]


def by_column(cache: Any, column: str, top: int = 8, total: str | None = None) -> list[Group]:
    """WorkSpaces per value of `column` (directory, bundle), the `top` largest and the rest
    as "other (N)"; with `total`, each group's sum of that column too."""
    rows = cache.grouped(WORKSPACES, [column], total=total)
    groups = [Group(str(r[column]) or "-", int(r["n"]),
                    float(r["total"] or 0) if total else None) for r in rows]  # fmt: skip
    if total:
        groups.sort(key=lambda g: (-(g.total or 0), g.label))
    if len(groups) <= top:
        return groups
    rest = groups[top - 1:]
    other = Group(
        f"other ({len(rest)})", sum(g.count for g in rest),
        sum(g.total or 0 for g in rest) if total else None,
    )  # fmt: skip
    return [*groups[: top - 1], other]


def cost_by(cache: Any, column: str, top: int = 8) -> list[Group] | None:
    """Estimated cost this month per directory / bundle; None when no cost column yet."""
    if COST not in cache.table_columns(WORKSPACES):
        return None
    groups = by_column(cache, column, top, total=COST)
    return groups if any(g.total for g in groups) else None


def offenders(cache: Any, limit: int = 5) -> dict[str, list[dict[str, Any]]] | None:
    """The worst in-session latency and the fullest disks (root or user volume %);
    None when no metrics column exists yet (or none has a value)."""
    present = cache.table_columns(WORKSPACES)
    out: dict[str, list[dict[str, Any]]] = {}
    if LATENCY in present:
        out["latency"] = cache.top_rows(WORKSPACES, [LATENCY], limit)
    disk = [c for c in DISK if c in present]
    if disk:
        out["disk"] = cache.top_rows(WORKSPACES, disk, limit)
    return out if any(out.values()) else None
