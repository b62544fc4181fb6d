"""Read-only mode refuses every TUI mutation path; the simulator receives no call.

Enumerates `wstui.core.act.ops` (every mutating operation, on every screen that
offers it) and `wstui.core.act.ACTIONS`, and drives each through the TUI: the
operations picker and its form (ctrl+s), the IP rules editor, CSV create, the action
keys and `action_act` (the palette's path), and the palette's command list.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from tests.ui.conftest import screen_text, wait_for
from wstui.core.act import ACTIONS, ops
from wstui.ui.keymap import ACTION_TITLES, MUTATION_KEYS
from wstui.ui.screens.ops_picker import OperationsScreen
from wstui.ui.screens.palette import WstuiCommands
from wstui.ui.screens.resource import ResourceScreen

SIZE = (120, 40)


def mutating_calls(sim: Any) -> list[str]:
    return [c.operation for c in sim.calls if not c.operation.startswith(("Describe", "List", "Get"))]


async def settle(pilot: Any, predicate: Any, timeout: float = 5.0) -> None:
    await wait_for(pilot, predicate, timeout)


def notices(app: Any) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def back_to_resource(app: Any, pilot: Any) -> None:
    while not isinstance(app.screen, ResourceScreen):
        app.pop_screen()
        await pilot.pause()


@pytest.mark.slow
async def test_every_mutating_operation_is_refused(make_app, ctx, sim) -> None:
    ctx.read_only = True
    app = make_app()
    tried: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        for screen in ops.SCREENS:
            mutating = [o for o in ops.for_screen(screen) if o.mutates]
            if screen != "account":
                app.switch_kind(screen)
                await settle(pilot, lambda: isinstance(app.screen, ResourceScreen)
                             and app.screen.kind.name == screen  # noqa: B023 (awaited here)
                             and bool(app.screen.query("#counts")))  # fmt: skip
                await pilot.pause()
            for op in mutating:
                app.action_operations(screen)
                await settle(pilot, lambda: isinstance(app.screen, OperationsScreen))
                picker = app.screen
                before = len(app._notifications)
                picker.choose(op)
                # Wait for the screen the choice leads to (never a fixed pause: busy CI).
                await settle(pilot, lambda: app.screen is not picker)  # noqa: B023 (awaited here)
                if op.action:  # sent through a plan: refused before the plan opens
                    await settle(pilot, lambda: any("Read-only" in n for n in notices(app)[before:]))  # noqa: B023
                    assert isinstance(app.screen, ResourceScreen), op.name
                elif type(app.screen).__name__ == "IpRulesScreen":
                    await pilot.press("ctrl+s")

                    def problems() -> str:
                        return str(app.screen.query_one("#rules-problems", Static).render())

                    await settle(pilot, lambda: "read-only mode" in problems())
                elif type(app.screen).__name__ == "FormScreen":
                    await pilot.press("ctrl+s")
                    await settle(pilot, lambda: f"read-only mode: {op.name} refused" in screen_text(app))  # noqa: B023
                    assert type(app.screen).__name__ == "FormScreen", op.name  # no confirm
                else:  # the picker itself refused (no row to act on, ...)
                    assert isinstance(app.screen, ResourceScreen), (op.name, app.screen)
                tried.append(op.name)
                await back_to_resource(app, pilot)
    assert mutating_calls(sim) == []
    expected = {o.name for o in ops.OPERATIONS.values() if o.mutates and o.screens}
    assert set(tried) == expected
    assert len(expected) > 50  # the registry really was enumerated


async def test_every_action_key_and_action_act_refused(make_app, ctx, sim) -> None:
    ctx.read_only = True
    app = make_app()
    # Every action spec has a key (so the loop below covers migrate, AutoStop timeout,
    # compute type and volume sizes too: no choice dialog opens for any of them).
    assert set(MUTATION_KEYS) == set(ACTIONS)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("ctrl+a")
        for name, key in MUTATION_KEYS.items():
            await pilot.press(key)
            await pilot.pause()
            assert app.screen is screen, name
            assert any(f"{ACTION_TITLES[name]} refused" in n for n in notices(app)), name
        for name in ACTIONS:
            before = len(app._notifications)
            screen.action_act(name)  # what the palette entry would call
            await pilot.pause()
            assert app.screen is screen, name
            assert any("Read-only" in n for n in notices(app)[before:]), name
        # The palette offers no mutation at all in read-only mode.
        provider = WstuiCommands(screen, None)
        titles = [text for text, _, _ in provider._commands()]
        for name in ACTIONS:
            title = ACTION_TITLES.get(name, name)
            assert not any(t.startswith(f"{title} marked") for t in titles), title
    assert mutating_calls(sim) == []


async def test_csv_create_refused(make_app, ctx, sim, tmp_path) -> None:
    from wstui.sim.catalogue import AMAZON_BUNDLES
    from wstui.ui.screens.create_csv import CsvCreateScreen

    ctx.read_only = True
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        region = app.screen.cursor_key()[1]
        d = sim.report.directories[region][0]
        good = tmp_path / "good.csv"
        bundle = sorted(AMAZON_BUNDLES)[0]
        good.write_text(f"DirectoryId,UserName,BundleId\n{d},ro1,{bundle}\n", encoding="utf-8")
        await pilot.press("o", "V")
        await settle(pilot, lambda: isinstance(app.screen, CsvCreateScreen))
        await pilot.press(*str(good), "enter")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "read-only mode: nothing sent" in screen_text(app)
    assert mutating_calls(sim) == []
