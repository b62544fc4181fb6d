"""k9s-style jumps between related resources.

`J` on a resource screen lists where the cursor row leads — the relations its kind
declares (core.kinds: a directory to its WorkSpaces, a bundle to the WorkSpaces using
it, an alias to its associated directories, a WorkSpace to its directory or bundle, ...)
— and opens the target screen filtered in the query language (`directory:d-123`),
so the filter shows in the `/` bar and can be edited or cleared with esc like any other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from wstui.core.cache import raw_of
from wstui.core.kinds import resolve
from wstui.ui.safe_text import clean

_PLAIN = re.compile(r"[A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Jump:
    label: str
    kind: str
    query: str


def quoted(value: str) -> str:
    """A query value that stays one literal value whatever the API put in it."""
    if _PLAIN.fullmatch(value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def related(kind: str, row: dict) -> list[Jump]:
    """Where a row of `kind` leads (the relations its kind declares); each filter keeps to
    the row's account and region, since the same id (an Amazon bundle) exists in every
    region."""
    rid = str(row.get("id") or "")
    raw = raw_of(row)
    where = " ".join(f"{k}:{quoted(str(row[k]))}" for k in ("account", "region") if row.get(k))
    out: list[Jump] = []
    for rel in resolve(kind).relations:
        values = rel.values(raw, rid)
        if not values:
            continue
        label = rel.label.format(rid=rid, values=", ".join(values))
        query = rel.query.format(rid=quoted(rid), values=",".join(quoted(v) for v in values))
        out.append(Jump(label, rel.kind, f"{query} {where}".strip()))
    return out


def jump_from(screen: Any) -> None:
    """`J` on a resource screen: one relation opens at once, several offer a choice."""
    app = screen.app
    key = screen.cursor_key()
    row = app.ctx.cache.get(screen.kind.name, key) if key is not None else None
    jumps = related(screen.kind.name, row) if row else []
    if not jumps:
        what = "this row" if row else "an empty list"
        app.notify(f"No related resources from {what}", severity="warning")
        return
    if len(jumps) == 1:
        app.call_later(go, app, jumps[0])
        return

    def chosen(index: int | None) -> None:
        if index is not None:
            app.call_later(go, app, jumps[index])

    app.push_screen(JumpScreen(jumps), chosen)


class JumpScreen(ModalScreen["int | None"]):
    """Pick one of several relations; labels hold API ids, so they are shown as plain text."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="wstui.jump.cancel")]

    def __init__(self, jumps: list[Jump]) -> None:
        super().__init__(classes="modal")
        self.jumps = jumps

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled("Jump to", "bold"), classes="dialog-title")
            yield OptionList(*(Option(Content(clean(j.label)), id=str(i))
                               for i, j in enumerate(self.jumps)), id="jumps")  # fmt: skip

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(str(event.option.id)))

    def action_cancel(self) -> None:
        self.dismiss(None)


async def go(app: Any, jump: Jump) -> None:
    """Open the target kind's screen with the jump's filter applied and shown (the app
    owns the resource screens: WstuiApp.open_filtered)."""
    await app.open_filtered(jump.kind, jump.query)
