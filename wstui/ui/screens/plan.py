"""The plan modal: what a mutation will do, before anything is sent.

Shows the eligible count, skipped counts with reasons, marked rows hidden by the
filter, and the API calls by (account, region). Destructive actions also list WHICH
WorkSpaces (id, user, computer name, region) in a scrollable table, and need the
eligible count typed into a digits-only input that ignores paste, then a separate Enter.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, OptionList, Static
from textual.widgets.option_list import Option

from wstui.ui.keymap import PLAN_BINDINGS
from wstui.ui.safe_text import safe_text
from wstui.ui.screens._text import clean
from wstui.ui.widgets.list_table import ListTable

# The target list of a destructive plan holds at most this many rows (a DataTable of
# 100,000 rows is slow to build); the line above it says how many more there are.
MAX_LISTED = 1000
TARGET_COLUMNS = (("WORKSPACE", 14), ("USER", 18), ("COMPUTER", 16), ("REGION", 14))


class NoPasteInput(Input):
    """An Input that ignores pasted text, so a confirmation must be typed."""

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # Input's own paste handler is not run
        self.app.bell()


def plan_lines(plan: Any) -> list[Content]:
    """The plan as lines of plain text with styles (no markup from the data)."""
    spec = plan.spec
    n = len(plan.eligible)
    lines = [
        Content.assemble(
            (f"{n:,}", "bold $success" if n else "bold $error"),
            f" eligible for {spec.title.lower()}",
            (f"  ({spec.api})", "$text-muted"),
        )
    ]
    if plan.params:
        lines.append(
            Content("parameters: " + ", ".join(f"{k}={clean(v)}" for k, v in plan.params.items()))
        )
    for reason in plan.skipped_summary():
        lines.append(Content.assemble(("skipped ", "$warning"), clean(reason)))
    if plan.hidden:
        lines.append(
            Content.styled(
                f"{plan.hidden:,} marked row(s) hidden by the current filter (included above)",
                "bold $warning",
            )
        )
    if plan.calls:
        lines.append(Content.styled("API calls by account/region:", "bold"))
        for (account, region), ids in plan.groups.items():
            calls = sum(1 for c in plan.calls if (c.account, c.region) == (account, region))
            lines.append(
                Content(
                    f"  {clean(account) or '?'}/{clean(region)}: "
                    f"{calls} call(s), {len(ids):,} WorkSpace(s)"
                )
            )
    if spec.destructive:
        lines.append(
            Content.styled(f"DESTRUCTIVE: {spec.note or 'cannot be undone'}", "bold $error")
        )
    return lines


def target_rows(plan: Any, rows: list[dict] | None) -> list[tuple[Text, ...]]:
    """(id, user, computer, region) cells of the plan's eligible WorkSpaces, in call order.

    Rich Text from safe_text: DataTable would parse str cells as markup, and user and
    computer names are API data.
    """
    by_key = {
        (str(r.get("account", "")), str(r.get("region", "")), str(r.get("id", ""))): r
        for r in rows or ()
    }
    out: list[tuple[Text, ...]] = []
    for call in plan.calls:
        for wid in call.ids:
            if len(out) >= MAX_LISTED:
                return out
            row = by_key.get((call.account, call.region, wid), {})
            values = (wid, row.get("user"), row.get("computer"), call.region)
            out.append(tuple(
                safe_text(v, max_cells=w) for v, (_, w) in zip(values, TARGET_COLUMNS, strict=True)
            ))  # fmt: skip
    return out


class PlanScreen(ModalScreen[bool]):
    """Dismisses with True to execute the plan, False to cancel."""

    BINDINGS = [
        *(b for b in PLAN_BINDINGS if b.action in {"confirm", "cancel"}),
        # The typed-count box keeps focus; these keys (unused by an Input) scroll the
        # target list under it, so reading the list never moves focus off the box.
        Binding("down", "scroll_targets('down')", show=False),
        Binding("up", "scroll_targets('up')", show=False),
        Binding("pagedown", "scroll_targets('page_down')", show=False),
        Binding("pageup", "scroll_targets('page_up')", show=False),
    ]

    def __init__(self, plan: Any, rows: list[dict] | None = None) -> None:
        super().__init__(classes="modal")
        self.plan = plan
        self.rows = rows
        self.count = len(plan.eligible)
        self.destructive = bool(plan.spec.destructive)

    def compose(self) -> ComposeResult:
        listed = self.destructive and self.count > 0
        with Vertical(id="plan-box", classes="dialog" + (" listed" if listed else "")):
            yield Static(
                Content.styled(f"Plan: {self.plan.spec.title}", "bold"), classes="dialog-title"
            )
            with VerticalScroll(id="plan-body"):
                for line in plan_lines(self.plan):
                    yield Static(line, classes="plan-line")
            if listed:
                more = self.count - MAX_LISTED
                yield Static(
                    Content.assemble(
                        (f"{self.plan.spec.title} these {self.count:,} WorkSpace(s)", "bold"),
                        (f" (first {MAX_LISTED:,}; {more:,} more)" if more > 0 else "", "$warning"),
                        ("  ↑↓ PgUp PgDn scroll", "$text-muted"),
                    ),
                    id="plan-targets-title",
                )
                yield ListTable(id="plan-targets", cursor_type="row", zebra_stripes=True)
            if self.count == 0:
                yield Static("Nothing to do. esc to go back.", id="plan-hint")
            elif self.destructive:
                yield Static(
                    f"Type {self.count} and press Enter to confirm, esc to cancel.",
                    id="plan-hint",
                )
                yield NoPasteInput(
                    placeholder=f"type {self.count}",
                    restrict=r"[0-9]*",
                    max_length=len(str(self.count)) + 2,
                    id="confirm-count",
                )
            else:
                yield Static(
                    f"Enter or y: send to {self.count:,} WorkSpace(s).  esc: cancel.",
                    id="plan-hint",
                )

    def on_mount(self) -> None:
        if self.destructive and self.count:
            table = self.query_one("#plan-targets", DataTable)
            for title, width in TARGET_COLUMNS:
                table.add_column(title, width=width)
            table.add_rows(target_rows(self.plan, self.rows))
            self.query_one("#confirm-count", Input).focus()

    def action_scroll_targets(self, how: str) -> None:
        tables = self.query("#plan-targets").results(DataTable)
        table = next(iter(tables), None)
        if table is None:
            return
        move = {"up": table.action_cursor_up, "down": table.action_cursor_down,
                "page_up": table.action_page_up, "page_down": table.action_page_down}  # fmt: skip
        move[how]()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Destructive plans confirm only through the typed count.
        return not (action == "confirm" and (self.destructive or self.count == 0))

    def action_cancel(self) -> None:
        self.dismiss(False)

    def action_confirm(self) -> None:
        if self.count and not self.destructive:
            self.dismiss(True)

    @on(Input.Submitted, "#confirm-count")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() == str(self.count):
            self.dismiss(True)
        else:
            event.input.value = ""
            self.query_one("#plan-hint", Static).update(
                Content.styled(
                    f"That is not {self.count}. Type {self.count} and press Enter, or esc.",
                    "bold $error",
                )
            )


class ChoiceScreen(ModalScreen[int | None]):
    """Pick one of several labelled values (running mode, bundle, ...); dismisses with
    the chosen index, or None on esc. Labels are plain text (they may carry API data)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="wstui.choice.cancel")]

    def __init__(self, title: str, choices: tuple[str, ...]) -> None:
        super().__init__(classes="modal")
        self.title_text = title
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="choice-box"):
            yield Static(Content.styled(self.title_text, "bold"), classes="dialog-title")
            # Content(c), not c: a plain str would be parsed as markup.
            yield OptionList(
                *(Option(Content(clean(c)), id=str(i)) for i, c in enumerate(self.choices)),
                id="choices",
            )
            yield Static(Content("Enter: choose   esc: cancel"), classes="hint")

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)
