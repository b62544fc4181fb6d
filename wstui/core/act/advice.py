"""Plans that apply running-mode advice: one running-mode Plan per advised mode.

Both kinds of advice -- ``advice`` (days with a connection, core.insight) and
``best_mode`` (billable hours against the price table, core.prices) -- go through the
normal ``plan`` (states, protect tag, already-in-mode) and then the gateway.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wstui.core.act.planning import plan
from wstui.core.act.specs import RUNNING_MODES


def advice_plans(
    rows: Iterable[dict[str, Any]], column: str = "advice", protect_tag: str | None = None
) -> list[Any]:
    """One Plan per mode named in each row's `column` ("advice" or "best_mode")."""
    by_mode: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        mode = row.get(column)
        if mode in RUNNING_MODES:
            by_mode.setdefault(str(mode), []).append(row)
    kw: dict[str, Any] = {} if protect_tag is None else {"protect_tag": protect_tag}
    return [
        plan("running-mode", group, {"mode": mode}, **kw)
        for mode, group in sorted(by_mode.items())
    ]
