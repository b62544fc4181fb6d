"""plan: rows in, a Plan out -- eligible ids cut into the fewest calls the API allows,
skipped ids with the reason, marked rows hidden by the filter counted.

Pure: nothing is read or sent here. Rows outside the user's selected targets (`scope`)
and rows whose last call is uncertain (`checked`, from core.act.recheck) are skipped
with their reason; `core.act.sending` sends exactly the planned calls.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import partial
from itertools import compress, repeat
from operator import not_
from typing import Any, NamedTuple

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
from wstui.core.store.marked import UNIT, TargetFacts  # the facts' format


@dataclass(frozen=True)
class Call:
    account: str
    region: str
    ids: tuple[str, ...]
    request: dict[str, Any]


class Skip(NamedTuple):
    """A marked id the plan does not send, and why. A named tuple (immutable, compared by
    value as the frozen dataclass it was): `plan_marked` makes 40,000 of them for a mark
    all at 100,000 rows in one C-level pass (`_SKIP`)."""

    id: str
    account: str
    region: str
    reason: str


_SKIP = partial(tuple.__new__, Skip)  # Skip from an (id, account, region, reason) tuple


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


Key = tuple[str, str, str]


def plans_by_facts(action: str) -> bool:
    """Whether `plan_marked` can plan `action`: its reasons depend only on the state, the
    running mode and the protect tag (no per-row check reading other columns or raw)."""
    return resolve_action(action).check is None


def plan_marked(
    action: str,
    facts: Iterable[TargetFacts],
    marks: Collection[Key] | None,
    protected: Collection[Key],
    params: dict[str, Any] | None = None,
    hidden: int = 0,
    protect_tag: str = PROTECT_TAG,
    scope: Scope | None = None,
    checked: Recheck | None = None,
) -> tuple[Plan, int]:
    """The Plan `plan` makes from the narrow rows of the marked keys in key order, and how
    many marked keys were found, from the cache's facts (`store.marked.plan_facts`):
    `marks` (None: every row) and the `protected` keys, without a dict per row.

    Each distinct (protected, state, running mode) is judged once by `_skip_reason`, the
    function `plan` calls, on a narrow row holding just those facts; a target's rows then
    split into eligible ids and skips in C-level passes. Rows with a reason of their own
    (outside the scope, blocked or recently sent per `checked`, protected) go one by one
    through the same steps as `plan`'s loop. Actions with a per-row check
    (`plans_by_facts` false) need `plan`.
    """
    spec = resolve_action(action)
    if spec.check is not None:
        raise ValueError(f"{spec.name} checks each row: plan it with plan()")
    p = validate_params(spec, params)
    blocked = checked.blocked if checked is not None else {}
    sent_at = checked.sent_at if checked is not None else {}
    special: dict[tuple[str, str], set[str]] = {}  # ids with a reason of their own, per target
    for account, region, wid in (*blocked, *sent_at, *protected):
        special.setdefault((account, region), set()).add(wid)
    judged: dict[tuple[bool, str], str | None] = {}

    def judge(is_protected: bool, fact: str) -> str | None:
        memo = (is_protected, fact)
        if memo not in judged:
            state, has_mode, mode = fact.partition(UNIT)
            if not has_mode and spec.running_modes is not None:
                raise ValueError(f"{spec.name} judges running modes: facts need them")
            tags = {protect_tag: ""} if is_protected and protect_tag else {}
            row = {"state": state or None, "running_mode": mode or None, "tags": tags}
            judged[memo] = _skip_reason(spec, row, p, protect_tag)
        return judged[memo]

    groups: dict[tuple[str, str], list[str]] = {}
    skipped: list[Skip] = []
    found = 0
    with gc_paused():  # ~100,000 strings and tuples, no cycles
        for account, region, ids, fact_list in facts:
            n = len(ids)
            if marks is not None:
                keys = zip(repeat(account, n), repeat(region, n), ids, strict=True)
                flags = list(map(marks.__contains__, keys))
                if not all(flags):
                    ids, fact_list = list(compress(ids, flags)), list(compress(fact_list, flags))
            found += len(ids)
            if not ids:
                continue
            outside = scope.reason(account, region) if scope is not None else None
            reasons = {f: outside or judge(False, f) for f in set(fact_list)}
            own = special.get((account, region))
            if not own:  # C-level passes: a reason per row, then ids split by it
                why = list(map(reasons.__getitem__, fact_list))
                eligible = list(compress(ids, map(not_, why)))
                skipped += map(_SKIP, zip(compress(ids, why), repeat(account), repeat(region),
                                          filter(None, why)))  # fmt: skip
            else:
                eligible = []
                for wid, fact in zip(ids, fact_list, strict=True):
                    if wid not in own:
                        reason = reasons[fact]
                    else:
                        key = (account, region, wid)
                        reason = blocked.get(key) or outside or judge(key in protected, fact)
                        if reason and key in sent_at and "cannot" in reason:
                            state = fact.partition(UNIT)[0]
                            reason = f"{sent_at[key]}, now {state or 'UNKNOWN'}"
                    if reason:
                        skipped.append(Skip(wid, account, region, reason))
                    else:
                        eligible.append(wid)
            if eligible:
                groups[(account, region)] = eligible
        calls = [
            Call(account, region, tuple(chunk), spec.request(list(chunk), p))
            for (account, region), ids in groups.items()
            for chunk in chunks(ids, spec.ids_per_call)
        ]
    return Plan(spec, p, calls, skipped, hidden, rechecked=checked is not None), found


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


def plan_marked_for(
    gateway: Any,
    action: str,
    facts: Iterable[TargetFacts],
    marks: Collection[Key] | None,
    protected: Collection[Key],
    checked: Recheck,
    params: dict[str, Any] | None = None,
    hidden: int = 0,
) -> tuple[Plan, int]:
    """`plan_for` over the cache's facts of the marked keys (`plan_marked`): the same scope
    and protect tag as `plan_for`, and `checked`'s blocked and recently sent keys."""
    scope = gateway.scope if gateway.clients is not None else None
    return plan_marked(action, facts, marks, protected, params, hidden=hidden,
                       protect_tag=gateway.protect_tag, scope=scope, checked=checked)  # fmt: skip
