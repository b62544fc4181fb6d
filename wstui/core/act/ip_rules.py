"""IP access control group rules: the editor's working copy turned into API calls.

The editor changes a copy of a group's rules; `plan_rules` turns the difference into the
fewest calls that reach it: only additions -> AuthorizeIpRules, only removals ->
RevokeIpRules, anything else (a description changed, or adds and removes together) ->
one UpdateRulesOfIpGroup with the whole list, which replaces the rules atomically.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wstui.core.validate import is_cidr

MAX_DESC = 255  # IpRuleDesc carries no model limit; keep descriptions to a console-sized line


@dataclass(frozen=True)
class Rule:
    cidr: str
    desc: str = ""

    def api(self) -> dict[str, str]:
        out = {"ipRule": self.cidr}
        if self.desc:
            out["ruleDesc"] = self.desc
        return out


@dataclass(frozen=True)
class Call:
    operation: str  # "AuthorizeIpRules" | "RevokeIpRules" | "UpdateRulesOfIpGroup"
    request: dict[str, Any]
    summary: str


def rules_of(raw: dict[str, Any] | None) -> list[Rule]:
    """The rules of a DescribeIpGroups item (the cache row's raw JSON)."""
    out = []
    for r in (raw or {}).get("userRules") or []:
        if isinstance(r, dict) and r.get("ipRule"):
            out.append(Rule(str(r["ipRule"]), str(r.get("ruleDesc") or "")))
    return out


def check_rule(cidr: str, desc: str, rules: list[Rule], editing: int | None = None) -> str | None:
    """Why this rule cannot be added (or replace rule `editing`); None = fine."""
    cidr = cidr.strip()
    if not cidr:
        return "type an IPv4 address or CIDR block, e.g. 203.0.113.0/24"
    if not is_cidr(cidr):
        return f"{cidr[:40]!r} is not a CIDR block (e.g. 203.0.113.0/24 or 198.51.100.7)"
    for i, r in enumerate(rules):
        if i != editing and r.cidr == cidr:
            return f"{cidr} is already rule {i + 1}"
    if len(desc) > MAX_DESC:
        return f"the description takes at most {MAX_DESC} characters (got {len(desc)})"
    return None


def plan_rules(group_id: str, before: list[Rule], after: list[Rule]) -> list[Call]:
    """The calls that turn `before` into `after` (empty = nothing to send)."""
    old = {r.cidr: r for r in before}
    new = {r.cidr: r for r in after}
    added = [r for r in after if r.cidr not in old]
    removed = [r for r in before if r.cidr not in new]
    changed = [r for r in after if r.cidr in old and old[r.cidr] != r]
    if not (added or removed or changed):
        return []
    if added and not removed and not changed:
        return [Call("AuthorizeIpRules", {"GroupId": group_id, "UserRules": [r.api() for r in added]},
                     f"add {', '.join(r.cidr for r in added)}")]  # fmt: skip
    if removed and not added and not changed:
        return [Call("RevokeIpRules", {"GroupId": group_id, "UserRules": [r.cidr for r in removed]},
                     f"revoke {', '.join(r.cidr for r in removed)}")]  # fmt: skip
    parts = []
    if added:
        parts.append(f"add {', '.join(r.cidr for r in added)}")
    if removed:
        parts.append(f"remove {', '.join(r.cidr for r in removed)}")
    if changed:
        parts.append(f"edit {', '.join(r.cidr for r in changed)}")
    request = {"GroupId": group_id, "UserRules": [r.api() for r in after]}
    return [Call("UpdateRulesOfIpGroup", request, f"replace all rules ({'; '.join(parts)})")]
