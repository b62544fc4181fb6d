"""Action specs (rules from the WorkSpaces API Reference), plan() and execute().

plan() is pure: rows in, a Plan out (eligible ids cut into the fewest calls, skipped
ids with reasons). execute() sends exactly the planned calls, audits each one before
and after, and never re-sends a call whose fate is unknown.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from wstui.core.act.gateway import (
    PROTECT_TAG,
    Gateway,
    Mutation,
    Outcome,
    Refused,
    Reply,
    SendingStopped,
)
from wstui.core.act.policy import ReadOnlyError
from wstui.core.act.recheck import Recheck
from wstui.core.act.scope import Scope
from wstui.core.gcpause import gc_paused
from wstui.core.kinds import WORKSPACES

__all__ = ["PROTECT_TAG", "Outcome", "ReadOnlyError", "SendingStopped"]  # re-exported

ANY_STATE = frozenset(
    {
        "PENDING", "AVAILABLE", "IMPAIRED", "UNHEALTHY", "REBOOTING", "STARTING",
        "REBUILDING", "RESTORING", "MAINTENANCE", "ADMIN_MAINTENANCE", "TERMINATING",
        "TERMINATED", "SUSPENDED", "UPDATING", "STOPPING", "STOPPED", "ERROR",
    }
)  # fmt: skip
AUTO_OR_MANUAL = frozenset({"AUTO_STOP", "MANUAL"})
RUNNING_MODES = ("AUTO_STOP", "ALWAYS_ON", "MANUAL")
COMPUTE_TYPES = (
    "VALUE", "STANDARD", "PERFORMANCE", "POWER", "GRAPHICS", "POWERPRO",
    "GENERALPURPOSE_4XLARGE", "GENERALPURPOSE_8XLARGE", "GRAPHICSPRO",
    "GRAPHICS_G4DN", "GRAPHICSPRO_G4DN",
)  # fmt: skip

class ActionError(ValueError):
    """A plan or its parameters are invalid; the message says why."""


# -- rows ------------------------------------------------------------------
def _raw(row: dict) -> dict:
    raw = row.get("raw")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    return raw if isinstance(raw, dict) else row


def row_state(row: dict) -> str:
    return str(row.get("state") or _raw(row).get("State") or "")


def row_running_mode(row: dict) -> str:
    props = _raw(row).get("WorkspaceProperties") or {}
    return str(row.get("running_mode") or props.get("RunningMode") or "")


def row_props(row: dict) -> dict:
    return dict(_raw(row).get("WorkspaceProperties") or {})


def row_id(row: dict) -> str:
    return str(row.get("id") or _raw(row).get(WORKSPACES.id_field) or "")


def row_tags(row: dict) -> dict[str, str]:
    tags = row.get("tags")
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for t in _raw(row).get("Tags") or []:
        if isinstance(t, dict) and "Key" in t:
            out[str(t["Key"])] = str(t.get("Value", ""))
    return out


# -- specs -----------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    name: str  # CLI/TUI name: "mode", "minutes", "bundle"
    help: str
    choices: tuple[str, ...] = ()
    integer: bool = False


# Extra per-row check: returns a skip reason or None.
RowCheck = Callable[[dict, dict], str | None]


@dataclass(frozen=True)
class ActionSpec:
    name: str
    title: str
    api: str  # API operation name
    method: str  # boto3 method
    verb: str  # for reasons: "STOPPED cannot <verb>"
    ids_per_call: int
    states: frozenset[str]
    running_modes: frozenset[str] | None = None  # None = any
    destructive: bool = False
    params: tuple[Param, ...] = ()
    request: Callable[[list[str], dict], dict] = field(default=lambda ids, p: {})
    check: RowCheck | None = None
    note: str = ""

    @property
    def batched(self) -> bool:
        return self.ids_per_call > 1


_ID = WORKSPACES.id_param  # every action here acts on WorkSpaces


def _batch(key: str) -> Callable[[list[str], dict], dict]:
    return lambda ids, p: {key: [{_ID: i} for i in ids]}


def _state_req(state: str) -> Callable[[list[str], dict], dict]:
    return lambda ids, p: {_ID: ids[0], "WorkspaceState": state}


def _props_req(build: Callable[[dict], dict]) -> Callable[[list[str], dict], dict]:
    return lambda ids, p: {_ID: ids[0], "WorkspaceProperties": build(p)}


def _check_running_mode(row: dict, p: dict) -> str | None:
    if row_running_mode(row) == p["mode"]:
        return f"already {p['mode']}"
    return None


def _check_volumes(row: dict, p: dict) -> str | None:
    props = row_props(row)
    for param, key, label in (("root_gb", "RootVolumeSizeGib", "root"), ("user_gb", "UserVolumeSizeGib", "user")):  # fmt: skip
        want, have = p.get(param), props.get(key)
        if want is not None and isinstance(have, int) and want < have:
            return f"cannot shrink {label} volume"
    return None


def _check_compute(row: dict, p: dict) -> str | None:
    if row_props(row).get("ComputeTypeName") == p["compute"]:
        return f"already {p['compute']}"
    return None


def _volumes(p: dict) -> dict:
    out = {}
    if p.get("root_gb") is not None:
        out["RootVolumeSizeGib"] = p["root_gb"]
    if p.get("user_gb") is not None:
        out["UserVolumeSizeGib"] = p["user_gb"]
    return out


_MODIFY_STATES = frozenset({"AVAILABLE", "STOPPED"})

ACTIONS: dict[str, ActionSpec] = {
    s.name: s
    for s in (
        ActionSpec(
            "start", "Start", "StartWorkspaces", "start_workspaces", "start", 25,
            frozenset({"STOPPED"}), AUTO_OR_MANUAL, request=_batch("StartWorkspaceRequests"),
        ),
        ActionSpec(
            "stop", "Stop", "StopWorkspaces", "stop_workspaces", "stop", 25,
            frozenset({"AVAILABLE", "IMPAIRED", "UNHEALTHY", "ERROR"}), AUTO_OR_MANUAL,
            request=_batch("StopWorkspaceRequests"),
        ),
        ActionSpec(
            "reboot", "Reboot", "RebootWorkspaces", "reboot_workspaces", "reboot", 25,
            # REBOOTING is allowed by the API only when stuck for over 20 minutes,
            # which the cache cannot prove, so it is skipped.
            frozenset({"AVAILABLE", "UNHEALTHY"}), request=_batch("RebootWorkspaceRequests"),
        ),
        ActionSpec(
            "rebuild", "Rebuild", "RebuildWorkspaces", "rebuild_workspaces", "rebuild", 1,
            frozenset({"AVAILABLE", "ERROR", "UNHEALTHY", "STOPPED", "REBOOTING"}),
            destructive=True, request=_batch("RebuildWorkspaceRequests"),
            note="recreates the root volume; data outside the user volume is lost",
        ),
        ActionSpec(
            "restore", "Restore", "RestoreWorkspace", "restore_workspace", "restore", 1,
            frozenset({"AVAILABLE", "ERROR", "UNHEALTHY", "STOPPED"}), destructive=True,
            request=lambda ids, p: {_ID: ids[0]},
            note="restores the last healthy snapshot; later changes are lost",
        ),
        ActionSpec(
            "terminate", "Terminate", "TerminateWorkspaces", "terminate_workspaces",
            "terminate", 25, ANY_STATE - {"SUSPENDED", "TERMINATED"}, destructive=True,
            request=_batch("TerminateWorkspaceRequests"),
            note="permanent: the user's data is destroyed",
        ),
        ActionSpec(
            "migrate", "Migrate", "MigrateWorkspace", "migrate_workspace", "migrate", 1,
            frozenset({"AVAILABLE", "STOPPED"}), destructive=True,
            params=(Param("bundle", "target bundle id (wsb-...)"),),
            request=lambda ids, p: {"SourceWorkspaceId": ids[0], "BundleId": p["bundle"]},
            note="recreates the WorkSpace from the target bundle; the root volume is replaced",
        ),
        ActionSpec(
            "maintenance-on", "Maintenance on", "ModifyWorkspaceState",
            "modify_workspace_state", "enter maintenance", 1, frozenset({"AVAILABLE"}),
            request=_state_req("ADMIN_MAINTENANCE"),
        ),
        ActionSpec(
            "maintenance-off", "Maintenance off", "ModifyWorkspaceState",
            "modify_workspace_state", "leave maintenance", 1, frozenset({"ADMIN_MAINTENANCE"}),
            request=_state_req("AVAILABLE"),
        ),
        ActionSpec(
            "running-mode", "Set running mode", "ModifyWorkspaceProperties",
            "modify_workspace_properties", "change running mode", 1, _MODIFY_STATES,
            params=(Param("mode", "running mode", choices=RUNNING_MODES),),
            request=_props_req(lambda p: {"RunningMode": p["mode"]}), check=_check_running_mode,
        ),
        ActionSpec(
            "autostop-timeout", "Set AutoStop timeout", "ModifyWorkspaceProperties",
            "modify_workspace_properties", "change AutoStop timeout", 1, _MODIFY_STATES,
            frozenset({"AUTO_STOP"}),
            params=(Param("minutes", "minutes, a multiple of 60", integer=True),),
            request=_props_req(lambda p: {"RunningModeAutoStopTimeoutInMinutes": p["minutes"]}),
        ),
        ActionSpec(
            "compute-type", "Change compute type", "ModifyWorkspaceProperties",
            "modify_workspace_properties", "change compute type", 1, _MODIFY_STATES,
            params=(Param("compute", "compute type", choices=COMPUTE_TYPES),),
            request=_props_req(lambda p: {"ComputeTypeName": p["compute"]}), check=_check_compute,
        ),
        ActionSpec(
            "volumes", "Resize volumes", "ModifyWorkspaceProperties",
            "modify_workspace_properties", "resize volumes", 1, _MODIFY_STATES,
            params=(
                Param("root_gb", "root volume GiB", integer=True),
                Param("user_gb", "user volume GiB", integer=True),
            ),
            request=_props_req(_volumes), check=_check_volumes,
        ),
    )
}  # fmt: skip

ALIASES = {
    "maintenance": "maintenance-on",
    "autostop": "autostop-timeout",
    "compute": "compute-type",
}


def reads_raw(action: str) -> bool:
    """Whether planning `action` reads a row's raw item (WorkspaceProperties beyond the
    stored columns); the others need only the key, state, running mode and protect tag."""
    return resolve_action(action).check in (_check_volumes, _check_compute)


def resolve_action(name: str) -> ActionSpec:
    key = ALIASES.get(name, name)
    if key not in ACTIONS:
        raise ActionError(f"unknown action {name!r}; known: {', '.join(ACTIONS)}")
    return ACTIONS[key]


def validate_params(spec: ActionSpec, params: dict | None) -> dict:
    """Check and normalise an action's parameters; ActionError names what is wrong."""
    given = dict(params or {})
    known = {p.name for p in spec.params}
    unknown = sorted(set(given) - known)
    if unknown:
        raise ActionError(f"{spec.name}: unknown parameter(s) {', '.join(unknown)}")
    out: dict[str, Any] = {}
    for p in spec.params:
        value = given.get(p.name)
        if value is None or value == "":
            continue
        if p.integer:
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise ActionError(f"{spec.name}: {p.name} must be an integer") from None
            if value <= 0:
                raise ActionError(f"{spec.name}: {p.name} must be positive")
        elif p.choices:
            value = str(value).upper()
            if value not in p.choices:
                raise ActionError(f"{spec.name}: {p.name} must be one of {', '.join(p.choices)}")
        out[p.name] = value
    if spec.name == "volumes":
        if not out:
            raise ActionError("volumes: give root_gb and/or user_gb")
    else:
        missing = [p.name for p in spec.params if p.name not in out]
        if missing:
            raise ActionError(f"{spec.name}: missing parameter(s) {', '.join(missing)}")
    if spec.name == "autostop-timeout" and out["minutes"] % 60:
        raise ActionError("autostop-timeout: minutes must be a multiple of 60")
    if spec.name == "migrate" and not str(out["bundle"]).startswith("wsb-"):
        raise ActionError("migrate: bundle must be a bundle id like wsb-...")
    return out


