"""The header: refresh errors with their age and target; idle ticks repaint only it."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from textual.app import App

from tests.ui.conftest import screen_text, wait_for
from wstui.core.cache import Changes
from wstui.core.refresh import RefreshDone
from wstui.ui.widgets.fleet_table import FleetTable

SIZE = (120, 30)
DOWN = "ConnectionClosedError: Connection was closed before we received a valid response"


async def test_header_says_when_the_last_error_happened(make_app, ctx, sim) -> None:
    target = ctx.targets[0]
    ctx.cache.record_attempt("workspaces", target, DOWN)
    # record_attempt stamps the wall clock; the app's clock reads 12 s later.
    at = max(r["last_error_at"] or 0 for r in ctx.cache.status())
    ctx.clock = lambda: at + 12
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        header = "\n".join(screen_text(app).splitlines()[:3])
    assert f"! endpoint down 12 s ago: {target.account}/{target.region}: ConnectionClosed" in header


async def test_header_lists_each_failing_target(make_app, ctx, sim) -> None:
    us, eu = ctx.targets[0], ctx.targets[1]
    ctx.cache.record_attempt("workspaces", us, DOWN)
    ctx.cache.record_attempt("workspaces", eu, "ThrottlingException: Rate exceeded")
    at = max(r["last_error_at"] or 0 for r in ctx.cache.status())
    ctx.clock = lambda: at + 5
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
    errors = [line.strip() for line in lines[:6] if line.strip().startswith("!")]
    assert len(errors) == 2, lines[:6]
    assert any("endpoint down" in e and us.region in e for e in errors)
    assert any("throttled" in e and eu.region in e and "Rate exceeded" in e for e in errors)
    assert "ws-" in "\n".join(lines)  # the table is still there under a taller header


def _age(text: str) -> int:
    """The header's "updated N s ago", in seconds."""
    found = re.search(r"updated (\d+) s ago", text)
    assert found, text[:400]
    return int(found.group(1))


async def test_idle_tick_repaints_only_the_header(make_app, ctx, monkeypatch) -> None:
    """Seconds pass and a refresh changes nothing: no table row is sent to the terminal."""
    painted: list[int] = []
    original = App._display

    def spy(self: App, screen: Any, update: Any) -> None:
        spans = getattr(update, "spans", None)
        if spans is not None:
            painted.extend(y for y, *_ in spans)
        elif hasattr(update, "region"):
            painted.extend(range(update.region.y, update.region.bottom))
        return original(self, screen, update)

    monkeypatch.setattr(App, "_display", spy)
    now = [ctx.clock()]
    ctx.clock = lambda: now[0]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "ws-" in screen_text(app))
        table = app.screen.query_one(FleetTable)
        top = table.region.y

        for _ in range(100):  # until the first frames (slow on a loaded machine) are done
            painted.clear()
            await pilot.pause(0.3)
            if all(y < top for y in painted):
                break
        reloads: list[Any] = []
        monkeypatch.setattr(table, "reload", lambda *a: reloads.append(a))
        painted.clear()
        for _ in range(3):  # three header ticks, the age moving each time
            age = _age(screen_text(app))
            now[0] += 1
            await wait_for(pilot, lambda age=age: _age(screen_text(app)) == age + 1)
        empty = RefreshDone(ctx.targets[0], "workspaces", Changes(), None, 40, 0.1)
        await asyncio.to_thread(app._post_refresh_event, empty)
        await pilot.pause(0.3)
    assert reloads == []  # a refresh that changed nothing does not re-read the table
    assert painted, "the age text should have been repainted"
    assert max(painted) < top, f"rows {sorted(set(painted))} repainted; table starts at {top}"
