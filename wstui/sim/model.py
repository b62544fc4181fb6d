"""In-memory resources the simulator adds to moto's WorkSpaces backend.

WorkSpaces live in moto's ``backend.workspaces`` dict (so moto's own tagging and image code
still finds them) but as ``SimWorkspace``: a slotted object whose state advances lazily.
An action books a short plan of (virtual time, state) steps; reading the state applies the
steps whose time has come. Nothing runs per clock tick, so 100,000 WorkSpaces cost nothing
while idle.
"""

from __future__ import annotations

import base64
import bisect
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from wstui.sim import states

# One lock for all simulator state: handlers are short, and moto's server is threaded.
LOCK = threading.RLock()

T = TypeVar("T")


class SimWorkspace:
    __slots__ = (
        "__weakref__",
        "auto_stop_minutes",
        "bundle_id",
        "compute_type",
        "computer_name",
        "directory_id",
        "down_since",
        "error_code",
        "error_message",
        "ip_address",
        "modification_states",
        "off",
        "plan",
        "protocols",
        "root_gb",
        "running_mode",
        "state",
        "state_since",
        "subnet_id",
        "tags",
        "user_gb",
        "user_name",
        "workspace_id",
        "workspace_name",
    )  # fmt: skip

    def __init__(
        self,
        workspace_id: str,
        directory_id: str,
        user_name: str,
        bundle_id: str,
        state: str,
        state_since: float,
        running_mode: str = "AUTO_STOP",
        compute_type: str = "STANDARD",
        root_gb: int = 80,
        user_gb: int = 50,
        computer_name: str = "",
        ip_address: str = "",
        subnet_id: str = "",
        tags: list[dict[str, str]] | None = None,
        auto_stop_minutes: int | None = 60,
        protocols: tuple[str, ...] = ("PCOIP",),
        workspace_name: str = "",
        created: float | None = None,
        left_at: float | None = None,
    ) -> None:
        self.workspace_id = workspace_id
        self.directory_id = directory_id
        self.user_name = user_name
        self.bundle_id = bundle_id
        self.state = state
        self.state_since = state_since
        self.plan: list[tuple[float, str]] | None = None
        self.running_mode = running_mode
        self.auto_stop_minutes = auto_stop_minutes if running_mode == "AUTO_STOP" else None
        self.compute_type = compute_type
        self.root_gb = root_gb
        self.user_gb = user_gb
        self.computer_name = computer_name
        self.ip_address = ip_address
        self.subnet_id = subnet_id
        self.tags = tags if tags is not None else []
        # Connection history (wstui.sim.connections): when the WorkSpace could hold no
        # session. `down_since`: not AVAILABLE since then (None while AVAILABLE); `off`:
        # closed such intervals, plus before `created` (None: long ago) and after the
        # user stopped using it (`left_at`).
        self.down_since: float | None = None if state == "AVAILABLE" else state_since
        self.off: list[tuple[float, float]] | None = None
        if created is not None:
            self.down_since = -math.inf if state != "AVAILABLE" else None
            if state == "AVAILABLE":
                self.off = [(-math.inf, created)]
        if left_at is not None:
            self.off = [*(self.off or ()), (left_at, math.inf)]
        self.protocols = protocols
        self.workspace_name = workspace_name
        self.error_code = ""
        self.error_message = ""
        self.modification_states: list[dict[str, str]] = []

    # -- lazy state machine -------------------------------------------------------------
    def state_at(self, now: float) -> str:
        plan = self.plan
        while plan and plan[0][0] <= now:
            at, state = plan.pop(0)
            self.enter(state, at)
            if self.state != "UPDATING":
                self.modification_states = []
        if plan is not None and not plan:
            self.plan = None
        return self.state

    def enter(self, state: str, at: float) -> None:
        """Change state at ``at``, keeping the connection history up to date."""
        self.state, self.state_since = state, at
        if state == "AVAILABLE":
            if self.down_since is not None:
                self.off = [*(self.off or ()), (self.down_since, at)]
                self.down_since = None
        elif self.down_since is None:
            self.down_since = at

    def book(self, steps: Sequence[tuple[str, float]], now: float) -> None:
        """Enter steps[0] now; each following step starts when the previous one's time is up."""
        first, duration = steps[0]
        self.enter(first, now)
        at = now + duration
        plan: list[tuple[float, str]] = []
        for state, seconds in steps[1:]:
            plan.append((at, state))
            at += seconds
        self.plan = plan or None

    # -- API shapes ---------------------------------------------------------------------
    def properties(self) -> dict[str, Any]:
        props: dict[str, Any] = {
            "RunningMode": self.running_mode,
            "RootVolumeSizeGib": self.root_gb,
            "UserVolumeSizeGib": self.user_gb,
            "ComputeTypeName": self.compute_type,
            "Protocols": list(self.protocols),
        }
        if self.auto_stop_minutes is not None:
            props["RunningModeAutoStopTimeoutInMinutes"] = self.auto_stop_minutes
        return props

    def to_api(self, now: float) -> dict[str, Any]:
        state = self.state_at(now)
        item: dict[str, Any] = {
            "WorkspaceId": self.workspace_id,
            "DirectoryId": self.directory_id,
            "UserName": self.user_name,
            "State": state,
            "BundleId": self.bundle_id,
            "WorkspaceProperties": self.properties(),
            "RootVolumeEncryptionEnabled": False,
            "UserVolumeEncryptionEnabled": False,
        }
        if state != "PENDING":
            # The service fills these in once the WorkSpace has been provisioned.
            item["IpAddress"] = self.ip_address
            item["SubnetId"] = self.subnet_id
            item["ComputerName"] = self.computer_name
        if self.workspace_name:
            item["WorkspaceName"] = self.workspace_name
        if self.error_code:
            item["ErrorCode"] = self.error_code
            item["ErrorMessage"] = self.error_message
        if self.modification_states:
            item["ModificationStates"] = list(self.modification_states)
        return item

    # moto's describe path calls this; keep it working if someone reaches it.
    def to_dict_pending(self) -> dict[str, Any]:
        from wstui.sim.runtime import current

        return self.to_api(current().clock.now())


