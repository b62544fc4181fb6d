"""Mark all + plan as set operations (issue 17): `plan_marked` over the cache's facts must
be the plan `plan` makes from the marked rows, and match a plain reading of the rules."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from tests.core.test_cache import Target, ws
from wstui.core import act
from wstui.core.act.recheck import Recheck
from wstui.core.act.scope import Scope
from wstui.core.aws import Target as AwsTarget
from wstui.core.cache import Cache
from wstui.ui.screens.plan_rows import plan_rows

PROTECT = "wstui:protect"
TARGETS = (Target(None, "us-east-1", "111111111111"), Target(None, "eu-west-1", "111111111111"),
           Target(None, "us-east-1", "222222222222"), Target(None, "ap-south-1", "111111111111"))  # fmt: skip
STATES = ("AVAILABLE", "STOPPED", "ERROR", "UNHEALTHY", "REBOOTING", "ADMIN_MAINTENANCE",
          "SUSPENDED", "PENDING", "IMPAIRED", "TERMINATED", None)  # fmt: skip
MODES = ("AUTO_STOP", "ALWAYS_ON", "MANUAL", None)
BY_FACTS = sorted(a for a in act.ACTIONS if act.plans_by_facts(a))
Key = tuple[str, str, str]


def fleet_items(rng: random.Random, first: int, n: int) -> list[dict]:
    items = []
    for i in range(first, first + n):
        tags = {"Team": "eng"} if rng.random() < 0.8 else {}
        if rng.random() < 0.15:
            tags[PROTECT] = rng.choice(("", "yes"))
        state, mode = rng.choice(STATES), rng.choice(MODES)
        item = ws(i, state=state or "AVAILABLE", tags=tags, RunningMode=mode)
        if state is None:  # a row without a state: "UNKNOWN cannot ..."
            del item["State"]
        if mode is None:
            del item["WorkspaceProperties"]["RunningMode"]
        items.append(item)
    rng.shuffle(items)  # written out of key order
    return items


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    """1,600 seeded WorkSpaces over four targets: mixed states (some none), running
    modes (some none), protect tags (some empty-valued), other tags."""
    rng = random.Random(1717)
    cache = Cache(Path(tmp_path_factory.mktemp("marked")) / "cache.sqlite")
    for t, target in enumerate(TARGETS):
        cache.replace_snapshot("ws", target, fleet_items(rng, t * 400, 400))
    yield cache
    cache.close()


class Known:
    """STS known for account 1111 only: the 2222 target is outside the selection."""

    def known(self, t: AwsTarget) -> AwsTarget:
        return AwsTarget(t.profile, t.region, "111111111111")


def _params(action: str) -> dict[str, Any]:
    return {"running-mode": {"mode": "AUTO_STOP"}, "autostop-timeout": {"minutes": 120},
            "compute-type": {"compute": "POWER"}, "volumes": {"root_gb": 175},
            "migrate": {"bundle": "wsb-123"}}.get(action, {})  # fmt: skip


def by_rows(cache: Cache, action: str, marks: set[Key], **kw: Any) -> act.Plan:
    """The row-by-row plan, as the TUI made it before issue 17: the marked rows read in
    key order (`plan_rows`), then `plan`."""
    rows = plan_rows(cache, "workspaces", sorted(marks), action, PROTECT)
    checked = kw.pop("checked", None)
    if checked is not None:
        checked = Recheck(rows, checked.sent_at, checked.blocked, checked.reread)
    return act.plan(action, rows, _params(action), protect_tag=PROTECT, checked=checked, **kw)


def by_facts(cache: Cache, action: str, marks: set[Key] | None, **kw: Any) -> tuple[act.Plan, int]:
    """As the TUI reads them: running modes only for an action that judges them."""
    modes = act.resolve_action(action).running_modes is not None
    facts, protected = cache.plan_facts("workspaces", PROTECT, modes)
    assert facts is not None
    return act.plan_marked(action, facts, marks, protected, _params(action), protect_tag=PROTECT,
                           **kw)  # fmt: skip


def oracle(cache: Cache, action: str, marks: set[Key]) -> tuple[set[Key], dict[Key, str]]:
    """Eligible keys and skip reasons read straight off the cached rows and the action's
    rules (states, running modes, protect tag): no planning code involved."""
    spec = act.resolve_action(action)
    eligible: set[Key] = set()
    skipped: dict[Key, str] = {}
    for row in cache.query("workspaces", limit=None):
        key = (row["account"], row["region"], row["id"])
        if key not in marks:
            continue
        tags = cache.get("workspaces", key)["tags"]
        state, mode = row["state"] or "UNKNOWN", row["running_mode"] or "UNKNOWN"
        if PROTECT in tags:
            skipped[key] = f"protected by tag {PROTECT}"
        elif state not in spec.states:
            skipped[key] = f"{state} cannot {spec.verb}"
        elif spec.running_modes is not None and mode not in spec.running_modes:
            skipped[key] = f"{mode} cannot {spec.verb}"
        else:
            eligible.add(key)
    return eligible, skipped


def plan_sets(plan: act.Plan) -> tuple[set[Key], dict[Key, str]]:
    eligible = {(c.account, c.region, i) for c in plan.calls for i in c.ids}
    return eligible, {(s.account, s.region, s.id): s.reason for s in plan.skipped}


def test_the_fleet_has_every_case(fleet: Cache) -> None:
    """The comparisons below are worth something only if the fleet mixes the cases."""
    rows = fleet.query("workspaces", limit=None)
    assert {r["state"] for r in rows} >= {"AVAILABLE", "STOPPED", None}
    assert {r["running_mode"] for r in rows} >= {"AUTO_STOP", "ALWAYS_ON", "MANUAL", None}
    facts, protected = fleet.plan_facts("workspaces", PROTECT)
    assert facts is not None and 100 < len(protected) < 400
    assert [len(ids) for _, _, ids, _ in facts] == [400] * 4


@pytest.mark.parametrize("action", BY_FACTS)
@pytest.mark.parametrize("share", [1.0, 0.9, 0.3])
def test_plan_marked_is_the_row_by_row_plan(fleet: Cache, action: str, share: float) -> None:
    keys = set(fleet.keys("ws"))
    rng = random.Random(f"{action}{share}")
    marks = keys if share == 1.0 else set(rng.sample(sorted(keys), int(len(keys) * share)))
    marks |= {("111111111111", "us-east-1", "ws-gone"), ("999999999999", "us-east-1", "ws-x")}
    scope = Scope([AwsTarget(None, "us-east-1"), AwsTarget(None, "eu-west-1")], Known())
    old = by_rows(fleet, action, marks, scope=scope)
    new, found = by_facts(fleet, action, marks, scope=scope)
    assert new == old  # same calls (ids, batches, requests), same skips in the same order
    assert found == len(marks) - 2  # the two marks the cache does not hold
    reasons = {s.reason for s in new.skipped}
    assert any(r.startswith("outside the selected targets") for r in reasons)
    assert f"protected by tag {PROTECT}" in reasons


@pytest.mark.parametrize("action", BY_FACTS)
def test_plan_marked_matches_the_rules_read_off_the_rows(fleet: Cache, action: str) -> None:
    marks = set(random.Random(action).sample(sorted(fleet.keys("ws")), 1200))
    plan, found = by_facts(fleet, action, marks)
    eligible, skipped = plan_sets(plan)
    want_eligible, want_skipped = oracle(fleet, action, marks)
    assert found == 1200
    assert eligible == want_eligible
    assert skipped == want_skipped
    assert all(len(c.ids) <= act.resolve_action(action).ids_per_call for c in plan.calls)


def test_every_row_when_marks_is_none(fleet: Cache) -> None:
    everything = set(fleet.keys("ws"))
    assert by_facts(fleet, "stop", None) == by_facts(fleet, "stop", everything)
    assert by_facts(fleet, "stop", None)[0] == by_rows(fleet, "stop", everything)


def test_uncertain_keys_keep_their_reasons(fleet: Cache) -> None:
    """Blocked and recently sent keys (core.act.recheck) are judged as `plan` judges them."""
    keys = sorted(fleet.keys("ws"))
    rng = random.Random(5)
    blocked = {k: "last call (sent at 10:00) may not be settled; no AWS clients to re-read it"
               for k in rng.sample(keys, 20)}  # fmt: skip
    sent = {k: "sent at 10:01" for k in rng.sample(keys, 60)}
    checked = Recheck([], sent, blocked)
    for action in ("reboot", "start", "terminate"):
        old = by_rows(fleet, action, set(keys), checked=checked)
        new, _ = by_facts(fleet, action, set(keys), checked=checked)
        assert new == old
        assert any(", now " in s.reason for s in new.skipped)  # "sent at 10:01, now STOPPED"
        assert {(s.account, s.region, s.id) for s in new.skipped} >= set(blocked)


@pytest.mark.parametrize("action", BY_FACTS)
def test_running_modes_are_read_when_the_action_judges_them(fleet: Cache, action: str) -> None:
    keys = set(fleet.keys("ws"))
    with_modes, protected = fleet.plan_facts("workspaces", PROTECT, modes=True)
    states_only, _ = fleet.plan_facts("workspaces", PROTECT, modes=False)
    full = act.plan_marked(action, with_modes, keys, protected, _params(action))
    if act.resolve_action(action).running_modes is None:
        assert act.plan_marked(action, states_only, keys, protected, _params(action)) == full
    else:  # facts without modes would read as "UNKNOWN cannot ...": refused
        with pytest.raises(ValueError):
            act.plan_marked(action, states_only, keys, protected, _params(action))


def test_no_protect_tag_protects_nothing(fleet: Cache) -> None:
    keys = set(fleet.keys("ws"))
    facts, protected = fleet.plan_facts("workspaces", "")
    assert protected == set()
    new, _ = act.plan_marked("reboot", facts, keys, protected, protect_tag="")
    rows = plan_rows(fleet, "workspaces", sorted(keys), "reboot", "")
    assert new == act.plan("reboot", rows, protect_tag="")


def test_actions_with_a_row_check_are_refused() -> None:
    for action in sorted(set(act.ACTIONS) - set(BY_FACTS)):
        with pytest.raises(ValueError):
            act.plan_marked(action, [], None, set(), _params(action))


def test_a_separator_in_a_value_means_rows_instead(tmp_path: Path) -> None:
    """An id holding the list separator cannot be split back: the facts say so (None)."""
    cache = Cache(tmp_path / "c.sqlite")
    items = [ws(1), ws(2)]
    items[1]["WorkspaceId"] = "ws-a\x1eb"
    cache.replace_snapshot("ws", TARGETS[0], items)
    assert cache.plan_facts("workspaces", PROTECT)[0] is None
    # Mark all still lists every key (one row per key instead).
    assert sorted(cache.table_window("workspaces").all_keys("1", [])) == sorted(cache.keys("ws"))
    cache.close()
