"""follow: after a plan was sent, watch the WorkSpaces whose call went out until each
leaves its transitional state (the refresher polls DescribeWorkspaces, 25 ids a call:
the API has no waiters).

The CLI (`act --follow`) and the TUI's results screen follow the same ids: the planned
ids whose outcome is "sent" (failed, refused and unknown ones did not change).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from wstui.core.act.gateway import Outcome
from wstui.core.act.planning import Plan

Key = tuple[str, str, str]  # (account, region, WorkSpace id)


def sent_keys(plan: Plan, outcomes: Iterable[Outcome]) -> list[Key]:
    """The planned WorkSpaces whose call was sent, in plan order."""
    sent = {o.id for o in outcomes if o.status == "sent"}
    return [(c.account, c.region, i) for c in plan.calls for i in c.ids if i in sent]


def follow(
    refresher: Any, plan: Plan, outcomes: Iterable[Outcome], until_stable: bool = True
) -> list[Key]:
    """Re-read the sent WorkSpaces; with `until_stable`, until none is transitional.
    Returns the keys followed (none: nothing was re-read)."""
    keys = sent_keys(plan, outcomes)
    if keys and refresher is not None:
        refresher.follow(keys, until_stable=until_stable)
    return keys
