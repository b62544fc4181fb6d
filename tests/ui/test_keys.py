"""Keys: the docs' key table is bound where it says (no drift), j/k move in every list,
h/l scroll columns, and a keymap that takes another binding's key is refused aloud."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from textual.widgets import DataTable

from tests.ui.conftest import wait_for
from wstui.core import act
from wstui.core.kinds import resolve
from wstui.ui.screens.audit import AuditScreen
from wstui.ui.screens.details import DetailsScreen
from wstui.ui.screens.plan import PlanScreen
from wstui.ui.screens.resource import ResourceScreen
from wstui.ui.screens.results import ResultsScreen
from wstui.ui.screens.summary import SummaryScreen
from wstui.ui.screens.targets import TargetsScreen

DOCS = Path(__file__).resolve().parents[2] / "docs" / "tui.md"
SMALL = (80, 24)
# How docs/tui.md writes a key -> Textual's key name.
KEY_NAMES = {
    "↑": "up", "↓": "down", "←": "left", "→": "right", "PgUp": "pageup", "PgDn": "pagedown",
    "esc": "escape", "?": "question_mark", ":": "colon", "/": "slash", "*": "asterisk",
    "ctrl+\\": "ctrl+backslash",
}  # fmt: skip
SCREENS = ("details", "plan", "results", "log", "targets", "summary")


def documented_keys() -> dict[str, set[str]]:
    """{screen: keys} from the docs' key table; rows without a "screen:" prefix are the
    fleet screen's."""
    out: dict[str, set[str]] = {}
    lines = DOCS.read_text(encoding="utf-8").split("## Keys", 1)[1].splitlines()
    for line in lines:
        if not line.startswith("| `") and not re.match(r"\| \w+: `", line):
            continue
        cell = line.split(" | ")[0].lstrip("| ")
        screen = "fleet"
        head = re.match(r"(\w+): ", cell)
        if head and head.group(1) in SCREENS:
            screen = head.group(1)
        keys = out.setdefault(screen, set())
        for quoted in re.findall(r"`([^`]+)`", cell):
            for token in quoted.split():
                keys.add(KEY_NAMES.get(token, token))
    return out


def bound_keys(app: Any) -> set[str]:
    """Every key bound on the current screen (focused widget, screen, app), enabled or not."""
    keys: set[str] = set()
    for _node, bindings in app.screen._modal_binding_chain:
        keys.update(key for key, _ in bindings)
    return keys


def test_the_docs_table_is_parsed() -> None:
    documented = documented_keys()
    assert {"h", "l", "j", "k", "u", "B", "X", "ctrl+a", "question_mark"} <= documented["fleet"]
    assert {"j", "y", "escape"} <= documented["details"]
    assert {"enter", "y", "escape", "pagedown"} <= documented["plan"]
    assert {"r", "enter", "escape"} <= documented["results"]
    assert {"enter", "j", "k", "escape"} <= documented["log"]
    assert {"j", "k", "space", "a"} <= documented["targets"]
    assert {"j", "k", "g", "G", "r", "escape"} <= documented["summary"]


async def test_every_documented_key_is_bound_on_its_screen(make_app, ctx, sim) -> None:
    documented = documented_keys()
    key = ctx.cache.keys("workspaces", "state = 'AVAILABLE'")[0]
    sim.set_state(key[1], key[2], "AVAILABLE")
    plan = act.plan("reboot", ctx.cache.rows_for_keys("workspaces", [key]))
    opened = {
        "details": lambda: DetailsScreen(resolve("workspaces"), key),
        "plan": lambda: PlanScreen(plan),
        "results": lambda: ResultsScreen(plan, resolve("workspaces")),
        "log": AuditScreen,
        "targets": TargetsScreen,
        "summary": SummaryScreen,
    }
    missing: dict[str, set[str]] = {}
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        fleet = app.screen
        assert isinstance(fleet, ResourceScreen)
        # ctrl+p is the App's command palette binding; the rest are wstui's.
        missing["fleet"] = documented["fleet"] - bound_keys(app) - {"ctrl+p"}
        for name, make in opened.items():
            app.push_screen(make())
            await wait_for(pilot, lambda: app.screen is not fleet and app.screen.is_mounted)
            await pilot.pause()
            missing[name] = documented[name] - bound_keys(app)
            if name == "results":
                await wait_for(pilot, lambda: app.screen.finished)
            app.pop_screen()
            await wait_for(pilot, lambda: app.screen is fleet)
    assert {k: v for k, v in missing.items() if v} == {}


async def test_j_and_k_move_in_targets(make_app, ctx, sim) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        app.run_command(":targets")
        await wait_for(pilot, lambda: isinstance(app.screen, TargetsScreen)
                       and bool(app.screen.query(DataTable)))  # fmt: skip
        table = app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: table.row_count >= 2 and table.has_focus)
        assert table.cursor_row == 0
        await pilot.press("j")
        await wait_for(pilot, lambda: table.cursor_row == 1)
        await pilot.press("k")
        await wait_for(pilot, lambda: table.cursor_row == 0)


async def test_h_and_l_scroll_the_columns(make_app) -> None:
    app = make_app()
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        table = app.screen.table
        await wait_for(pilot, lambda: table.max_scroll_x > 0)
        await pilot.press("l")
        await wait_for(pilot, lambda: table.scroll_x > 0)
        await pilot.press("h")
        await wait_for(pilot, lambda: table.scroll_x == 0)


async def test_a_keymap_that_takes_another_bindings_key_is_refused_with_a_notice(
    make_app, ctx, sim
) -> None:
    ctx.config = SimpleNamespace(keymap={"wstui.reboot": "b,B"})
    key = ctx.cache.keys("workspaces", "state = 'AVAILABLE'")[0]
    sim.set_state(key[1], key[2], "AVAILABLE")
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        messages = " ".join(n.message for n in app._notifications)
        assert "wstui.reboot = 'B' refused" in messages and "wstui.rebuild" in messages
        assert "B" not in app._keymap.get("wstui.reboot", "b").split(",")
        await pilot.press("B")  # still Rebuild
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert app.screen.plan.spec.name == "rebuild"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
        await pilot.press("b")  # reboot keeps the key that was free
        await wait_for(pilot, lambda: isinstance(app.screen, PlanScreen))
        assert app.screen.plan.spec.name == "reboot"
    assert sim.calls_to("RebuildWorkspaces") == [] and sim.calls_to("RebootWorkspaces") == []


async def test_moving_a_key_by_rebinding_its_holder_is_not_a_conflict(make_app, ctx) -> None:
    ctx.config = SimpleNamespace(keymap={"wstui.reboot": "b,B", "wstui.rebuild": "ctrl+x"})
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert not any("refused" in n.message for n in app._notifications)
        assert app._keymap["wstui.reboot"] == "b,B"
