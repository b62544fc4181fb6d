"""After an action is sent (issue 12): the results settle when WorkSpaces are gone, and
marks follow the rows (dropped when a row vanishes, cleared once sent)."""

from __future__ import annotations

from typing import Any

from tests.ui.conftest import screen_text, wait_for
from wstui.core.aws import Target
from wstui.ui.screens.plan import PlanScreen
from wstui.ui.screens.resource import ResourceScreen
from wstui.ui.screens.results import ResultsScreen

US, EU = "us-east-1", "eu-west-1"
SMALL = (80, 24)


def available(sim: Any, ctx: Any, region: str, n: int) -> list[tuple[str, str, str]]:
    keys = ctx.cache.keys("workspaces", "region = ? AND state = 'AVAILABLE'", [region])[:n]
    for _, r, i in keys:
        sim.set_state(r, i, "AVAILABLE")
    return keys


async def terminate(pilot: Any, app: Any, keys: list[tuple[str, str, str]]) -> ResultsScreen:
    app.screen.table.marks.update(keys)
    app.screen.action_act("terminate")
    await wait_for(pilot, lambda: getattr(app.focused, "id", "") == "confirm-count")
    await pilot.press(*str(len(keys)), "enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
    results = app.screen
    await wait_for(pilot, lambda: results.finished)
    return results


class TestResultsSettle:
    async def test_terminated_workspaces_count_as_settled(self, make_app, ctx, sim) -> None:
        keys = available(sim, ctx, US, 2)
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            results = await terminate(pilot, app, keys)
            await wait_for(pilot, lambda: "TERMINATING" in screen_text(app), timeout=15)
            assert "✓ settled" not in screen_text(app)
            sim.clock.advance(3600)  # TERMINATING -> TERMINATED -> gone, in virtual time
            await wait_for(pilot, lambda: "✓ settled" in screen_text(app), timeout=20)
            text = screen_text(app)
            assert "now: 2 TERMINATED" in text and "TERMINATING" not in text
            assert all(results.states[k] == "TERMINATED" for k in keys)
            # Enter on a gone row still names its user (kept from before it left the cache).
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen is not results)
            first = results.keys[0]
            assert results.users[first] and results.users[first] in app.screen.text
        assert ctx.cache.rows_for_keys("workspaces", keys) == []  # the refresher removed them
        sent = [r["WorkspaceId"] for c in sim.calls_to("TerminateWorkspaces")
                for r in c.params["TerminateWorkspaceRequests"]]  # fmt: skip
        assert sorted(sent) == sorted(k[2] for k in keys)


class TestMarks:
    async def test_marks_of_sent_rows_are_cleared_and_skipped_rows_stay_marked(
        self, make_app, ctx, sim
    ) -> None:
        ctx.targets = [Target(None, US, sim.account)]  # eu-west-1 rows are out of scope
        sent = available(sim, ctx, US, 2)
        skipped = available(sim, ctx, EU, 1)
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            fleet = app.screen
            fleet.table.marks.update(sent + skipped)
            fleet.action_act("reboot")
            await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
            await wait_for(pilot, lambda: app.screen.finished)
            assert fleet.table.marks == set(skipped)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
            assert "1 marked" in screen_text(app)
        assert len(sim.calls_to("RebootWorkspaces")) == 1

    async def test_cancelled_plan_keeps_every_mark(self, make_app, ctx, sim) -> None:
        keys = available(sim, ctx, US, 3)
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            fleet = app.screen
            fleet.table.marks.update(keys)
            fleet.action_act("reboot")
            await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is fleet)
            assert fleet.table.marks == set(keys)
        assert sim.calls_to("RebootWorkspaces") == []

    async def test_marks_of_vanished_rows_are_dropped(self, make_app, ctx, sim) -> None:
        gone = available(sim, ctx, US, 2)
        kept = available(sim, ctx, EU, 1)
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            fleet = app.screen
            fleet.table.marks.update(gone + kept)
            fleet.table._marks_changed()
            await wait_for(pilot, lambda: "3 marked" in screen_text(app))
            # Terminated elsewhere: the refresher removes them from the cache.
            ctx.cache.delete_items(
                "workspaces", Target(None, US, sim.account), [k[2] for k in gone]
            )
            from wstui.ui.messages import CacheChanged

            fleet.post_message(CacheChanged("workspaces", frozenset(gone)))
            await wait_for(pilot, lambda: fleet.table.marks == set(kept))
            assert "1 marked" in screen_text(app)
            # A later plan counts no hidden marks that no longer exist.
            await pilot.press("slash", *"state=STOPPED", "enter")
            await wait_for(pilot, lambda: fleet.query_text == "state=STOPPED")
            fleet.action_act("reboot")
            await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen)
                           and "eligible" in screen_text(app))  # fmt: skip
            text = screen_text(app)
            assert "1 marked row(s) hidden" in text
        assert sim.calls_to("RebootWorkspaces") == []

    async def test_marks_terminated_through_the_app_are_gone_after_follow(
        self, make_app, ctx, sim
    ) -> None:
        keys = available(sim, ctx, US, 2)
        app = make_app()
        async with app.run_test(size=SMALL) as pilot:
            await pilot.pause()
            fleet = app.screen
            await terminate(pilot, app, keys)
            sim.clock.advance(3600)
            await wait_for(pilot, lambda: "✓ settled" in screen_text(app), timeout=20)
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.screen is fleet)
            assert fleet.table.marks == set()
            assert "marked" not in screen_text(app)
