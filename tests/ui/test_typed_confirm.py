"""A destructive plan is confirmed only by typing its count: not by key repeat,
not by a (bracketed) paste, not by y or Enter alone."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import Input

from tests.ui.conftest import wait_for
from wstui.ui.screens.plan import PlanScreen
from wstui.ui.screens.results import ResultsScreen

SIZE = (120, 40)
N = 12  # two digits, so holding one digit down is a real risk


async def open_terminate_plan(app: Any, pilot: Any) -> PlanScreen:
    await pilot.press("slash", *"state=AVAILABLE", "enter")
    await wait_for(pilot, lambda: app.screen.query_text == "state=AVAILABLE")
    await pilot.press(*["space"] * N, "X")
    await pilot.pause()
    plan = app.screen
    assert isinstance(plan, PlanScreen) and plan.count == N and plan.destructive
    return plan


async def test_key_repeat_paste_and_enter_do_not_confirm(make_app, ctx, sim) -> None:
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        plan = await open_terminate_plan(app, pilot)
        box = plan.query_one("#confirm-count", Input)
        assert app.focused is box
        for attempt in (["y"], ["enter"], ["y", "enter"]):
            await pilot.press(*attempt)
            await pilot.pause()
            assert app.screen is plan, attempt
        for held in ("1", "2"):  # holding a digit: "1111", never "12"
            await pilot.press(*[held] * 8)
            assert len(box.value) <= len(str(N)) + 2 and set(box.value) == {held}
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is plan and box.value == ""
        for pasted in (str(N), f"{N}\r", f"{N}\n"):  # a terminal's bracketed paste
            box.post_message(events.Paste(pasted))
            await pilot.pause()
            assert box.value == "", pasted
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is plan, pasted
        assert sim.calls_to("TerminateWorkspaces") == []
        await pilot.press(*str(N), "enter")  # typed: confirmed
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
    sent = [r["WorkspaceId"] for c in sim.calls_to("TerminateWorkspaces")
            for r in c.params["TerminateWorkspaceRequests"]]  # fmt: skip
    assert len(sent) == N
