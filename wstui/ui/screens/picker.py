"""The id picker of the operation forms (ctrl+o / F4 on an id field).

Lists the cached rows of one kind in the form's target account and region: id, name
and state, filtered as you type (id and the kind's search columns), keyboard only.
Dismisses with the chosen id, or None on esc. Reads the cache only, never the API.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from wstui.core.kinds import resolve
from wstui.ui.safe_text import fit
from wstui.ui.screens._fit import fit_scroll
from wstui.ui.screens._text import clean

MAX_LISTED = 500  # a filter narrows a big kind (100,000 WorkSpaces) to what can be read
NAME_COLUMNS = ("name", "user", "connection_string", "alias")


def picker_rows(cache: Any, kind: str, account: str, region: str, text: str) -> list[dict]:
    """Cached rows of `kind` in account/region whose id or search columns hold `text`."""
    k = resolve(kind)
    where, params = [f"{k.table}.region = ?"], [region]
    if account:
        where.append(f"{k.table}.account = ?")
        params.append(account)
    text = text.strip()
    if text:
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        names = dict.fromkeys(["id", *(c.name for c in k.search_columns)])
        where.append("(" + " OR ".join(f"{k.table}.{n} LIKE ? ESCAPE '\\'" for n in names) + ")")
        params += [like] * len(names)
    order = "name" if any(c.name == "name" for c in k.columns) else "id"
    return list(cache.query(kind, " AND ".join(where), params, order_by=order, limit=MAX_LISTED))


def picker_label(row: dict) -> Content:
    name = next((str(row[c]) for c in NAME_COLUMNS if row.get(c)), "")
    # Fixed cells (CJK/emoji-aware): one line per row at 80 columns.
    return Content.assemble(
        (fit(str(row.get("id") or ""), 17), "bold"),
        " ",
        fit(clean(name), 30),
        " ",
        (fit(clean(str(row.get("state") or "")), 12), "$text-muted"),
    )


class PickerScreen(ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="wstui.picker.cancel"),
        Binding("down", "move('down')", show=False),
        Binding("up", "move('up')", show=False),
        Binding("pagedown", "move('page_down')", show=False),
        Binding("pageup", "move('page_up')", show=False),
    ]

    def __init__(self, cache: Any, kind: str, account: str, region: str, field: str) -> None:
        super().__init__(classes="modal")
        self.cache = cache
        self.kind = resolve(kind)
        self.aws_account = account
        self.aws_region = region
        self.field = field
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="picker-box"):
            yield Static(
                Content.styled(f"Pick {self.kind.title} for {clean(self.field)}", "bold"),
                classes="dialog-title",
            )
            yield Input(placeholder="type to filter (id, name…)", id="picker-filter")
            yield OptionList(id="picker-list")
            yield Static("", id="picker-count")
            yield Static(Content.styled("↑↓ PgUp PgDn: move   enter: choose   esc: cancel",
                                        "$text-muted"), id="picker-hint")  # fmt: skip

    AUTO_FOCUS = "#picker-filter"

    def on_mount(self) -> None:
        if self.query("#picker-list"):  # not when the app is closing under it
            self.load("")
            self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        if self.is_attached and self.query("#picker-box"):
            fit_scroll(self.query_one("#picker-box"), self.query_one("#picker-list"))

    def load(self, text: str) -> None:
        self.rows = picker_rows(self.cache, self.kind.name, self.aws_account, self.aws_region, text)
        options = self.query_one("#picker-list", OptionList)
        options.clear_options()
        options.add_options([Option(picker_label(r), id=str(r["id"])) for r in self.rows])
        if self.rows:
            options.highlighted = 0
        where = f"{self.aws_account or '?'}/{self.aws_region}"
        more = ", the first 500: type to narrow" if len(self.rows) >= MAX_LISTED else ""
        count = (f"{len(self.rows):,} cached in {where}{more}" if self.rows
                 else f"none cached in {where} match")  # fmt: skip
        self.query_one("#picker-count", Static).update(Content.styled(count, "$text-muted"))

    @on(Input.Changed, "#picker-filter")
    def _filter(self, event: Input.Changed) -> None:
        self.load(event.value)

    @on(Input.Submitted, "#picker-filter")
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#picker-list", OptionList)
        if options.highlighted is not None and self.rows:
            self.dismiss(str(options.get_option_at_index(options.highlighted).id))

    @on(OptionList.OptionSelected, "#picker-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(str(event.option.id))

    def action_move(self, how: str) -> None:
        options = self.query_one("#picker-list", OptionList)
        {"down": options.action_cursor_down, "up": options.action_cursor_up,
         "page_down": options.action_page_down, "page_up": options.action_page_up}[how]()  # fmt: skip

    def action_cancel(self) -> None:
        self.dismiss(None)
