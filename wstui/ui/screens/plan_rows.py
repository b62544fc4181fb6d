"""Read many cached rows by key (the marked rows before a plan).

One `Cache.get` per marked row costs 100,000 round trips when every row is marked;
`Cache.rows_for_keys` reads them in one pass (rows as `Cache.get` returns them, with a
``tags`` dict, but ``raw`` as JSON text that `core.act.specs` parses on demand).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wstui.core import act

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
