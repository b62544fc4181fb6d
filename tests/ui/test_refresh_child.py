"""The TUI with its refresher in a child process (wstui.refresh_process): the demo's
default. The rows on screen can only have come through the child: the cache starts
empty and this process's refresher is never started."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.conftest import screen_text, wait_for
from wstui.demo import demo_context
from wstui.refresh_process import RefresherProcess
from wstui.ui.app import WstuiApp
from wstui.wiring import Options


def _never(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the UI's process refreshed")


async def test_the_app_shows_the_rows_the_child_refreshed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from wstui.ui.widgets.fleet_table import FleetTable

    highlighted: set = set()  # the keys the table was told to highlight
    reload = FleetTable.reload

    def noting(table: Any, changed_keys: Any = ()) -> None:
        changed_keys = set(changed_keys)
        highlighted.update(changed_keys)
        reload(table, changed_keys)

    monkeypatch.setattr(FleetTable, "reload", noting)
    with demo_context(Options(size=40, seed=7, speed=0.0)) as ctx:
        refresher = ctx.refresher
        assert isinstance(refresher, RefresherProcess)
        refresher.local.start = _never  # a fallback would fail the test, not hide
        assert ctx.cache.total("workspaces") == 0
        app = WstuiApp(ctx)
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: ctx.cache.total("workspaces") > 0, timeout=90)
            ids = {r["id"] for r in ctx.cache.query("workspaces", limit=None)}
            await wait_for(pilot, lambda: sum(i in screen_text(app) for i in ids) >= 5,
                           timeout=30)  # fmt: skip
            assert refresher.running and not refresher.fallen_back
            # The changed keys crossed with the events: the table highlights those rows.
            keys = {(r["account"], r["region"], r["id"])
                    for r in ctx.cache.query("workspaces", limit=None)}  # fmt: skip
            await wait_for(pilot, lambda: highlighted >= keys, timeout=30)
            pid = refresher.pid
        assert pid is not None and not refresher.running
        # stop() at exit reaped it: no process of that id is left
        import os

        try:
            os.kill(pid, 0)
            alive = True
        except ProcessLookupError:
            alive = False
        assert not alive
