"""Pilot tests of the app: what the screen shows and what the simulator received."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from textual import events
from textual.widgets import Input

from tests.ui.conftest import screen_ansi, screen_text, wait_for
from wstui.ui.screens.details import DetailsScreen
from wstui.ui.screens.plan import PlanScreen
from wstui.ui.screens.resource import ResourceScreen
from wstui.ui.screens.results import ResultsScreen

SIZE = (120, 40)


def ids_sent(sim: Any, operation: str, field: str) -> list[str]:
    return [r["WorkspaceId"] for c in sim.calls_to(operation) for r in c.params[field]]


def state_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if " ws-" in line]


async def apply_filter(pilot: Any, text: str, submit: bool = False) -> None:
    await pilot.press("slash", *text)
    screen = pilot.app.screen
    # The filter is debounced (~150 ms): wait until it is applied (or rejected).
    await wait_for(pilot, lambda: text in (screen.query_text, getattr(screen, "rejected_text", None)))
    await pilot.pause()
    if submit:  # Enter: keep the filter and go back to the table
        await pilot.press("enter")
        await pilot.pause()


class TestFilter:
    async def test_filter_narrows_rows_and_shows_shown_over_total(self, make_app, ctx):
        stopped = ctx.cache.count("workspaces", "state = ?", ["STOPPED"])
        total = ctx.cache.count("workspaces")
        assert 0 < stopped < total
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: f"{total} / {total}" in screen_text(app))  # after the first frame
            await apply_filter(pilot, "state=STOPPED")
            text = screen_text(app)
            assert f"{stopped} / {total}" in text
            rows = state_rows(text)
            assert len(rows) == stopped
            assert all("STOPPED" in row for row in rows)

    async def test_bad_query_shows_error_with_position_and_keeps_rows(self, make_app, ctx):
        stopped = ctx.cache.count("workspaces", "state = ?", ["STOPPED"])
        total = ctx.cache.count("workspaces")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await apply_filter(pilot, "state=STOPPED")
            before = state_rows(screen_text(app))
            # Pasted, not typed: under load the debounce could apply a typed prefix
            # ("state=STOPPED a", a search) and the rows kept would be that one's.
            app.screen.query_one("#filter", Input).post_message(events.Paste(" and ("))
            await wait_for(pilot, lambda: getattr(app.screen, "rejected_text", None)
                           == "state=STOPPED and (")  # fmt: skip
            text = screen_text(app)
            assert "✗ at " in text and "expected" in text
            assert state_rows(text) == before
            assert f"{stopped} / {total}" in text

    async def test_escape_clears_the_filter(self, make_app, ctx):
        total = ctx.cache.count("workspaces")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await apply_filter(pilot, "state=STOPPED")
            await pilot.press("escape")
            await wait_for(pilot, lambda: f"{total} / {total}" in screen_text(app))


class TestMarksAndPlan:
    async def test_mark_all_matching_filter_counts_in_header(self, make_app, ctx):
        stopped = ctx.cache.count("workspaces", "state = ?", ["STOPPED"])
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await apply_filter(pilot, "state=STOPPED", submit=True)
            await pilot.press("ctrl+a")
            await pilot.pause()
            assert f"{stopped} marked" in screen_text(app)

    async def test_plan_shows_eligible_skipped_and_hidden(self, make_app, ctx, sim):
        stopped = ctx.cache.count("workspaces", "state = ?", ["STOPPED"])
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await apply_filter(pilot, "state=STOPPED", submit=True)
            await pilot.press("ctrl+a")
            await pilot.press("escape")  # clears the filter; marks stay
            await wait_for(pilot, lambda: app.screen.query_text == "")
            await apply_filter(pilot, "state=AVAILABLE", submit=True)
            await pilot.press("space", "b")
            await pilot.pause()
            assert isinstance(app.screen, PlanScreen)
            text = screen_text(app)
            assert "1 eligible for reboot" in text
            assert f"skipped {stopped} STOPPED cannot reboot" in text
            assert f"{stopped} marked row(s) hidden by the current filter" in text
            assert "RebootWorkspaces" in text
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ResourceScreen)
        assert sim.calls_to("RebootWorkspaces") == []

    async def test_reboot_sends_exactly_the_marked_ids_and_follows_to_available(
        self, make_app, ctx, sim
    ):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await apply_filter(pilot, "state=AVAILABLE", submit=True)
            await pilot.press("space", "space", "space")
            marked = sorted(app.screen.table.marks)
            assert len(marked) == 3
            await pilot.press("b")
            await pilot.pause()
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
            results = app.screen
            await wait_for(pilot, lambda: results.finished)
            assert sorted(ids_sent(sim, "RebootWorkspaces", "RebootWorkspaceRequests")) == sorted(
                k[2] for k in marked
            )
            assert len(sim.calls_to("RebootWorkspaces")) == 1  # 3 ids fit in one call
            text = screen_text(app)
            assert text.count("sent") >= 3
            sim.clock.advance(3600)  # the reboots complete in virtual time
            await wait_for(
                pilot,
                lambda: results.followed
                and all(results.states.get(k) == "AVAILABLE" for k in marked),
                timeout=15,
            )
            assert "✓ settled" in screen_text(app)
            await pilot.press("escape", "colon", *"log", "enter")
            await pilot.pause()
            log = screen_text(app)
            assert "Audit log" in log and "RebootWorkspaces" in log and "3 sent" in log

    async def test_failed_request_shows_error_code_and_retry_replans(self, make_app, ctx, sim):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await apply_filter(pilot, "state=AVAILABLE", submit=True)
            key = app.screen.table.cursor_key
            sim.set_state(key[1], key[2], "STOPPED")  # the cache still says AVAILABLE
            await pilot.press("b")
            await pilot.pause()
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
            results = app.screen
            await wait_for(pilot, lambda: results.finished)
            text = screen_text(app)
            assert "FAILED" in text and "InvalidResourceState" in text
            await pilot.press("r")
            await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
            text = screen_text(app)
            assert "0 eligible for reboot" in text
            assert "skipped 1 STOPPED cannot reboot" in text


class TestTypedConfirmation:
    async def test_terminate_needs_the_exact_count_typed_not_pasted(self, make_app, ctx, sim):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await apply_filter(pilot, "state=AVAILABLE", submit=True)
            await pilot.press("space", "space")
            marked = sorted(k[2] for k in app.screen.table.marks)
            await pilot.press("X")
            await pilot.pause()
            plan = app.screen
            assert isinstance(plan, PlanScreen)
            assert "Type 2 and press Enter" in screen_text(app)
            box = plan.query_one("#confirm-count")
            box.post_message(events.Paste("2"))
            await pilot.pause()
            assert box.value == ""
            await pilot.press("y")  # the non-destructive confirm key does nothing here
            await pilot.press("enter")
            await pilot.pause()
            assert app.screen is plan
            await pilot.press("2", "2", "enter")  # key repeat: "22" is not 2
            await pilot.pause()
            assert app.screen is plan
            assert "That is not 2" in screen_text(app)
            assert sim.calls_to("TerminateWorkspaces") == []
            await pilot.press("2", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ResultsScreen))
            await wait_for(pilot, lambda: app.screen.finished)
        sent = ids_sent(sim, "TerminateWorkspaces", "TerminateWorkspaceRequests")
        assert sorted(sent) == marked


class TestReadOnly:
    async def test_read_only_hides_and_refuses_mutations(self, make_app, ctx, sim):
        ctx.read_only = True
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            text = screen_text(app)
            assert "READ-ONLY" in text
            footer = text.splitlines()[-1]
            assert "Reboot" not in footer and "Start" not in footer
            await pilot.press("space", "b", "X")
            await pilot.pause()
            assert isinstance(app.screen, ResourceScreen)
            messages = [n.message for n in app._notifications]
            assert any("Read-only mode: Reboot refused" in m for m in messages)
            assert any("Read-only mode: Terminate refused" in m for m in messages)
            app.screen.action_act("reboot")  # the palette's path is refused too
            await pilot.pause()
            assert isinstance(app.screen, ResourceScreen)
        assert sim.calls_to("RebootWorkspaces") == []
        assert sim.calls_to("TerminateWorkspaces") == []


class TestNavigation:
    async def test_colon_dir_switches_to_directories(self, make_app, sim):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("colon", *"dir", "enter")
            await pilot.pause()
            assert isinstance(app.screen, ResourceScreen)
            assert app.screen.kind.name == "directories"
            text = screen_text(app)
            directory = next(iter(sim.report.directories.values()))[0]
            assert directory in text
            assert "Directories" in text

    async def test_unknown_resource_is_a_notice(self, make_app):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("colon", *"nope", "enter")
            await pilot.pause()
            assert app.screen.kind.name == "workspaces"
            assert app._notifications

    async def test_details_shows_fields_tags_and_raw_json(self, make_app):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            key = app.screen.table.cursor_key
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DetailsScreen)
            text = screen_text(app)
            assert key[2] in text and "Fields" in text and "STATE" in text
            await pilot.press("j")
            await pilot.pause()
            assert f'"WorkspaceId": "{key[2]}"' in screen_text(app)
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, ResourceScreen)

    async def test_sort_cycles_columns_and_reverses(self, make_app):
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            await pilot.pause()
            assert "sort ID ↑" in screen_text(app)
            first = state_rows(screen_text(app))[0]
            await pilot.press("S")
            await pilot.pause()
            assert "sort ID ↓" in screen_text(app)
            assert state_rows(screen_text(app))[0] != first

    async def test_help_lists_every_binding(self, make_app):
        app = make_app()
        async with app.run_test(size=(120, 60)) as pilot:
            await pilot.press("question_mark")
            await pilot.pause()
            text = screen_text(app)
            for binding_id in ("wstui.filter", "wstui.reboot", "wstui.terminate", "table.mark_all"):
                assert binding_id in text

    async def test_keymap_from_config_rebinds(self, make_app, ctx, sim):
        ctx.config = SimpleNamespace(keymap={"wstui.reboot": "ctrl+b"})
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("ctrl+b")
            await pilot.pause()
            assert isinstance(app.screen, PlanScreen)


class TestThemes:
    async def test_bad_theme_file_gives_notice_and_default(self, make_app, ctx, tmp_path: Path):
        themes = tmp_path / "themes"
        themes.mkdir()
        (themes / "broken.toml").write_text('name = "broken"\nprimary = "not-a-colour"\n')
        (themes / "mine.toml").write_text('name = "mine"\nprimary = "#ff0000"\n')
        ctx.user_theme_dir = themes
        app = make_app(theme="broken")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.theme == "wstui-dark"
            messages = " ".join(n.message for n in app._notifications)
            assert "broken.toml" in messages and "not-a-colour" in messages
            assert "mine" in app.available_themes
            app.run_command(":theme mine")
            assert app.theme == "mine"

    async def test_ansi_theme_uses_only_ansi_colours(self, make_app):
        app = make_app(theme="wstui-ansi")
        async with app.run_test(size=SIZE):
            theme = app.get_theme("wstui-ansi")
            assert theme is not None and theme.primary.startswith("ansi_")
            assert app.theme == "wstui-ansi"


class TestHostileStrings:
    async def test_hostile_values_render_literally(self, make_app, sim):
        app = make_app()
        async with app.run_test(size=(200, 50)) as pilot:
            table = app.screen.table
            hostile = [(r, i) for r, i in sim.report.hostile_ids]
            seen_literal = False
            for region, wid in hostile:
                key = next(k for k in table.source.all_keys() if k[1:] == (region, wid))
                table.move_cursor(table.source.index_of(key))
                await pilot.pause()
                text = screen_text(app)
                ansi = screen_ansi(app)
                assert "\x1b]8;;https://evil" not in ansi and "\x1b]0;pwned" not in ansi
                assert "\x1b[2J" not in ansi
                seen_literal |= "[bold red]x[/]" in text or "[link=file:///etc" in text
                await pilot.press("enter")
                await pilot.pause()
                details = screen_ansi(app)
                assert "\x1b]8;;https://evil" not in details and "\x1b[2J" not in details
                await pilot.press("escape")
                await pilot.pause()
            assert seen_literal
