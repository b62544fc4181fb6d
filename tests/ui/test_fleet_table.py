"""FleetTable: draws only the visible window, keeps its cursor and marks, shows API text literally."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.strip import Strip

from tests.support.pilot import wait_for
from wstui.core.cache import Cache
from wstui.core.kinds import resolve
from wstui.ui import sources
from wstui.ui.sources import CacheSource, Key, SqliteSource
from wstui.ui.widgets import FleetTable, TableColumn

STATES = ("AVAILABLE", "STOPPED", "ERROR", "REBOOTING")
COLUMNS = [
    TableColumn("id", "ID", 12),
    TableColumn("name", "NAME", 10),
    TableColumn("state", "STATE", 10),
    TableColumn("root_gb", "ROOT", 5, "int"),
]


def key(i: int) -> Key:
    return ("111111111111", "us-east-1", f"ws-{i:08d}")


def make_db(n: int, names: dict[int, str] | None = None) -> sqlite3.Connection:
    """A small stand-in for one cache table (same key columns, a raw JSON column)."""
    conn = sqlite3.connect(":memory:")
    conn.execute(
        "CREATE TABLE workspaces (account TEXT, region TEXT, id TEXT, name TEXT,"
        " state TEXT, root_gb INTEGER, raw TEXT, PRIMARY KEY (account, region, id))"
    )
    names = names or {}
    conn.executemany(
        "INSERT INTO workspaces VALUES (?, ?, ?, ?, ?, ?, '{}')",
        [
            (
                *key(i),
                names.get(i, f"user{(i * 7919) % n:05d}"),
                STATES[i % 4],
                (i * 37) % 11 or None,
            )
            for i in range(n)
        ],
    )
    return conn


def source(conn: sqlite3.Connection, **kwargs: Any) -> SqliteSource:
    return SqliteSource(lambda: conn, "workspaces", **kwargs)


class CountingSource:
    """A synthetic RowSource of `n` rows that records every call the table makes."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.window_calls: list[tuple[int, int]] = []
        self.all_keys_calls = 0

    def count(self) -> int:
        return self.n

    def window(self, offset: int, limit: int) -> list[dict[str, Any]]:
        self.window_calls.append((offset, limit))
        end = min(self.n, offset + limit)
        return [
            {"_key": key(i), "id": key(i)[2], "name": f"n{i}", "state": STATES[i % 4], "root_gb": i}
            for i in range(offset, end)
        ]

    def all_keys(self) -> list[Key]:
        self.all_keys_calls += 1
        return [key(i) for i in range(self.n)]

    def index_of(self, k: Key) -> int | None:
        return int(k[2][3:])


class TableApp(App[None]):
    def __init__(self, src: Any, columns: list[TableColumn] = COLUMNS, **kwargs: Any) -> None:
        super().__init__()
        self.src = src
        self.columns = columns
        self.kwargs = kwargs
        self.messages: list[Any] = []

    def compose(self) -> ComposeResult:
        yield FleetTable(self.src, self.columns, id="fleet", **self.kwargs)

    def on_fleet_table_cursor_moved(self, message: FleetTable.CursorMoved) -> None:
        self.messages.append(message)

    def on_fleet_table_marks_changed(self, message: FleetTable.MarksChanged) -> None:
        self.messages.append(message)

    def on_fleet_table_selected(self, message: FleetTable.Selected) -> None:
        self.messages.append(message)

    def on_fleet_table_header_clicked(self, message: FleetTable.HeaderClicked) -> None:
        self.messages.append(message)


def strips(table: FleetTable) -> list[Strip]:
    return [table.render_line(y) for y in range(table.scrollable_content_region.height)]


def screen_text(table: FleetTable) -> list[str]:
    """The lines the table paints, as the user reads them."""
    return [strip.text for strip in strips(table)]


def ids_on_screen(table: FleetTable) -> list[str]:
    return [
        line.split()[1] if "✓" in line[:2] else line.split()[0]
        for line in screen_text(table)[1:]
        if line.strip()
    ]


async def test_renders_only_the_visible_window_of_100k_rows() -> None:
    src = CountingSource(100_000)
    app = TableApp(src)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.press("pagedown", "pagedown", "pagedown", "down", "up")
        await pilot.press("end")
        await pilot.pause()
        assert table.row_count == 100_000
        # The scrollbar knows the full length, but every fetch is about one screen.
        assert table.virtual_size.height == 100_001
        assert src.window_calls, "the table never asked for rows"
        assert max(limit for _, limit in src.window_calls) <= 24
        assert sum(limit for _, limit in src.window_calls) < 400
        assert src.all_keys_calls == 0
        # After `end`, the last rows are on screen and the cursor is on the last one.
        assert ids_on_screen(table)[-1] == key(99_999)[2]
        assert table.cursor_key == key(99_999)
        assert table.cursor_row == 99_999


