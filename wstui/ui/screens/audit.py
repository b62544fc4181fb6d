"""`:log`: the audit log of mutations (what was sent, by whom, and what came back).

Enter on a row opens every field of it: each id's outcome with code and full message,
the request id and the caller. CreateWorkspaces rows show the new WorkSpace ids.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from wstui.ui.safe_text import safe_text
from wstui.ui.screens.header import HeaderBar
from wstui.ui.screens.text_view import TextViewScreen, audit_detail_lines, created_ids
from wstui.ui.widgets.list_table import ListTable

# RESULT before TARGET/IDS so the outcome is visible at 80 columns.
COLUMNS = (("WHEN", 19), ("ACTION", 19), ("RESULT", 22), ("TARGET", 22), ("IDS", 40))
# Under 100 columns: WHEN .. TARGET fit 80 (month-day time); IDS is to the right, and
# enter shows the whole row.
COMPACT = (("WHEN", 14), ("ACTION", 19), ("RESULT", 16), ("TARGET", 20), ("IDS", 40))
COMPACT_BELOW = 100


def audit_cells(
    row: dict[str, Any], columns: tuple[tuple[str, int], ...] = COLUMNS
) -> tuple[Text, ...]:
    """Cells as Rich Text: DataTable would parse plain str cells as markup."""
    at = row.get("at")
    shape = "%m-%d %H:%M:%S" if columns is COMPACT else "%Y-%m-%d %H:%M:%S"
    when = (
        datetime.fromtimestamp(float(at), UTC).strftime(shape)
        if isinstance(at, int | float)
        else str(at or "")
    )
    target = f"{row.get('account') or '?'}/{row.get('region') or '?'}"
    ids = row.get("ids")
    created = created_ids(row)
    if created:
        # Audited under "DirectoryId/UserName"; what the user looks for is the new id.
        ids = f"{len(created)} created: " + " ".join(created)
    elif isinstance(ids, list):
        ids = f"{len(ids)}: " + " ".join(str(i) for i in ids)
    items = row.get("items") or []
    counts = Counter(str(item.get("status")) for item in items)
    result = ", ".join(f"{n} {status}" for status, n in counts.most_common())
    if row.get("finished_at") is None:
        result = result or "not finished"
    failed = [item for item in items if item.get("status") == "failed"]
    if failed:
        result += f" ({failed[0].get('code')})"
    values = (when, row.get("action"), result, target, ids)
    return tuple(safe_text(v, max_cells=w) for v, (_, w) in zip(values, columns, strict=True))


class AuditScreen(Screen):
    BINDINGS = [Binding("escape,q", "back", "Back", id="wstui.audit.back")]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []  # as shown, so Enter opens the row under the cursor

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield ListTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(HeaderBar).show(
            targets=self.ctx.targets_text, read_only=self.ctx.read_only, kind_title="Audit log",
            age="", stale=False, error=None, activity="", marks=0,
        )  # fmt: skip
        table = self.query_one(DataTable)
        self.columns = COMPACT if self.app.size.width < COMPACT_BELOW else COLUMNS
        for title, width in self.columns:
            table.add_column(title, width=width)
        self.load()
        table.focus()

    def load(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.rows = self.ctx.cache.audit(limit=500)
        for row in self.rows:
            table.add_row(*audit_cells(row, self.columns))

    @on(DataTable.RowSelected, "#audit-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.rows):
            row = self.rows[event.cursor_row]
            title = f"{row.get('action')} · {row.get('account') or '?'}/{row.get('region') or '?'}"
            self.app.push_screen(TextViewScreen(title, audit_detail_lines(row)))

    def action_back(self) -> None:
        self.app.pop_screen()