@dataclass
class IpGroup:
    group_id: str
    name: str
    desc: str = ""
    rules: list[dict[str, str]] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)

    def to_api(self) -> dict[str, Any]:
        return {
            "groupId": self.group_id,
            "groupName": self.name,
            "groupDesc": self.desc,
            "userRules": [dict(r) for r in self.rules],
        }


@dataclass
class ConnectionAlias:
    alias_id: str
    connection_string: str
    owner: str
    created_at: float  # virtual time at which CREATING becomes CREATED
    state: str = "CREATING"  # CREATING | CREATED | DELETING
    associations: list[dict[str, str]] = field(default_factory=list)
    permissions: dict[str, bool] = field(default_factory=dict)  # account -> AllowAssociation
    tags: list[dict[str, str]] = field(default_factory=list)

    def state_at(self, now: float) -> str:
        if self.state == "CREATING" and now >= self.created_at:
            self.state = "CREATED"
        return self.state

    def to_api(self, now: float) -> dict[str, Any]:
        item: dict[str, Any] = {
            "AliasId": self.alias_id,
            "ConnectionString": self.connection_string,
            "OwnerAccountId": self.owner,
            "State": self.state_at(now),
        }
        if self.associations:
            item["Associations"] = [dict(a) for a in self.associations]
        return item


