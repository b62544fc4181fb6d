"""A synthetic 100,000-WorkSpace cache, written once through the core cache."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from wstui.core.cache import Cache

STATES = (
    ["AVAILABLE"] * 60 + ["STOPPED"] * 25 + ["ERROR"] * 3 + ["UNHEALTHY"] * 2
    + ["REBOOTING", "STARTING", "STOPPING", "PENDING", "MAINTENANCE"] * 2
)  # fmt: skip
# A few values no screen may trip over (the simulator plants the same kind).
HOSTILE = (
    "[bold red]boom[/]",
    "[link=file:///etc/passwd]x[/link]",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;http://evil\x07y\x1b]8;;\x07",
    "東京都のユーザー名",
    "مستخدم",
    "👩‍💻dev",
    "L" * 1000,
)
TARGETS = (
    SimpleNamespace(account="111111111111", region="us-east-1"),
    SimpleNamespace(account="111111111111", region="eu-west-1"),
    SimpleNamespace(account="222222222222", region="us-east-1"),
    SimpleNamespace(account="222222222222", region="ap-northeast-1"),
)


def workspace(i: int, rng: random.Random) -> dict[str, Any]:
    """One DescribeWorkspaces item (with the keys the listers merge in)."""
    user = HOSTILE[i % len(HOSTILE)] if i % 997 == 0 else f"user{rng.randrange(60_000):05d}"
    connected = datetime(2026, 1, 1, tzinfo=UTC) - timedelta(hours=rng.randrange(24 * 120))
    # Timestamps as wstui's clients hand them over: ISO text (core.aws.clients.iso_timestamp).
    return {
        "WorkspaceId": f"ws-{i:09x}",
        "DirectoryId": f"d-{rng.randrange(40):010d}",
        "UserName": user,
        "IpAddress": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
        "State": rng.choice(STATES),
        "BundleId": f"wsb-{rng.randrange(12):09d}",
        "SubnetId": f"subnet-{rng.randrange(8):08x}",
        "ComputerName": f"WSAMZN-{i:08X}",
        "WorkspaceProperties": {
            "RunningMode": "AUTO_STOP" if i % 3 else "ALWAYS_ON",
            "RunningModeAutoStopTimeoutInMinutes": 60,
            "RootVolumeSizeGib": rng.choice((80, 80, 175)),
            "UserVolumeSizeGib": rng.choice((10, 50, 100)),
            "ComputeTypeName": rng.choice(("STANDARD", "PERFORMANCE", "POWER")),
            "Protocols": ["PCOIP"] if i % 4 else ["WSP"],
        },
        "Tags": [{"Key": "team", "Value": f"team{rng.randrange(30)}"}],
        "ConnectionStatus": {
            "ConnectionState": rng.choice(("CONNECTED", "DISCONNECTED", "UNKNOWN")),
            "LastKnownUserConnectionTimestamp": None if i % 11 == 0 else connected.isoformat(),
        },
    }


def build(path: Path, size: int = 100_000, seed: int = 7) -> float:
    """Write `size` WorkSpaces over four targets; returns seconds taken."""
    start = time.perf_counter()
    rng = random.Random(seed)
    cache = Cache(path)
    per_target = size // len(TARGETS)
    for t, target in enumerate(TARGETS):
        first = t * per_target
        last = size if t == len(TARGETS) - 1 else first + per_target
        cache.replace_snapshot(
            "workspaces", target, [workspace(i, rng) for i in range(first, last)]
        )
    cache.close()
    return time.perf_counter() - start
