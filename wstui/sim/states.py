"""WorkSpace states, the rules that gate each action, and how long transitions take.

Rules come from the WorkSpaces API Reference (2015-04-08, /work/shared/reference/002_*.txt):
each action's "You cannot ... unless its state is ..." sentence. Durations are virtual
seconds on the simulator's clock; they are shaped like the real service (a reboot takes a
couple of minutes, a rebuild much longer) but short enough for a demo at speed 10.
"""

from __future__ import annotations

from typing import Final

# Every value of WorkspaceState in the reference.
ALL_STATES: Final = (
    "PENDING", "AVAILABLE", "IMPAIRED", "UNHEALTHY", "REBOOTING", "STARTING", "REBUILDING",
    "RESTORING", "MAINTENANCE", "ADMIN_MAINTENANCE", "TERMINATING", "TERMINATED",
    "SUSPENDED", "UPDATING", "STOPPING", "STOPPED", "ERROR",
)  # fmt: skip

RUNNING_MODES: Final = ("AUTO_STOP", "ALWAYS_ON", "MANUAL")

# Pseudo-state: the WorkSpace has been cleaned up and no longer appears anywhere.
GONE: Final = "GONE"

# Action -> states in which the service accepts it.
ALLOWED_STATES: Final[dict[str, frozenset[str]]] = {
    "StartWorkspaces": frozenset({"STOPPED"}),
    "StopWorkspaces": frozenset({"AVAILABLE", "IMPAIRED", "UNHEALTHY", "ERROR"}),
    # REBOOTING is accepted only when stuck there longer than REBOOT_STUCK_AFTER.
    "RebootWorkspaces": frozenset({"AVAILABLE", "UNHEALTHY", "REBOOTING"}),
    "RebuildWorkspaces": frozenset({"AVAILABLE", "ERROR", "UNHEALTHY", "STOPPED", "REBOOTING"}),
    "RestoreWorkspace": frozenset({"AVAILABLE", "ERROR", "UNHEALTHY", "STOPPED"}),
    "TerminateWorkspaces": frozenset(set(ALL_STATES) - {"SUSPENDED"}),
    # Not spelled out by the reference; the console migrates AVAILABLE or STOPPED ones.
    "MigrateWorkspace": frozenset({"AVAILABLE", "STOPPED"}),
    # ModifyWorkspaceState toggles between these two only.
    "ModifyWorkspaceState": frozenset({"AVAILABLE", "ADMIN_MAINTENANCE"}),
    # Compute type / volume / running-mode changes need a settled WorkSpace.
    "ModifyWorkspaceProperties": frozenset({"AVAILABLE", "STOPPED"}),
}

# Actions that also require a running mode (Start/Stop: "AutoStop or Manual").
ALLOWED_RUNNING_MODES: Final[dict[str, frozenset[str]]] = {
    "StartWorkspaces": frozenset({"AUTO_STOP", "MANUAL"}),
    "StopWorkspaces": frozenset({"AUTO_STOP", "MANUAL"}),
}

REBOOT_STUCK_AFTER: Final = 20 * 60  # "stuck in the REBOOTING state for over 20 minutes"

# Action -> (transitional state, seconds in it, final state). GONE removes the WorkSpace.
TRANSITIONS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "create": (("PENDING", 20 * 60.0), ("AVAILABLE", 0.0)),
    "StartWorkspaces": (("STARTING", 90.0), ("AVAILABLE", 0.0)),
    "StopWorkspaces": (("STOPPING", 60.0), ("STOPPED", 0.0)),
    "RebootWorkspaces": (("REBOOTING", 120.0), ("AVAILABLE", 0.0)),
    "RebuildWorkspaces": (("REBUILDING", 15 * 60.0), ("AVAILABLE", 0.0)),
    "RestoreWorkspace": (("RESTORING", 10 * 60.0), ("AVAILABLE", 0.0)),
    "TerminateWorkspaces": (("TERMINATING", 5 * 60.0), ("TERMINATED", 60.0), (GONE, 0.0)),
    # The source of a migration is retired once the target exists.
    "MigrateWorkspace": (("TERMINATING", 20 * 60.0), (GONE, 0.0)),
}

# ModifyWorkspaceProperties changing compute or volumes: UPDATING for this long.
UPDATE_SECONDS: Final = 5 * 60.0

# FailedRequests codes. The reference names no per-item codes; these follow the shapes the
# service is seen to answer ("<Category>.<Detail>"), and every message names the state.
ERR_NOT_FOUND: Final = "ResourceNotFound.Workspace"
ERR_STATE: Final = "InvalidResourceState"
ERR_RUNNING_MODE: Final = "UnsupportedWorkspaceConfiguration.RunningMode"
ERR_REBOOT_TOO_SOON: Final = "InvalidResourceState.RebootInProgress"


def state_refusal(action: str, state: str) -> str:
    allowed = ", ".join(sorted(ALLOWED_STATES[action]))
    return (
        f"The WorkSpace is in state {state}; {action} is only accepted in state {allowed}."
    )


def running_mode_refusal(action: str, mode: str) -> str:
    return f"{action} is not supported for a WorkSpace with running mode {mode}."
