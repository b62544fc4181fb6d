"""Create WorkSpaces from a CSV file (`o` then `V` on the WorkSpaces screen).

Type the file's path and press Enter: every row is checked (`core.act.create_csv.read_rows`)
and each problem is listed with its line and column; nothing can be sent until there are
none. ctrl+s shows the plan (rows, calls of 25, target), `y` sends it in a worker, and
the table then shows each row's answer: PENDING with the new WorkSpace id, or FAILED with
the service's code and message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from wstui.core.act import create_csv as cc
from wstui.core.kinds import WORKSPACES
from wstui.core.progress import SendProgress
from wstui.ui.screens._text import clean, short
from wstui.ui.screens.form import refresh_after, target_label
from wstui.ui.widgets.list_table import ListTable
from wstui.ui.workers import ReportsFailedWorkers

MAX_SHOWN_PROBLEMS = 50


class ConfirmCsv(ModalScreen[bool]):
    BINDINGS = [
        Binding("y,enter", "confirm", "Send", id="wstui.csv.confirm"),
        Binding("n,escape", "cancel", "Back", id="wstui.csv.confirm_cancel"),
    ]

    def __init__(self, text: str) -> None:
        super().__init__(classes="operation-confirm")
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled("Send CreateWorkspaces?", "bold"), classes="dialog-title")
            yield Static(Content(clean(self.text)))
            yield Static(Content.styled("y / enter: send    n / esc: back", "$text-muted"))

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class CsvCreateScreen(ReportsFailedWorkers, ModalScreen[None]):
    BINDINGS = [
        Binding("ctrl+s", "submit", "Send", id="wstui.csv.submit", priority=True),
        Binding("escape", "close", "Close", id="wstui.csv.close"),
    ]
    DEFAULT_CSS = """
    CsvCreateScreen .dialog { width: 110; }
    CsvCreateScreen #csv-problems { color: $error; max-height: 14; }
    CsvCreateScreen DataTable { height: auto; max-height: 16; }
    """

    def __init__(self, target: Any, path: str = "") -> None:
        super().__init__(classes="csv-create")
        self.target = target
        self.initial_path = path
        self.plan: cc.CsvPlan | None = None
        self.outcomes: list[cc.RowOutcome] = []
        self.sending = False

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled("Create WorkSpaces from a CSV file", "bold"), classes="dialog-title")
            yield Static(Content(f"target {clean(target_label(self.target))}"))
            yield Static(Content.styled(
                "columns: " + ", ".join(cc.REQUIRED) + " (required), " + ", ".join(cc.OPTIONAL)
                + " (Tags as k=v;k2=v2)", "$text-muted"))  # fmt: skip
            yield Input(value=self.initial_path, placeholder="path to the CSV file", id="csv-path")
            yield Static(id="csv-problems")
            yield Static(id="csv-plan")
            yield ListTable(id="csv-results", cursor_type="row")
            hint = "enter: check the file    ctrl+s: send    esc: close"
            yield Static(Content.styled(hint, "$text-muted"))

    def on_mount(self) -> None:
        self.query_one("#csv-results", DataTable).add_columns("LINE", "USER", "DIRECTORY", "RESULT",
                                                              "WORKSPACE / ERROR")  # fmt: skip
        self.query_one("#csv-path", Input).focus()

    # -- check ---------------------------------------------------------------------------
    @on(Input.Submitted, "#csv-path")
    def _path_entered(self) -> None:
        self.check()

    def check(self) -> cc.CsvPlan | None:
        path = self.query_one("#csv-path", Input).value.strip()
        problems = self.query_one("#csv-problems", Static)
        plan_line = self.query_one("#csv-plan", Static)
        self.plan = None
        plan_line.update("")
        try:
            data = Path(path).expanduser().read_bytes()
        except OSError as exc:
            problems.update(Content(f"✗ cannot read {short(path)}: {short(exc.strerror or exc)}"))
            return None
        plan = cc.read_rows(data)
        if plan.problems:
            lines = [f"✗ {clean(p)}" for p in plan.problems[:MAX_SHOWN_PROBLEMS]]
            if len(plan.problems) > MAX_SHOWN_PROBLEMS:
                lines.append(f"… and {len(plan.problems) - MAX_SHOWN_PROBLEMS} more")
            title = Content.styled(f"Not sendable: {len(plan.problems)} problem(s)", "bold $error")
            problems.update(Content("\n").join([title, *(Content(x) for x in lines)]))
            return None
        problems.update("")
        self.plan = plan
        plan_line.update(Content.styled(self.plan_text(plan), "bold"))
        return plan

    @staticmethod
    def plan_text(plan: cc.CsvPlan) -> str:
        batches = plan.batches()
        sizes = ", ".join(str(len(b)) for b in batches)
        return f"{len(plan.rows)} WorkSpace(s) in {len(batches)} call(s) of CreateWorkspaces ({sizes})"

    # -- send ----------------------------------------------------------------------------
    def action_submit(self) -> None:
        if self.sending:
            return
        plan = self.check()
        if plan is None:
            return
        if self.ctx.read_only or self.ctx.clients is None:
            why = "read-only mode" if self.ctx.read_only else "no AWS clients (cache only)"
            self.query_one("#csv-problems", Static).update(Content(f"✗ {why}: nothing sent"))
            return

        def decided(ok: bool | None) -> None:
            if ok:
                self.sending = True
                self._send(plan)

        text = f"{self.plan_text(plan)}\nto {target_label(self.target)}"
        self.app.push_screen(ConfirmCsv(text), decided)

    @work(thread=True, exclusive=True, exit_on_error=False, group="csv-create")
    def _send(self, plan: cc.CsvPlan) -> None:
        ctx = self.ctx
        calls = SendProgress(len(plan.batches()))
        rows = [0]

        def batch(outcomes: list[cc.RowOutcome]) -> None:
            rows[0] = len(outcomes)

        def call(done: int, total: int) -> None:
            calls.total = total  # fewer than planned when rows were created earlier
            calls.call_done(done)
            self.app.call_from_thread(self._progress, rows[0], len(plan.rows), calls.line())

        try:
            outcomes = cc.send_rows(plan, ctx.gateway, self.target, on_batch=batch, on_call=call)
        except Exception as exc:  # read-only, audit failure: say exactly what went out
            report = getattr(exc, "report", None)
            text = "\n".join(report()) if callable(report) else f"{type(exc).__name__}: {exc}"
            self.app.call_from_thread(self._failed, text)
            return
        self.app.call_from_thread(self._done, outcomes)

    def _progress(self, done: int, total: int, calls: str) -> None:
        self.query_one("#csv-plan", Static).update(
            Content(f"sent {done} of {total} row(s)… {calls}")
        )

    def _failed(self, message: str) -> None:
        self.sending = False
        lines = [clean(line) for line in message.splitlines()]
        self.query_one("#csv-problems", Static).update(Content("✗ " + "\n".join(lines)))

    def _done(self, outcomes: list[cc.RowOutcome]) -> None:
        self.sending = False
        self.outcomes = outcomes
        table = self.query_one("#csv-results", DataTable)
        table.clear()
        for o in outcomes:
            detail = o.workspace_id if o.status == "pending" else f"{o.code}: {o.message}"
            # Text, not str: DataTable reads str cells as markup; these come from the file.
            table.add_row(str(o.line), Text(clean(o.user)[:24]), Text(clean(o.directory)),
                          o.status.upper(), Text(clean(detail)[:60]))  # fmt: skip
        counts = cc.summary(outcomes)
        style = "bold $success" if counts["pending"] == len(outcomes) else "bold $warning"
        self.query_one("#csv-plan", Static).update(Content.styled(
            f"{counts['pending']} pending, {counts['failed']} failed, {counts['unknown']} unknown", style))  # fmt: skip
        if counts["pending"]:
            refresh_after(self.app, WORKSPACES.name)

    def action_close(self) -> None:
        if not self.sending:
            self.dismiss(None)
