"""A scrollable read-only view of labelled fields: one audit row, one call's outcome.

Every value is API or audit data, so each line is built with `plain`/`multiline`
(Content from plain strings, control characters made visible), never parsed as markup.
Long messages wrap instead of being cut at the table's edge.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from wstui.ui.screens._text import multiline, plain

Field = tuple[str, Any]


def field_lines(fields: list[Field]) -> list[Content]:
    """`label  value` lines; a multi-line value continues under the label."""
    width = max((len(label) for label, _ in fields), default=0) + 2
    lines: list[Content] = []
    for label, value in fields:
        text = "" if value is None else str(value)
        lines.append(Content.assemble((label.ljust(width), "bold"), multiline(text)))
    return lines


def when(at: Any) -> str:
    if isinstance(at, int | float):
        return datetime.fromtimestamp(float(at), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if at is None else str(at)


def created_ids(row: dict[str, Any]) -> list[str]:
    """The new WorkSpace ids of a CreateWorkspaces audit row.

    The gateway audits each create under "DirectoryId/UserName" (the id does not exist
    before the call) and puts the new WorkSpace id in that item's outcome message.
    """
    if row.get("action") != "CreateWorkspaces":
        return []
    return [
        str(item.get("message"))
        for item in row.get("items") or []
        if item.get("status") == "sent" and str(item.get("message") or "").startswith("ws-")
    ]


def audit_detail_lines(row: dict[str, Any]) -> list[Content]:
    """Every field of one audit row, then each id's outcome with code and full message."""
    items = row.get("items") or []
    counts = Counter(str(item.get("status")) for item in items)
    params = row.get("params")
    fields: list[Field] = [
        ("Action", row.get("action")),
        ("Sent at", when(row.get("at"))),
        ("Finished at", when(row.get("finished_at")) or "not finished (outcome unknown)"),
        ("Account", row.get("account")),
        ("Region", row.get("region")),
        ("Profile", row.get("profile") or "(default chain)"),
        ("Caller", row.get("caller") or "?"),
        ("Request id", row.get("request_id") or "(none: no answer was received)"),
        ("Parameters", json.dumps(params, ensure_ascii=False, default=str) if params else "none"),
        ("Result", ", ".join(f"{n} {s}" for s, n in counts.most_common()) or "no outcome recorded"),
        ("Audit row", row.get("id")),
    ]
    lines = field_lines(fields)
    lines.append(Content(""))
    created = created_ids(row)
    title = f"Outcomes ({len(items)})"
    if created:
        title += f": {len(created)} WorkSpace(s) created"
    lines.append(Content.styled(title, "bold $accent"))
    for item in items:
        status = str(item.get("status") or "")
        style = {"sent": "$success", "failed": "bold $error", "unknown": "bold $warning"}.get(
            status, ""
        )
        head = [plain(item.get("id")), Content("  "), plain(status.upper(), style)]
        message = str(item.get("message") or "")
        if row.get("action") == "CreateWorkspaces" and status == "sent" and message:
            head += [Content(" → new WorkSpace "), plain(message, "bold")]
            message = ""
        if item.get("code"):
            head += [Content("  "), plain(item.get("code"), "bold")]
        lines.append(Content.assemble(*head))
        if message:
            lines.append(Content.assemble(Content("    "), multiline(message)))
    return lines


def outcome_detail_lines(
    key: tuple[str, str, str], outcome: Any, state: str, user: str, action: str
) -> list[Content]:
    """One WorkSpace's result in the results screen: its call outcome in full."""
    fields: list[Field] = [
        ("WorkSpace", key[2]),
        ("User", user),
        ("Account", key[0]),
        ("Region", key[1]),
        ("Action", action),
        ("State now", state or "?"),
    ]
    if outcome is None:
        fields.append(("Result", "pending: not sent yet"))
    else:
        fields += [
            ("Result", str(outcome.status).upper()),
            ("Error code", outcome.code or ""),
            ("Message", outcome.message or ""),
        ]
    return field_lines(fields)


class TextViewScreen(ModalScreen[None]):
    """A title and lines in a scrollable box; esc/q/enter close it, j/k scroll."""

    BINDINGS = [
        Binding("escape,q,enter", "close", "Back", id="wstui.view.close"),
        Binding("j,down", "scroll('down')", "Down", show=False, id="wstui.view.down"),
        Binding("k,up", "scroll('up')", "Up", show=False, id="wstui.view.up"),
    ]

    def __init__(self, title: str, lines: list[Content]) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.lines = lines

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="view-box", classes="dialog"):
            yield Static(plain(self.title_text, "bold"), classes="dialog-title")
            yield Static(Content("\n").join(self.lines), id="view-text")
            yield Static(Content("esc: back   j/k ↑↓ PgUp PgDn: scroll"), classes="hint")

    def on_mount(self) -> None:
        self.query_one("#view-box").focus()

    def action_scroll(self, direction: str) -> None:
        box = self.query_one("#view-box", VerticalScroll)
        if direction == "down":
            box.scroll_down(animate=False)
        else:
            box.scroll_up(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)

    @property
    def text(self) -> str:
        """The view as plain text (tests, copy)."""
        return "\n".join(line.plain for line in self.lines)
