"""plan: rows in, a Plan out -- eligible ids cut into the fewest calls the API allows,
skipped ids with the reason, marked rows hidden by the filter counted.

Pure: nothing is read or sent here. Rows outside the user's selected targets (`scope`)
and rows whose last call is uncertain (`checked`, from core.act.recheck) are skipped
with their reason; `core.act.sending` sends exactly the planned calls.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from wstui.core.act.gateway import PROTECT_TAG
from wstui.core.act.recheck import Recheck
from wstui.core.act.scope import Scope
from wstui.core.act.specs import (
    ActionSpec,
    _raw,
    resolve_action,
    row_id,
    row_running_mode,
    row_state,
    row_tags,
    validate_params,
)
from wstui.core.chunking import chunks
from wstui.core.gcpause import gc_paused


@dataclass(frozen=True)
class Call:
    account: str
    region: str
    ids: tuple[str, ...]
    request: dict[str, Any]


@dataclass(frozen=True)
class Skip:
    id: str
    account: str
    region: str
    reason: str


@dataclass
class Plan:
    spec: ActionSpec
    params: dict[str, Any]
    calls: list[Call]
    skipped: list[Skip]
    hidden: int = 0
    rechecked: bool = False  # uncertain rows were re-read (core.act.recheck) before planning

    @property
    def action(self) -> str:
        return self.spec.name

    @property
    def eligible(self) -> list[str]:
        return [i for c in self.calls for i in c.ids]

    @property
    def groups(self) -> dict[tuple[str, str], list[str]]:
        out: dict[tuple[str, str], list[str]] = {}
        for c in self.calls:
            out.setdefault((c.account, c.region), []).extend(c.ids)
        return out

    def skipped_summary(self) -> list[str]:
        """Reasons with counts, most common first: ["12 STOPPED cannot reboot", ...]."""
        counts = Counter(s.reason for s in self.skipped)
        return [f"{n} {reason}" for reason, n in counts.most_common()]

    def describe(self) -> str:
        spec = self.spec
        n = len(self.eligible)
        lines = [
            f"{spec.title} ({spec.api}): {n} WorkSpace{'s' if n != 1 else ''} "
            f"in {len(self.calls)} call{'s' if len(self.calls) != 1 else ''}"
        ]
        if self.params:
            lines.append("  parameters: " + ", ".join(f"{k}={v}" for k, v in self.params.items()))
        for (account, region), ids in self.groups.items():
            calls = sum(1 for c in self.calls if (c.account, c.region) == (account, region))
            lines.append(f"  {account or '?'}/{region}: {len(ids)} in {calls} calls")
        if self.skipped:
            lines.append(f"  skipped {len(self.skipped)}: " + "; ".join(self.skipped_summary()))
        if self.hidden:
            lines.append(f"  {self.hidden} marked row(s) hidden by the current filter")
        if spec.destructive:
            lines.append(f"  DESTRUCTIVE: {spec.note or 'cannot be undone'}")
        return "\n".join(lines)


def plan(
    action: str,
    rows: Iterable[dict[str, Any]],
    params: dict[str, Any] | None = None,
    hidden: int = 0,
    protect_tag: str = PROTECT_TAG,
    scope: Scope | None = None,
    checked: Recheck | None = None,
) -> Plan:
    """Eligible ids grouped by (account, region) in the fewest calls, and why others were skipped.

    `scope` skips rows outside the user's selected targets; `checked` (core.act.recheck)
    carries the fresh rows of WorkSpaces whose last call was uncertain or recent.
    """
    with gc_paused():  # a 100,000-row plan makes ~100,000 objects and no cycles
        return _plan(action, rows, params, hidden, protect_tag, scope, checked)


def _plan(
    action: str,
    rows: Iterable[dict[str, Any]],
    params: dict[str, Any] | None,
    hidden: int,
    protect_tag: str,
    scope: Scope | None,
    checked: Recheck | None,
) -> Plan:
    spec = resolve_action(action)
    p = validate_params(spec, params)
    if checked is not None:
        rows = checked.rows
    groups: dict[tuple[str, str], list[str]] = {}
    skipped: list[Skip] = []
    seen: set[tuple[str, str, str]] = set()
    judged: dict[tuple[bool, bool, str, str], str | None] = {}
    for row in rows:
        wid = row_id(row)
        account, region = str(row.get("account", "")), str(row.get("region", ""))
        key = (account, region, wid)
        if key in seen:
            continue
        seen.add(key)
        reason = checked.blocked.get(key) if checked is not None else None
        if reason is None and scope is not None:
            reason = scope.reason(account, region)
        if not reason:
            if spec.check is None:
                # Without a per-row check the reason depends on four facts only: judge each
                # combination once (a 100,000-row plan has a handful of them).
                facts = (
                    bool(protect_tag) and _tagged(row, protect_tag),
                    tags_known(row),
                    row_state(row),
                    row_running_mode(row) if spec.running_modes is not None else "",
                )
                if facts not in judged:
                    judged[facts] = _skip_reason(spec, row, p, protect_tag)
                reason = judged[facts]
            else:
                reason = _skip_reason(spec, row, p, protect_tag)
        if reason and checked is not None and key in checked.sent_at and "cannot" in reason:
            reason = f"{checked.sent_at[key]}, now {row_state(row) or 'UNKNOWN'}"
        if reason:
            skipped.append(Skip(wid, account, region, reason))
        else:
            groups.setdefault((account, region), []).append(wid)
    calls = [
        Call(account, region, tuple(chunk), spec.request(list(chunk), p))
        for (account, region), ids in groups.items()
        for chunk in chunks(ids, spec.ids_per_call)
    ]
    return Plan(spec, p, calls, skipped, hidden, rechecked=checked is not None)


def tags_known(row: dict[str, Any]) -> bool:
    """False when the listing has not read this row's tags yet (see core.listers)."""
    return isinstance(row.get("tags"), dict) or "Tags" in _raw(row)


def _tagged(row: dict[str, Any], tag: str) -> bool:
    """``tag in row_tags(row)`` without copying the tags of every row of a 100,000-row plan."""
    tags = row.get("tags")
    if isinstance(tags, dict):
        return tag in tags or any(str(k) == tag for k in tags if not isinstance(k, str))
    return tag in row_tags(row)


def _skip_reason(
    spec: ActionSpec, row: dict[str, Any], p: dict[str, Any], protect_tag: str
) -> str | None:
    if protect_tag and _tagged(row, protect_tag):
        return f"protected by tag {protect_tag}"
    if protect_tag and spec.destructive and not tags_known(row):
        return "tags not read yet (protect tag unknown)"
    state = row_state(row) or "UNKNOWN"
    if state not in spec.states:
        return f"{state} cannot {spec.verb}"
    if spec.running_modes is not None:
        mode = row_running_mode(row) or "UNKNOWN"
        if mode not in spec.running_modes:
            return f"{mode} cannot {spec.verb}"
    if spec.check is not None:
        return spec.check(row, p)
    return None


def plan_for(
    gateway: Any,
    action: str,
    checked: Recheck,
    params: dict[str, Any] | None = None,
    hidden: int = 0,
) -> Plan:
    """The plan the CLI (`act`) and the TUI show alike: `checked`'s fresh rows, judged
    within the gateway's scope (none without AWS clients: a cache-only session) and with
    its protect tag."""
    scope = gateway.scope if gateway.clients is not None else None
    return plan(action, checked.rows, params, hidden=hidden, protect_tag=gateway.protect_tag,
                scope=scope, checked=checked)  # fmt: skip
