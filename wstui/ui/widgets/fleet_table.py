"""FleetTable: a table that draws only the rows on screen.

A Line API widget (like Textualize/toolong): `virtual_size` is one line per row plus
the header, and `render_line(y)` draws a single row on demand from a `RowSource`
window of about one screen. Filtering and sorting happen in the source (SQLite), so
a 100,000-row fleet costs the same to scroll as a 100-row one.

Every cell goes through `safe_text.fit`: values are drawn as plain `Segment`s (never
markup), control characters become visible stand-ins, and widths are measured in
terminal cells.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from wstui.core import kinds
from wstui.core.text import format_value
from wstui.ui.safe_text import fit
from wstui.ui.sources import Key, RowSource

MARK_GLYPH = "✓"
GUTTER = 2  # mark glyph + space, fixed while the columns scroll horizontally
CHANGED_SECONDS = 4.0
PROVISIONAL_ROWS = 500

# A STATE value's colour group ('available' | 'stopped' | 'error' | 'transition'): each
# kind declares its states (core.kinds), so the table knows no state names itself.
state_group = kinds.state_group


class ColumnLike(Protocol):
    """What the table needs of a column (core.kinds.Column satisfies it)."""

    name: str
    title: str
    width: int


class TableColumn:
    """A plain column, for tests and for screens that add computed columns."""

    def __init__(self, name: str, title: str | None = None, width: int = 12, type: str = "text"):
        self.name = name
        self.title = title if title is not None else name.upper()
        self.width = width
        self.type = type

    def __repr__(self) -> str:
        return f"TableColumn({self.name!r}, width={self.width})"


class FleetTable(ScrollView, can_focus=True):
    """A virtual table over a `RowSource`, with a row cursor and marks."""

    DEFAULT_CSS = (Path(__file__).with_name("fleet_table.tcss")).read_text(encoding="utf-8")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.cursor_down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "first", "First", show=False, id="table.first"),
        Binding("end,G", "last", "Last", show=False, id="table.last"),
        Binding("left,h", "scroll_columns(-8)", "Left", show=False, id="table.left"),
        Binding("right,l", "scroll_columns(8)", "Right", show=False, id="table.right"),
        Binding("space", "toggle_mark", "Mark", id="table.mark"),
        Binding("shift+space,v", "mark_range", "Mark range", show=False, id="table.mark_range"),
        Binding("ctrl+a", "mark_all", "Mark all", id="table.mark_all"),
        Binding("asterisk", "invert_marks", "Invert marks", show=False, id="table.invert_marks"),
        Binding("ctrl+backslash", "clear_marks", "Clear marks", show=False, id="table.clear_marks"),
        Binding("enter", "select", "Details", show=False, id="table.select"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "fleet-table--header",
        "fleet-table--header-sorted",
        "fleet-table--empty",
        "fleet-table--state-available",
        "fleet-table--state-stopped",
        "fleet-table--state-error",
        "fleet-table--state-transition",
        "fleet-table--marked",
        "fleet-table--mark-glyph",
        "fleet-table--changed",
        "fleet-table--cursor",
    }

    class CursorMoved(Message):
        """The cursor is on another row (or the same row holds another key)."""

        def __init__(self, table: FleetTable, key: Key | None, row: int) -> None:
            super().__init__()
            self.table = table
            self.key = key
            self.row = row

        @property
        def control(self) -> FleetTable:
            return self.table

        def can_replace(self, message: Message) -> bool:
            # Holding a key down floods moves; only the latest position matters.
            return isinstance(message, FleetTable.CursorMoved) and message.table is self.table

    class MarksChanged(Message):
        """The set of marked keys changed; `count` is its size."""

        def __init__(self, table: FleetTable, count: int) -> None:
            super().__init__()
            self.table = table
            self.count = count

        @property
        def control(self) -> FleetTable:
            return self.table

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, FleetTable.MarksChanged) and message.table is self.table

    class Selected(Message):
        """Enter (or a click on the cursor row) on a row."""

        def __init__(self, table: FleetTable, key: Key, row: int) -> None:
            super().__init__()
            self.table = table
            self.key = key
            self.row = row

        @property
        def control(self) -> FleetTable:
            return self.table

    class HeaderClicked(Message):
        """A column title was clicked (screens typically sort by it)."""

        def __init__(self, table: FleetTable, column: str) -> None:
            super().__init__()
            self.table = table
            self.column = column

        @property
        def control(self) -> FleetTable:
            return self.table

    def __init__(
        self,
        source: RowSource,
        columns: Sequence[ColumnLike],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        changed_seconds: float = CHANGED_SECONDS,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._source = source
        self._columns: list[ColumnLike] = list(columns)
        self._specs: list[tuple[str, int, str, str]] | None = None
        self._count = 0
        self._cursor = 0
        self._cursor_key: Key | None = None
        self.marks: set[Key] = set()
        self._anchor: Key | None = None
        self._changed: dict[Key, float] = {}
        self._changed_seconds = changed_seconds
        self._sort_override: tuple[str | None, bool] | None = None
        self._base_style: Style | None = None
        # The rows last fetched for the screen: (offset, rows).
        self._window_start = 0
        self._window_rows: list[dict[str, Any]] = []
        self._window_valid = False
        # Until mounted, count only as far as a screen needs: the full count of a large
        # table waits until after the first frame (`_count_after_first_frame`).
        self._provisional = callable(getattr(source, "count_at_most", None))
        self._resync(keep_key=False)

    def on_mount(self) -> None:
        if self._provisional:
            getattr(self.app, "when_painted", self.call_after_refresh)(
                self._count_after_first_frame
            )

    def _count_after_first_frame(self) -> None:
        if self._provisional:
            self._provisional = False
            self._resync(keep_key=True)

    # -- public API --------------------------------------------------------------
    @property
    def source(self) -> RowSource:
        return self._source

    @property
    def columns(self) -> list[ColumnLike]:
        return list(self._columns)

    @property
    def row_count(self) -> int:
        return self._count

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_key(self) -> Key | None:
        return self._cursor_key

    @property
    def visible_rows(self) -> int:
        """Rows that fit under the header."""
        return max(1, self.scrollable_content_region.height - 1)

    def set_source(self, source: RowSource) -> None:
        """Show another query (new filter or sort); the cursor stays on its key if present."""
        self._source = source
        self._provisional = False
        self._resync(keep_key=True)

    def set_columns(self, columns: Sequence[ColumnLike]) -> None:
        self._columns = list(columns)
        self._specs = None
        self._update_virtual_size()
        self.refresh()

    def reload(self, changed_keys: Iterable[Key] = ()) -> None:
        """Re-read after a refresh: recount, keep the cursor, highlight `changed_keys`."""
        reload = getattr(self._source, "reload", None)
        if callable(reload):
            reload()
        until = time.monotonic() + self._changed_seconds
        changed = set(changed_keys)
        for key in changed:
            self._changed[key] = until
        if changed and self.is_mounted:
            self.set_timer(self._changed_seconds + 0.05, self._expire_changed)
        self._resync(keep_key=True)

    def set_sort_indicator(self, column: str | None, desc: bool = False) -> None:
        """Show ▲/▼ on `column` (by default it is read from the source's `order_by`/`desc`)."""
        self._sort_override = (column, desc)
        self.refresh_lines(self.scroll_offset.y, 1)

    def move_cursor(self, row: int) -> None:
        """Put the cursor on `row` (clamped) and scroll it into view."""
        self._move_to(row)

    def toggle_mark(self) -> None:
        """Mark or unmark the cursor row, then move down (k9s-style)."""
        key = self._cursor_key
        if key is None:
            return
        if key in self.marks:
            self.marks.discard(key)
        else:
            self.marks.add(key)
        self._anchor = key
        self._marks_changed()
        self._move_to(self._cursor + 1)

    def mark_range(self) -> None:
        """Mark every row from the last mark anchor to the cursor (inclusive)."""
        if self._cursor_key is None:
            return
        anchor_row = self._source.index_of(self._anchor) if self._anchor else None
        if anchor_row is None:
            anchor_row = self._cursor
        low, high = sorted((anchor_row, self._cursor))
        keys_in = getattr(self._source, "keys_in", None)
        if callable(keys_in):  # SQL sources list keys without building whole rows
            self.marks.update(keys_in(low, high - low + 1))
        else:
            self.marks.update(row["_key"] for row in self._source.window(low, high - low + 1))
        self._anchor = self._cursor_key
        self._marks_changed()

    def mark_all(self) -> None:
        """Mark every row of the source (all rows matching the filter, not just on screen)."""
        self.marks.update(self._source.all_keys())
        self._marks_changed()

    def invert_marks(self) -> None:
        """Invert marks within the source's rows; marks hidden by the filter are kept."""
        shown = set(self._source.all_keys())
        self.marks = (self.marks - shown) | (shown - self.marks)
        self._marks_changed()

    def clear_marks(self) -> None:
        self.marks.clear()
        self._anchor = None
        self._marks_changed()

    def unmark(self, keys: Iterable[Key]) -> int:
        """Drop these keys from the marks (rows sent, or gone from the cache); how many were."""
        before = len(self.marks)
        self.marks.difference_update(keys)
        dropped = before - len(self.marks)
        if self._anchor is not None and self._anchor not in self.marks:
            self._anchor = None
        if dropped:
            self._marks_changed()
        return dropped

    def hidden_marks(self) -> int:
        """How many marked keys the current source does not show (hidden by the filter)."""
        if not self.marks:
            return 0
        return len(self.marks - set(self._source.all_keys()))

    # -- actions (bound keys) ----------------------------------------------------
    def action_cursor_up(self) -> None:
        self._move_to(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self._move_to(self._cursor + 1)

    def action_page_down(self) -> None:
        self._page(+1)

    def action_page_up(self) -> None:
        self._page(-1)

    def action_first(self) -> None:
        self._move_to(0)

    def action_last(self) -> None:
        self._move_to(self._count - 1)

    def action_scroll_columns(self, delta: int) -> None:
        self.scroll_to(x=self.scroll_x + delta, animate=False, force=True)

    def action_toggle_mark(self) -> None:
        self.toggle_mark()

    def action_mark_range(self) -> None:
        self.mark_range()

    def action_mark_all(self) -> None:
        self.mark_all()

    def action_invert_marks(self) -> None:
        self.invert_marks()

    def action_clear_marks(self) -> None:
        self.clear_marks()

    def action_select(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.Selected(self, self._cursor_key, self._cursor))

    # -- mouse -------------------------------------------------------------------
    async def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        if offset.y == 0:
            column = self._column_at(offset.x)
            if column is not None:
                self.post_message(self.HeaderClicked(self, column.name))
            return
        row = int(self.scroll_offset.y) + offset.y - 1
        if row >= self._count:
            return
        if row == self._cursor and event.chain > 1:
            self.action_select()
        self._move_to(row)

    def _column_at(self, x: int) -> ColumnLike | None:
        if x < GUTTER:
            return None
        position = x - GUTTER + int(self.scroll_offset.x)
        for column in self._columns:
            if position < column.width + 1:
                return column
            position -= column.width + 1
        return None

    # -- rendering ---------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # rich_style walks the DOM; compute it once per repaint rather than per line.
        self._base_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._base_style = None

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = self.scroll_offset
        base = self._base_style or self.rich_style
        if y == 0:
            return self._render_header(width, scroll_x, base)
        index = scroll_y + y - 1
        if index >= self._count:
            if self._count == 0 and y == 1:
                empty = self.get_component_rich_style("fleet-table--empty")
                return Strip([Segment(fit("  no rows", width), base + empty)], width)
            return Strip.blank(width, base)
        row = self._row(index)
        if row is None:
            return Strip.blank(width, base)
        return self._render_row(index, row, width, scroll_x, base)

    def _render_header(self, width: int, scroll_x: int, base: Style) -> Strip:
        header = base + self.get_component_rich_style("fleet-table--header")
        sorted_style = header + self.get_component_rich_style("fleet-table--header-sorted")
        sort_column, desc = self._sort_indicator()
        segments: list[Segment] = []
        for column in self._columns:
            title = column.title
            style = header
            if column.name == sort_column:
                title = f"{title}{'▼' if desc else '▲'}"
                style = sorted_style
            segments.append(Segment(fit(title, column.width), style))
            segments.append(Segment(" ", header))
        return self._compose_line(Segment(" " * GUTTER, header), segments, width, scroll_x, header)

    def _render_row(
        self, index: int, row: dict[str, Any], width: int, scroll_x: int, base: Style
    ) -> Strip:
        key: Key = row["_key"]
        marked = key in self.marks
        row_style = base
        if marked:
            row_style += self.get_component_rich_style("fleet-table--marked")
        if key in self._changed:
            row_style += self.get_component_rich_style("fleet-table--changed")
        cursor_style = (
            self.get_component_rich_style("fleet-table--cursor") if index == self._cursor else None
        )
        if cursor_style is not None:
            row_style += cursor_style
        # Cells sharing the row style are joined into one segment: a row is a handful of
        # segments rather than two per column, which keeps Textual's per-line work small.
        segments: list[Segment] = []
        run: list[str] = []
        for name, column_width, column_type, justify in self._column_specs():
            value = row.get(name)
            text = fit(format_value(value, column_type), column_width, justify=justify)
            group = state_group(value) if name == "state" else None
            if group is None:
                run.append(text)
                run.append(" ")
                continue
            if run:
                segments.append(Segment("".join(run), row_style))
                run = []
            style = row_style + self.get_component_rich_style(f"fleet-table--state-{group}")
            if cursor_style is not None:
                style += cursor_style
            segments.append(Segment(text, style))
            run.append(" ")
        if run:
            segments.append(Segment("".join(run), row_style))
        glyph_style = row_style
        if marked:
            glyph_style = row_style + self.get_component_rich_style("fleet-table--mark-glyph")
        gutter = Segment(f"{MARK_GLYPH if marked else ' '} ", glyph_style)
        return self._compose_line(gutter, segments, width, scroll_x, row_style)

    def _compose_line(
        self, gutter: Segment, cells: list[Segment], width: int, scroll_x: int, fill: Style
    ) -> Strip:
        body = Strip(cells)
        if scroll_x:
            body = body.crop(scroll_x, scroll_x + width - GUTTER)
        return Strip([gutter, *body]).adjust_cell_length(width, fill)

    def _column_specs(self) -> list[tuple[str, int, str, str]]:
        """(name, width, type, justify) per column, computed once per set_columns."""
        if self._specs is None:
            self._specs = []
            for column in self._columns:
                column_type = getattr(column, "type", "text")
                justify = "right" if column_type in ("int", "float") else "left"
                self._specs.append((column.name, column.width, column_type, justify))
        return self._specs

    def _sort_indicator(self) -> tuple[str | None, bool]:
        if self._sort_override is not None:
            return self._sort_override
        return getattr(self._source, "order_by", None), bool(getattr(self._source, "desc", False))

    # -- internals ---------------------------------------------------------------
    def _row(self, index: int) -> dict[str, Any] | None:
        """The row at `index`, fetching about one screen of rows around it when needed."""
        start = self._window_start
        if not (self._window_valid and start <= index < start + len(self._window_rows)):
            top = int(self.scroll_offset.y)
            height = self.visible_rows
            if not top <= index < top + height:
                top, height = index, 1  # off screen (e.g. the cursor after a mouse scroll)
            self._window_start = top
            self._window_rows = self._source.window(top, height)
            self._window_valid = True
            start = top
        position = index - start
        return self._window_rows[position] if position < len(self._window_rows) else None

    def _invalidate_window(self) -> None:
        self._window_valid = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        if round(old_value) != round(new_value):
            self._invalidate_window()
        super().watch_scroll_y(old_value, new_value)

    def on_resize(self, event: events.Resize) -> None:
        self._invalidate_window()
        self._scroll_cursor_into_view()

    def _total_width(self) -> int:
        return GUTTER + sum(column.width + 1 for column in self._columns)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._total_width(), self._count + 1)

    def _resync(self, keep_key: bool) -> None:
        """Recount the source and put the cursor back on its key (or clamp it)."""
        self._invalidate_window()
        old_key, old_row = self._cursor_key, self._cursor
        screen_offset = old_row - int(self.scroll_offset.y)
        if self._provisional:
            # A few screens' worth: enough to draw and to move the cursor before the count.
            self._count = self._source.count_at_most(PROVISIONAL_ROWS)  # type: ignore[attr-defined]
        else:
            self._count = self._source.count()
        self._update_virtual_size()
        new_row = None
        if keep_key and old_key is not None:
            new_row = self._source.index_of(old_key)
        if new_row is None:
            new_row = min(old_row, self._count - 1)
        self._cursor = max(0, new_row)
        if self.is_mounted and new_row != old_row:
            # Keep the cursor at the same height on screen, as a pager would.
            self.scroll_to(
                y=max(0, self._cursor - max(0, screen_offset)), animate=False, force=True
            )
        self._cursor_key = self._key_at(self._cursor)
        self._scroll_cursor_into_view()
        self.refresh()
        if self.is_mounted and (self._cursor_key, self._cursor) != (old_key, old_row):
            self.post_message(self.CursorMoved(self, self._cursor_key, self._cursor))

    def _key_at(self, index: int) -> Key | None:
        if not 0 <= index < self._count:
            return None
        row = self._row(index)
        return row["_key"] if row is not None else None

    def _move_to(self, row: int) -> None:
        if self._count == 0:
            return
        row = max(0, min(row, self._count - 1))
        old = self._cursor
        if row == old and self._cursor_key is not None:
            return
        self._cursor = row
        self._scroll_cursor_into_view()
        self._cursor_key = self._key_at(row)
        self._refresh_row(old)
        self._refresh_row(row)
        self.post_message(self.CursorMoved(self, self._cursor_key, row))

    def _page(self, direction: int) -> None:
        if self._count == 0:
            return
        page = self.visible_rows
        top = int(self.scroll_offset.y)
        self.scroll_to(y=max(0, top + direction * page), animate=False, force=True)
        self._move_to(self._cursor + direction * page)

    def _scroll_cursor_into_view(self) -> None:
        if not self.is_mounted:
            return
        top = int(self.scroll_offset.y)
        height = self.visible_rows
        if self._cursor < top:
            self.scroll_to(y=self._cursor, animate=False, force=True)
        elif self._cursor >= top + height:
            self.scroll_to(y=self._cursor - height + 1, animate=False, force=True)

    def _refresh_row(self, index: int) -> None:
        y = index - int(self.scroll_offset.y) + 1
        if 1 <= y <= self.visible_rows:
            self.refresh_lines(index + 1)

    def _marks_changed(self) -> None:
        self.refresh()
        self.post_message(self.MarksChanged(self, len(self.marks)))

    def _expire_changed(self) -> None:
        now = time.monotonic()
        expired = [key for key, until in self._changed.items() if until <= now]
        for key in expired:
            del self._changed[key]
        if expired:
            self.refresh()


__all__ = ["ColumnLike", "FleetTable", "TableColumn", "format_value", "state_group"]