# -- plan ------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    account: str
    region: str
    ids: tuple[str, ...]
    request: dict


@dataclass(frozen=True)
class Skip:
    id: str
    account: str
    region: str
    reason: str


@dataclass
class Plan:
    spec: ActionSpec
    params: dict
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
    rows: Iterable[dict],
    params: dict | None = None,
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
    rows: Iterable[dict],
    params: dict | None,
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
        for chunk in _chunks(ids, spec.ids_per_call)
    ]
    return Plan(spec, p, calls, skipped, hidden, rechecked=checked is not None)


def tags_known(row: dict) -> bool:
    """False when the listing has not read this row's tags yet (see core.listers)."""
    return isinstance(row.get("tags"), dict) or "Tags" in _raw(row)


def _tagged(row: dict, tag: str) -> bool:
    """``tag in row_tags(row)`` without copying the tags of every row of a 100,000-row plan."""
    tags = row.get("tags")
    if isinstance(tags, dict):
        return tag in tags or any(str(k) == tag for k in tags if not isinstance(k, str))
    return tag in row_tags(row)


def _skip_reason(spec: ActionSpec, row: dict, p: dict, protect_tag: str) -> str | None:
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


def _chunks(ids: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


# -- execute ---------------------------------------------------------------
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
                _, per_id = gateway.send(mutation, functools.partial(_per_id, plan.spec, call.ids))
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


def _per_id(spec: ActionSpec, ids: tuple[str, ...], reply: Reply) -> dict[str, Outcome]:
    """Batch calls answer partial failure in FailedRequests: parse it, never assume success."""
    if reply.status != "sent":
        return {i: Outcome(i, reply.status, reply.code, reply.message) for i in ids}
    response = reply.response
    failed = {
        str(f.get(_ID)): f
        for f in response.get("FailedRequests") or []
        if isinstance(f, dict)
    }
    out = {}
    for i in ids:
        if i in failed:
            f = failed[i]
            out[i] = Outcome(i, "failed", str(f.get("ErrorCode") or ""), str(f.get("ErrorMessage") or ""))  # fmt: skip
        else:
            msg = ""
            if spec.api == "MigrateWorkspace" and response.get("TargetWorkspaceId"):
                msg = f"new id {response['TargetWorkspaceId']}"
            out[i] = Outcome(i, "sent", "", msg)
    return out
