"""`:targets` with Organizations discovery: the discovered targets, and the account that
refused the role shown as an error with the reason (never silently skipped)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.ui.conftest import screen_text, wait_for
from wstui.config import OrgSource
from wstui.core.aws import Clients
from wstui.core.cache import Cache
from wstui.core.org import Discovery
from wstui.core.refresh import Refresher
from wstui.sim.org import ROLE, seed_organization
from wstui.ui.app import AppContext, WstuiApp
from wstui.ui.screens.targets import TargetsScreen

MEMBERS = (("Prod", 6, ("us-east-1",), True), ("Sandbox", 3, ("us-east-1",), False))


async def test_targets_screen_lists_discovered_accounts_and_the_refused_one(
    sim: Any, tmp_path: Path
) -> None:
    accounts = {a.name: a.account for a in seed_organization(seed=5, now=sim.clock.now(),
                                                               members=MEMBERS)}  # fmt: skip
    cache = Cache(tmp_path / "c.sqlite")
    discovery = Discovery([OrgSource(None, ROLE, ("us-east-1",))])
    refresher = Refresher(cache, Clients(max_attempts=1), [], kinds=["workspaces"],
                          discovery=discovery)  # fmt: skip
    assert all(r.ok for r in refresher.refresh())
    # targets=[]: as at the start of a first run (or the demo), before anything was
    # discovered: the screens and the gateway read the refresher's (discovered) targets.
    ctx = AppContext(cache=cache, targets=[], clients=refresher.clients, refresher=refresher)
    app = WstuiApp(ctx, watch_refresher=False)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            app.run_command("targets")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetsScreen))
            await wait_for(pilot, lambda: len(app.screen.lines) == 3)
            by_account = {s.account: s for s in app.screen.lines}
            assert by_account[accounts["Prod"]].status == "ok"
            assert by_account[accounts["Prod"]].rows == 6
            assert by_account[accounts["master"]].status == "ok"
            refused = by_account[accounts["Sandbox"]]
            assert refused.status == "error" and refused.region == "-"
            assert refused.reason.startswith("AssumeRole failed: AccessDenied")
            text = screen_text(app)
            line = next(ln for ln in text.splitlines() if accounts["Sandbox"] in ln)
            assert "ERROR" in line and "org:" in line
            # The cursor on the refused line shows its whole reason under the table.
            for _ in range(3):
                await pilot.press("down")
            await wait_for(pilot, lambda: "AssumeRole failed" in screen_text(app))
            text = " ".join(ln.strip(" │") for ln in screen_text(app).splitlines())
            assert "ERROR: AssumeRole failed: AccessDenied" in text
            assert f"{accounts['Sandbox']}:role/{ROLE}" in text.replace(" ", "")
            # enter on the refused line narrows nothing (it has no rows to show)
            await pilot.press("enter")
            await pilot.pause(0.1)
            assert isinstance(app.screen, TargetsScreen)
        # The TUI's gateway scope holds the discovered targets (from the refresher, live).
        scope = ctx.gateway.scope
        assert scope.target(accounts["Prod"], "us-east-1").role_arn.endswith(f":role/{ROLE}")
        assert scope.reason(accounts["Sandbox"], "us-east-1") is not None
    finally:
        refresher.stop()
        cache.close()
