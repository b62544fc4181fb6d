"""Action specs: the WorkSpaces actions wstui plans over many rows, with the rules of the
WorkSpaces API Reference (allowed states and running modes, ids per call, request
shape, destructive or not), their parameters and how a row's facts are read.

Planning: core.act.planning; sending: core.act.sending.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from wstui.core.kinds import WORKSPACES

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
def _raw(row: dict[str, Any]) -> dict[str, Any]:
    raw = row.get("raw")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raw = None
    return raw if isinstance(raw, dict) else row


def row_state(row: dict[str, Any]) -> str:
    return str(row.get("state") or _raw(row).get("State") or "")


def row_running_mode(row: dict[str, Any]) -> str:
    props = _raw(row).get("WorkspaceProperties") or {}
    return str(row.get("running_mode") or props.get("RunningMode") or "")


def row_props(row: dict[str, Any]) -> dict[str, Any]:
    return dict(_raw(row).get("WorkspaceProperties") or {})


def row_id(row: dict[str, Any]) -> str:
    return str(row.get("id") or _raw(row).get(WORKSPACES.id_field) or "")


def row_tags(row: dict[str, Any]) -> dict[str, str]:
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
RowCheck = Callable[[dict[str, Any], dict[str, Any]], str | None]


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
    request: Callable[[list[str], dict[str, Any]], dict[str, Any]] = field(
        default=lambda ids, p: {}
    )
    check: RowCheck | None = None
    note: str = ""

    @property
    def batched(self) -> bool:
        return self.ids_per_call > 1


_ID = WORKSPACES.id_param  # every action here acts on WorkSpaces


def _batch(key: str) -> Callable[[list[str], dict[str, Any]], dict[str, Any]]:
    return lambda ids, p: {key: [{_ID: i} for i in ids]}


def _state_req(state: str) -> Callable[[list[str], dict[str, Any]], dict[str, Any]]:
    return lambda ids, p: {_ID: ids[0], "WorkspaceState": state}


def _props_req(
    build: Callable[[dict[str, Any]], dict[str, Any]],
) -> Callable[[list[str], dict[str, Any]], dict[str, Any]]:
    return lambda ids, p: {_ID: ids[0], "WorkspaceProperties": build(p)}


def _check_running_mode(row: dict[str, Any], p: dict[str, Any]) -> str | None:
    if row_running_mode(row) == p["mode"]:
        return f"already {p['mode']}"
    return None


def _check_volumes(row: dict[str, Any], p: dict[str, Any]) -> str | None:
    props = row_props(row)
    for param, key, label in (("root_gb", "RootVolumeSizeGib", "root"), ("user_gb", "UserVolumeSizeGib", "user")):  # fmt: skip
        want, have = p.get(param), props.get(key)
        if want is not None and isinstance(have, int) and want < have:
            return f"cannot shrink {label} volume"
    return None


def _check_compute(row: dict[str, Any], p: dict[str, Any]) -> str | None:
    if row_props(row).get("ComputeTypeName") == p["compute"]:
        return f"already {p['compute']}"
    return None


def _volumes(p: dict[str, Any]) -> dict[str, Any]:
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


def validate_params(spec: ActionSpec, params: dict[str, Any] | None) -> dict[str, Any]:
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


