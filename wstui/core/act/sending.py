"""execute: the one send path. Every planned action call and every single operation goes
to AWS through `send_mutation` -> `Gateway.send` (policy, scope, protect tag, audit,
once-only), and every answer is read per id by `outcomes_per_id` (batch calls report
partial failure in FailedRequests: parsed, never assumed successful).

`execute(plan, gateway)` sends a Plan's calls (core.act.planning) in order; `send(op, ...)`
sends one operation of the catalogue (core.act.ops), reads straight to the target's
client (a read needs no gateway, but still only to a selected target).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wstui.core.act.gateway import Gateway, Mutation, Outcome, Refused, Reply, SendingStopped
from wstui.core.act.ops import Operation, subject_of
from wstui.core.act.planning import Plan
from wstui.core.act.specs import ActionSpec
from wstui.core.aws import classify


def outcomes_per_id(
    reply: Reply, ids: tuple[str, ...], note: Callable[[dict[str, Any]], str]
) -> dict[str, Outcome]:
    """Each id's outcome of one call: the reply's status when it was not sent; else
    "failed" for the ids FailedRequests names (WorkspaceId, or the UserName of a
    CreateWorkspaces request), "sent" with `note(response)` for the rest."""
    if reply.status != "sent":
        return {i: Outcome(i, reply.status, reply.code, reply.message) for i in ids}
    failed: dict[str, dict[str, Any]] = {}
    for f in reply.response.get("FailedRequests") or []:
        if isinstance(f, dict):
            fid = str(f.get("WorkspaceId") or (f.get("WorkspaceRequest") or {}).get("UserName") or "")
            failed[fid] = f
    out = {}
    for i in ids:
        f = failed.get(i)
        if f is not None:
            out[i] = Outcome(i, "failed", str(f.get("ErrorCode") or ""), str(f.get("ErrorMessage") or ""))  # fmt: skip
        else:
            out[i] = Outcome(i, "sent", "", note(reply.response))
    return out


def send_mutation(
    gateway: Gateway, m: Mutation, note: Callable[[dict[str, Any]], str]
) -> tuple[Reply, dict[str, Outcome]]:
    """Send one mutation through the gateway; its reply and each audited id's outcome."""
    return gateway.send(m, lambda reply: outcomes_per_id(reply, m.audit_ids, note))


def _action_note(spec: ActionSpec) -> Callable[[dict[str, Any]], str]:
    """What an action's sent outcome says: MigrateWorkspace names the new WorkSpace."""

    def note(response: dict[str, Any]) -> str:
        if spec.api == "MigrateWorkspace" and response.get("TargetWorkspaceId"):
            return f"new id {response['TargetWorkspaceId']}"
        return ""

    return note


# -- a plan of action calls ------------------------------------------------------------
ProgressFn = Callable[[int, int, list[Outcome]], None]


