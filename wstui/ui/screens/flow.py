"""plan -> confirm -> execute -> follow, wired across the screens.

`start_action` asks for parameters when the action has one (running mode, AutoStop
timeout, compute type, volume sizes, migration bundle: `parameter_choices`),
builds the plan with `core.act.planning`, shows `PlanScreen`, and on confirmation
opens `ResultsScreen`, which executes and follows. `retry` re-reads the failed ids
from the service, then re-plans them from their fresh state.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from textual.screen import Screen

from wstui.core.act import COMPUTE_TYPES, ActionError, plan_for, resolve_action
from wstui.core.act.recheck import (
    Recheck,
    recheck,
    recheck_keys,
    uncertain_among,
    uncertain_keys,
)
from wstui.core.kinds import BUNDLES
from wstui.ui.safe_text import fit
from wstui.ui.screens.plan import ChoiceScreen, PlanScreen
from wstui.ui.screens.plan_rows import listed_rows, marked_plan, marked_plannable, rows_for_keys
from wstui.ui.screens.results import ResultsScreen

# RunningModeAutoStopTimeoutInMinutes is "configured in 60-minute intervals"
# (API Reference, WorkspaceProperties): whole hours only.
AUTOSTOP_HOURS = (1, 2, 3, 4, 6, 8, 12, 24, 36, 48)

# The reference gives the sizes only as integers and points to "Modify a WorkSpace";
# these are the root/user pairs documented there (sizes may only grow: core.act.specs
# skips a WorkSpace whose volume would shrink). Other sizes: `wstui act volumes`.
VOLUME_PAIRS = ((80, 10), (80, 50), (80, 100), (175, 100))

Choice = tuple[str, dict]  # (label shown as plain text, the action's parameters)


def kind_actions(kind: Any) -> tuple[str, ...]:
    """The actions a resource screen offers: the kind registry's list."""
    return tuple(kind.actions)


def parameter_choices(app: Any, name: str, rows: list[dict]) -> tuple[str, list[Choice]] | None:
    """(title, choices) for an action that needs a parameter, or None if it needs none."""
    spec = resolve_action(name)
    if spec.name == "autostop-timeout":
        return f"{spec.title} (AUTO_STOP WorkSpaces only)", [
            (f"{h * 60:>4} min  ({h} h)", {"minutes": h * 60}) for h in AUTOSTOP_HOURS
        ]
    if spec.name == "compute-type":
        return spec.title, [(c, {"compute": c}) for c in COMPUTE_TYPES]
    if spec.name == "volumes":
        return f"{spec.title}: root / user GiB (increase only)", [
            (f"root {r:>4} GiB  user {u:>4} GiB", {"root_gb": r, "user_gb": u})
            for r, u in VOLUME_PAIRS
        ]
    if spec.name == "migrate":
        return f"{spec.title}: target bundle", bundle_choices(app.ctx.cache, rows)
    choice = next((p for p in spec.params if p.choices), None)
    if choice is None:
        return None
    return spec.title, [(c, {choice.name: c}) for c in choice.choices]


def bundle_choices(cache: Any, rows: list[dict]) -> list[Choice]:
    """Cached AVAILABLE bundles of the rows' regions, other than the one they already use."""
    regions = sorted({str(r.get("region", "")) for r in rows})
    current = {str(r.get("bundle") or "") for r in rows}
    marks = ",".join("?" * len(regions)) or "''"
    bundles = cache.query(
        BUNDLES.name, f"region IN ({marks}) AND (state = 'AVAILABLE' OR state IS NULL)",
        regions, order_by="name", limit=None,
    )  # fmt: skip
    out: list[Choice] = []
    seen: set[str] = set()
    for b in bundles:
        bid = str(b.get("id") or "")
        if not bid or bid in seen or (len(current) == 1 and bid in current):
            continue
        seen.add(bid)
        # Fixed cells (CJK/emoji-aware) so each bundle stays on one line at 80 columns.
        label = (
            f"{fit(bid, 14)} {fit(b.get('name') or '', 28)} {fit(b.get('compute') or '?', 13)} "
            f"{b.get('root_gb') or '?'}/{b.get('user_gb') or '?'}G"
        )
        out.append((label, {"bundle": bid}))
    return out


def start_action(screen: Any, name: str) -> None:
    """Begin an action on the screen's marked rows (or its cursor row)."""
    marks = screen.table.marks
    if marks and marked_plannable(screen.kind, name) and many(screen.ctx.cache, screen.kind, marks):
        start_marked(screen, name)
        return
    rows, hidden = screen.target_rows(name)
    if not rows:
        screen.notify("Nothing to act on: mark rows or move the cursor to one", severity="warning")
        return
    asked = parameter_choices(screen.app, name, rows)
    if asked is None:
        confirm_plan(screen.app, screen.kind, name, rows, {}, hidden)
        return
    title, choices = asked
    if not choices:
        screen.notify(
            "No bundles in the cache for these regions yet: open :bundle or wait for a refresh",
            severity="warning",
        )
        return

    def chosen(index: int | None) -> None:
        if index is not None:
            confirm_plan(screen.app, screen.kind, name, rows, dict(choices[index][1]), hidden)

    screen.app.push_screen(ChoiceScreen(title, tuple(label for label, _ in choices)), chosen)


