"""Full text where tables cut it (issue 12): Enter on a result row shows its whole
outcome; Enter on a `:log` row shows every field; CreateWorkspaces shows the new ids."""

from __future__ import annotations

from typing import Any

from tests.gw import gateway
from tests.ui.conftest import screen_text, wait_for
from wstui.core.act import create_csv as cc
from wstui.core.aws import Clients, Target
from wstui.ui.screens.audit import AuditScreen
from wstui.ui.screens.plan import PlanScreen
from wstui.ui.screens.results import ResultsScreen
from wstui.ui.screens.text_view import TextViewScreen

US = "us-east-1"
SMALL = (80, 24)


async def failed_reboot(pilot: Any, app: Any, ctx: Any, sim: Any) -> ResultsScreen:
    key = ctx.cache.keys("workspaces", "region = ? AND state = 'AVAILABLE'", [US])[0]
    sim.set_state(US, key[2], "STOPPED")  # the cache still says AVAILABLE: the call fails
    app.screen.table.marks.add(key)
    app.screen.action_act("reboot")
    await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen) and app.screen.finished)
    return app.screen


async def test_enter_on_a_result_row_shows_the_full_message(make_app, ctx, sim) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        results = await failed_reboot(pilot, app, ctx, sim)
        outcome = next(iter(results.outcomes.values()))
        assert outcome.status == "failed" and len(outcome.message) > 40
        await wait_for(pilot, lambda: "FAILED" in screen_text(app))
        assert outcome.message not in screen_text(app).replace("\n", " ")  # cut at 80 columns
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TextViewScreen))
        view = app.screen
        assert outcome.message in view.text and outcome.code in view.text
        await wait_for(pilot, lambda: "InvalidResourceState" in screen_text(app))
        shown = screen_text(app)  # the message wraps in the view; no word of it is cut
        assert all(word in shown for word in outcome.message.split())
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is results)
    assert len(sim.calls_to("RebootWorkspaces")) == 1


async def test_enter_on_a_log_row_shows_every_field(make_app, ctx, sim) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        results = await failed_reboot(pilot, app, ctx, sim)
        outcome = next(iter(results.outcomes.values()))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ResultsScreen))
        app.run_command(":log")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        await wait_for(pilot, lambda: "RebootWorkspaces" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TextViewScreen))
        row = ctx.cache.audit(limit=1)[0]
        assert row["request_id"]
        text = app.screen.text
        for needle in (row["request_id"], str(row["caller"]), outcome.id, outcome.code,
                       outcome.message, "RebootWorkspaces", US):  # fmt: skip
            assert needle in text, needle
        await wait_for(pilot, lambda: row["request_id"] in screen_text(app))
        assert "Request id" in screen_text(app) and "Caller" in screen_text(app)


async def test_log_shows_the_ids_created_by_create_workspaces(make_app, ctx, sim) -> None:
    from wstui.sim.catalogue import AMAZON_BUNDLES

    directory = sim.report.directories[US][0]
    bundle = sorted(AMAZON_BUNDLES)[0]
    header = "DirectoryId,UserName,BundleId"
    plan = cc.read_rows(f"{header}\n{directory},newuser1,{bundle}\n{directory},newuser2,{bundle}\n")
    outcomes = cc.send_rows(plan, gateway(Clients(max_attempts=1), ctx.cache),
                            Target(None, US, sim.account))  # fmt: skip
    new_ids = sorted(o.workspace_id for o in outcomes)
    assert len(new_ids) == 2 and all(i.startswith("ws-") for i in new_ids)
    app = make_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await pilot.pause()
        app.run_command(":log")
        await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
        await wait_for(pilot, lambda: "CreateWorkspaces" in screen_text(app))
        line = next(ln for ln in screen_text(app).splitlines() if "CreateWorkspaces" in ln)
        assert "2 created:" in line and new_ids[0] in line
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, TextViewScreen))
        text = app.screen.text
        assert "2 WorkSpace(s) created" in text
        for new_id in new_ids:
            assert f"→ new WorkSpace {new_id}" in text
        assert f"{directory}/newuser1" in text
    assert len(sim.calls_to("CreateWorkspaces")) == 1
