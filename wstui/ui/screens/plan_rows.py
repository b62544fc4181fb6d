"""Read what a plan of the marked rows needs from the cache.

One `Cache.get` per marked row costs 100,000 round trips when every row is marked;
`Cache.rows_for_keys` reads them in one pass (rows as `Cache.get` returns them, with a
``tags`` dict, but ``raw`` as JSON text that `core.act.specs` parses on demand).

Actions whose reasons depend only on state, running mode and the protect tag are planned
without rows (`marked_plan`): the cache's ids and facts per (account, region) and the
protect-tag set, judged per distinct fact (`core.act.planning.plan_marked`); the plan
screen then reads only the rows it lists (`listed_rows`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

from wstui.core import act
from wstui.ui.screens.plan import MAX_LISTED

# What a plan and its results screen read from a row (besides key, raw and tags): a
# narrow row keeps 100,000 marked WorkSpaces well inside the memory budget.
PLAN_COLUMNS = ("state", "running_mode", "user", "computer", "name", "bundle")
# What a plan alone reads (`core.act.planning._skip_reason`): state and running mode.
NARROW_COLUMNS = ("state", "running_mode")


def plan_rows(
    cache: Any, kind: str, keys: Iterable[tuple[str, str, str]], action: str, protect_tag: str
) -> list[dict]:
    """The rows a plan of `action` reads, narrow: key, PLAN_COLUMNS and only the protect tag
    (no raw, no other tags) unless the action's checks read the raw item. Marking all of
    100,000 rows then costs one scan of narrow columns, not 100,000 raw items and tag sets."""
    if act.reads_raw(action):
        return rows_for_keys(cache, kind, keys)
    # The plan screen lists the targets (user, computer) of destructive plans only.
    columns = PLAN_COLUMNS if act.resolve_action(action).destructive else NARROW_COLUMNS
    tags = (protect_tag,) if protect_tag else ()
    return cache.rows_for_keys(kind, keys, columns=columns, raw=False, tags=tags)


def rows_for_keys(cache: Any, kind: str, keys: Iterable[tuple[str, str, str]]) -> list[dict]:
    """The cached rows of `keys` (missing keys skipped), in the order of `keys`."""
    return cache.rows_for_keys(kind, keys, columns=PLAN_COLUMNS)


def marked_plannable(kind: Any, action: str) -> bool:
    """Whether `marked_plan` can plan `action` on `kind`'s marked rows: the kind stores
    state and running mode, the action judges only those and the protect tag, and its
    parameter choices do not read the rows (migrate offers the rows' regions' bundles)."""
    stored = {c.name for c in kind.stored_columns}
    return (
        {"state", "running_mode"} <= stored
        and act.plans_by_facts(action)
        and act.resolve_action(action).name != "migrate"
    )


def marked_plan(
    cache: Any,
    gateway: Any,
    kind: str,
    action: str,
    marks: Collection[tuple[str, str, str]],
    checked: Any,
    params: dict | None = None,
) -> tuple[Any, int] | None:
    """(the plan, how many marks the cache holds) as `plan_for` would make it from the
    marked rows; None when the cache's values cannot be read this way (plan from rows)."""
    modes = act.resolve_action(action).running_modes is not None
    facts, protected = cache.plan_facts(kind, gateway.protect_tag, modes)
    if facts is None:
        return None
    return act.plan_marked_for(gateway, action, facts, marks, protected, checked, params)


def listed_rows(cache: Any, kind: str, plan: Any) -> list[dict]:
    """The rows the plan screen lists: the first MAX_LISTED eligible of a destructive plan
    (user and computer), none otherwise."""
    if not plan.spec.destructive:
        return []
    keys: list[tuple[str, str, str]] = []
    for call in plan.calls:
        keys += ((call.account, call.region, i) for i in call.ids[: MAX_LISTED - len(keys)])
        if len(keys) >= MAX_LISTED:
            break
    return cache.rows_for_keys(kind, keys, columns=("user", "computer"), raw=False, tags=())
