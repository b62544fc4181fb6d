"""Narrow plan rows (mark all + plan at 100k): the plan is the one full rows give."""

from __future__ import annotations

import random
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.core.test_cache import Target, ws
from wstui.core import act
from wstui.core.act.scope import Scope
from wstui.core.aws import Target as AwsTarget
from wstui.core.cache import Cache
from wstui.ui.screens.plan_rows import plan_rows, rows_for_keys

PROTECT = "wstui:protect"
TARGETS = (Target(None, "us-east-1", "111111111111"), Target(None, "eu-west-1", "111111111111"),
           Target(None, "us-east-1", "222222222222"))  # fmt: skip
STATES = ("AVAILABLE", "STOPPED", "ERROR", "UNHEALTHY", "REBOOTING", "ADMIN_MAINTENANCE",
          "SUSPENDED", "PENDING")  # fmt: skip


class Known:
    """Clients whose STS answer is known for the first account only: the second is outside."""

    def known(self, t: AwsTarget) -> AwsTarget:
        return AwsTarget(t.profile, t.region, "111111111111")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    """2,000 seeded WorkSpaces over three targets; some protected, some tagless."""
    rng = random.Random(17)
    cache = Cache(Path(tmp_path_factory.mktemp("plan")) / "cache.sqlite")
    n = 0
    for target in TARGETS:
        items = []
        for _ in range(2000 // len(TARGETS) + 1):
            tags = {"Team": "eng"} if rng.random() < 0.8 else {}
            if rng.random() < 0.1:
                tags[PROTECT] = rng.choice(("", "yes"))
            mode = rng.choice(("AUTO_STOP", "ALWAYS_ON", "MANUAL"))
            item = ws(n, state=rng.choice(STATES), tags=tags, RunningMode=mode,
                      ComputeTypeName=rng.choice(("STANDARD", "POWER")))  # fmt: skip
            if not tags:
                item["Tags"] = []
            items.append(item)
            n += 1
        cache.replace_snapshot("ws", target, items)
    yield cache
    cache.close()


def _params(action: str) -> dict[str, Any]:
    return {"running-mode": {"mode": "AUTO_STOP"}, "autostop-timeout": {"minutes": 120},
            "compute-type": {"compute": "POWER"}, "volumes": {"root_gb": 175},
            "migrate": {"bundle": "wsb-123"}}.get(action, {})  # fmt: skip


@pytest.mark.parametrize("share", [1.0, 0.05])  # mark all (one scan) / a few (temp table)
@pytest.mark.parametrize("action", sorted(act.ACTIONS))
def test_narrow_rows_plan_as_full_rows_do(fleet: Cache, action: str, share: float) -> None:
    keys = sorted(fleet.keys("ws"))
    keys = keys if share == 1.0 else random.Random(3).sample(keys, int(len(keys) * share))
    scope = Scope([AwsTarget(None, "us-east-1")], Known())  # eu-west-1 and 2222 are outside
    full = rows_for_keys(fleet, "workspaces", keys)
    narrow = plan_rows(fleet, "workspaces", keys, action, PROTECT)

    def planned(rows: list[dict]) -> act.Plan:
        return act.plan(action, rows, _params(action), protect_tag=PROTECT, scope=scope)

    old, new = planned(full), planned(narrow)
    assert new == old
    reasons = {s.reason for s in old.skipped}
    assert any(r.startswith("protected by tag") for r in reasons)
    assert any(r.startswith("outside the selected targets") for r in reasons)
    if not act.reads_raw(action):  # narrow: no raw, only the protect tag
        assert all("raw" not in r and set(r["tags"]) <= {PROTECT} for r in narrow)


def test_narrow_rows_keep_the_key_order_and_skip_missing_keys(fleet: Cache) -> None:
    keys = sorted(fleet.keys("ws"))
    wanted = [*reversed(keys), ("nope", "nope", "ws-missing")]
    rows = plan_rows(fleet, "workspaces", wanted, "reboot", PROTECT)
    assert [(r["account"], r["region"], r["id"]) for r in rows] == list(reversed(keys))
    assert SimpleNamespace(**rows[0]).state in STATES
