"""The mutation gateway: the only place a mutating WorkSpaces call is sent.

Every path (CLI `act`, `op`, `create-workspaces`; the TUI's action keys, forms, IP rules
editor, CSV create, retry) builds a `Mutation` and calls `Gateway.send`, which in order:

    policy (read-only, fails closed) -> scope (a selected target; its STS identity owns
    the row's account) -> protect tag (cached, and re-read from the service on every call)
    -> audit before -> send once (no retry once the request may have reached AWS)
    -> audit after -> per-id outcomes

Clients made by `core.aws.Clients` refuse mutating operations unless `MUTATION_PASS` is
set, and only `_send_once` here sets it: a path that skips the gateway fails loudly.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from wstui.core.act.policy import Policy
from wstui.core.act.refusal import Refused as Refused  # re-exported: callers catch it here
from wstui.core.act.scope import Scope
from wstui.core.aws import MUTATION_PASS, Target, classify, error_code, is_throttling
from wstui.core.kinds import WORKSPACES

PROTECT_TAG = "wstui:protect"
# The protect-tag read before every call is a read: after botocore's own retries, a
# throttled one is tried again (backoff 0.1 .. 0.8 s) rather than refusing the call.
READ_RETRIES = 4


def _patiently(read: Callable[[], Any]) -> Any:
    for attempt in range(READ_RETRIES + 1):
        try:
            return read()
        except Exception as exc:
            if attempt == READ_RETRIES or not is_throttling(exc):
                raise
            time.sleep(0.1 * 2**attempt)
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Outcome:
    id: str
    status: str  # "sent" | "failed" | "unknown" | "refused" (refused = never sent)
    code: str = ""
    message: str = ""


class SendingStopped(Exception):
    """Sending stopped part-way (the audit log could not be written, or the user asked).

    `outcomes` are the calls that went out (known from memory, even when the audit could
    not record them); `not_sent` the ids whose calls were never sent.
    """

    def __init__(
        self, reason: str, outcomes: list[Outcome], not_sent: list[str], interrupted: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.outcomes = outcomes
        self.not_sent = not_sent
        self.interrupted = interrupted  # Ctrl-C (KeyboardInterrupt), not an audit failure

    def report(self) -> list[str]:
        """Lines naming exactly what was and was not sent."""
        lines = [f"sending stopped: {self.reason}"]
        by_status: dict[str, list[str]] = {}
        for o in self.outcomes:  # one line per status: readable for 1,000 ids too
            by_status.setdefault(o.status, []).append(o.id + (f" ({o.code})" if o.code else ""))
        for status, ids in by_status.items():
            lines.append(f"  {status} ({len(ids)}): {', '.join(ids)}")
        if self.not_sent:
            lines.append(f"  not sent ({len(self.not_sent)}): {', '.join(self.not_sent)}")
        return lines


@dataclass(frozen=True)
class Mutation:
    """One mutating API call, as the caller wants it sent."""

    operation: str  # API name: "RebootWorkspaces"
    account: str  # the row's account; "" for an account-level call with no row
    region: str
    request: dict[str, Any]
    subjects: tuple[str, ...] = ()  # audited ids (default: what the request names)
    destructive: bool = False
    profile: str | None = None  # which selected target, when account is ""
    # Send even though the same operation's last call on these ids has an unknown outcome
    # (the caller re-read them first, as core.act.recheck does for actions).
    after_unknown: bool = False

    @property
    def workspaces(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v for k, v in _named(self.request) if k == "workspace"))

    @property
    def primaries(self) -> tuple[str, ...]:
        """WorkSpaces of the request's PrimaryRegion (CreateStandbyWorkspaces), not m.region."""
        return tuple(dict.fromkeys(v for k, v in _named(self.request) if k == "primary"))

    @property
    def depends_on(self) -> tuple[tuple[str, str], ...]:
        return tuple(dict.fromkeys((k, v) for k, v in _named(self.request) if k not in ("workspace", "primary")))  # fmt: skip

    @property
    def audit_ids(self) -> tuple[str, ...]:
        if self.subjects:
            return self.subjects
        named = [v for _, v in _named(self.request)]
        if named:
            return tuple(dict.fromkeys(named))[:1000]
        # Names nothing (CreateIpGroup, CreateConnectionAlias...): the request's digest, so
        # only a repeat of the same request counts as "the same call" for unknown outcomes.
        digest = hashlib.sha256(json.dumps(self.request, sort_keys=True, default=str).encode())
        return (f"{self.operation}#{digest.hexdigest()[:10]}",)


