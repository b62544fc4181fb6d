"""Issue 14, progress in the TUI: the header counts a slow first refresh as pages land and
returns to the normal status after it; the results screen of a bulk send shows calls
done/total and an ETA. At 80x24, with NO_COLOR as well."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.conftest import screen_text, wait_for
from wstui.ui.app import AppContext, WstuiApp
from wstui.ui.screens.results import ResultsScreen

US = "us-east-1"
SMALL = (80, 24)
PROGRESS = re.compile(r"⟳ workspaces ([\d,]+)")


@pytest.fixture
def slow_first_refresh(tmp_path: Path) -> Iterator[AppContext]:
    """An empty cache and a simulator of 300 WorkSpaces: one directory, 12 pages of 25 in
    a row at 100 ms per call (the listing takes over a second: several updates)."""
    from wstui.core.aws import Clients, Target
    from wstui.core.cache import Cache
    from wstui.core.refresh import Refresher
    from wstui.sim import Simulator

    sim = Simulator(seed=14, speed=0.0)
    with sim.running():
        sim.seed(size=300, regions=(US,), directories_per_region=1)
        sim.faults.configure(latency_ms=100)
        cache = Cache(tmp_path / "cache.sqlite")
        clients = Clients(max_attempts=1)
        targets = [Target(None, US, sim.account)]
        clients.remember(targets)
        refresher = Refresher(cache, clients, targets)
        try:
            yield AppContext(cache=cache, targets=targets, clients=clients, refresher=refresher)
        finally:
            refresher.stop()
            cache.close()


def header(app: WstuiApp) -> str:
    return screen_text(app).splitlines()[1]  # the header's second line: kind, age, activity


@pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])
async def test_header_counts_a_slow_first_refresh_then_returns_to_normal(
    slow_first_refresh: AppContext, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = WstuiApp(slow_first_refresh)  # the refresher starts after the first paint
    seen: list[str] = []

    def progress_seen() -> bool:
        line = header(app)
        if PROGRESS.search(line) and line not in seen:
            seen.append(line)
        return len(seen) >= 3

    async with app.run_test(size=SMALL) as pilot:
        await wait_for(pilot, progress_seen, timeout=60)  # three different texts, in order
        counts = [int(PROGRESS.search(s).group(1).replace(",", "")) for s in seen]  # type: ignore[union-attr]
        assert counts == sorted(counts), seen
        assert all(len(s.rstrip()) <= 80 for s in seen)
        # When the pass ends the header is the normal one again and the rows are there.
        await wait_for(pilot, lambda: "⟳" not in header(app) and "300 / 300" in screen_text(app),
                       timeout=60)  # fmt: skip
        assert "WorkSpaces" in header(app)
    assert len(set(counts)) >= 2 and any(0 < n < 300 for n in counts), seen  # pages landing


async def test_results_screen_shows_calls_done_of_total_and_an_eta(make_app, ctx, sim) -> None:
    keys = []
    for region in ("us-east-1", "eu-west-1"):
        found = ctx.cache.keys("workspaces", "region = ? AND state = 'AVAILABLE'", [region])
        keys += found[:3]
    for _, region, wid in keys:
        sim.set_state(region, wid, "AVAILABLE")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        app.screen.table.marks.update(keys)
        app.screen.action_act("reboot")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "PlanScreen")
        sim.faults.configure(latency_ms=700)  # each call (one per region) takes a while
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
        results = app.screen
        await wait_for(pilot, lambda: "sending 0/2 calls" in screen_text(app) or results.sent_calls)
        # Between the two calls: one done of two, and the time the other should take.
        await wait_for(pilot, lambda: re.search(r"sending 1/2 calls · ETA \d+s", screen_text(app)),
                       timeout=20)  # fmt: skip
        sim.faults.configure(latency_ms=0)
        await wait_for(pilot, lambda: results.finished, timeout=20)
        assert "sending" not in screen_text(app)  # done: the summary says what was sent
        assert "sent 6" in screen_text(app)
    assert len(sim.calls_to("RebootWorkspaces")) == 2
