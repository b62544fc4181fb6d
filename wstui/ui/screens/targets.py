"""`:targets`: every target's refresh status (ok, stale, error with reason, pending).

`space` picks targets, `enter` narrows the resource table to the picked ones (or the
cursor's), `a` shows all targets again. Narrowing is an ordinary filter
(`(account:… region:…) | …`), visible and editable in the `/` box.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from wstui.core import watch
from wstui.core.kinds import DEFAULT_KIND
from wstui.core.targets import TargetStatus, narrow_query, refused_statuses, statuses
from wstui.ui.safe_text import safe_text
from wstui.ui.screens.header import HeaderBar
from wstui.ui.widgets.list_table import ListTable

COLUMNS = (("", 1), ("STATUS", 7), ("PROFILE", 14), ("ACCOUNT", 12), ("REGION", 14),
           ("ROWS", 7), ("LAST OK (UTC)", 19), ("REASON", 48))  # fmt: skip
# Under 100 columns: up to LAST OK fits 80 (month-day time; the reason is shown whole
# under the table for the cursor line).
COMPACT = (("", 1), ("STATUS", 7), ("PROFILE", 12), ("ACCOUNT", 12), ("REGION", 14),
           ("ROWS", 6), ("LAST OK", 11), ("REASON", 48))  # fmt: skip
COMPACT_BELOW = 100
STYLES = {"ok": "green", "stale": "yellow", "error": "bold red", "pending": "dim"}


def _when(ts: float | None, short: bool = False) -> str:
    shape = "%m-%d %H:%M" if short else "%Y-%m-%d %H:%M:%S"
    return datetime.fromtimestamp(ts, UTC).strftime(shape) if ts else "never"


def status_cells(
    s: TargetStatus, picked: bool, columns: tuple[tuple[str, int], ...] = COLUMNS
) -> tuple[Text, ...]:
    short = columns is COMPACT
    values = ("•" if picked else "", s.status.upper(), s.profile_text, s.account or "?",
              s.region, f"{s.rows:,}", _when(s.last_success, short), s.reason)  # fmt: skip
    cells = [safe_text(v, max_cells=w) for v, (_, w) in zip(values, columns, strict=True)]
    cells[1].stylize(STYLES.get(s.status, ""))
    return tuple(cells)


class TargetsScreen(Screen):
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="wstui.targets.back"),
        Binding("space", "pick", "Pick", id="wstui.targets.pick"),
        Binding("enter", "narrow", "Narrow to picked", id="wstui.targets.narrow"),
        Binding("a", "all", "All targets", id="wstui.targets.all"),
    ]

    def __init__(self, kind: str = DEFAULT_KIND) -> None:
        super().__init__()
        self.kind = kind
        self.lines: list[TargetStatus] = []
        self.picked: set[tuple[str, str]] = set()

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield Static(id="who")
        yield ListTable(id="targets-table", cursor_type="row", zebra_stripes=True)
        yield Static(id="target-reason")  # the cursor line's reason, whole (80 columns)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self.columns = COMPACT if self.app.size.width < COMPACT_BELOW else COLUMNS
        for title, width in self.columns:
            table.add_column(title, width=width)
        self.load()
        self.set_interval(2.0, self.load)
        table.focus()

    def _targets(self) -> list[Any]:
        return list(getattr(self.ctx.refresher, "targets", None) or self.ctx.targets)

    def load(self) -> None:
        from wstui.core.kinds import resolve

        ctx = self.ctx
        now = ctx.clock()
        try:
            rows = ctx.cache.status()
            info = watch.current(ctx.cache, time.time())
        except sqlite3.Error:  # cache busy: keep what is shown
            return
        discovery = getattr(ctx.refresher, "discovery", None)
        names: dict[str, str] = {}
        refused = []
        if discovery:  # accounts that refused the role: shown with the reason, not skipped
            try:
                names = discovery.names(ctx.cache)
                refused = refused_statuses(discovery.refused(ctx.cache))
            except Exception:  # cache busy: the next load shows them
                pass
        interval = resolve(self.kind).interval
        self.lines = statuses(rows, self._targets(), self.kind, interval, now, names=names)
        self.lines += refused
        counts = {k: sum(1 for s in self.lines if s.status == k) for k in STYLES}
        summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        self.query_one(HeaderBar).show(
            targets=ctx.targets_text, read_only=ctx.read_only,
            kind_title=f"Targets ({len(self.lines)}: {summary or 'none'})",
            age="", stale=False, error=None, activity="", marks=len(self.picked),
        )  # fmt: skip
        who = (
            f"Refreshed by {info.describe(time.time())}"
            if info is not None
            else "Refreshed by this TUI"
            if getattr(ctx.refresher, "running", False)
            else "Not refreshing (cache only)"
        )
        self.query_one("#who", Static).update(safe_text(who))
        table = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for s in self.lines:
            table.add_row(*status_cells(s, (s.account, s.region) in self.picked, self.columns))
        if self.lines:
            table.move_cursor(row=min(cursor, len(self.lines) - 1))
        self._show_reason()

    @on(DataTable.RowHighlighted)
    def _show_reason(self) -> None:
        line = self._cursor_line()
        reason = f"{line.status.upper()}: {line.reason}" if line and line.reason else ""
        box = self.query_one("#target-reason", Static)
        box.update(safe_text(reason))
        box.display = bool(reason)

    def _cursor_line(self) -> TargetStatus | None:
        row = self.query_one(DataTable).cursor_row
        return self.lines[row] if 0 <= row < len(self.lines) else None

    def action_pick(self) -> None:
        line = self._cursor_line()
        if line is None:
            return
        key = (line.account, line.region)
        self.picked.symmetric_difference_update({key})
        self.load()
        table = self.query_one(DataTable)
        if table.cursor_row < len(self.lines) - 1:
            table.move_cursor(row=table.cursor_row + 1)

    def action_narrow(self) -> None:
        keys = {k for k in self.picked if k[1] != "-"}  # "-": an account not usable
        if not keys:
            line = self._cursor_line()
            if line is None or line.region == "-":
                return
            keys = {(line.account, line.region)}
        self._apply(narrow_query(keys))

    def action_all(self) -> None:
        self._apply("")

    def _apply(self, text: str) -> None:
        self.app.pop_screen()
        screen = self.app.screen
        apply = getattr(screen, "apply_filter", None)
        if apply is None:
            return
        box = screen.query_one("#filter", Input)
        with box.prevent(box.Changed):
            box.value = text
        if text:
            box.add_class("open")
        else:
            box.remove_class("open")
        apply(text)

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        # The table takes Enter itself; act on its selection.
        self.action_narrow()

    def action_back(self) -> None:
        self.app.pop_screen()
