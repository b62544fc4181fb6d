"""The gateway's promises in the TUI: scope in the plan, stop-sending on esc, re-read of
uncertain WorkSpaces before a re-plan, read-only that fails closed on a broken config."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import screen_text, wait_for
from wstui.core import act
from wstui.core.aws import Target, is_mutating
from wstui.core.kinds import resolve
from wstui.ui.screens.plan import ChoiceScreen, PlanScreen
from wstui.ui.screens.results import ResultsScreen

US, EU = "us-east-1", "eu-west-1"
SIZE = (100, 30)


def available(sim: Any, ctx: Any, region: str, n: int) -> list[tuple[str, str, str]]:
    keys = ctx.cache.keys("workspaces", "region = ? AND state = 'AVAILABLE'", [region])[:n]
    for _, r, i in keys:
        sim.set_state(r, i, "AVAILABLE")
    return keys


async def test_rows_of_an_unselected_region_are_skipped_in_the_plan(make_app, ctx, sim) -> None:
    ctx.targets = [Target(None, US, sim.account)]  # the user selected us-east-1 only
    keys = available(sim, ctx, US, 1) + available(sim, ctx, EU, 1)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.table.marks.update(keys)
        app.screen.action_act("reboot")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen) and "eligible" in screen_text(app))  # fmt: skip
        text = screen_text(app)
        assert "1 eligible for reboot" in text
        assert "outside the selected targets (region eu-west-1" in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen) and app.screen.finished)
    assert {c.region for c in sim.calls if is_mutating(c.operation)} == {US}


async def test_escape_while_sending_asks_and_stops_the_remaining_calls(make_app, ctx, sim) -> None:
    keys = available(sim, ctx, US, 8)
    rows = ctx.cache.rows_for_keys("workspaces", keys)
    plan = act.plan("maintenance-on", rows)  # one id per call: 8 calls
    assert len(plan.calls) == 8
    import threading

    sent = 0
    release = threading.Event()

    def hold_after_first(**_: Any) -> None:
        # The sender waits after its first call until the user has chosen: no race with
        # the remaining calls, however slow the machine.
        nonlocal sent
        sent += 1
        if sent == 1:
            release.wait(30)

    ctx.clients.workspaces(Target(None, US, sim.account)).meta.events.register(
        "after-call.workspaces.ModifyWorkspaceState", hold_after_first
    )
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.push_screen(ResultsScreen(plan, resolve("workspaces")))
        await wait_for(pilot, lambda: sent >= 1)
        results = app.screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        assert "Stop sending the remaining" in screen_text(app)
        await pilot.press("enter")  # "Stop sending"
        await wait_for(pilot, lambda: results.stop_requested)
        release.set()
        await wait_for(pilot, lambda: results.finished and "stopped by the user" in screen_text(app), timeout=20)  # fmt: skip
        assert app.screen is results  # still there: it says what was and was not sent
        text = screen_text(app)
        assert "stopped by the user" in text and "not sent" in text
        assert "NOT SENT" in text
    calls = sim.calls_to("ModifyWorkspaceState")
    assert len(calls) == 1
    sent_ids = {c.params["WorkspaceId"] for c in calls}
    assert results.error is not None and f"{8 - len(sent_ids)} WorkSpace(s) not sent" in results.error


async def test_a_re_plan_after_lost_responses_re_reads_and_skips(make_app, ctx, sim) -> None:
    keys = available(sim, ctx, US, 3)
    sim.faults.inject("drop-after", operations=["RebootWorkspaces"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.table.marks.update(keys)
        app.screen.action_act("reboot")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen) and app.screen.finished)
        assert "unknown 3" in screen_text(app)
        sim.faults.clear_injections()
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ResultsScreen))
        app.screen.table.marks.update(keys)
        app.screen.action_act("reboot")
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen) and "eligible" in screen_text(app), timeout=20)  # fmt: skip
        text = screen_text(app)
        assert "0 eligible for reboot" in text and "now REBOOTING" in text
    assert len(sim.calls_to("RebootWorkspaces")) == 1  # the first send only


async def test_a_broken_config_turns_the_tui_read_only(make_app, ctx, sim) -> None:
    from wstui.core.act import Policy

    ctx.policy = Policy.from_sources(config_errors=["config.toml:2: read_only must be true or false"])
    ctx.read_only = ctx.policy.read_only
    keys = available(sim, ctx, US, 1)
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        assert "READ-ONLY" in screen_text(app)
        app.screen.table.marks.update(keys)
        app.screen.action_act("reboot")
        await pilot.pause()
        assert not isinstance(app.screen, PlanScreen)
    assert [c for c in sim.calls if is_mutating(c.operation)] == []
    assert ctx.gateway.read_only