def execute(
    plan: Plan,
    gateway: Gateway,
    on_progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[Outcome]:
    """Send each planned call once through the gateway; per-id outcomes.

    Raises ReadOnlyError before anything is sent, and SendingStopped (with the exact
    outcomes so far and the ids never sent) when the audit fails or `should_stop()`.
    """
    gateway.policy.check(f"{plan.spec.api} on {len(plan.eligible)} WorkSpace(s)")
    outcomes: list[Outcome] = []
    in_flight: tuple[str, ...] = ()  # the ids of the call being sent, if any
    try:
        for n, call in enumerate(plan.calls, 1):
            if should_stop is not None and should_stop():
                rest = [i for c in plan.calls[n - 1 :] for i in c.ids]
                raise SendingStopped(f"stopped by the user after {n - 1} of {len(plan.calls)} calls", outcomes, rest)  # fmt: skip
            mutation = Mutation(
                plan.spec.api, call.account, call.region, call.request, call.ids,
                destructive=plan.spec.destructive, after_unknown=plan.rechecked,
            )  # fmt: skip
            in_flight = call.ids
            try:
                _, per_id = send_mutation(gateway, mutation, _action_note(plan.spec))
                result = list(per_id.values())
            except Refused as exc:
                result = [Outcome(i, "refused", "Refused", str(exc)) for i in call.ids]
            except SendingStopped as exc:
                rest = [i for c in plan.calls[n:] for i in c.ids] + exc.not_sent
                raise SendingStopped(exc.reason, outcomes + exc.outcomes, rest) from exc
            outcomes.extend(result)
            in_flight = ()
            if on_progress is not None:
                on_progress(n, len(plan.calls), result)
    except KeyboardInterrupt as exc:
        # Ctrl-C: say what went out, what may have (the call in flight: its audit item
        # stays pending, so a re-run re-reads it), and what never did.
        done = {o.id for o in outcomes}
        unknown = [Outcome(i, "unknown", "Interrupted", "interrupted while sending; it may have been performed")
                   for i in in_flight]  # fmt: skip
        rest = [i for c in plan.calls for i in c.ids if i not in done and i not in in_flight]
        raise SendingStopped("interrupted (Ctrl-C)", outcomes + unknown, rest, interrupted=True) from exc  # fmt: skip
    return outcomes


# -- one operation of the catalogue -------------------------------------------------------
@dataclass
class Result:
    op: Operation
    request: dict[str, Any]
    ok: bool
    response: dict[str, Any] = field(default_factory=dict)
    code: str = ""
    message: str = ""
    request_id: str = ""
    status: str = "sent"  # "sent" | "failed" | "unknown" | "read"

    def summary(self) -> str:
        if self.ok:
            return f"{self.op.name}: done"
        return f"{self.op.name} failed: {self.code}: {self.message}"


def send(op: Operation, request: dict[str, Any], gateway: Gateway, target: Any,
         after_unknown: bool = False) -> Result:  # fmt: skip
    """One call. Reads go straight to the target's client; mutations through the gateway
    (policy, scope, protect tag, audit, once-only), which raises ReadOnlyError when
    read-only. A refusal comes back as a Result with status "refused": nothing was sent."""
    if not op.mutates:
        try:  # reads, too, go only to a selected target with its own credentials
            where = gateway.scope.target(str(getattr(target, "account", "") or ""),
                                         str(target.region), getattr(target, "profile", None))  # fmt: skip
        except Refused as exc:
            return Result(op, request, False, {}, "Refused", f"not sent: {exc}", "", "refused")
        return _read(op, request, gateway.clients, where)
    subject = subject_of(op, request)
    m = Mutation(
        op.name, str(getattr(target, "account", "") or ""), str(target.region), request,
        subjects=() if subject == op.cli else (subject,), destructive=op.destructive,
        profile=getattr(target, "profile", None), after_unknown=after_unknown,
    )  # fmt: skip
    try:
        reply, _ = send_mutation(gateway, m, _brief_body)
    except Refused as exc:
        return Result(op, request, False, {}, "Refused", f"not sent: {exc}", "", "refused")
    if reply.status != "sent":
        return Result(op, request, False, {}, reply.code, reply.message, reply.request_id, reply.status)  # fmt: skip
    failed = reply.response.get("FailedRequests") or []
    if failed:
        # Batch calls answer partial failure in FailedRequests: report it as failure.
        first = failed[0] if isinstance(failed[0], dict) else {}
        return Result(op, request, False, reply.response, str(first.get("ErrorCode") or "FailedRequests"),
                      f"{len(failed)} request(s) failed: {first.get('ErrorMessage', '')}",
                      reply.request_id, "failed")  # fmt: skip
    return Result(op, request, True, reply.response, request_id=reply.request_id, status="sent")


def _brief_body(body: dict[str, Any]) -> str:
    text = json.dumps(body, default=str)
    return text if len(text) <= 200 else text[:197] + "..."


def _read(op: Operation, request: dict[str, Any], clients: Any, target: Any) -> Result:
    try:
        response = getattr(clients.workspaces(target), op.method)(**request)
    except Exception as exc:  # reported, never re-sent
        _status, code, message, rid = classify(exc, target)
        return Result(op, request, False, {}, code, message, rid, "failed")
    rid = str(response.get("ResponseMetadata", {}).get("RequestId", ""))
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    return Result(op, request, True, body, request_id=rid, status="read")