# Request members that name a WorkSpace or a resource WorkSpaces depend on, at any depth
# (TerminateWorkspaceRequests[].WorkspaceId, ResourceId of CreateTags, ...).
_WORKSPACE_KEYS = ("WorkspaceId", "SourceWorkspaceId")
_RESOURCE_KEYS = ("ResourceId", "ResourceIds", "DirectoryId", "BundleId")


def _named(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _named(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _named(v, key)
    elif isinstance(value, str):
        if key == "PrimaryWorkspaceId":  # lives in the request's PrimaryRegion
            yield "primary", value
        elif key in _WORKSPACE_KEYS or (key in _RESOURCE_KEYS and value.startswith("ws-")):
            yield "workspace", value
        elif key in ("DirectoryId", "ResourceId", "ResourceIds") and value.startswith(("d-", "wsd-")):  # fmt: skip
            yield "directory", value
        elif key in ("BundleId", "ResourceId", "ResourceIds") and value.startswith("wsb-"):
            yield "bundle", value


@dataclass
class Reply:
    """What came back from one sent call."""

    status: str  # "sent" | "failed" | "unknown"
    code: str = ""
    message: str = ""
    response: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""
    target: Target | None = None


OutcomesOf = Callable[[Reply], dict[str, Outcome]]


class Gateway:
    def __init__(
        self,
        policy: Policy,
        scope: Scope,
        clients: Any,
        cache: Any,
        protect_tag: str = PROTECT_TAG,
        caller: str | None = None,
    ) -> None:
        self.policy = policy
        self.scope = scope
        self.clients = clients
        self.cache = cache
        self.protect_tag = protect_tag
        self.caller = caller  # tests may pin it; else the target's STS ARN

    @property
    def read_only(self) -> bool:
        return self.policy.read_only

    def send(self, m: Mutation, outcomes_of: OutcomesOf | None = None) -> tuple[Reply, dict[str, Outcome]]:  # fmt: skip
        """Check, audit, send once, audit; raises ReadOnlyError / Refused (nothing sent) or
        SendingStopped (the audit could not be written: what was sent is in it)."""
        ids = m.audit_ids
        self.policy.check(f"{m.operation} on {len(ids)} resource(s)")
        if self.clients is None:
            raise Refused("no AWS clients (cache only)")
        target = self.scope.target(m.account, m.region, m.profile)
        self._check_protect(m, target)
        self._check_primaries(m, target)
        if not m.after_unknown:
            self._check_unknown(m, target, ids)
        who = self.caller if self.caller is not None else self.clients.caller_arn(target)
        try:
            audit_id = self.cache.audit_before(m.operation, target, list(ids), _auditable(m.request), who)  # fmt: skip
        except Exception as exc:  # disk full, locked: never send what cannot be audited
            raise SendingStopped(f"the audit log could not be written ({exc})", [], list(ids)) from exc  # fmt: skip
        reply = self._send_once(m, target)
        per_id = (
            outcomes_of(reply)
            if outcomes_of is not None
            else {i: Outcome(i, reply.status, reply.code, reply.message) for i in ids}
        )
        try:
            self.cache.audit_after(audit_id, reply.request_id, per_id)
        except Exception as exc:
            raise SendingStopped(
                f"the call was sent but its outcome could not be audited ({exc})",
                list(per_id.values()), [],
            ) from exc  # fmt: skip
        return reply, per_id

    # -- checks ---------------------------------------------------------------------------
    def _check_protect(self, m: Mutation, target: Target) -> None:
        tag = self.protect_tag
        if not tag:
            return
        ws = m.workspaces
        hit = set(self.cache.tagged(WORKSPACES.name, target.account, target.region, ws, tag)) if ws else set()  # fmt: skip
        if ws:
            # Ask the service on every call: tags are re-read every Nth refresh pass, so the
            # cache may not know of a protect tag set outside wstui a few minutes ago.
            hit |= self._protected_now(target, ws)
        if hit:
            raise Refused(f"protected by tag {tag}: {', '.join(sorted(hit))}")
        if m.destructive:
            for column, value in m.depends_on:
                found = self.cache.workspaces_tagged_where(target.account, target.region, column, value, tag)  # fmt: skip
                if found:
                    shown = ", ".join(found[:5]) + (" ..." if len(found) > 5 else "")
                    raise Refused(f"{len(found)} WorkSpace(s) protected by tag {tag} use {value}: {shown}")  # fmt: skip

    def _check_primaries(self, m: Mutation, target: Target) -> None:
        """CreateStandbyWorkspaces names WorkSpaces of ANOTHER region (PrimaryRegion): that
        region must be a selected target too, and its WorkSpaces unprotected (asked of the
        service: the call copies them)."""
        primaries = m.primaries
        if not primaries:
            return
        region = m.request.get("PrimaryRegion")
        if not isinstance(region, str) or not region:
            raise Refused("PrimaryWorkspaceId without PrimaryRegion: cannot check its scope")
        home = self.scope.target(target.account, region)
        if not self.protect_tag:
            return
        hit = set(self.cache.tagged(WORKSPACES.name, home.account, home.region, primaries, self.protect_tag))  # fmt: skip
        hit |= self._protected_now(home, primaries)
        if hit:
            raise Refused(f"protected by tag {self.protect_tag}: {', '.join(sorted(hit))}")

    def _check_unknown(self, m: Mutation, target: Target, ids: tuple[str, ...]) -> None:
        last = self.cache.last_calls(target.account, target.region, ids)
        doubtful = sorted(i for i, c in last.items()
                          if c["action"] == m.operation and c["status"] in ("unknown", "pending"))  # fmt: skip
        if doubtful:
            raise Refused(
                f"the last {m.operation} on {', '.join(doubtful[:5])} has an unknown outcome "
                "(it may have been performed): check the resource, then send again explicitly"
            )

    def _protected_now(self, target: Target, ids: tuple[str, ...]) -> set[str]:
        """The ids that carry the protect tag now: the tagging API, 100 ids a call (what a
        listing uses); DescribeTags per id where that API is denied. Unreadable: refused."""
        from botocore.exceptions import ClientError

        from wstui.core.listers import TAGGING_PAGE, TAGGING_UNAVAILABLE, TagList, tags_by_arn

        if target.account is not None:
            try:
                found: dict[str, TagList] = {}
                for start in range(0, len(ids), TAGGING_PAGE):
                    chunk = list(ids[start:start + TAGGING_PAGE])
                    found.update(_patiently(functools.partial(tags_by_arn, self.clients, target, chunk)))
                return {i for i, tags in found.items() if i in ids
                        and any(t.get("Key") == self.protect_tag for t in tags)}  # fmt: skip
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") not in TAGGING_UNAVAILABLE:
                    raise Refused(f"could not re-read the tags of {', '.join(ids[:5])} ({error_code(exc)}): not sent") from exc  # fmt: skip
            except Exception as exc:
                raise Refused(f"could not re-read the tags of {', '.join(ids[:5])} ({error_code(exc)}): not sent") from exc  # fmt: skip
        client = self.clients.workspaces(target)
        hit = set()
        for wid in ids:
            try:
                tags = _patiently(functools.partial(client.describe_tags, ResourceId=wid)).get("TagList") or []
            except Exception as exc:
                raise Refused(f"could not re-read the tags of {wid} ({error_code(exc)}): not sent") from exc  # fmt: skip
            if any(t.get("Key") == self.protect_tag for t in tags):
                hit.add(wid)
        return hit

    # -- sending --------------------------------------------------------------------------
    def _send_once(self, m: Mutation, target: Target) -> Reply:
        from botocore import xform_name  # lazily: botocore is slow to import

        method = getattr(self.clients.workspaces(target), xform_name(m.operation))
        token = MUTATION_PASS.set(True)
        try:
            response = method(**m.request)
        except Exception as exc:  # every failure becomes an outcome, never a re-send
            status, code, message, rid = classify(exc, target)
            return Reply(status, code, message, {}, rid, target)
        finally:
            MUTATION_PASS.reset(token)
        rid = str(response.get("ResponseMetadata", {}).get("RequestId", ""))
        body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        return Reply("sent", "", "", body, rid, target)


def _auditable(request: dict[str, Any]) -> dict[str, Any]:
    # Blobs (logos, certificates) are not worth keeping in the audit log.
    result: dict[str, Any] = json.loads(json.dumps(request, default=lambda v: f"<{len(v)} bytes>"))
    return result