async def test_cursor_and_paging_show_the_right_rows() -> None:
    app = TableApp(source(make_db(200)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        lines = screen_text(table)
        assert lines[0].split() == ["ID", "NAME", "STATE", "ROOT"]
        assert ids_on_screen(table)[:2] == [key(0)[2], key(1)[2]]
        await pilot.press("down", "j", "j", "k")
        assert table.cursor_row == 2 and table.cursor_key == key(2)
        page = table.visible_rows
        assert page == 23
        await pilot.press("pagedown")
        await pilot.pause()
        # A page-down scrolls a full screen: the first row shown is the old row `page`.
        assert ids_on_screen(table)[0] == key(page)[2]
        assert table.cursor_key == key(2 + page)
        await pilot.press("pageup")
        await pilot.pause()
        assert ids_on_screen(table)[0] == key(0)[2]
        assert table.cursor_key == key(2)
        await pilot.press("G")
        await pilot.pause()
        assert ids_on_screen(table)[-1] == key(199)[2]
        await pilot.press("g")
        await pilot.pause()
        assert table.cursor_row == 0 and ids_on_screen(table)[0] == key(0)[2]
        moved = [m for m in app.messages if isinstance(m, FleetTable.CursorMoved)]
        assert moved and moved[-1].key == key(0) and moved[-1].row == 0
        await pilot.press("enter")
        await pilot.pause()
        selected = [m for m in app.messages if isinstance(m, FleetTable.Selected)]
        assert [(m.key, m.row) for m in selected] == [(key(0), 0)]


async def test_cursor_row_is_drawn_with_the_cursor_style() -> None:
    app = TableApp(source(make_db(50)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.press("down", "down")
        cursor_bg = table.get_component_rich_style("fleet-table--cursor").bgcolor
        lines = strips(table)
        styles_on = {seg.style.bgcolor for seg in lines[3] if seg.style}
        styles_off = {seg.style.bgcolor for seg in lines[2] if seg.style}
        assert cursor_bg in styles_on and cursor_bg not in styles_off


async def test_marks_toggle_range_all_invert_clear() -> None:
    app = TableApp(source(make_db(100)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.press("space")  # marks row 0, moves to row 1
        assert table.marks == {key(0)} and table.cursor_row == 1
        assert screen_text(table)[1].startswith("✓ ")
        assert not screen_text(table)[2].startswith("✓")
        await pilot.press("space", "space")  # marks rows 1 and 2
        await pilot.press("up")  # back on row 2
        await pilot.press("space")  # unmarks row 2; it becomes the range anchor
        assert table.marks == {key(0), key(1)}
        await pilot.press("down", "down", "down", "v")  # range from row 2 to row 6
        assert table.marks == {key(i) for i in (0, 1, 2, 3, 4, 5, 6)}
        await pilot.press("ctrl+a")
        assert len(table.marks) == 100
        table.set_source(source(make_db(100), where="state = ?", params=("STOPPED",)))
        table.clear_marks()
        await pilot.press("g", "space")  # marks the first STOPPED row (ws-1)
        await pilot.press("asterisk")  # invert within the 25 STOPPED rows
        stopped = {key(i) for i in range(100) if i % 4 == 1}
        assert table.marks == stopped - {key(1)}
        await pilot.pause()
        counts = [m.count for m in app.messages if isinstance(m, FleetTable.MarksChanged)]
        assert counts[-1] == 24
        table.clear_marks()
        await pilot.pause()
        assert table.marks == set()
        assert not any(line.startswith("✓") for line in screen_text(table))


async def test_marks_survive_a_filter_change_and_are_counted_as_hidden() -> None:
    conn = make_db(100)
    app = TableApp(source(conn))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.press("space", "space", "space")  # rows 0, 1, 2: AVAILABLE, STOPPED, ERROR
        table.set_source(source(conn, where="state = ?", params=("STOPPED",)))
        await pilot.pause()
        assert table.marks == {key(0), key(1), key(2)}
        assert table.hidden_marks() == 2
        assert screen_text(table)[1].startswith("✓ ") and key(1)[2] in screen_text(table)[1]
        # Inverting inside the filter leaves the hidden marks alone.
        table.invert_marks()
        assert key(0) in table.marks and key(2) in table.marks and key(1) not in table.marks
        table.set_source(source(conn))
        table.reload()
        assert {key(0), key(2)} <= table.marks


async def test_cursor_stays_on_its_key_when_sort_or_filter_changes() -> None:
    conn = make_db(300)
    app = TableApp(source(conn))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.press(*["down"] * 40)
        assert table.cursor_key == key(40)
        screen_y = table.cursor_row - table.scroll_offset.y
        table.set_source(source(conn, order_by="name", desc=True))
        await pilot.pause()
        assert table.cursor_key == key(40)
        expected_row = [
            r["_key"] for r in source(conn, order_by="name", desc=True).window(0, 300)
        ].index(key(40))
        assert table.cursor_row == expected_row
        # ...and the WorkSpace is drawn where the cursor is, at the same height on screen.
        assert table.cursor_row - table.scroll_offset.y == screen_y
        assert key(40)[2] in screen_text(table)[screen_y + 1]
        assert "NAME▼" in screen_text(table)[0]
        # A filter that excludes the cursor's WorkSpace clamps the cursor instead.
        table.set_source(source(conn, where="state = ?", params=("AVAILABLE",)))
        await pilot.pause()
        assert table.row_count == 75
        assert table.cursor_key is not None and int(table.cursor_key[2][3:]) % 4 == 0


async def test_reload_highlights_changed_rows_then_fades() -> None:
    conn = make_db(30)
    app = TableApp(source(conn), changed_seconds=0.2)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.press("down", "down", "down")
        conn.execute("UPDATE workspaces SET state = 'REBOOTING' WHERE id = ?", (key(5)[2],))
        conn.execute("DELETE FROM workspaces WHERE id = ?", (key(0)[2],))
        table.reload({key(5)})
        await pilot.pause()
        assert table.row_count == 29
        assert table.cursor_key == key(3) and table.cursor_row == 2  # followed its key
        changed_bg = table.get_component_rich_style("fleet-table--changed").bgcolor
        line = next(s for s in strips(table) if key(5)[2] in s.text)
        assert "REBOOTING" in line.text
        assert changed_bg in {seg.style.bgcolor for seg in line if seg.style}
        # The highlight fades after a moment: wait for it to go.
        await wait_for(pilot, lambda: changed_bg not in {
            seg.style.bgcolor
            for seg in next(s for s in strips(table) if key(5)[2] in s.text)
            if seg.style
        })  # fmt: skip


async def test_state_cells_use_theme_component_colours() -> None:
    app = TableApp(source(make_db(8)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.press("end")  # cursor off the first rows
        for y, group in ((1, "available"), (2, "stopped"), (3, "error"), (4, "transition")):
            colour = table.get_component_rich_style(f"fleet-table--state-{group}").color
            state_seg = next(seg for seg in strips(table)[y] if seg.text.strip() in STATES)
            assert state_seg.style.color == colour, group


async def test_mouse_click_moves_cursor_and_header_click_reports_column() -> None:
    app = TableApp(source(make_db(50)))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.click(FleetTable, offset=(4, 6))
        assert table.cursor_row == 5 and table.cursor_key == key(5)
        await pilot.click(FleetTable, offset=(17, 0))  # over NAME
        await pilot.pause()
        headers = [m.column for m in app.messages if isinstance(m, FleetTable.HeaderClicked)]
        assert headers == ["name"]
        await pilot.double_click(FleetTable, offset=(4, 3))
        await pilot.pause()
        selected = [(m.key, m.row) for m in app.messages if isinstance(m, FleetTable.Selected)]
        assert selected == [(key(2), 2)] and table.cursor_row == 2
        # The mouse wheel moves scroll_y without the cursor; the window follows it.
        table.scroll_to(y=9, animate=False)
        await pilot.pause()
        assert ids_on_screen(table)[0] == key(9)[2]
        assert table.cursor_row == 2


HOSTILE_NAMES = {
    0: "[bold red]x[/]",
    1: "[link=file:///etc/passwd]y",
    2: "\x1b]8;;http://evil\x07z\x1b]8;;\x07",
    3: "\x1b[31mred\x1b[0m",
    4: "مرحبا بالعالم",
    5: "東京都の名前",
    6: "👩‍👩‍👧 fam",
    7: "L" * 1000,
    8: "\x9b2J\u202eevil",
}


async def test_hostile_strings_render_literally_and_keep_the_layout() -> None:
    columns = [COLUMNS[0], TableColumn("name", "NAME", 30), *COLUMNS[2:]]
    app = TableApp(source(make_db(12, names=HOSTILE_NAMES)), columns)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.pause()
        width = table.scrollable_content_region.width
        lines = strips(table)
        for strip in lines:
            assert strip.cell_length == width
            assert (
                "\x1b" not in strip.text and "\x07" not in strip.text and "\x9b" not in strip.text
            )
        text = [s.text for s in lines]
        assert "[bold red]" in text[1]
        assert "[link=file" in text[2]
        assert "␛[31mred" in text[4]
        assert "…" in text[8]  # the 1,000-character name is cut to its column
        # Each state column starts at the same cell on every row: the layout is intact.
        starts = {cell_len(t[: t.index(STATES[i % 4])]) for i, t in enumerate(text[1:13])}
        assert starts == {2 + 13 + 31}
        # No markup was interpreted: no segment carries a link or a style from the names.
        assert not any(seg.style and seg.style.link for strip in lines for seg in strip)
        svg = app.export_screenshot()
        assert "[link=file:///etc/passwd]y" in svg
        assert "\x1b" not in svg


@pytest.mark.parametrize(
    ("order_by", "desc", "where", "params"),
    [
        (None, False, "1", ()),
        (None, True, "1", ()),
        ("name", False, "1", ()),
        ("state", True, "1", ()),
        ("root_gb", False, "1", ()),  # has NULLs and duplicates
        ("root_gb", True, "state != ?", ("ERROR",)),
        ("id", True, "1", ()),
        ("region", False, "root_gb > ?", (3,)),
    ],
)
def test_index_of_matches_the_window_order(
    order_by: str | None, desc: bool, where: str, params: tuple[Any, ...]
) -> None:
    conn = make_db(90)
    src = source(conn, order_by=order_by, desc=desc, where=where, params=params)
    ordered = [row["_key"] for row in src.window(0, 1000)]
    assert len(ordered) == src.count() > 0
    assert len(set(ordered)) == len(ordered)
    assert [src.index_of(k) for k in ordered] == list(range(len(ordered)))
    assert sorted(src.all_keys()) == sorted(ordered)
    # Windows at any offset agree with the full order.
    assert [r["_key"] for r in src.window(7, 5)] == ordered[7:12]
    excluded = [key(i) for i in range(90) if key(i) not in set(ordered)]
    assert all(src.index_of(k) is None for k in excluded[:5])


def test_source_rejects_unknown_sort_columns() -> None:
    with pytest.raises(ValueError, match="unknown column"):
        source(make_db(3), order_by="name; DROP TABLE workspaces")


def test_every_binding_has_an_id() -> None:
    ids = [b.id for b in FleetTable.BINDINGS]  # type: ignore[union-attr]
    assert all(ids) and len(set(ids)) == len(ids)


def cache_items(n: int) -> list[dict[str, Any]]:
    """Raw DescribeWorkspaces-shaped items (with the keys the listers merge in)."""
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        {
            "WorkspaceId": f"ws-{i:08d}",
            "UserName": f"user{(i * 31) % 17}",
            "State": STATES[i % 4],
            "DirectoryId": f"d-{i % 3:010d}",
            "WorkspaceProperties": {"RootVolumeSizeGib": 80 + i % 5, "RunningMode": "AUTO_STOP"},
            # Every fifth never connected: NULL timestamps exercise the NULL ordering.
            "ConnectionStatus": {
                "LastKnownUserConnectionTimestamp": None
                if i % 5 == 0
                else base + timedelta(hours=i % 7 * 30)
            },
        }
        for i in range(n)
    ]


@pytest.mark.parametrize(
    ("order_by", "desc"),
    [
        (None, False),
        ("user", False),
        ("state", True),
        ("root", True),
        ("idle_days", False),
        ("idle", True),
    ],
)
def test_cache_source_agrees_with_the_core_cache(
    tmp_path: Any, order_by: str | None, desc: bool
) -> None:
    cache = Cache(tmp_path / "cache.db")
    target = SimpleNamespace(account="111111111111", region="us-east-1")
    cache.replace_snapshot("workspaces", target, cache_items(120))
    src = CacheSource(
        cache, "ws", where="state != ?", params=("ERROR",), order_by=order_by, desc=desc
    )
    expected = cache.query("workspaces", "state != ?", ("ERROR",), order_by, desc, limit=None)
    ordered = [row["_key"] for row in src.window(0, 1000)]
    assert ordered == [(r["account"], r["region"], r["id"]) for r in expected]
    assert src.count() == 90
    assert [src.index_of(k) for k in ordered] == list(range(90))
    assert src.index_of(("111111111111", "us-east-1", "ws-00000002")) is None  # an ERROR row
    assert "raw" not in src.window(0, 1)[0]


async def test_table_over_the_core_cache_shows_kind_columns(tmp_path: Any) -> None:
    cache = Cache(tmp_path / "cache.db")
    target = SimpleNamespace(account="111111111111", region="us-east-1")
    items = cache_items(40)
    items[3]["UserName"] = "[bold red]mallory[/]\x1b[2J"
    cache.replace_snapshot("workspaces", target, items)
    kind = resolve("workspaces")
    app = TableApp(CacheSource(cache, kind, order_by="user"), list(kind.default_columns))
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.pause()
        lines = screen_text(table)
        assert lines[0].split()[:4] == ["ID", "USER▲", "COMPUTER", "STATE"]
        assert lines[1].split()[1] == "[bold"  # "[" sorts before letters: shown literally
        assert "[bold red]mallory…" in lines[1]  # cut to the 18-cell USER column
        assert table.row_count == 40


def full_order(
    conn: sqlite3.Connection,
    order_by: str | None,
    desc: bool,
    where: str = "1",
    params: tuple[Any, ...] = (),
) -> list[Key]:
    """The expected order, straight from SQL."""
    order = f"{order_by} {'DESC' if desc else 'ASC'}, " if order_by else ""
    sql = f"SELECT account, region, id FROM workspaces WHERE {where} ORDER BY {order}account, region, id"
    return [tuple(r) for r in conn.execute(sql, params)]  # type: ignore[misc]


@pytest.mark.parametrize(
    ("order_by", "desc"), [(None, False), ("name", True), ("root_gb", False), ("root_gb", True)]
)
@pytest.mark.parametrize("prefix_rows", [5_000, 50])
def test_deep_windows_and_resorting_keep_the_exact_order(
    order_by: str | None, desc: bool, prefix_rows: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # With 50, a filter lists only its first 50 matches up front, then the rest on demand.
    monkeypatch.setattr(sources, "PREFIX_ROWS", prefix_rows)
    conn = make_db(700)
    # Unfiltered: the first block comes from a LIMIT query, deeper ones from the rowid list.
    src = source(conn, order_by=order_by, desc=desc)
    expected = full_order(conn, order_by, desc)
    assert [r["_key"] for r in src.window(0, 700)] == expected
    assert [r["_key"] for r in src.window(450, 30)] == expected[450:480]
    assert src.index_of(expected[650]) == 650
    assert src.keys_in(250, 420) == expected[250:670]
    # Filtered, then re-sorted in place: the known matches are re-sorted, not re-filtered.
    src = source(conn, where="state != ?", params=("ERROR",))
    assert src.count() == 525
    src.set_sort(order_by, desc)
    expected = full_order(conn, order_by, desc, "state != ?", ("ERROR",))
    assert src.count() == 525
    assert src.index_of(expected[400]) == 400  # beyond a 50-row prefix
    assert [r["_key"] for r in src.window(0, 700)] == expected
    assert [src.index_of(k) for k in expected[::37]] == list(range(0, 525, 37))
    assert src.index_of(key(2)) is None  # ws-2 is ERROR: filtered out
    assert src.keys_in(100, 300) == expected[100:400]  # range marks read keys only
    assert src.keys_in(3, 5) == expected[3:8]


async def test_set_columns_and_horizontal_scroll_keep_the_mark_gutter() -> None:
    app = TableApp(source(make_db(20)))
    async with app.run_test(size=(40, 12)) as pilot:
        table = app.query_one(FleetTable)
        table.set_columns([TableColumn("state", "STATE", 10), TableColumn("id", "ID", 12)])
        await pilot.pause()
        assert screen_text(table)[0].split() == ["STATE", "ID"]
        wide = [
            TableColumn("id", "ID", 12),
            TableColumn("name", "NAME", 30),
            TableColumn("state", "STATE", 10),
        ]
        table.set_columns(wide)
        await pilot.press("space")  # mark row 0 so the gutter shows a glyph
        await pilot.press("right", "right")
        await pilot.pause()
        lines = screen_text(table)
        assert table.scroll_offset.x == 16
        # 16 cells scrolled: ID (12 + 1) is gone and NAME is cut after its first 3 cells.
        assert lines[0].split() == ["E", "STATE"]
        assert key(0)[2] not in lines[1] and "user" not in lines[1][:6]
        assert lines[1].startswith("✓ ")  # the gutter does not scroll
        assert all(cell_len(line) == table.scrollable_content_region.width for line in lines)


async def test_range_mark_over_many_rows() -> None:
    conn = make_db(700)
    app = TableApp(source(conn, order_by="name"))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(FleetTable)
        await pilot.press("down", "space", "end", "v")
        expected = full_order(conn, "name", False)
        assert table.marks == set(expected[1:])
        assert expected[0] not in table.marks
