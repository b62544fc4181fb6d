"""Keys for the table typed right after the filter/prompt closes reach the table.

A user types `/state=AVAILABLE`, Enter and ctrl+a in one burst (or a paste-fast
terminal delivers them together): the ctrl+a must mark the filtered rows, not move
the cursor inside the closing filter box.
"""

from __future__ import annotations

from textual import events

from tests.ui.conftest import wait_for
from wstui.ui.screens.resource import ResourceScreen


def burst(app, *keys: tuple[str, str | None]) -> None:
    """Queue keys back to back, as a terminal delivers a fast burst (no waiting between)."""
    for key, char in keys:
        app.post_message(events.Key(key, char))


async def test_ctrl_a_right_after_enter_marks_the_filtered_rows(make_app, ctx) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"state=AVAILABLE")
        await wait_for(pilot, lambda: app.screen.query_text == "state=AVAILABLE")  # debounced
        burst(app, ("enter", "\r"), ("ctrl+a", None))
        await wait_for(pilot, lambda: bool(app.screen.table.marks))
        screen = app.screen
        assert isinstance(screen, ResourceScreen)
        expected = ctx.cache.count("workspaces", "state = ?", ["AVAILABLE"])
        assert expected and len(screen.table.marks) == expected
        assert screen.query_one("#filter").value == "state=AVAILABLE"


async def test_keys_after_escape_reach_the_table(make_app, ctx) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"state=STOPPED")
        await wait_for(pilot, lambda: app.screen.query_text == "state=STOPPED")  # debounced
        burst(app, ("escape", "\x1b"), ("down", None), ("space", " "))
        # Wait for the keys' effect (however slow the machine), then check it exactly.
        await wait_for(pilot, lambda: bool(app.screen.table.marks))
        screen = app.screen
        assert screen.query_one("#filter").value == ""  # escape cleared the filter
        assert len(screen.table.marks) == 1  # down + space reached the table


async def test_keys_after_prompt_submit_reach_the_new_screen(make_app, ctx) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("colon", *"ws")
        burst(app, ("enter", "\r"), ("space", " "))
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen) and bool(app.screen.table.marks))  # fmt: skip
        assert isinstance(app.screen, ResourceScreen)
        assert app.screen.query_one("#command").value == ""
        assert len(app.screen.table.marks) == 1


async def test_keys_typed_right_after_colon_go_to_the_prompt(make_app, ctx) -> None:
    # `:dir` typed in one burst: "d" must not reach the table (it is the Stop key).
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        burst(app, ("colon", ":"), ("d", "d"), ("i", "i"), ("r", "r"), ("enter", "\r"))
        await wait_for(pilot, lambda: getattr(getattr(app.screen, "kind", None), "name", "") == "directories")  # fmt: skip
        assert isinstance(app.screen, ResourceScreen)
        assert app.screen.kind.name == "directories"


async def test_keys_typed_right_after_slash_go_to_the_filter(make_app, ctx) -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        burst(app, ("slash", "/"), *[(c, c) for c in "state:stopped"])
        await wait_for(pilot, lambda: app.screen.query_one("#filter").value == "state:stopped")
        screen = app.screen
        assert isinstance(screen, ResourceScreen)
        assert screen.query_one("#filter").value == "state:stopped"
        assert screen.kind.name == "workspaces"  # "s", "t", ... never reached the table
