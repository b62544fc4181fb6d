"""Column chooser: tick the columns to show and move them to set their order.

space toggles the highlighted column, J/K (shift+arrows) move it, enter applies, esc
cancels. Each line starts with `[x]` or `[ ]`, so shown and hidden columns differ
without colour (NO_COLOR, 16-colour terminals).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from wstui.ui.screens._fit import fit_scroll

COLUMNS_HINT = "space: show/hide  J/K: move  enter: apply  esc: cancel"


class ColumnsScreen(ModalScreen[list[str] | None]):
    """Dismisses with the chosen column names in order, or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="wstui.columns.cancel"),
        # Priority: the list would take enter as "select" (a toggle) otherwise.
        Binding("enter", "apply", "Apply", id="wstui.columns.apply", priority=True),
        Binding("space", "toggle_column", "Show/hide", id="wstui.columns.toggle"),
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
            yield Static(COLUMNS_HINT, classes="hint")
            yield OptionList(*self._options(), id="column-list")

    def on_mount(self) -> None:
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        if not self.is_attached or not self.query("#columns-box"):
            return  # dismissed before the deferred fit ran
        fit_scroll(self.query_one("#columns-box"), self.query_one("#column-list"))

    def line(self, name: str) -> Content:
        mark = "[x]" if name in self.chosen else "[ ]"
        return Content.assemble((mark, "bold" if name in self.chosen else ""), " ",
                                f"{self.titles[name]} ({name})")  # fmt: skip

    def _options(self) -> list[Option]:
        return [Option(self.line(n), id=n) for n in self.order]

    def _redraw(self, highlighted: int | None) -> None:
        options = self.query_one("#column-list", OptionList)
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = highlighted

    @on(OptionList.OptionSelected)
    def _clicked(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a mouse click toggles, like space
        self.action_toggle_column()

    def action_toggle_column(self) -> None:
        index = self.query_one("#column-list", OptionList).highlighted
        if index is None:
            return
        name = self.order[index]
        self.chosen.symmetric_difference_update({name})
        self._redraw(index)

    def action_move(self, delta: int) -> None:
        index = self.query_one("#column-list", OptionList).highlighted
        if index is None:
            return
        target = index + delta
        if not 0 <= target < len(self.order):
            return
        self.order[index], self.order[target] = self.order[target], self.order[index]
        self._redraw(target)

    def action_apply(self) -> None:
        names = [n for n in self.order if n in self.chosen]
        self.dismiss(names or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
