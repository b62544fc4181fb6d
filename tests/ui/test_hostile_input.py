"""Bad input typed or pasted into the TUI (issue 14): a 50,000-character paste into every
input, markup and escape sequences in theme names, ctrl+c's hint. Each one gives a clear
message and keeps the state; none ends the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import Input

from tests.ui.conftest import screen_ansi, screen_text, wait_for
from tests.ui.test_forms import dialog_text, focus_row
from wstui.ui.screens.form import FormScreen
from wstui.ui.screens.ops_picker import OperationsScreen
from wstui.ui.screens.resource import ResourceScreen

SIZE = (80, 24)
LONG_GLOB = "a*" * 25_000  # 50,000 characters: SQLite's LIKE limit is 50,000 bytes


def notices(app: Any) -> str:
    return " | ".join(n.message for n in app._notifications)


async def paste(pilot: Any, app: Any, text: str) -> Input:
    box = app.focused
    assert isinstance(box, Input), box
    box.post_message(events.Paste(text))
    await wait_for(pilot, lambda: len(box.value) >= min(len(text), 1000))
    return box


async def test_a_50000_character_glob_in_the_filter_gives_the_error_line(make_app, ctx) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.screen
        assert isinstance(screen, ResourceScreen)
        await pilot.press("slash", *"state=STOPPED", "enter")
        await wait_for(pilot, lambda: screen.query_text == "state=STOPPED")
        stopped = ctx.cache.count("workspaces", "state = ?", ["STOPPED"])
        assert stopped and screen.table.source.count() == stopped
        # Appended to the applied filter, so no valid query is ever typed in between.
        await pilot.press("slash", "end")
        box = await paste(pilot, app, " " + LONG_GLOB)
        assert box.value == "state=STOPPED " + LONG_GLOB
        await pilot.press("enter")
        error = screen.query_one("#query-error")
        await wait_for(pilot, lambda: "shorter value" in str(error.render()))
        assert "at 15: expected a shorter value here (at most 10,000 bytes)" in str(error.render())
        # Nothing lost: the previous filter and its rows stay; the app is still running.
        assert screen.query_text == "state=STOPPED"
        assert screen.table.source.count() == stopped
        assert app.is_running and app.return_code is None
        assert "shorter value" in screen_text(app)


async def test_a_50000_character_command_is_refused_with_a_notice(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = app.screen
        await pilot.press("colon")
        await paste(pilot, app, "x" * 50_000)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "unknown kind" in notices(app))
        assert app.screen is screen and app.is_running
        # The notice names the start of what was typed, not all 50,000 characters.
        assert "'" + "x" * 60 + "…'" in notices(app)
        assert len(notices(app)) < 1_000
        await wait_for(pilot, lambda: "unknown kind" in screen_text(app))


async def test_a_50000_character_paste_into_a_form_field_is_refused_before_sending(
    make_app, sim
) -> None:
    app = make_app(start_kind="aliases")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, OperationsScreen))
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        form = app.screen
        first = form.query_one("#field-0", Input)
        first.focus()
        await pilot.pause()
        await paste(pilot, app, "h" * 50_000)
        await pilot.press("ctrl+s")
        await pilot.pause()
        # Still the form (nothing sent), with the field's rule shown; the app runs on.
        await wait_for(pilot, lambda: "fully qualified domain name" in screen_text(app))
        assert app.screen is form and app.is_running
        assert sim.calls_to("CreateConnectionAlias") == []


async def test_theme_command_shows_markup_literally(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        before = app.theme
        await pilot.press("colon", *"theme [b]x[/b]", "enter")
        await wait_for(pilot, lambda: "Unknown theme" in notices(app))
        assert app.theme == before
        await wait_for(pilot, lambda: "Unknown theme '[b]x[/b]'" in screen_text(app))


async def test_ctrl_c_hint_is_plain_text(make_app) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: "to quit" in screen_text(app))
        assert "[b]" not in screen_text(app) and "[b]" not in notices(app)
        assert "Press q or ^q to quit the app" in notices(app)


async def test_theme_file_with_markup_or_osc_in_its_name_is_refused_and_shown_inert(
    make_app, ctx, tmp_path: Path
) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "markup.toml").write_text('name = "[b]bold[/b]"\nprimary = "#ff0000"\n')
    (themes / "osc.toml").write_text('name = "x\\u001b]0;pwned\\u0007"\nprimary = "#ff0000"\n')
    (themes / "osc52.toml").write_text(
        'name = "y\\u001b]52;c;ZWNobyBoaQ==\\u001b\\\\"\nprimary = "#00ff00"\n'
    )
    ctx.user_theme_dir = themes
    app = make_app()
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await pilot.pause()
        said = notices(app)
        for name in ("markup.toml", "osc.toml", "osc52.toml"):
            assert name in said, said
        assert "'[b]bold[/b]'" in said  # literal, with its brackets
        assert not any("\x1b" in t or "[b]" in t for t in app.available_themes)
        frame = screen_ansi(app)
        assert "\x1b]0;" not in frame and "\x1b]52;" not in frame and "\x07" not in frame


async def test_a_50000_character_csv_path_is_an_error_in_the_dialog(make_app, sim) -> None:
    from wstui.ui.screens.create_csv import CsvCreateScreen

    app = make_app(start_kind="workspaces")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("o", "V")
        await wait_for(pilot, lambda: isinstance(app.screen, CsvCreateScreen))
        dialog = app.screen
        await paste(pilot, app, "/" + "p" * 49_999)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "name too long" in dialog_text(app).lower())
        assert app.screen is dialog and app.is_running
        assert sim.calls_to("CreateWorkspaces") == []


async def test_a_50000_character_ip_rule_is_refused_inline(make_app, sim) -> None:
    from tests.ui.test_resource_dialogs import group_id
    from wstui.ui.screens.ip_rules import IpRulesScreen

    app = make_app(start_kind="ipgroups")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await focus_row(pilot, group_id(app, "unused"))
        await pilot.press("o", "e")
        await wait_for(pilot, lambda: isinstance(app.screen, IpRulesScreen))
        editor = app.screen
        before = [r.cidr for r in editor.rules]
        await pilot.press("a")
        await paste(pilot, app, "1" * 50_000)
        await pilot.press("enter", "enter")  # CIDR, then description: add the rule
        await wait_for(pilot, lambda: "is not a CIDR block" in dialog_text(app))
        assert [r.cidr for r in editor.rules] == before and app.is_running
        assert sim.calls_to("AuthorizeIpRules") == []


async def test_a_50000_character_since_is_an_error_and_keeps_the_changes(make_app) -> None:
    from wstui.ui.screens.changes import ChangesScreen

    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        app.run_command("changes 1h")
        await wait_for(pilot, lambda: isinstance(app.screen, ChangesScreen))
        screen = app.screen
        await wait_for(pilot, lambda: "(1h)" in screen.summary)
        summary = screen.summary
        for pasted in ("9" * 50_000, "9" * 50_000 + "d"):  # a number too big; a span too long
            await pilot.press("slash", "ctrl+u")
            await paste(pilot, app, pasted)
            await pilot.press("enter")
            if pasted.endswith("d"):  # as far back as can be: every change the cache holds
                await wait_for(pilot, lambda: "Since 1970-01-01" in screen.summary)
            else:
                await wait_for(pilot, lambda: "expected a time span" in notices(app))
                assert screen.summary == summary  # the 1h listing stays
            assert app.is_running and app.screen is screen
        assert len(notices(app)) < 1_000
