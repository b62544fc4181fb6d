"""Bulk tag edit: set (add or replace) and remove tags on many resources of one kind.

`parse_edit` reads what the user typed and explains bad input (the API Reference's Tag:
key 1-127 characters, value at most 255; at most 50 tags per resource). `plan_tags` is
pure: rows in, one `TagChange` per resource that needs calls (CreateTags for the tags
to set, DeleteTags for the keys to remove), the rest skipped with a reason (outside
the selected targets, protected by the protect tag, tags not read yet, a resource type
CreateTags does not take, over 50 tags, nothing to change). `send_tags` sends each
planned call through the gateway (policy, scope, protect tag, audit, once-only) with
core.act.sending.send_mutation, the one send path.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wstui.core.act.gateway import PROTECT_TAG, Gateway, Mutation, Outcome, Refused
from wstui.core.act.scope import Scope
from wstui.core.act.sending import send_mutation
from wstui.core.cache import raw_of
from wstui.core.kinds import resolve, tag_editable

MAX_TAGS = 50  # "Each WorkSpaces resource can have a maximum of 50 tags." (CreateTags)
MAX_KEY = 127  # Tag.Key: length 1-127
MAX_VALUE = 255  # Tag.Value: length 0-255
# CreateTags/DeleteTags/DescribeTags ResourceId: "WorkSpaces, registered directories,
# images, custom bundles, IP access control groups, and connection aliases".
# Kinds whose tags wstui reads (pools' are never read), so an edit can be planned.
TAG_KINDS = tag_editable()


class TagEditError(ValueError):
    """What the user typed is not a valid tag edit; the message says why."""


@dataclass(frozen=True)
class TagEdit:
    put: tuple[tuple[str, str], ...] = ()  # (key, value) to add or replace
    remove: tuple[str, ...] = ()  # keys to delete

    def describe(self) -> str:
        parts = [f"set {k}={v}" for k, v in self.put] + [f"remove {k}" for k in self.remove]
        return ", ".join(parts)


def parse_edit(put_text: str, remove_text: str = "") -> TagEdit:
    """`Key=Value, Key2=Value2` to set and `Key, Key2` to remove -> TagEdit (or TagEditError).

    A comma separates entries, so a value cannot hold one; spaces around keys and values
    are dropped (the console does the same).
    """
    put: dict[str, str] = {}
    for part in (p.strip() for p in (put_text or "").split(",")):
        if not part:
            continue
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep:
            raise TagEditError(f"set: {part!r} has no '=': write Key=Value (Key= for an empty value)")  # fmt: skip
        _check_key(key, "set")
        if len(value) > MAX_VALUE:
            raise TagEditError(f"set: the value of {key!r} has {len(value)} characters; at most {MAX_VALUE}")  # fmt: skip
        if key in put:
            raise TagEditError(f"set: {key!r} is given twice")
        put[key] = value
    remove: list[str] = []
    for key in (k.strip() for k in (remove_text or "").split(",")):
        if not key:
            continue
        if "=" in key:
            raise TagEditError(f"remove: {key!r}: give only the key (no '=')")
        _check_key(key, "remove")
        if key in put:
            raise TagEditError(f"{key!r} is both set and removed")
        if key not in remove:
            remove.append(key)
    if not put and not remove:
        raise TagEditError("nothing to do: give tags to set (Key=Value) or keys to remove")
    if len(put) > MAX_TAGS:
        raise TagEditError(f"set: {len(put)} tags; a resource has at most {MAX_TAGS}")
    return TagEdit(tuple(put.items()), tuple(remove))


def _check_key(key: str, where: str) -> None:
    if not key:
        raise TagEditError(f"{where}: a tag key cannot be empty")
    if len(key) > MAX_KEY:
        raise TagEditError(f"{where}: the key {key[:20]!r}… has {len(key)} characters; at most {MAX_KEY}")  # fmt: skip
    if any(ord(c) < 32 for c in key):
        raise TagEditError(f"{where}: the key {key!r} holds a control character")


@dataclass(frozen=True)
class TagChange:
    """The calls one resource needs."""

    account: str
    region: str
    id: str
    name: str  # what the resource is called (user, name, connection string), for the plan
    put: tuple[tuple[str, str], ...]  # only the tags that differ from the cached ones
    remove: tuple[str, ...]  # only the keys the resource has

    def requests(self) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        if self.put:
            out.append(("CreateTags", {"ResourceId": self.id,
                                       "Tags": [{"Key": k, "Value": v} for k, v in self.put]}))  # fmt: skip
        if self.remove:
            out.append(("DeleteTags", {"ResourceId": self.id, "TagKeys": list(self.remove)}))
        return out

    def describe(self) -> str:
        return ", ".join([f"+{k}={v}" for k, v in self.put] + [f"-{k}" for k in self.remove])


@dataclass(frozen=True)
class TagSkip:
    account: str
    region: str
    id: str
    reason: str


@dataclass
class TagPlan:
    kind: str
    edit: TagEdit
    changes: list[TagChange]
    skipped: list[TagSkip]
    hidden: int = 0
    protect_tag: str = PROTECT_TAG

    @property
    def calls(self) -> int:
        return sum(len(c.requests()) for c in self.changes)

    def skipped_summary(self) -> list[str]:
        counts = Counter(s.reason for s in self.skipped)
        return [f"{n} {reason}" for reason, n in counts.most_common()]

    def refused(self) -> list[TagSkip]:
        """Skips for protection: shown one by one (they are what the user may not expect)."""
        return [s for s in self.skipped if s.reason.startswith("protected")]


def _row_tags(row: dict[str, Any]) -> dict[str, str] | None:
    """The row's cached tags, or None when they were never read."""
    tags = row.get("tags")
    raw = raw_of(row)
    if not tags and "Tags" not in raw:
        return None
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t.get("Key")): str(t.get("Value", "")) for t in raw.get("Tags") or [] if isinstance(t, dict)}  # fmt: skip


