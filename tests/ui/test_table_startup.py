"""The fleet table's first frame does not wait for a full count of a large table."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from textual.app import App, ComposeResult

from wstui.core.cache import Cache
from wstui.core.kinds import resolve
from wstui.ui.sources import CacheSource
from wstui.ui.widgets.fleet_table import PROVISIONAL_ROWS, FleetTable

T = SimpleNamespace(account="123456789012", region="us-east-1", profile=None)
ROWS = PROVISIONAL_ROWS * 2 + 7


def fleet(path: Path) -> Cache:
    cache = Cache(path)
    items = [
        {"WorkspaceId": f"ws-{i:08d}", "UserName": f"[bold]u{i}[/]", "State": "AVAILABLE"}
        for i in range(ROWS)
    ]
    cache.replace_snapshot("ws", T, items)
    return cache


def test_count_at_most_stops_early_and_windows_need_no_count(tmp_path: Path) -> None:
    cache = fleet(tmp_path / "c.sqlite")
    source = CacheSource(cache, "workspaces")
    assert source.count_at_most(50) == 50
    rows = source.window(0, 40)
    assert [r["id"] for r in rows[:2]] == ["ws-00000000", "ws-00000001"] and len(rows) == 40
    assert len(source.window(ROWS - 3, 40)) == 3  # a short block ends an uncounted window
    assert source.count() == ROWS
    filtered = CacheSource(cache, "workspaces", "id = ?", ["ws-00000003"])
    assert filtered.count_at_most(50) == 1
    cache.close()


class TableApp(App[None]):
    def __init__(self, cache: Cache) -> None:
        super().__init__()
        self.cache = cache
        self.counts_at_construction: list[int] = []

    def compose(self) -> ComposeResult:
        kind = resolve("workspaces")
        table = FleetTable(CacheSource(self.cache, kind), list(kind.default_columns))
        self.counts_at_construction.append(table.row_count)
        yield table


async def test_the_full_count_arrives_after_the_first_frame(tmp_path: Path) -> None:
    cache = fleet(tmp_path / "c.sqlite")
    app = TableApp(cache)
    async with app.run_test(size=(100, 20)) as pilot:
        assert app.counts_at_construction == [PROVISIONAL_ROWS]
        await pilot.pause()
        table = app.query_one(FleetTable)
        assert table.row_count == ROWS
        assert table.virtual_size.height == ROWS + 1
        await pilot.press("end")
        assert table.cursor_key == (T.account, T.region, f"ws-{ROWS - 1:08d}")
        # The user name is drawn literally, never as markup.
        assert "[bold]u" in "".join(s.text for s in table.render_line(1))
    cache.close()
