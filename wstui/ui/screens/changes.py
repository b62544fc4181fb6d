"""`:changes [SINCE]`: what changed since a chosen time, from the cache's history table.

SINCE is a span back from now (`30m`, `2h`, `7d`, `1d12h`) or an ISO date/time (UTC).
Shows a summary (new, vanished, state changes, other changes) and the events, newest
first. `/` chooses another time; `enter` opens the WorkSpace's details.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Static

from wstui.core.insight import changes_since, parse_since
from wstui.core.kinds import DEFAULT_KIND
from wstui.ui.safe_text import safe_text
from wstui.ui.screens.header import HeaderBar
from wstui.ui.widgets.list_table import ListTable

# TARGET last: at 80 columns FIELD/OLD/NEW (what changed) must be on screen.
COLUMNS = (("WHEN (UTC)", 19), ("EVENT", 8), ("ID", 14), ("FIELD", 16),
           ("OLD", 18), ("NEW", 18), ("TARGET", 26))  # fmt: skip
# Under 100 columns: WHEN .. NEW fit 80 (month-day time); TARGET is to the right and
# enter shows the whole event.
COMPACT = (("WHEN", 11), ("EVENT", 8), ("ID", 12), ("FIELD", 12),
           ("OLD", 11), ("NEW", 11), ("TARGET", 26))  # fmt: skip
COMPACT_BELOW = 100
LIMIT = 5000


def _value(field: str | None, value: Any) -> str:
    if value is None:
        return ""
    if field in ("last_connected",) and isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M")
    return str(value)


def event_cells(
    e: dict[str, Any], columns: tuple[tuple[str, int], ...] = COLUMNS
) -> tuple[Text, ...]:
    shape = "%m-%d %H:%M" if columns is COMPACT else "%Y-%m-%d %H:%M:%S"
    when = datetime.fromtimestamp(float(e["at"]), UTC).strftime(shape)
    event = "new" if e["event"] == "created" else "gone" if e["event"] == "vanished" else "changed"
    values = (when, event, e["id"], e.get("field") or "", _value(e.get("field"), e.get("old")),
              _value(e.get("field"), e.get("new")), f"{e['account']}/{e['region']}")  # fmt: skip
    return tuple(safe_text(v, max_cells=w) for v, (_, w) in zip(values, columns, strict=True))


class ChangesScreen(Screen):
    # The table takes the space left, so the header and summary stay on screen.
    DEFAULT_CSS = "ChangesScreen #changes-table { height: 1fr; }"
    BINDINGS = [
        Binding("escape,q", "back", "Back", id="wstui.changes.back"),
        Binding("slash", "since", "Since…", id="wstui.changes.since"),
        Binding("enter", "details", "Details", id="wstui.changes.details", show=False),
    ]

    def __init__(self, since: str = "24h", kind: str = DEFAULT_KIND) -> None:
        super().__init__()
        self.since_text = since
        self.kind = kind
        self.events: list[dict[str, Any]] = []
        self.summary = ""

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield Static(id="changes-summary")
        yield ListTable(id="changes-table", cursor_type="row", zebra_stripes=True)
        yield Input(placeholder="since: 30m, 2h, 7d or 2024-05-01", id="since", classes="bar")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self.columns = COMPACT if self.app.size.width < COMPACT_BELOW else COLUMNS
        for title, width in self.columns:
            table.add_column(title, width=width)
        self.load(self.since_text)
        table.focus()

    def load(self, since_text: str) -> bool:
        ctx = self.ctx
        now = ctx.clock()
        try:
            since = parse_since(since_text, now)
        except ValueError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return False
        self.since_text = since_text
        groups = changes_since(ctx.cache, since, self.kind, LIMIT)
        self.events = sorted(
            (e for g in groups.values() for e in g), key=lambda e: e["at"], reverse=True
        )
        self.summary = (
            f"Since {datetime.fromtimestamp(since, UTC):%Y-%m-%d %H:%M} UTC ({since_text}): "
            f"{len(groups['created'])} new, {len(groups['vanished'])} vanished, "
            f"{len(groups['state'])} state changes, {len(groups['other'])} other changes"
            + (f" (first {LIMIT:,} shown)" if len(self.events) >= LIMIT else "")
        )
        self.query_one(HeaderBar).show(
            targets=ctx.targets_text, read_only=ctx.read_only, kind_title="Changes",
            age="", stale=False, error=None, activity="", marks=0,
        )  # fmt: skip
        self.query_one("#changes-summary", Static).update(safe_text(self.summary))
        table = self.query_one(DataTable)
        table.clear()
        for e in self.events:
            table.add_row(*event_cells(e, self.columns))
        return True

    def action_since(self) -> None:
        box = self.query_one("#since", Input)
        box.value = self.since_text
        box.add_class("open")
        box.focus()

    @on(Input.Submitted, "#since")
    def _since_submitted(self, event: Input.Submitted) -> None:
        if self.load(event.value):
            event.input.remove_class("open")
            self.query_one(DataTable).focus()

    def action_details(self) -> None:
        from wstui.core.kinds import resolve
        from wstui.ui.screens.details import DetailsScreen

        row = self.query_one(DataTable).cursor_row
        if 0 <= row < len(self.events):
            e = self.events[row]
            key = (e["account"], e["region"], e["id"])
            if self.ctx.cache.get(self.kind, key) is not None:
                self.app.push_screen(DetailsScreen(resolve(self.kind), key))

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        # The table takes Enter itself; act on its selection.
        self.action_details()

    def action_back(self) -> None:
        box = self.query_one("#since", Input)
        if box.has_class("open"):
            box.remove_class("open")
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()
