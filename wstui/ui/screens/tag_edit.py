"""Bulk tag edit (key `T`): editor -> plan -> confirm -> send through the gateway -> results.

The editor takes tags to set (`Key=Value, ...`) and keys to remove; `core.act.tags`
parses and plans them over the marked rows (or the cursor row). The plan lists which
resources get which change and which are refused (protect tag) or skipped; the results
screen sends each resource's CreateTags / DeleteTags through the gateway (audited like
every mutation), then re-reads the sent resources' tags into the cache.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Static
from textual.worker import get_current_worker

from wstui.core.act.tags import TagEdit, TagEditError, TagPlan, parse_edit, plan_tags
from wstui.ui.keymap import PLAN_BINDINGS
from wstui.ui.safe_text import safe_text
from wstui.ui.screens._text import clean
from wstui.ui.screens.header import HeaderBar
from wstui.ui.widgets.list_table import ListTable
from wstui.ui.workers import ReportsFailedWorkers

PLAN_COLUMNS = (("RESOURCE", 15), ("NAME", 16), ("CHANGES", 32))  # 69 cells with padding: fits at 80
MAX_REFUSED_SHOWN = 5


def start_tag_edit(screen: Any) -> None:
    """Open the editor for the screen's marked rows (or its cursor row)."""
    app = screen.app
    ctx = app.ctx
    if ctx.read_only:
        screen.notify("Read-only mode: Edit tags refused", severity="warning")
        return
    if not screen.kind.tag_editable:
        screen.notify(f"{screen.kind.title} are not a resource type CreateTags takes "
                      "(API Reference)", severity="warning")  # fmt: skip
        return
    rows, hidden = screen.target_rows()
    if not rows:
        screen.notify("Nothing to tag: mark rows or move the cursor to one", severity="warning")
        return
    kind = screen.kind

    def edited(edit: TagEdit | None) -> None:
        if edit is None:
            return
        scope = ctx.gateway.scope if ctx.clients is not None else None
        the_plan = plan_tags(kind.name, rows, edit, hidden=hidden,
                             protect_tag=ctx.gateway.protect_tag, scope=scope)  # fmt: skip

        def decided(ok: bool | None) -> None:
            if ok:
                sent = {(c.account, c.region, c.id) for c in the_plan.changes}
                screen.table.unmark(sent)
                app.push_screen(TagResultsScreen(the_plan, kind))

        app.push_screen(TagPlanScreen(the_plan, kind), decided)

    app.push_screen(TagEditorScreen(kind, len(rows)), edited)


