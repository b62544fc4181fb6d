"""A failed worker is shown to the user, and the app keeps running."""

from __future__ import annotations

import ast
import importlib
import pathlib
from typing import Any

from tests.ui.conftest import screen_text, wait_for
from wstui.ui.screens.resource import ResourceScreen
from wstui.ui.workers import ReportsFailedWorkers

SIZE = (100, 30)
UI = pathlib.Path(__file__).parents[2] / "wstui" / "ui"


def _toasts(app: Any) -> str:
    """The notifications' text on screen (right of their "▌" edge), lines joined."""
    lines = [line.split("▌", 1)[1] for line in screen_text(app).splitlines() if "▌" in line]
    return " ".join(" ".join(lines).split())


async def test_a_failing_refresh_now_is_shown_and_the_app_keeps_running(
    make_app, ctx, monkeypatch
) -> None:
    calls: list[list[str]] = []

    def refresh(kinds: list[str]) -> None:
        calls.append(kinds)
        raise RuntimeError("throttled [b]hard[/b]\nsecond line \x1b[31m")

    monkeypatch.setattr(ctx.refresher, "refresh", refresh)
    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "Refresh failed" in _toasts(app))
        assert calls == [["workspaces"]]
        # What failed and why, as plain text on one line: markup shown as typed, the
        # escape byte as a visible stand-in, no traceback.
        toasts = _toasts(app)
        assert "Refresh failed: RuntimeError: throttled [b]hard[/b] second line ␛[31m" in toasts
        assert "Traceback" not in screen_text(app)
        # Still running and answering keys: the help screen opens and closes.
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: "Keys" in screen_text(app))
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
        assert app.is_running


async def test_a_failing_app_worker_is_shown(make_app) -> None:
    def export() -> None:
        raise OSError("disk full")

    app = make_app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ResourceScreen))
        app.run_worker(export, thread=True, exit_on_error=False, group="export")
        await wait_for(pilot, lambda: "Export failed: OSError: disk full" in _toasts(app))
        assert app.is_running


def _starts_workers(node: ast.ClassDef) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name) and func.id == "work":
                return True
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "run_worker"
                and isinstance(func.value, ast.Name)
                and func.value.id == "self"
            ):
                return True
    return False


def _handles_worker_states(cls: type) -> bool:
    return any(
        name == "on_worker_state_changed" or "StateChanged" in str(getattr(f, "_textual_on", ""))
        for klass in cls.__mro__
        for name, f in vars(klass).items()
        if klass.__module__.startswith("wstui.")
    )


def test_every_screen_that_starts_workers_reports_their_failures() -> None:
    """A worker's StateChanged goes only to the node that started it (it does not bubble)."""
    unreported = []
    for path in sorted(UI.rglob("*.py")):
        module = importlib.import_module(
            ".".join(path.relative_to(UI.parents[1]).with_suffix("").parts)
        )
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef) and _starts_workers(node):
                cls = getattr(module, node.name)
                if not (issubclass(cls, ReportsFailedWorkers) or _handles_worker_states(cls)):
                    unreported.append(f"{path.name}: {node.name}")
    assert not unreported