@dataclass
class Pool:
    pool_id: str
    name: str
    bundle_id: str
    directory_id: str
    arn: str
    desired: int
    created: float
    state: str = "STOPPED"  # CREATING|DELETING|RUNNING|STARTING|STOPPED|STOPPING|UPDATING
    running_mode: str = "AUTO_STOP"
    plan: list[tuple[float, str]] | None = None
    tags: list[dict[str, str]] = field(default_factory=list)

    def state_at(self, now: float) -> str:
        while self.plan and self.plan[0][0] <= now:
            self.state = self.plan.pop(0)[1]
        return self.state

    def to_api(self, now: float) -> dict[str, Any]:
        state = self.state_at(now)
        running = self.desired if state == "RUNNING" else 0
        return {
            "PoolId": self.pool_id,
            "PoolArn": self.arn,
            "PoolName": self.name,
            "Description": f"pool {self.name}",
            "State": state,
            "CreatedAt": self.created,
            "BundleId": self.bundle_id,
            "DirectoryId": self.directory_id,
            "RunningMode": self.running_mode,
            "CapacityStatus": {
                "AvailableUserSessions": running,
                "DesiredUserSessions": self.desired,
                "ActualUserSessions": running,
                "ActiveUserSessions": 0,
            },
            "Errors": [],
        }


@dataclass
class RegionExtras:
    """What the simulator keeps per (account, region) besides moto's own dicts."""

    bundles: dict[str, dict[str, Any]] = field(default_factory=dict)  # account-owned
    ip_groups: dict[str, IpGroup] = field(default_factory=dict)
    aliases: dict[str, ConnectionAlias] = field(default_factory=dict)
    pools: dict[str, Pool] = field(default_factory=dict)
    dir_ip_groups: dict[str, list[str]] = field(default_factory=dict)  # directory -> groups
    terminating: set[str] = field(default_factory=set)  # ids with a plan ending in GONE
    _sorted: list[str] | None = None

    def invalidate(self) -> None:
        self._sorted = None

    def sorted_ids(self, workspaces: dict[str, Any]) -> list[str]:
        if self._sorted is None:
            self._sorted = sorted(workspaces)
        return self._sorted


def extras(backend: Any) -> RegionExtras:
    """The simulator's additions hung on a moto backend (reset together with it)."""
    found = backend.__dict__.get("_wstui_extras")
    if found is None:
        with LOCK:
            found = backend.__dict__.setdefault("_wstui_extras", RegionExtras())
    return found


def purge_gone(backend: Any, now: float) -> None:
    """Drop WorkSpaces whose termination finished; cheap because only those are checked."""
    ex = extras(backend)
    if not ex.terminating:
        return
    for ws_id in list(ex.terminating):
        ws = backend.workspaces.get(ws_id)
        if ws is None:
            ex.terminating.discard(ws_id)
        elif ws.state_at(now) == states.GONE:
            del backend.workspaces[ws_id]
            ex.terminating.discard(ws_id)
            ex.invalidate()


# -- paging ------------------------------------------------------------------------------
class BadToken(ValueError):
    pass


def encode_token(key: str) -> str:
    return base64.urlsafe_b64encode(f"v1:{key}".encode()).decode()


def decode_token(token: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(token.encode()).decode()
    except (ValueError, UnicodeDecodeError) as e:
        raise BadToken(token) from e
    if not raw.startswith("v1:"):
        raise BadToken(token)
    return raw[3:]


def page(
    keys: Sequence[str],
    fetch: Callable[[str], T | None],
    limit: int,
    token: str | None,
    keep: Callable[[T], bool] = lambda _item: True,
) -> tuple[list[T], str | None]:
    """A page of up to ``limit`` items in key order after the token's key.

    The token names the last key returned rather than an offset, so items appearing or
    disappearing between pages never make a listing skip or repeat an item.
    """
    start = 0 if not token else bisect.bisect_right(keys, decode_token(token))
    out: list[T] = []
    i = start
    n = len(keys)
    while i < n and len(out) < limit:
        item = fetch(keys[i])
        if item is not None and keep(item):
            out.append(item)
        i += 1
    if i >= n or len(out) < limit:
        return out, None
    # Look ahead so a full last page does not hand out a token that leads to nothing.
    if not any((it := fetch(k)) is not None and keep(it) for k in keys[i:]):
        return out, None
    return out, encode_token(keys[i - 1])


def sorted_keys(items: Iterable[str]) -> list[str]:
    return sorted(items)
