"""`:summary` in the app: reachable by command, readable at 80x24, keyboard-scrollable."""

from __future__ import annotations

from collections import Counter

from textual.containers import VerticalScroll

from tests.ui.conftest import screen_text, wait_for
from wstui.core import summary
from wstui.ui.screens.summary import SummaryScreen

SMALL = (80, 24)


def cached_states(ctx) -> Counter:
    return Counter(r["state"] for r in ctx.cache.query("workspaces", limit=None))


async def test_summary_at_80x24_shows_every_section_and_scrolls_by_keyboard(make_app, ctx) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        app.run_command(":summary")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.data is not None)
        states = cached_states(ctx)
        title = f"Summary ({sum(states.values()):,} WorkSpaces)"
        top_states = [state for state, _ in states.most_common(3)]

        def painted() -> bool:  # the title and the state bars can land in separate frames
            lines = [ln.strip() for ln in screen_text(app).splitlines()]
            return title in screen_text(app) and all(
                any(ln.startswith(s) and "█" in ln for ln in lines) for s in top_states
            )

        await wait_for(pilot, painted)
        text = screen_text(app)
        lines = text.splitlines()
        assert len(lines) == 24 and all(len(ln) <= 80 for ln in lines)
        assert f"Summary ({sum(states.values()):,} WorkSpaces)" in text
        assert "WorkSpaces by state" in text
        # Each state: its name, its count, and a bar (the largest fills the width).
        for state, n in states.most_common(3):
            line = next(ln for ln in lines if ln.strip().startswith(state))
            assert f" {n} " in line and "█" in line
        top = next(ln for ln in lines if ln.strip().startswith(states.most_common(1)[0][0]))
        assert top.count("█") >= 40  # the largest fills most of an 80-column line
        # Every section is reached with the keyboard alone (j / G), nothing cut at 80 cols.
        seen = set(lines)
        body = screen.query_one("#summary-body", VerticalScroll)
        assert body.has_focus
        for _ in range(60):
            await pilot.press("j")
            seen |= set(screen_text(app).splitlines())
            if body.scroll_y >= body.max_scroll_y:
                break
        shown = "\n".join(seen)
        for _, title in SummaryScreen.SECTIONS:
            assert title in shown, title
        assert summary.NO_METRICS[:60] in shown  # metrics columns absent: say so
        for label, _ in [(g.label, g.count) for g in screen.data.idle]:
            assert any(ln.strip().startswith(label) for ln in seen), label
        await pilot.press("g")
        await wait_for(pilot, lambda: body.scroll_y == 0)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, SummaryScreen))


async def test_summary_reload_reads_the_cache_again(make_app, ctx) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.run_command("summary")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen.data is not None)
        before = screen.data.total
        region = ctx.targets[0].region
        gone = ctx.cache.keys("workspaces", "region = ?", (region,))
        ctx.cache.replace_snapshot("workspaces", ctx.targets[0], [])
        await pilot.press("r")
        await wait_for(pilot, lambda: screen.data.total == before - len(gone))
        assert f"Summary ({before - len(gone):,} WorkSpaces)" in screen_text(app)


async def test_summary_with_no_color_sends_no_colour_and_keeps_its_bars(
    make_app, monkeypatch
) -> None:
    from tests.ui.test_nocolor import _coloured, _frame_segments

    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        app.run_command("summary")
        await wait_for(pilot, lambda: isinstance(app.screen, SummaryScreen))
        await wait_for(pilot, lambda: app.screen.data is not None)
        await wait_for(pilot, lambda: "WorkSpaces by state" in screen_text(app))
        assert _coloured(_frame_segments(app)) == []
        text = screen_text(app)
        assert "WorkSpaces by state" in text and text.count("█") > 40  # bars are characters