def _name(row: dict[str, Any]) -> str:
    for key in ("user", "name", "connection_string", "computer"):
        value = row.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def plan_tags(
    kind: str,
    rows: Iterable[dict[str, Any]],
    edit: TagEdit,
    hidden: int = 0,
    protect_tag: str = PROTECT_TAG,
    scope: Scope | None = None,
) -> TagPlan:
    """Which resources get which calls, and why the others are skipped (pure)."""
    changes: list[TagChange] = []
    skipped: list[TagSkip] = []
    seen: set[tuple[str, str, str]] = set()
    for row in rows:
        account, region, rid = str(row.get("account", "")), str(row.get("region", "")), str(row.get("id", ""))  # fmt: skip
        if (account, region, rid) in seen or not rid:
            continue
        seen.add((account, region, rid))
        tags = _row_tags(row)
        reason = _skip_reason(kind, row, tags, edit, protect_tag, scope, account, region)
        if reason:
            skipped.append(TagSkip(account, region, rid, reason))
            continue
        current = tags or {}
        put = tuple((k, v) for k, v in edit.put if current.get(k) != v)
        remove = tuple(k for k in edit.remove if k in current)
        if not put and not remove:
            skipped.append(TagSkip(account, region, rid, "already so (nothing to change)"))
            continue
        changes.append(TagChange(account, region, rid, _name(row), put, remove))
    return TagPlan(kind, edit, changes, skipped, hidden, protect_tag)


def _skip_reason(
    kind: str, row: dict[str, Any], tags: dict[str, str] | None, edit: TagEdit, protect_tag: str,
    scope: Scope | None, account: str, region: str,
) -> str | None:  # fmt: skip
    if kind not in tag_editable():
        return f"{kind} are not a resource type CreateTags takes (API Reference)"
    no_tags = resolve(kind).no_tags
    reason = no_tags(raw_of(row), row) if no_tags is not None else None
    if reason:
        return reason
    if scope is not None:
        reason = scope.reason(account, region)
        if reason:
            return reason
    if tags is None:
        return "tags not read yet (protect tag unknown)"
    if protect_tag and protect_tag in tags:
        return f"protected by tag {protect_tag}"
    after = (set(tags) | {k for k, _ in edit.put}) - set(edit.remove)
    if len(after) > MAX_TAGS:
        return f"would have {len(after)} tags (at most {MAX_TAGS})"
    return None


@dataclass
class TagResult:
    change: TagChange
    outcomes: list[Outcome] = field(default_factory=list)  # one per call, in call order

    @property
    def status(self) -> str:
        order = ("unknown", "failed", "refused", "sent")
        found = {o.status for o in self.outcomes}
        return next((s for s in order if s in found), "sent")

    def outcome(self) -> Outcome:
        """One outcome for the resource: the worst of its calls, with that call's message."""
        worst = next(o for o in self.outcomes if o.status == self.status)
        message = worst.message or ("tags changed: " + self.change.describe() if worst.status == "sent" else "")  # fmt: skip
        return Outcome(self.change.id, worst.status, worst.code, message)


def send_tags(
    plan: TagPlan,
    gateway: Gateway,
    on_progress: Callable[[int, int, TagResult], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[TagResult]:
    """Each resource's calls through the gateway, once each; a refused or failed
    CreateTags does not stop its DeleteTags (they are independent)."""
    gateway.policy.check(f"tag edit on {len(plan.changes)} resource(s)")
    results: list[TagResult] = []
    for n, change in enumerate(plan.changes, 1):
        if should_stop is not None and should_stop():
            break
        result = TagResult(change)
        for operation, request in change.requests():
            m = Mutation(operation, change.account, change.region, request, subjects=(change.id,))
            try:
                _, per_id = send_mutation(gateway, m, lambda _response: "")
                result.outcomes.extend(per_id.values())
            except Refused as exc:
                result.outcomes.append(Outcome(change.id, "refused", "Refused", str(exc)))
        results.append(result)
        if on_progress is not None:
            on_progress(n, len(plan.changes), result)
    return results
