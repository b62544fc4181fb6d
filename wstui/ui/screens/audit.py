"""`:log`: the audit log of mutations (what was sent, by whom, and what came back)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from wstui.ui.safe_text import safe_text
from wstui.ui.screens.chrome import HeaderBar

# RESULT before TARGET/IDS so the outcome is visible at 80 columns.
COLUMNS = (("WHEN", 19), ("ACTION", 19), ("RESULT", 22), ("TARGET", 22), ("IDS", 40))


def audit_cells(row: dict[str, Any]) -> tuple[Text, ...]:
    """Cells as Rich Text: DataTable would parse plain str cells as markup."""
    at = row.get("at")
    when = (
        datetime.fromtimestamp(float(at), UTC).strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(at, int | float)
        else str(at or "")
    )
    target = f"{row.get('account') or '?'}/{row.get('region') or '?'}"
    ids = row.get("ids")
    if isinstance(ids, list):
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
    return tuple(safe_text(v, max_cells=w) for v, (_, w) in zip(values, COLUMNS, strict=True))


class AuditScreen(Screen):
    BINDINGS = [Binding("escape,q", "back", "Back", id="wstui.audit.back")]

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield DataTable(id="audit-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(HeaderBar).show(
            targets=self.ctx.targets_text, read_only=self.ctx.read_only, kind_title="Audit log",
            age="", stale=False, error=None, activity="", marks=0,
        )  # fmt: skip
        table = self.query_one(DataTable)
        for title, width in COLUMNS:
            table.add_column(title, width=width)
        self.load()
        table.focus()

    def load(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in self.ctx.cache.audit(limit=500):
            table.add_row(*audit_cells(row))

    def action_back(self) -> None:
        self.app.pop_screen()
