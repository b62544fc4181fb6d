"""Notifications never interpret markup: they carry API messages and user input."""

from __future__ import annotations

from typing import Any

from tests.support.pilot import wait_for


async def test_notify_shows_markup_and_escapes_literally(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        # A widget's notify passes markup=True explicitly; the app must still refuse it.
        app.screen.notify("[bold red]x[/] [/] \x1b[31mred", timeout=30)
        await wait_for(pilot, lambda: bool(app._notifications))
        notes = list(app._notifications)
        assert notes and all(n.markup is False for n in notes)
        assert "\x1b" not in notes[-1].message
        assert "[bold red]x[/] [/]" in notes[-1].message