def confirm_plan(
    app: Any, kind: Any, name: str, rows: list[dict], params: dict, hidden: int
) -> None:
    """Plan within the selected targets' scope; rows whose last call is uncertain or recent
    are re-read from the service first (in a worker), then judged on their fresh state."""
    ctx = app.ctx
    if ctx.read_only:
        app.notify("Read-only mode: mutations are refused", severity="warning")
        return
    scope = ctx.gateway.scope if ctx.clients is not None else None
    uncertain = uncertain_keys(ctx.cache, rows)

    def show(checked: Recheck) -> None:
        try:
            the_plan = plan_for(ctx.gateway, name, checked, params, hidden)
        except ActionError as exc:
            app.notify(str(exc), severity="error")
            return
        confirm(app, kind, the_plan, checked.rows)

    if not uncertain:
        show(Recheck(rows))
        return
    reread = ctx.refresher.refresh_ids if ctx.refresher is not None else None

    def work() -> None:
        checked = recheck(rows, ctx.cache, scope, reread)
        app.call_from_thread(show, checked)

    app.notify(f"Re-reading {len(uncertain)} WorkSpace(s) whose last call may not be settled…")
    app.run_worker(work, thread=True, exit_on_error=False, group="recheck")


def confirm(app: Any, kind: Any, the_plan: Any, rows: list[dict] | None) -> None:
    """Show the plan; once confirmed, unmark what it sends and execute it."""

    def decided(ok: bool | None) -> None:
        if ok:
            unmark_sent(app, kind, the_plan)
            app.push_screen(ResultsScreen(the_plan, kind))

    app.push_screen(PlanScreen(the_plan, rows), decided)


# From this many marks a plan reads every row's facts (one pass over the kind, ~0.15 s at
# 100,000 rows) rather than the marked rows (~15 us each, through a temp table).
MANY_MARKS = 5_000


def many(cache: Any, kind: Any, marks: Any) -> bool:
    """Whether to plan the marks as a set (`start_marked`): many of them, or most rows."""
    return len(marks) >= MANY_MARKS or len(marks) * 2 >= cache.total(kind.name)


def start_marked(screen: Any, name: str) -> None:
    """`start_action` on marked rows, planned without reading them (`marked_plan`)."""
    asked = parameter_choices(screen.app, name, [])  # not migrate: no rows needed
    if asked is None:
        confirm_marked(screen, name, {})
        return
    title, choices = asked

    def chosen(index: int | None) -> None:
        if index is not None:
            confirm_marked(screen, name, dict(choices[index][1]))

    screen.app.push_screen(ChoiceScreen(title, tuple(label for label, _ in choices)), chosen)


def confirm_marked(screen: Any, name: str, params: dict) -> None:
    """`confirm_plan` for the screen's marks as a set: uncertain keys found in the audit
    log and re-read first (in a worker), then the plan read from the cache's facts."""
    app, kind = screen.app, screen.kind
    ctx = app.ctx
    if ctx.read_only:
        app.notify("Read-only mode: mutations are refused", severity="warning")
        return
    scope = ctx.gateway.scope if ctx.clients is not None else None
    uncertain = uncertain_among(ctx.cache, screen.table.marks)

    def show(checked: Recheck) -> None:
        marks = screen.table.marks
        try:
            made = marked_plan(ctx.cache, ctx.gateway, kind.name, name, marks, checked, params)
        except ActionError as exc:
            app.notify(str(exc), severity="error")
            return
        if made is None:  # a cached value holds the separator: plan from the rows
            rows, hidden = screen.target_rows(name)
            if rows:
                confirm_plan(app, kind, name, rows, params, hidden)
            return
        the_plan, found = made
        if found < len(marks):  # some marked rows left the cache since: not targets
            screen.prune_marks()
        if not found:
            screen.notify("Nothing to act on: mark rows or move the cursor to one",
                          severity="warning")  # fmt: skip
            return
        the_plan.hidden = screen.table.hidden_marks() if screen.where != "1" else 0
        confirm(app, kind, the_plan, listed_rows(ctx.cache, kind.name, the_plan))

    if not uncertain:
        show(Recheck([]))
        return
    reread = ctx.refresher.refresh_ids if ctx.refresher is not None else None

    def work() -> None:
        checked = recheck_keys(uncertain, scope, reread)
        app.call_from_thread(show, checked)

    app.notify(f"Re-reading {len(uncertain)} WorkSpace(s) whose last call may not be settled…")
    app.run_worker(work, thread=True, exit_on_error=False, group="recheck")


def unmark_sent(app: Any, kind: Any, the_plan: Any) -> None:
    """Once a plan is confirmed, unmark the rows it sends (as k9s does after an action).

    Skipped rows stay marked on purpose: they are what the action did not touch, and
    the next action (start the STOPPED ones a reboot skipped, say) is usually on them.
    """
    sent = {(c.account, c.region, i) for c in the_plan.calls for i in c.ids}
    for screen in app.screen_stack:
        unmark = getattr(screen, "unmark_sent", None)  # the resource screens of `kind`
        kept = unmark(kind.name, sent) if callable(unmark) else 0
        if kept:
            app.notify(f"{kept:,} skipped row(s) stay marked")


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
                try:
                    target = ctx.gateway.scope.target(account, region)
                except Exception:  # outside the selected targets: the plan will say so
                    continue
                ctx.refresher.refresh_ids(target, ids)
        app.call_from_thread(replan)

    def replan() -> None:
        rows = rows_for_keys(ctx.cache, kind.name, failed)
        confirm_plan(app, kind, old_plan.spec.name, rows, dict(old_plan.params), 0)

    results.notify(f"Re-reading {len(failed)} failed WorkSpace(s)…")
    results.run_worker(reread, thread=True, exit_on_error=False, group="retry")
