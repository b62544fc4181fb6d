"""ListTable: a DataTable that moves with j/k (and g/G) like the fleet table.

Every list screen (results, `:log`, `:targets`, changes, IP rules, a plan's targets)
uses it, so the keys that move in the fleet table move everywhere (k9s habit).
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class ListTable(DataTable):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="list.cursor_down"),
        Binding("k", "cursor_up", "Up", show=False, id="list.cursor_up"),
        Binding("g", "scroll_top", "First", show=False, id="list.first"),
        Binding("G", "scroll_bottom", "Last", show=False, id="list.last"),
    ]


__all__ = ["ListTable"]
