"""Prices per region x compute type x running mode, and the cost and advice they give.

The shipped table (``data/prices.json``) is dated (``as_of``) and says where it came
from; ``[prices]`` in config.toml overrides any entry (see ``Prices.with_overrides``).

Cost of this month, from the billable hours so far (``core.metrics``), projected to the
whole month at the same pace (hours x month length / time elapsed, at least one day):
- ALWAYS_ON: the monthly price;
- AUTO_STOP: the fixed monthly fee + projected hours x the hourly rate.
Break-even hours = (monthly - fixed) / hourly: below it AUTO_STOP is cheaper.
MANUAL WorkSpaces are costed like AUTO_STOP and get no advice.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

DAY = 86400
MODES = ("ALWAYS_ON", "AUTO_STOP")


@dataclass(frozen=True)
class Price:
    monthly: float
    hourly: float
    fixed: float

    @property
    def break_even(self) -> float:
        """Hours per month at which AUTO_STOP costs as much as ALWAYS_ON."""
        return (self.monthly - self.fixed) / self.hourly if self.hourly > 0 else math.inf


@dataclass(frozen=True)
class Cost:
    cost_month: float
    best_mode: str | None
    saving_month: float
    projected_hours: float
    break_even: float

    @property
    def reason(self) -> str:
        side = "below" if self.projected_hours < self.break_even else "above"
        return (
            f"{self.projected_hours:.0f} h/month projected, {side} break-even "
            f"{self.break_even:.0f} h"
        )


class Prices:
    def __init__(self, table: dict[str, Any]) -> None:
        self.table = table
        self.as_of = str(table.get("as_of", ""))
        self.currency = str(table.get("currency", "USD"))
        self.source = str(table.get("source", ""))

    @classmethod
    def shipped(cls) -> Prices:
        text = resources.files("wstui.core").joinpath("data/prices.json").read_text("utf-8")
        return cls(json.loads(text))

    def with_overrides(self, overrides: dict[str, Any]) -> Prices:
        """``{region: {COMPUTE: {monthly, hourly, fixed}}}`` ("*" for every region)."""
        table = json.loads(json.dumps(self.table))
        regions = table.setdefault("regions", {})
        for region, computes in overrides.items():
            for compute, entry in computes.items():
                key = compute.upper()
                # A partial override of a region keeps the other figures it had (or "*"'s).
                fallback = regions.get(region, {}).get(key) or regions.get("*", {}).get(key, {})
                merged = {**fallback, **{k: float(v) for k, v in entry.items()}}
                regions.setdefault(region, {})[key] = merged
        return Prices(table)

    def price(self, region: str | None, compute: str | None) -> Price | None:
        regions = self.table.get("regions", {})
        key = (compute or "").upper()
        for r in (region or "", "*"):
            entry = regions.get(r, {}).get(key)
            if entry and {"monthly", "hourly", "fixed"} <= entry.keys():
                return Price(float(entry["monthly"]), float(entry["hourly"]), float(entry["fixed"]))
        return None

    def cost(
        self, region: str | None, compute: str | None, mode: str | None, hours: float,
        read_to: float,
    ) -> Cost | None:  # fmt: skip
        price = self.price(region, compute)
        if price is None:
            return None
        projected = projected_hours(hours, read_to)
        always_on = price.monthly
        auto_stop = price.fixed + projected * price.hourly
        current = always_on if mode == "ALWAYS_ON" else auto_stop
        if mode not in MODES:
            return Cost(round(current, 2), None, 0.0, projected, price.break_even)
        best = "AUTO_STOP" if auto_stop < always_on else "ALWAYS_ON"
        best_cost = min(auto_stop, always_on)
        return Cost(round(current, 2), best, round(current - best_cost, 2), projected,
                    price.break_even)  # fmt: skip


def month_bounds(ts: float) -> tuple[float, float]:
    d = datetime.fromtimestamp(ts, tz=UTC)
    start = datetime(d.year, d.month, 1, tzinfo=UTC)
    nxt = datetime(d.year + (d.month == 12), d.month % 12 + 1, 1, tzinfo=UTC)
    return start.timestamp(), nxt.timestamp()


def projected_hours(hours: float, read_to: float) -> float:
    start, end = month_bounds(read_to - 1)
    elapsed = max(DAY, read_to - start)
    return hours * (end - start) / elapsed if read_to < end else float(hours)


def advice_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows whose cheaper running mode differs from their own, largest saving first."""
    advised = [
        r for r in rows
        if r.get("best_mode") in MODES and r.get("best_mode") != r.get("running_mode")
        and (r.get("saving_month") or 0) > 0
    ]  # fmt: skip
    return sorted(advised, key=lambda r: (-(r.get("saving_month") or 0), str(r.get("id"))))


def totals(rows: list[dict[str, Any]]) -> tuple[float, float]:
    """(the estate's estimated cost this month, the total saving the advice offers)."""
    cost = sum(float(r.get("cost_month") or 0) for r in rows)
    saving = sum(float(r.get("saving_month") or 0) for r in advice_rows(rows))
    return round(cost, 2), round(saving, 2)
