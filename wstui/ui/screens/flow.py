"""plan -> confirm -> execute -> follow, wired across the screens.

`start_action` asks for parameters when the action has a choice (running mode),
builds the plan with `core.actions.plan`, shows `PlanScreen`, and on confirmation
opens `ResultsScreen`, which executes and follows. `retry` re-reads the failed ids
from the service, then re-plans them from their fresh state.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from textual.screen import Screen

from wstui.core.actions import ActionError, plan, resolve_action
from wstui.ui.screens._rows import rows_for_keys
from wstui.ui.screens.plan import ChoiceScreen, PlanScreen
from wstui.ui.screens.results import ResultsScreen


def start_action(screen: Any, name: str) -> None:
    """Begin an action on the screen's marked rows (or its cursor row)."""
    rows, hidden = screen.target_rows()
    if not rows:
        screen.notify("Nothing to act on: mark rows or move the cursor to one", severity="warning")
        return
    spec = resolve_action(name)
    choice = next((p for p in spec.params if p.choices), None)
    if choice is None:
        confirm_plan(screen.app, screen.kind, name, rows, {}, hidden)
        return

    def chosen(value: str | None) -> None:
        if value:
            confirm_plan(screen.app, screen.kind, name, rows, {choice.name: value}, hidden)

    screen.app.push_screen(ChoiceScreen(f"{spec.title}: {choice.help}", choice.choices), chosen)


def confirm_plan(app: Any, kind: Any, name: str, rows: list[dict], params: dict, hidden: int) -> None:
    if app.ctx.read_only:
        app.notify("Read-only mode: mutations are refused", severity="warning")
        return
    try:
        the_plan = plan(name, rows, params, hidden=hidden)
    except ActionError as exc:
        app.notify(str(exc), severity="error")
        return

    def decided(ok: bool | None) -> None:
        if ok:
            app.push_screen(ResultsScreen(the_plan, kind))

    app.push_screen(PlanScreen(the_plan), decided)


def retry(results: Screen, failed: list[tuple[str, str, str]]) -> None:
    """Re-read the failed WorkSpaces in a worker, then plan them again."""
    app: Any = results.app
    ctx = app.ctx
    old_plan = results.plan  # type: ignore[attr-defined]
    kind = results.kind  # type: ignore[attr-defined]

    def reread() -> None:
        if ctx.refresher is not None:
            by_target: dict[tuple[str, str], list[str]] = defaultdict(list)
            for account, region, wid in failed:
                by_target[(account, region)].append(wid)
            for (account, region), ids in by_target.items():
                target = ctx.clients.target_for(account, region) if ctx.clients else None
                if target is not None:
                    ctx.refresher.refresh_ids(target, ids)
        app.call_from_thread(replan)

    def replan() -> None:
        rows = rows_for_keys(ctx.cache, kind.name, failed)
        confirm_plan(app, kind, old_plan.spec.name, rows, dict(old_plan.params), 0)

    results.notify(f"Re-reading {len(failed)} failed WorkSpace(s)…")
    results.run_worker(reread, thread=True, exit_on_error=False, group="retry")
