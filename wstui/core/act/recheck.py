"""Uncertain WorkSpaces are re-read before they are planned again.

A WorkSpace whose last audited call ended `unknown` or `pending` (response lost, process
killed) or was sent within its transition window may already have been acted on, and the
cache may not show it yet. Like Terraform refusing a stale plan, those rows are re-read
from the service first; the plan then judges their fresh state, and says why it skips
them ("sent at 14:02, now REBOOTING").
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from wstui.core.act.scope import Scope
from wstui.core.aws import Target
from wstui.core.kinds import WORKSPACES

RECENT_SECONDS = 15 * 60  # longer than the lifecycle transitions the reference describes
UNCERTAIN = frozenset({"unknown", "pending"})

Key = tuple[str, str, str]
Reread = Callable[[Target, list[str]], Any]  # Refresher.refresh_ids


@dataclass
class Recheck:
    rows: list[dict[str, Any]]
    sent_at: dict[Key, str] = field(default_factory=dict)  # key -> "sent at 14:02"
    blocked: dict[Key, str] = field(default_factory=dict)  # key -> why it cannot be planned
    reread: int = 0


def uncertain_keys(
    cache: Any, rows: Iterable[dict[str, Any]], now: float | None = None
) -> dict[Key, dict[str, Any]]:
    """Rows whose last audited call is unknown/pending or recent: key -> that audit item."""
    now = time.time() if now is None else now
    by_target: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        by_target[(str(r.get("account", "")), str(r.get("region", "")))].append(str(r["id"]))
    out: dict[Key, dict[str, Any]] = {}
    for (account, region), ids in by_target.items():
        for wid, last in cache.last_calls(account, region, ids).items():
            if _uncertain(last, now):
                out[(account, region, wid)] = last
    return out


def _uncertain(last: dict[str, Any], now: float) -> bool:
    """A last audited call whose outcome is unknown/pending, or that was sent recently."""
    recent = now - float(last["at"] or 0) < RECENT_SECONDS
    return last["status"] in UNCERTAIN or (recent and last["status"] == "sent")


def uncertain_among(
    cache: Any, keys: Collection[Key], now: float | None = None
) -> dict[Key, dict[str, Any]]:
    """`uncertain_keys` for many keys (every marked key) without a row per key."""
    now = time.time() if now is None else now
    return {key: last for key, last in cache.last_calls_among(keys).items() if _uncertain(last, now)}


def recheck_keys(
    found: dict[Key, dict[str, Any]], scope: Scope | None, reread: Reread | None
) -> Recheck:
    """Re-read the `found` uncertain keys (in scope) into the cache; a Recheck without
    rows, saying which keys were sent when and which could not be re-read (the plan
    then reads the cache: `planning.plan_marked`)."""
    result = Recheck([])
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (account, region, wid), last in found.items():
        result.sent_at[(account, region, wid)] = "sent at " + time.strftime("%H:%M", time.localtime(last["at"]))  # fmt: skip
        groups[(account, region)].append(wid)
    for (account, region), ids in groups.items():
        why = None
        if scope is None or reread is None:
            why = "no AWS clients to re-read it"
        else:
            try:
                reread(scope.target(account, region), ids)
                result.reread += len(ids)
            except Exception as exc:  # endpoint down, outside scope: cannot be planned safely
                why = f"could not be re-read ({type(exc).__name__}: {str(exc)[:80]})"
        if why is not None:
            for wid in ids:
                key = (account, region, wid)
                result.blocked[key] = f"last call ({result.sent_at[key]}) may not be settled; {why}"
    return result


def recheck(
    rows: list[dict[str, Any]], cache: Any, scope: Scope | None, reread: Reread | None,
    now: float | None = None,
) -> Recheck:  # fmt: skip
    """Re-read the uncertain rows (in scope) and return the rows with their fresh state."""
    found = uncertain_keys(cache, rows, now)
    if not found:
        return Recheck(rows)
    result = recheck_keys(found, scope, reread)
    result.rows = rows
    if result.reread:
        fresh = {(r["account"], r["region"], r["id"]): r for r in cache.rows_for_keys(
            WORKSPACES.name, [(str(r.get("account")), str(r.get("region")), str(r["id"])) for r in rows]
        )}  # fmt: skip
        # A WorkSpace gone after the re-read (terminated) is no longer a row to act on.
        result.rows = [fresh.get((r.get("account"), r.get("region"), r["id"]), r) for r in rows
                       if (r.get("account"), r.get("region"), r["id"]) in fresh
                       or (r.get("account"), r.get("region"), r["id"]) in result.blocked]  # fmt: skip
    return result