class TagEditorScreen(ModalScreen[TagEdit | None]):
    """Two fields: tags to set, keys to remove. Enter plans; a bad entry is explained."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="wstui.tags.cancel")]
    AUTO_FOCUS = "#tag-set"

    def __init__(self, kind: Any, count: int) -> None:
        super().__init__(classes="modal")
        self.kind = kind
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="tag-box"):
            yield Static(
                Content.styled(f"Edit tags of {self.count:,} {self.kind.title}", "bold"),
                classes="dialog-title",
            )
            yield Static("Set (add or replace):", classes="field-label")
            yield Input(placeholder="Key=Value, Key2=Value2", id="tag-set")
            yield Static("Remove keys:", classes="field-label")
            yield Input(placeholder="Key, Key2", id="tag-remove")
            yield Static("", id="tag-error")
            yield Static(
                Content("Enter: plan   Tab: next field   esc: cancel   (a comma separates tags)"),
                classes="hint",
            )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            edit = parse_edit(
                self.query_one("#tag-set", Input).value, self.query_one("#tag-remove", Input).value
            )
        except TagEditError as exc:
            self.query_one("#tag-error", Static).update(
                Content.styled(clean(str(exc)), "bold $error")
            )
            return
        self.dismiss(edit)

    def action_cancel(self) -> None:
        self.dismiss(None)


def tag_plan_lines(plan: TagPlan, title: str) -> list[Content]:
    n = len(plan.changes)
    lines = [
        Content.assemble(
            (f"{n:,}", "bold $success" if n else "bold $error"),
            f" {title} to change in {plan.calls:,} call(s)",
            ("  (CreateTags / DeleteTags)", "$text-muted"),
        ),
        Content("edit: " + clean(plan.edit.describe())),
    ]
    for skip in plan.refused()[:MAX_REFUSED_SHOWN]:
        lines.append(Content.assemble(("refused ", "bold $error"),
                                      f"{clean(skip.id)}: {clean(skip.reason)}"))  # fmt: skip
    more = len(plan.refused()) - MAX_REFUSED_SHOWN
    if more > 0:
        lines.append(Content.styled(f"refused {more:,} more (protected)", "bold $error"))
    for reason in plan.skipped_summary():
        if not reason.split(" ", 1)[1].startswith("protected"):
            lines.append(Content.assemble(("skipped ", "$warning"), clean(reason)))
    if plan.hidden:
        lines.append(Content.styled(
            f"{plan.hidden:,} marked row(s) hidden by the current filter (included above)",
            "bold $warning",
        ))  # fmt: skip
    return lines


class TagPlanScreen(ModalScreen[bool]):
    """What the tag edit will send, per resource; Enter/y sends, esc cancels."""

    BINDINGS = [
        *(b for b in PLAN_BINDINGS if b.action in {"confirm", "cancel"}),
        Binding("down,j", "scroll_targets('down')", show=False),
        Binding("up,k", "scroll_targets('up')", show=False),
        Binding("pagedown", "scroll_targets('page_down')", show=False),
        Binding("pageup", "scroll_targets('page_up')", show=False),
    ]

    def __init__(self, plan: TagPlan, kind: Any) -> None:
        super().__init__(classes="modal")
        self.plan = plan
        self.kind = kind

    def compose(self) -> ComposeResult:
        with Vertical(id="plan-box", classes="dialog listed"):
            yield Static(Content.styled("Plan: edit tags", "bold"), classes="dialog-title")
            with VerticalScroll(id="plan-body"):
                for line in tag_plan_lines(self.plan, self.kind.title):
                    yield Static(line, classes="plan-line")
            yield ListTable(id="plan-targets", cursor_type="row", zebra_stripes=True)
            n = len(self.plan.changes)
            hint = (f"Enter or y: send to {n:,} resource(s).  esc: cancel." if n
                    else "Nothing to do. esc to go back.")  # fmt: skip
            yield Static(hint, id="plan-hint")

    def on_mount(self) -> None:
        table = self.query_one("#plan-targets", DataTable)
        for title, width in PLAN_COLUMNS:
            table.add_column(title, width=width)
        for c in self.plan.changes[:1000]:
            table.add_row(safe_text(c.id, max_cells=15), safe_text(c.name, max_cells=16),
                          safe_text(c.describe(), max_cells=PLAN_COLUMNS[2][1]))  # fmt: skip
        # Not focusable: Enter must confirm, not select a row; the screen's keys scroll it.
        table.can_focus = False

    def action_scroll_targets(self, how: str) -> None:
        table = self.query_one("#plan-targets", DataTable)
        move = {"up": table.action_cursor_up, "down": table.action_cursor_down,
                "page_up": table.action_page_up, "page_down": table.action_page_down}  # fmt: skip
        move[how]()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "confirm" and not self.plan.changes)

    def action_confirm(self) -> None:
        if self.plan.changes:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class TagResultsScreen(ReportsFailedWorkers, Screen):
    """Sends the plan in a worker; one row per resource with its outcome."""

    BINDINGS = [b for b in PLAN_BINDINGS if b.action == "back"]

    def __init__(self, plan: TagPlan, kind: Any) -> None:
        super().__init__(classes="results")
        self.plan = plan
        self.kind = kind
        self.results: dict[str, Any] = {}  # id -> Outcome
        self.finished = False
        self.error: str | None = None

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield HeaderBar(id="header")
        yield Static(id="results-summary")
        yield ListTable(id="results-table", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(HeaderBar).show(
            targets=self.ctx.targets_text, read_only=self.ctx.read_only,
            kind_title=f"{self.kind.title} tag edit", age="", stale=False, error=None,
            activity="", marks=0,
        )  # fmt: skip
        table = self.query_one("#results-table", DataTable)
        table.add_column("RESOURCE", key="id", width=16)
        table.add_column("CHANGES", key="changes", width=24)
        table.add_column("RESULT", key="result", width=200)
        for c in self.plan.changes:
            table.add_row(safe_text(c.id, max_cells=16), safe_text(c.describe(), max_cells=24),
                          "pending", key=_key(c))  # fmt: skip
        self.update_summary()
        self._send()

    @work(thread=True, exit_on_error=False, group="tags")
    def _send(self) -> None:
        from wstui.core.act.tags import send_tags

        ctx = self.ctx
        worker = get_current_worker()

        def progress(n: int, total: int, result: Any) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._progress, result)

        try:
            results = send_tags(self.plan, ctx.gateway, on_progress=progress,
                                should_stop=lambda: worker.is_cancelled)  # fmt: skip
        except Exception as exc:  # ReadOnlyError, SendingStopped: say it, never a traceback
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, f"{type(exc).__name__}: {exc}")
            return
        sent = [r.change for r in results if any(o.status == "sent" for o in r.outcomes)]
        if sent and ctx.refresher is not None:
            by_target: dict[tuple[str, str], list[str]] = {}
            for c in sent:
                by_target.setdefault((c.account, c.region), []).append(c.id)
            for (account, region), ids in by_target.items():
                try:
                    target = ctx.gateway.scope.target(account, region)
                    ctx.refresher.refresh_tags(self.kind.name, target, ids)
                except Exception:  # the kind's next listing reads them
                    continue
        if not worker.is_cancelled:
            self.app.call_from_thread(self._done)

    def _progress(self, result: Any) -> None:
        from wstui.ui.screens.results import outcome_text

        outcome = result.outcome()
        self.results[outcome.id] = outcome
        table = self.query_one("#results-table", DataTable)
        table.update_cell(_key(result.change), "result", outcome_text(outcome))
        self.update_summary()

    def _done(self) -> None:
        self.finished = True
        self.update_summary()

    def _failed(self, text: str) -> None:
        self.finished = True
        self.error = text
        self.update_summary()
        self.notify(clean(text), severity="error", timeout=10)

    def update_summary(self) -> None:
        counts = Counter(o.status for o in self.results.values())
        n = len(self.plan.changes)
        head = f"Edit tags: {n:,} {self.kind.title}"
        head += " — done, tags re-read" if self.finished and not self.error else f" — sending {len(self.results)}/{n}"  # fmt: skip
        parts: list[Any] = [(head, "bold"), "\n", f"sent {counts.get('sent', 0):,}"]
        for status, style in (("failed", "bold $error"), ("refused", "bold $error"),
                              ("unknown", "bold $warning")):  # fmt: skip
            if counts.get(status):
                parts += [" · ", (f"{status} {counts[status]:,}", style)]
        if self.error:
            parts += ["\n", (clean(self.error)[:200], "bold $error")]
        self.query_one("#results-summary", Static).update(Content.assemble(*parts))

    @on(DataTable.RowSelected, "#results-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        from wstui.ui.screens.text_view import TextViewScreen, outcome_detail_lines

        parts = str(event.row_key.value or "").split("/", 2)
        if len(parts) != 3:
            return
        key = (parts[0], parts[1], parts[2])
        lines = outcome_detail_lines(key, self.results.get(key[2]), "", "",
                                     "Edit tags (CreateTags / DeleteTags)")  # fmt: skip
        self.app.push_screen(TextViewScreen(f"Edit tags: {key[2]}", lines))

    def action_back(self) -> None:
        self.app.pop_screen()


def _key(change: Any) -> str:
    return f"{change.account}/{change.region}/{change.id}"
