"""`:log`: the audit log of mutations (what was sent, by whom, and what came back)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from wstui.ui.screens._text import fit
from wstui.ui.screens.chrome import HeaderBar

COLUMNS = (("WHEN", 19), ("ACTION", 20), ("TARGET", 22), ("IDS", 24), ("RESULT", 30))


def audit_cells(row: dict[str, Any]) -> tuple[str, ...]:
    at = row.get("at") or row.get("started_at") or row.get("ts")
    when = (
        datetime.fromtimestamp(float(at), UTC).strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(at, int | float)
        else str(at or "")
    )
    target = row.get("target") or "/".join(str(row.get(k) or "") for k in ("account", "region"))
    ids = row.get("ids")
    if isinstance(ids, list | tuple):
        ids = f"{len(ids)}: " + " ".join(str(i) for i in ids)
    result = row.get("outcomes") or row.get("result") or row.get("status") or ""
    if isinstance(result, dict):
        failed = sum(1 for o in result.values() if str(o).find("failed") >= 0)
        result = f"{len(result) - failed} ok, {failed} failed"
    return tuple(
        fit(v, w) for v, (_, w) in zip((when, row.get("action"), target, ids, result), COLUMNS, strict=True)
    )


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
