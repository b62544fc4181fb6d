"""SVG snapshots of the main screens at 80x24 and 120x40 (pytest-textual-snapshot).

Deterministic: a fixed-seed simulator with a fixed start time, every cache timestamp
frozen, the app's clock frozen, and the cache's query-time clock frozen. Update with
`pytest tests/ui/test_snapshots.py --snapshot-update` after checking the change.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wstui import screenshots
from wstui.ui.app import AppContext, WstuiApp

SIZES = [(80, 24), (120, 40)]


@pytest.fixture(scope="module")
def snapshot_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("snapshots")
    with screenshots.seeded_context(directory):
        pass
    return directory / "cache.sqlite"


@pytest.fixture
def snap_app(snapshot_cache: Path, tmp_path: Path) -> Iterator[WstuiApp]:
    from wstui.core.cache import Cache

    shutil.copy(snapshot_cache, tmp_path / "cache.sqlite")
    cache = Cache(tmp_path / "cache.sqlite")
    ctx = AppContext(cache=cache, clock=lambda: screenshots.FROZEN_NOW)
    with screenshots.frozen_cache_clock():
        yield WstuiApp(ctx, watch_refresher=False)
    cache.close()


def run(name: str) -> Any:
    return screenshots.SCREENS[name]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
class TestScreens:
    def test_workspaces(self, snap_compare, snap_app, size):
        assert snap_compare(snap_app, terminal_size=size, run_before=run("workspaces"))

    def test_filter_error(self, snap_compare, snap_app, size):
        assert snap_compare(snap_app, terminal_size=size, run_before=run("filter-error"))

    def test_plan(self, snap_compare, snap_app, size):
        assert snap_compare(snap_app, terminal_size=size, run_before=run("plan"))

    def test_summary(self, snap_compare, snap_app, size):
        assert snap_compare(snap_app, terminal_size=size, run_before=run("summary"))

    def test_plan_destructive(self, snap_compare, snap_app, size):
        assert snap_compare(snap_app, terminal_size=size, run_before=run("plan-destructive"))

    def test_details(self, snap_compare, snap_app, size):
        assert snap_compare(snap_app, terminal_size=size, run_before=run("details"))

    def test_help(self, snap_compare, snap_app, size):
        assert snap_compare(snap_app, terminal_size=size, run_before=run("help"))

    def test_directories(self, snap_compare, snap_app, size):
        assert snap_compare(snap_app, terminal_size=size, run_before=run("directories"))
