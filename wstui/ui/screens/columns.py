"""Column chooser: tick the columns to show and move them to set their order."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection


class ColumnsScreen(ModalScreen[list[str] | None]):
    """Dismisses with the chosen column names in order, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="wstui.columns.cancel"),
        Binding("enter", "apply", "Apply", id="wstui.columns.apply"),
        Binding("K,shift+up", "move(-1)", "Move up", id="wstui.columns.up"),
        Binding("J,shift+down", "move(1)", "Move down", id="wstui.columns.down"),
    ]

    def __init__(self, kind: Any, shown: list[str]) -> None:
        super().__init__(classes="modal")
        self.kind = kind
        rest = [c.name for c in kind.columns if c.name not in shown]
        self.order: list[str] = [*shown, *rest]
        self.chosen: set[str] = set(shown)
        self.titles = {c.name: c.title for c in kind.columns}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="columns-box"):
            yield Static(Content.styled("Columns", "bold"), classes="dialog-title")
            yield Static("space: show/hide  J/K: move  enter: apply  esc: cancel", classes="hint")
            yield SelectionList[str](*self._selections(), id="column-list")

    def _selections(self) -> list[Selection[str]]:
        return [Selection(f"{self.titles[n]} ({n})", n, n in self.chosen) for n in self.order]

    def _sync_chosen(self) -> None:
        self.chosen = set(self.query_one(SelectionList).selected)

    def action_move(self, delta: int) -> None:
        options = self.query_one(SelectionList)
        index = options.highlighted
        if index is None:
            return
        target = index + delta
        if not 0 <= target < len(self.order):
            return
        self._sync_chosen()
        self.order[index], self.order[target] = self.order[target], self.order[index]
        options.clear_options()
        options.add_options(self._selections())
        options.highlighted = target

    def action_apply(self) -> None:
        self._sync_chosen()
        names = [n for n in self.order if n in self.chosen]
        self.dismiss(names or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
