"""The first frame: what the terminal is sent first, and what follows it."""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console

from tests.ui.conftest import screen_text

CSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
ROW = re.compile(r"ws-[0-9a-z]{9}")


def _frames_sent(app: Any) -> list[str]:
    """Record the text of every update the app would write to the terminal."""
    sent: list[str] = []
    console = Console(width=120, height=40, force_terminal=True, color_system="truecolor")
    original = app._display

    def spy(screen: Any, renderable: Any) -> None:
        if renderable is not None and not app._batch_count:  # Textual drops batched ones
            sent.append(CSI.sub("", renderable.render_segments(console)))
        original(screen, renderable)

    app._display = spy
    return sent


async def test_the_first_frame_sent_shows_rows_then_counts_and_footer_follow(make_app):
    app = make_app()
    sent = _frames_sent(app)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.pause()
        # The start-up layout happens inside Textual's start-up batch, whose frame is
        # dropped: the first frame sent must still carry the table, not only what changed.
        assert sent and ROW.search(sent[0]), sent[:1]
        # Work the first frame does not need comes right after it.
        assert "/ 40" not in sent[0] and "Reboot" not in sent[0]
        text = screen_text(app)
        assert "40 / 40" in text
        assert "Reboot" in text.splitlines()[-1]


async def test_when_painted_runs_now_once_painted(make_app):
    app = make_app()
    ran: list[str] = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app._painted
        app.when_painted(lambda: ran.append("late"))
        await pilot.pause()
        assert ran == ["late"]


async def test_region_column_shows_when_targets_span_regions(make_app, ctx):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        header = next(line for line in screen_text(app).splitlines() if " ID " in line)
        # after STATE, which must stay on screen at 80 columns (tests/ui/test_small_screen.py)
        assert header.split()[:5] == ["ID", "USER", "COMPUTER", "STATE", "REGION"]
        rows = [line for line in screen_text(app).splitlines() if ROW.search(line)]
        regions = {t.region for t in ctx.targets}
        assert {w for line in rows for w in line.split() if w in regions} == regions


async def test_one_region_one_account_keeps_the_narrow_default(make_app, ctx):
    ctx.targets = ctx.targets[:1]
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        header = next(line for line in screen_text(app).splitlines() if " ID " in line)
        assert "REGION" not in header and "ACCOUNT" not in header
