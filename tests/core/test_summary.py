"""core.summary on a seeded cache: every number recomputed independently from the items."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from wstui.core import summary
from wstui.core.cache import Cache
from wstui.core.insight import DAY

NOW = 1_790_000_000.0
STATES = ("AVAILABLE", "STOPPED", "ERROR", "PENDING", "UNHEALTHY")
TARGETS = (("111111111111", "us-east-1"), ("111111111111", "eu-west-1"), ("222222222222", "us-east-1"))


def items(rng: random.Random, n: int) -> list[dict]:
    out = []
    for i in range(n):
        idle = rng.choice([None, 0.2, 0.99, 1.0, 3.5, 6.99, 7, 13, 14, 29.5, 30, 89, 90, 400])
        conn = {"ConnectionState": "DISCONNECTED"}
        if idle is not None:
            conn["LastKnownUserConnectionTimestamp"] = NOW - idle * DAY
        out.append({
            "WorkspaceId": f"ws-{rng.randrange(16**9):09x}{i}", "UserName": f"user{i}",
            "State": rng.choice(STATES), "DirectoryId": f"d-{rng.randrange(12):010d}",
            "BundleId": f"wsb-{rng.randrange(3):09d}", "ConnectionStatus": conn,
            "WorkspaceProperties": {"RunningMode": "AUTO_STOP"},
        })  # fmt: skip
    return out


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Cache, dict[tuple[str, str], list[dict]]]:
    rng = random.Random(16)
    cache = Cache(tmp_path / "c.sqlite")
    fleet = {}
    for (account, region), n in zip(TARGETS, (40, 25, 7), strict=True):
        fleet[(account, region)] = items(rng, n)
        cache.replace_snapshot("workspaces", SimpleNamespace(account=account, region=region,
                                                             profile=None), fleet[(account, region)])  # fmt: skip
    yield cache, fleet
    cache.close()


def every(fleet: dict) -> list[dict]:
    return [w for ws in fleet.values() for w in ws]


def test_states_and_states_by_target(seeded) -> None:
    cache, fleet = seeded
    want = Counter(w["State"] for w in every(fleet))
    got = summary.states(cache)
    assert {g.label: g.count for g in got} == dict(want)
    assert [g.count for g in got] == sorted(want.values(), reverse=True)
    by_target = summary.states_by_target(cache)
    assert [g.label for g in by_target] == [f"{a}/{r}" for a, r in TARGETS]  # 40, 25, 7
    for g in by_target:
        account, region = g.label.split("/")
        ws = fleet[(account, region)]
        assert g.count == len(ws)
        assert dict(g.parts) == dict(Counter(w["State"] for w in ws))


def test_idle_histogram_matches_whole_idle_days(seeded) -> None:
    cache, fleet = seeded
    want: Counter[str] = Counter()
    for w in every(fleet):
        ts = w["ConnectionStatus"].get("LastKnownUserConnectionTimestamp")
        if ts is None:
            want["never"] += 1
            continue
        days = int((NOW - ts) // DAY)  # core.insight.idle_days: whole days
        label = [lbl for lo, lbl in summary.IDLE_BUCKETS if days >= lo][-1]
        want[label] += 1
    got = summary.idle_histogram(cache, NOW)
    assert [g.label for g in got] == [lbl for _, lbl in summary.IDLE_BUCKETS] + ["never"]
    assert {g.label: g.count for g in got if g.count} == dict(want)
    assert sum(g.count for g in got) == len(every(fleet))


def test_by_directory_and_bundle_top_and_other(seeded) -> None:
    cache, fleet = seeded
    dirs = Counter(w["DirectoryId"] for w in every(fleet))
    got = summary.by_column(cache, "directory", top=5)
    assert len(got) == 5 and got[-1].label == f"other ({len(dirs) - 4})"
    top4 = sorted(dirs.items(), key=lambda kv: (-kv[1], kv[0]))[:4]
    assert [(g.label, g.count) for g in got[:4]] == top4
    assert sum(g.count for g in got) == sum(dirs.values())
    bundles = summary.by_column(cache, "bundle")
    assert {g.label: g.count for g in bundles} == dict(Counter(w["BundleId"] for w in every(fleet)))


def test_metrics_sections_say_none_without_the_columns_then_read_them(seeded) -> None:
    cache, _ = seeded
    assert summary.cost_by(cache, "directory") is None
    assert summary.offenders(cache) is None
    # The metrics pass fills these columns (an older cache lacks them: added here then);
    # the summary reads them once they hold values.
    present = cache.table_columns("workspaces")
    conn = sqlite3.connect(cache.path)
    for col in ("cost_month", "latency", "root_pct", "user_pct"):
        if col not in present:
            conn.execute(f"ALTER TABLE workspaces ADD COLUMN {col} REAL")
    ids = sorted(r[0] for r in conn.execute("SELECT id FROM workspaces"))
    for n, wid in enumerate(ids):
        conn.execute("UPDATE workspaces SET cost_month = ?, latency = ?, root_pct = ?, "
                     "user_pct = ? WHERE id = ?",
                     (10.0 + n, 50 + n if n % 3 else None, n % 50, 97 - n, wid))  # fmt: skip
    conn.commit()
    conn.close()
    cost = summary.cost_by(cache, "directory", top=100)
    assert cost is not None
    assert sum(g.total for g in cost) == pytest.approx(sum(10.0 + n for n in range(len(ids))))
    assert [g.total for g in cost] == sorted((g.total for g in cost), reverse=True)
    worst = summary.offenders(cache, limit=3)
    lat = [50 + n for n in range(len(ids)) if n % 3]
    assert [r["value"] for r in worst["latency"]] == sorted(lat, reverse=True)[:3]
    disk = sorted((max(n % 50, 97 - n) for n in range(len(ids))), reverse=True)[:3]
    assert [r["value"] for r in worst["disk"]] == disk
    assert worst["disk"][0]["id"] == ids[0]  # 97 % on the user volume


@pytest.mark.parametrize(("value", "largest", "width", "want"), [
    (0, 10, 10, ""), (10, 10, 10, "█" * 10), (5, 10, 10, "█" * 5), (1, 1000, 10, "▏"),
    (3, 8, 1, "▍"), (20, 10, 4, "████"),
])  # fmt: skip
def test_bar(value: float, largest: float, width: int, want: str) -> None:
    assert summary.bar(value, largest, width) == want
