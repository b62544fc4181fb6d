"""Mark all + an action key (issue 17): the plan screen shows the counts a plain reading of
the cached rows and the action's rules gives, planned without reading the rows."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.ui.conftest import screen_text, wait_for
from tests.ui.test_app import apply_filter
from wstui.core import act
from wstui.ui.screens.plan import PlanScreen
from wstui.ui.screens.results import ResultsScreen

SIZE = (120, 60)
PROTECT = "wstui:protect"


def protect_every_fifth(cache: Any) -> None:
    for key in sorted(cache.keys("workspaces"))[::5]:
        cache.conn.execute(
            "INSERT OR REPLACE INTO tags VALUES ('workspaces', ?, ?, ?, ?, 'yes')", (*key, PROTECT)
        )


def expected(cache: Any, action: str, where: str = "1") -> tuple[set[str], Counter[str]]:
    """(eligible ids, skip reasons counted) straight from the rows and the spec's rules."""
    spec = act.resolve_action(action)
    protected = {k[2] for k in cache.keys("workspaces") if cache.get("workspaces", k)["tags"].get(PROTECT) is not None}  # fmt: skip
    eligible: set[str] = set()
    reasons: Counter[str] = Counter()
    for row in cache.query("workspaces", where, limit=None):
        state, mode = row["state"] or "UNKNOWN", row["running_mode"] or "UNKNOWN"
        if row["id"] in protected:
            reasons[f"protected by tag {PROTECT}"] += 1
        elif state not in spec.states:
            reasons[f"{state} cannot {spec.verb}"] += 1
        elif spec.running_modes is not None and mode not in spec.running_modes:
            reasons[f"{mode} cannot {spec.verb}"] += 1
        else:
            eligible.add(row["id"])
    return eligible, reasons


async def open_plan(pilot: Any, *keys: str) -> str:
    await pilot.press(*keys)
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen) and "eligible" in screen_text(app))  # fmt: skip
    return screen_text(app)


async def test_mark_all_then_stop_shows_the_counts_of_the_rows(make_app, ctx, sim) -> None:
    protect_every_fifth(ctx.cache)
    eligible, reasons = expected(ctx.cache, "stop")
    assert eligible and len(reasons) >= 2  # the seeded fleet mixes the cases
    total = ctx.cache.count("workspaces")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: f"{total} / {total}" in screen_text(app))
        text = await open_plan(pilot, "ctrl+a", "d")
        assert f"{len(eligible)} eligible for stop" in text
        for reason, n in reasons.items():
            assert f"skipped {n} {reason}" in text
        assert "hidden by the current filter" not in text
        assert set(app.screen.plan.eligible) == eligible
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen) and app.screen.finished)
    sent = {r["WorkspaceId"] for c in sim.calls_to("StopWorkspaces") for r in c.params["StopWorkspaceRequests"]}  # fmt: skip
    assert sent == eligible


async def test_marks_hidden_by_the_filter_are_counted(make_app, ctx) -> None:
    total = ctx.cache.count("workspaces")
    shown = ctx.cache.count("workspaces", "state = ?", ["STOPPED"])
    assert 0 < shown < total
    eligible, reasons = expected(ctx.cache, "reboot")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: f"{total} / {total}" in screen_text(app))
        await pilot.press("ctrl+a")
        await apply_filter(pilot, "state=STOPPED", submit=True)
        text = await open_plan(pilot, "b")
        assert f"{len(eligible)} eligible for reboot" in text  # every mark, shown or not
        assert f"{total - shown} marked row(s) hidden by the current filter" in text
        assert f"skipped {reasons['STOPPED cannot reboot']} STOPPED cannot reboot" in text


async def test_a_destructive_plan_lists_the_rows_it_reads_lazily(make_app, ctx) -> None:
    protect_every_fifth(ctx.cache)
    eligible, _ = expected(ctx.cache, "terminate")
    total = ctx.cache.count("workspaces")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: f"{total} / {total}" in screen_text(app))
        text = await open_plan(pilot, "ctrl+a", "X")
        assert f"{len(eligible)} eligible for terminate" in text
        assert f"Type {len(eligible)} and press Enter" in text
        first = sorted(ctx.cache.rows_for_keys("workspaces", ctx.cache.keys("workspaces")),
                       key=lambda r: (r["account"], r["region"], r["id"]))  # fmt: skip
        listed = [r for r in first if r["id"] in eligible][:3]
        for row in listed:  # the first targets, with their users (read for the list only)
            assert row["id"] in text and str(row["user"])[:10] in text


async def test_an_id_holding_the_list_separator_is_planned_from_rows(tmp_path) -> None:
    """The facts cannot be split back (core.store.marked): the plan reads the rows."""
    from tests.core.test_cache import Target, ws
    from wstui.core.cache import Cache
    from wstui.ui.app import AppContext, WstuiApp

    cache = Cache(tmp_path / "cache.sqlite")
    items = [ws(i, state=("AVAILABLE", "STOPPED")[i % 2]) for i in range(6)]
    items[2]["WorkspaceId"] = "ws-odd\x1eid"  # AVAILABLE
    cache.replace_snapshot("ws", Target(None, "us-east-1"), items)
    assert cache.plan_facts("workspaces", PROTECT)[0] is None
    app = WstuiApp(AppContext(cache=cache), watch_refresher=False)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: "6 / 6" in screen_text(app))
            text = await open_plan(pilot, "ctrl+a", "b")
            assert "3 eligible for reboot" in text
            assert "skipped 3 STOPPED cannot reboot" in text
            assert "ws-odd\x1eid" in app.screen.plan.eligible
    finally:
        cache.close()
