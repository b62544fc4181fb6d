"""`:view advice` (cost advice from CloudWatch hours) and the details sparkline, at 80x24."""

from __future__ import annotations

from typing import Any

from textual.widgets import Sparkline

from tests.ui.conftest import screen_text, wait_for
from wstui.core.query import compile as compile_query
from wstui.ui.screens.details import DetailsScreen

SIZE = (80, 24)


def _read_metrics(ctx: Any, sim: Any) -> None:
    ctx.refresher.metrics_clock = sim.clock.now
    done = ctx.refresher.read_metrics()
    assert done and all(d.error is None for d in done)


async def test_advice_view_ranks_by_saving_with_the_estate_totals(make_app, ctx, sim) -> None:
    _read_metrics(ctx, sim)
    cost, saving, advised, _ = ctx.cache.estate_totals()
    assert advised > 0 and cost > saving > 0
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.run_command("view advice")
        await wait_for(pilot, lambda: getattr(app.screen, "query_text", "") == "saving>0")
        await wait_for(pilot, lambda: "estate USD" in screen_text(app))
        text = screen_text(app)
        assert f"estate USD {cost:,.0f}/month" in text
        assert f"saving USD {saving:,.0f}/month" in text
        screen = app.screen
        where, params = compile_query("saving>0", "workspaces")
        rows = ctx.cache.query("ws", where, params, order_by="saving_month", desc=True,
                               limit=None)  # fmt: skip
        assert screen.table.source.count() == len(rows) == advised
        # The first row on screen is the biggest saving, with its advised mode.
        top = rows[0]
        first_line = next(ln for ln in text.splitlines() if top["id"] in ln)
        assert top["best_mode"] in first_line and f"{top['saving_month']:g}" in first_line
        assert text.index(top["id"]) < text.index(rows[1]["id"])


async def test_details_shows_the_30_day_sparkline(make_app, ctx, sim) -> None:
    _read_metrics(ctx, sim)
    key = ctx.cache.conn.execute(
        "SELECT account, region, id FROM metrics WHERE hours > 0 ORDER BY id LIMIT 1"
    ).fetchone()
    series = ctx.cache.metrics_of(tuple(key))["Series"]
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        from wstui.core.kinds import resolve

        app.push_screen(DetailsScreen(resolve("ws"), tuple(key)))
        await wait_for(pilot, lambda: isinstance(app.screen, DetailsScreen)
                       and bool(app.screen.query("#details-spark")))  # fmt: skip
        spark = app.screen.query_one("#details-spark", Sparkline)
        await wait_for(pilot, lambda: spark.display and bool(spark.data))
        assert list(spark.data) == [float(v) for v in series] and len(series) == 30
        assert "Connected hours per day, last 30 days" in screen_text(app)


async def test_advice_view_open_before_the_metrics_pass_fills_in_after_it(
    make_app, ctx, sim
) -> None:
    """Was: the view opened before the first pass stayed at "no rows" (the pass's columns
    make no history, so no listing reported a change) while its header counted 999."""
    import asyncio

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        app.run_command("view advice")
        await wait_for(pilot, lambda: getattr(app.screen, "query_text", "") == "saving>0")
        await wait_for(pilot, lambda: "no rows" in screen_text(app))  # nothing read yet
        ctx.refresher.metrics_clock = sim.clock.now
        events = await asyncio.to_thread(ctx.refresher.read_metrics)
        for event in events:  # as the running refresher delivers them
            await asyncio.to_thread(app._post_refresh_event, event)
        advised = ctx.cache.estate_totals()[2]
        assert advised > 0
        await wait_for(pilot, lambda: app.screen.table.source.count() == advised)
        await wait_for(pilot, lambda: "no rows" not in screen_text(app))
