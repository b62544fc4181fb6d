"""Read many cached rows by key (the marked rows before a plan).

One `Cache.get` per marked row costs 100,000 round trips when every row is marked;
`Cache.rows_for_keys` reads them in one pass (rows as `Cache.get` returns them, with a
``tags`` dict, but ``raw`` as JSON text that `core.actions` parses on demand).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# What a plan and its results screen read from a row (besides key, raw and tags): a
# narrow row keeps 100,000 marked WorkSpaces well inside the memory budget.
PLAN_COLUMNS = ("state", "running_mode", "user", "computer", "name", "bundle")


def rows_for_keys(cache: Any, kind: str, keys: Iterable[tuple[str, str, str]]) -> list[dict]:
    """The cached rows of `keys` (missing keys skipped), in the order of `keys`."""
    return cache.rows_for_keys(kind, keys, columns=PLAN_COLUMNS)
