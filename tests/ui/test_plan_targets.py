"""A destructive plan lists WHICH WorkSpaces it acts on (issue 12), scrollable at 80x24
with the typed-count box still on screen."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.ui.conftest import screen_text, wait_for
from wstui.ui.screens.plan import PlanScreen
from wstui.ui.screens.results import ResultsScreen

SMALL = (80, 24)


async def test_terminate_plan_lists_id_user_computer_and_scrolls(make_app, ctx, sim) -> None:
    rows = ctx.cache.query("workspaces", "state = 'AVAILABLE'", order_by="id", limit=None)
    rows = [r for r in rows if r.get("user")][:12]
    keys = [(r["account"], r["region"], r["id"]) for r in rows]
    for _, region, wid in keys:
        sim.set_state(region, wid, "AVAILABLE")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        app.screen.table.marks.update(keys)
        app.screen.action_act("terminate")
        await wait_for(pilot, lambda: getattr(app.focused, "id", "") == "confirm-count")
        plan = app.screen
        assert isinstance(plan, PlanScreen)
        table = plan.query_one("#plan-targets", DataTable)
        await wait_for(pilot, lambda: table.row_count == 12)
        text = screen_text(app)
        assert "Terminate these 12 WorkSpace(s)" in text
        first = plan.plan.calls[0].ids[0]
        row = next(r for r in rows if r["id"] == first)
        line = next(ln for ln in text.splitlines() if first in ln)
        assert str(row["user"])[:10] in line and str(row["computer"])[:10] in line
        # 12 rows do not fit at 80x24: the list scrolls, the typed-count box stays visible.
        assert table.max_scroll_y > 0
        assert "Type 12 and press Enter" in text and "type 12" in text
        last = plan.plan.calls[-1].ids[-1]
        assert last not in text
        await pilot.press("down", "pagedown", "pagedown", "pagedown", "pagedown")
        await wait_for(pilot, lambda: last in screen_text(app))
        assert table.scroll_y > 0
        await pilot.press("pageup", "pageup", "pageup", "pageup", "up")
        await wait_for(pilot, lambda: table.scroll_y == 0 and first in screen_text(app))
        assert app.focused.id == "confirm-count"  # scrolling never took focus off the box
        assert "type 12" in screen_text(app)
        await pilot.press("1", "2", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen) and app.screen.finished)
    sent = [r["WorkspaceId"] for c in sim.calls_to("TerminateWorkspaces")
            for r in c.params["TerminateWorkspaceRequests"]]  # fmt: skip
    assert sorted(sent) == sorted(k[2] for k in keys)


async def test_non_destructive_plan_has_no_list(make_app, ctx, sim) -> None:
    keys = ctx.cache.keys("workspaces", "state = 'AVAILABLE'")[:2]
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        app.screen.table.marks.update(keys)
        app.screen.action_act("reboot")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen) and "eligible" in screen_text(app))  # fmt: skip
        assert not app.screen.query("#plan-targets")
