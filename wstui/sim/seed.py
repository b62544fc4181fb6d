"""Deterministic fleet seeder: writes straight into moto's backends (no API round trips).

Same seed and size -> same ids, users, states and tags. Hostile strings are planted on a
fixed subset (index % 50 in HOSTILE_SLOTS) so every screen meets them even in tiny fleets.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from moto.workspaces.models import WorkSpaceDirectory, WorkspaceImage, workspaces_backends

from wstui.sim import states
from wstui.sim.catalogue import AMAZON_BUNDLES, COMPUTE_TYPES, make_bundle
from wstui.sim.model import LOCK, ConnectionAlias, IpGroup, Pool, SimWorkspace, extras

DEFAULT_ACCOUNT = "123456789012"

HOSTILE_STRINGS: tuple[str, ...] = (
    "[bold red]x[/]",
    "[link=file:///etc/passwd]click me[/link]",
    "\x1b[31mred\x1b[0m\x1b[2J",  # ANSI colour + clear screen
    "\x1b]8;;https://evil.example/\x07osc8 link\x1b]8;;\x07",  # OSC 8 hyperlink
    "\x1b]0;pwned title\x07bell",  # OSC window title
    "W" * 1000,  # 1,000 characters
    "\u202egnp.exe مرحبا بالعالم",  # RTL override + Arabic
    "山田太郎🦄💥👩\u200d💻",  # CJK + emoji + ZWJ sequence
    "zero\u200bwidth\u0301\u0301 combining",
    "line1\nline2\ttab\r",
    "'; DROP TABLE workspaces;-- %s %n {0} ${HOME} \\",
    "[/]]][[[dim]",  # unbalanced markup
)
HOSTILE_SLOTS = (3, 7)

_FIRST = ("alex", "sam", "kim", "noor", "li", "maria", "omar", "yuki", "ana", "ivan", "ola",
          "raj", "zoe", "ben", "fatima", "chen", "lea", "tom", "eva", "hugo")  # fmt: skip
_LAST = ("smith", "garcia", "chen", "okafor", "novak", "tanaka", "silva", "khan", "berg",
         "rossi", "kowalski", "dubois", "nguyen", "haddad", "larsen")  # fmt: skip
_TEAMS = ("finance", "support", "engineering", "sales", "legal", "design", "ops", "hr")

# (state, weight): mostly AVAILABLE, some STOPPED, a few of everything else.
_STATE_WEIGHTS = (
    ("AVAILABLE", 780), ("STOPPED", 140), ("ERROR", 15), ("UNHEALTHY", 15), ("IMPAIRED", 5),
    ("SUSPENDED", 5), ("ADMIN_MAINTENANCE", 10), ("REBOOTING", 6), ("PENDING", 6),
    ("STARTING", 6), ("STOPPING", 6), ("REBUILDING", 3), ("MAINTENANCE", 3),
)  # fmt: skip
_MODE_WEIGHTS = (("AUTO_STOP", 65), ("ALWAYS_ON", 30), ("MANUAL", 5))
_COMPUTE_WEIGHTS = (60, 25, 25, 10, 4, 2, 1)  # in COMPUTE_TYPES order
_SETTLE = {  # transitional seeded states finish like the action that causes them
    "REBOOTING": "RebootWorkspaces", "PENDING": "create", "STARTING": "StartWorkspaces",
    "STOPPING": "StopWorkspaces", "REBUILDING": "RebuildWorkspaces",
}  # fmt: skip

DAY = 86400.0


@dataclass
class SeedReport:
    size: int
    regions: tuple[str, ...]
    directories: dict[str, list[str]] = field(default_factory=dict)  # region -> ids
    workspace_ids: dict[str, list[str]] = field(default_factory=dict)  # region -> ids
    hostile_ids: list[tuple[str, str]] = field(default_factory=list)  # (region, id)
    states: dict[str, int] = field(default_factory=dict)


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _fake_ds_directory(rng: random.Random, directory_id: str, name: str, now: float) -> Any:
    """The attributes moto's WorkSpaceDirectory reads from a DS directory.

    Building real DS directories means real EC2 VPCs and subnets per region, which costs
    seconds; WorkSpaceDirectory only reads these fields, so a namespace is enough.
    """
    subnets = [f"subnet-{rng.getrandbits(68):017x}" for _ in range(2)]
    # Drawn as before (the ids after it depend on the draw); AWS Managed Microsoft AD has no
    # DirectoryType of its own in the WorkSpaces model, so it is registered as the
    # customer-managed kind (moto maps SimpleAD / ADConnector to SIMPLE_AD / AD_CONNECTOR).
    kind = rng.choice(("SimpleAD", "ADConnector", "MicrosoftAD"))
    if kind == "MicrosoftAD":
        kind = "CUSTOMER_MANAGED"
    settings = {"VpcId": f"vpc-{rng.getrandbits(68):017x}", "SubnetIds": subnets}
    return SimpleNamespace(
        directory_id=directory_id,
        alias=name.split(".")[0],
        name=name,
        launch_time=datetime.fromtimestamp(now - 400 * DAY, tz=UTC).isoformat(),
        directory_type=kind,
        connect_settings=settings,
        vpc_settings=settings,
        dns_ip_addrs=[f"10.0.{rng.randrange(256)}.{rng.randrange(2, 250)}" for _ in range(2)],
    )


def _rand_id(rng: random.Random, prefix: str, n: int = 9) -> str:
    alphabet = string.digits + string.ascii_lowercase
    return prefix + "".join(rng.choices(alphabet, k=n))


def seed_fleet(
    *,
    size: int,
    seed: int,
    now: float,
    regions: Sequence[str] = ("us-east-1", "eu-west-1"),
    directories_per_region: int = 3,
    account: str = DEFAULT_ACCOUNT,
) -> SeedReport:
    """Create ``size`` WorkSpaces spread over ``regions`` x ``directories_per_region``."""
    if size < 0 or not regions or directories_per_region < 1:
        raise ValueError("size >= 0, at least one region and one directory per region")
    rng = random.Random(f"wstui-sim/{seed}")
    report = SeedReport(size=size, regions=tuple(regions))
    with LOCK:
        targets: list[tuple[Any, str, dict[str, Any]]] = []  # (backend, directory, bundles)
        for region in regions:
            backend = workspaces_backends[account][region]
            bundles = _seed_region_resources(rng, backend, region, directories_per_region, now)
            report.directories[region] = list(backend.workspace_directories)
            report.workspace_ids[region] = []
            for d in report.directories[region][-directories_per_region:]:
                targets.append((backend, d, bundles))
        by_compute: dict[str, list[str]] = {}
        for b in AMAZON_BUNDLES.values():
            by_compute.setdefault(b["ComputeType"]["Name"], []).append(b["BundleId"])
        for i in range(size):
            backend, directory_id, own = targets[i % len(targets)]
            ws = _make_workspace(rng, i, directory_id, by_compute, own, now)
            while ws.workspace_id in backend.workspaces:  # astronomically rare, but cheap
                ws.workspace_id = _rand_id(rng, "ws-")
            backend.workspaces[ws.workspace_id] = ws
            region = backend.region_name
            report.workspace_ids[region].append(ws.workspace_id)
            report.states[ws.state] = report.states.get(ws.state, 0) + 1
            if i % 50 in HOSTILE_SLOTS:
                report.hostile_ids.append((region, ws.workspace_id))
        for region in regions:
            extras(workspaces_backends[account][region]).invalidate()
    return report


def _make_workspace(
    rng: random.Random,
    i: int,
    directory_id: str,
    by_compute: dict[str, list[str]],
    own_bundles: dict[str, Any],
    now: float,
) -> SimWorkspace:
    state = _weighted(rng, _STATE_WEIGHTS)
    mode = _weighted(rng, _MODE_WEIGHTS)
    if state in ("STOPPED", "STOPPING", "STARTING") and mode == "ALWAYS_ON":
        mode = "AUTO_STOP"  # only AutoStop/Manual WorkSpaces stop
    compute = rng.choices(COMPUTE_TYPES, _COMPUTE_WEIGHTS)[0]
    own = [b for b, v in own_bundles.items() if v["ComputeType"]["Name"] == compute]
    bundle = rng.choice(own) if own and rng.random() < 0.3 else rng.choice(by_compute[compute])
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    user = f"{first}.{last}{i}"
    computer = "WSAMZN-" + "".join(rng.choices(string.ascii_uppercase + string.digits, k=8))
    tags = [{"Key": "Team", "Value": rng.choice(_TEAMS)}]
    if rng.random() < 0.6:
        tags.append({"Key": "CostCenter", "Value": f"CC-{rng.randrange(100, 999)}"})
    if rng.random() < 0.3:
        tags.append({"Key": "Owner", "Value": f"{first}@example.com"})
    if i % 50 in HOSTILE_SLOTS:
        k = (i // 50) * 2 + HOSTILE_SLOTS.index(i % 50)
        h = HOSTILE_STRINGS
        # Cut to the model's limits (UserName 1-63, TagKey 1-127, TagValue 0-255): hostile
        # content, but nothing the real service could return.
        user = h[k % len(h)][:63]
        computer = h[(k + 1) % len(h)]
        tags.append({"Key": h[(k + 2) % len(h)][:127], "Value": h[(k + 3) % len(h)][:255]})
    # Usage comes from the session model (wstui.sim.connections); the seed only says
    # whether the user stopped using the WorkSpace months ago. The same draws as when the
    # seed stored a last connection, so the rest of a seeded fleet is unchanged.
    history = rng.random()
    left_at: float | None = None
    if history < 0.6:
        rng.uniform(60, 7 * DAY)
    elif history < 0.85:
        left_at = now - rng.uniform(60 * DAY, 400 * DAY)  # idle for months
    since = now - rng.uniform(0, 30 * DAY)
    ws = SimWorkspace(
        workspace_id=_rand_id(rng, "ws-"),
        directory_id=directory_id,
        user_name=user,
        bundle_id=bundle,
        state=state,
        state_since=since,
        running_mode=mode,
        compute_type=compute,
        root_gb=rng.choice((80, 80, 175)),
        user_gb=rng.choice((10, 50, 50, 100)),
        computer_name=computer,
        ip_address=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
        subnet_id=f"subnet-{rng.getrandbits(32):08x}",
        tags=tags,
        left_at=left_at,
        created=now if state == "PENDING" else None,  # being provisioned: no past
        auto_stop_minutes=rng.choice((60, 60, 120, 180)),
        protocols=("WSP",) if rng.random() < 0.4 else ("PCOIP",),
    )
    if state in _SETTLE:
        # Seeded mid-transition: it finishes within its normal duration from now.
        steps = states.TRANSITIONS[_SETTLE[state]]
        ws.book(steps, now - rng.uniform(0, steps[0][1] * 0.8))
        if state != "PENDING":
            ws.down_since = ws.state_since  # up until the transition began, not since `since`
    if state == "ERROR":
        ws.error_code, ws.error_message = "InternalError", "The WorkSpace failed to launch."
    return ws


def _seed_region_resources(
    rng: random.Random, backend: Any, region: str, n_dirs: int, now: float
) -> dict[str, Any]:
    ex = extras(backend)
    account = backend.account_id
    start = len(backend.workspace_directories)
    for j in range(start, start + n_dirs):
        directory_id = f"d-{rng.getrandbits(40):010x}"
        name = f"corp{j}.{region}.example.com"
        ds = _fake_ds_directory(rng, directory_id, name, now)
        backend.workspace_directories[directory_id] = WorkSpaceDirectory(
            account_id=account,
            region=region,
            directory=ds,
            registration_code=f"SLiad+{rng.getrandbits(30):08X}",
            security_group_id=f"sg-{rng.getrandbits(68):017x}",
            subnet_ids=[],
            enable_self_service=bool(j % 2),
            tenancy="SHARED",
            tags=[{"Key": "Environment", "Value": ("prod", "staging")[j % 2]}],
        )
    for compute in ("STANDARD", "PERFORMANCE"):
        b = make_bundle(
            f"{region}-golden-{compute.lower()}", compute, account,
            f"Golden image ({compute.lower()})", now - 90 * DAY, "WINDOWS_SERVER_2022",
        )  # fmt: skip
        ex.bundles[b["BundleId"]] = b
    dirs = list(backend.workspace_directories)
    for name, cidrs in (("office", ["203.0.113.0/24", "198.51.100.0/24"]),
                        ("vpn", ["192.0.2.0/24"]), ("unused", ["10.10.0.0/16"])):  # fmt: skip
        if any(g.name == name for g in ex.ip_groups.values()):
            continue
        g = IpGroup(_rand_id(rng, "wsipg-"), name, f"{name} ranges",
                    [{"ipRule": c, "ruleDesc": name} for c in cidrs])  # fmt: skip
        ex.ip_groups[g.group_id] = g
        if name != "unused":
            ex.dir_ip_groups.setdefault(dirs[0], []).append(g.group_id)
    for k in range(2):
        a = ConnectionAlias(
            _rand_id(rng, "wsca-"), f"desktop{k}.{region}.example.com", account, now - DAY,
            state="CREATED",
        )  # fmt: skip
        if k == 0:
            a.associations.append({
                "AssociationStatus": "ASSOCIATED_WITH_OWNER_ACCOUNT",
                "AssociatedAccountId": account, "ResourceId": dirs[0],
                "ConnectionIdentifier": _rand_id(rng, "", 20),
            })  # fmt: skip
        else:
            a.permissions["210987654321"] = True
        ex.aliases[a.alias_id] = a
    for k, (pool_state, desired) in enumerate((("RUNNING", 10), ("STOPPED", 5))):
        pool_id = _rand_id(rng, "wspool-")
        ex.pools[pool_id] = Pool(
            pool_id, f"pool-{region}-{k}", next(iter(AMAZON_BUNDLES)), dirs[-1],
            f"arn:aws:workspaces:{region}:{account}:workspacespool/{pool_id}", desired,
            now - 30 * DAY, state=pool_state,
        )  # fmt: skip
    _seed_images(backend, region, now)
    return ex.bundles


def _seed_images(backend: Any, region: str, now: float) -> None:
    """Two custom images per region (own random stream: the fleet's ids stay as they were)."""
    rng = random.Random(f"images-{region}-{backend.account_id}")
    for name, description, age_days in (
        ("golden-win2022-2026-10", "Windows Server 2022 with the office suite", 30),
        ("golden-win2022-dev-2026-09", "Developer image - IDEs and SDKs", 60),
    ):
        if any(i.name == name for i in backend.workspace_images.values()):
            continue
        image = WorkspaceImage(name, description, [], backend.account_id)
        image.image_id = _rand_id(rng, "wsi-")
        image.operating_system = {"Type": "WINDOWS"}
        image.created = now - age_days * DAY
        backend.workspace_images[image.image_id] = image
