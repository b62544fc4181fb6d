"""The results screen: sends a confirmed plan in a worker and follows each WorkSpace.

Each row shows a WorkSpace's current state (re-read from the cache twice a second while
the refresher follows those ids) and the outcome of its call, with ErrorCode and
message on failure. `r` re-reads the failed ones and plans them again.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from wstui.core.kinds import WORKSPACES
from wstui.core.progress import SendProgress
from wstui.ui.keymap import PLAN_BINDINGS
from wstui.ui.messages import ActionFinished
from wstui.ui.safe_text import safe_text
from wstui.ui.screens._text import clean
from wstui.ui.screens.header import HeaderBar
from wstui.ui.widgets.list_table import ListTable

TRANSITIONAL = WORKSPACES.transitional  # actions act on WorkSpaces (core.act.specs)
GONE = "gone"  # no longer in the cache: the refresher removed it (terminated, migrated away)
POLL_SECONDS = 0.5
MIN_RESULT = 24  # RESULT's width at least; fixed at mount, never re-measured per update
MAX_ROWS = 1000  # the table lists this many; the summary counts all of them
Key = tuple[str, str, str]


class ResultsScreen(Screen):
    BINDINGS = [b for b in PLAN_BINDINGS if b.action in {"back", "retry_failed"}]

    def __init__(self, plan: Any, kind: Any) -> None:
        super().__init__(classes="results")
        self.plan = plan
        self.kind = kind
        self.keys: list[Key] = [
            (c.account, c.region, i) for c in plan.calls for i in c.ids
        ]
        self.outcomes: dict[str, Any] = {}
        self.states: dict[Key, str] = {}
        self.users: dict[Key, str] = {}  # kept: a terminated row leaves the cache
        self.sent_calls = 0
        self.sending = SendProgress(len(plan.calls))  # calls done / total, ETA
        self.finished = False
        self.followed = False
        self.error: str | None = None
        self.stop_requested = False  # read by the sending worker before each call

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
            targets=self.ctx.targets_text,
            read_only=self.ctx.read_only,
            kind_title=f"{self.plan.spec.title} results",
            age="",
            stale=False,
            error=None,
            activity="",
            marks=0,
        )
        table = self.query_one("#results-table", DataTable)
        table.add_column("WORKSPACE", key="id", width=14)
        table.add_column("USER", key="user", width=14)
        table.add_column("STATE", key="state", width=12)
        # Fixed width: re-measuring every cell of a 1,000-row table on each update cost
        # the UI thread ~1 s per call of a big action, and the sender waits for it.
        # As wide as the terminal leaves (no sideways scroll at 80 columns); a longer
        # failure is shown whole by enter (the detail view).
        used = 14 + 14 + 12 + 2 * 4 + 2  # three columns, cell padding, vertical scrollbar
        table.add_column("RESULT", key="result", width=max(MIN_RESULT, self.app.size.width - used))
        for key in self.keys[:MAX_ROWS]:
            table.add_row(
                safe_text(key[2], max_cells=14), "", "", "pending", key="/".join(key)
            )
        self.poll_states()
        self.set_interval(POLL_SECONDS, self.poll_states)
        self._execute()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry_failed":
            return self.finished and any(o.status == "failed" for o in self.outcomes.values())
        return True

    # -- execution -------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="execute")
    def _execute(self) -> None:
        from wstui.core.act import SendingStopped, execute, follow

        ctx = self.ctx
        worker = get_current_worker()

        def progress(n: int, total: int, result: list) -> None:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._progress, n, result)

        try:
            outcomes = execute(self.plan, ctx.gateway, on_progress=progress,
                               should_stop=lambda: self.stop_requested)  # fmt: skip
        except SendingStopped as exc:
            if not worker.is_cancelled:
                self.app.call_from_thread(self._stopped, exc)
            outcomes = exc.outcomes
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._executed, outcomes)
        follow(ctx.refresher, self.plan, outcomes)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._followed)

    def _followed(self) -> None:
        """The refresher saw every sent WorkSpace leave its transitional state."""
        self.followed = True
        self.poll_states()

    def _progress(self, n: int, result: list) -> None:
        self.sent_calls = n
        self.sending.call_done(n)
        for outcome in result:
            self.outcomes[outcome.id] = outcome
        self._show_outcomes(result)
        self.update_summary()

    def _executed(self, outcomes: list) -> None:
        for outcome in outcomes:
            self.outcomes[outcome.id] = outcome
        self.finished = True
        self._show_outcomes(outcomes)
        self.update_summary()
        self.refresh_bindings()
        self.app.post_message(ActionFinished(self.plan.spec.name, outcomes))

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.finished = self.followed = True
            self.error = f"{type(event.worker.error).__name__}: {event.worker.error}"
            self.update_summary()
            self.notify(clean(self.error), severity="error", timeout=10)

    def _show_outcomes(self, outcomes: list) -> None:
        table = self.query_one("#results-table", DataTable)
        by_id = {k[2]: "/".join(k) for k in self.keys[:MAX_ROWS]}
        for outcome in outcomes:
            row_key = by_id.get(outcome.id)
            if row_key is None:
                continue
            table.update_cell(row_key, "result", outcome_text(outcome))

    # -- following -------------------------------------------------------------------

    def poll_states(self) -> None:
        """Re-read the current state of every planned WorkSpace from the cache."""
        cache, kind = self.ctx.cache, self.kind.name
        table = self.query_one("#results-table", DataTable)
        shown = {"/".join(k) for k in self.keys[:MAX_ROWS]}
        ids = [k[2] for k in self.keys]
        found: set[Key] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            where = f"id IN ({','.join('?' * len(chunk))})"
            for row in cache.query(kind, where=where, params=chunk, limit=len(chunk)):
                key: Key = (row["account"], row["region"], row["id"])
                found.add(key)
                self._set_state(table, shown, key, str(row.get("state") or ""), row.get("user"))
        # The refresher deletes a WorkSpace that came back TERMINATED or is no longer
        # described: absent from the cache means gone, which is settled, not "still
        # TERMINATING" (its last state seen here).
        for key in self.keys:
            if key not in found:
                self._set_state(table, shown, key, self.gone_state, None)
        self.update_summary()

    @property
    def gone_state(self) -> str:
        return "TERMINATED" if self.plan.spec.api == "TerminateWorkspaces" else GONE

    def _set_state(
        self, table: DataTable, shown: set[str], key: Key, state: str, user: Any
    ) -> None:
        if user is not None:
            self.users[key] = str(user)
        if self.states.get(key) == state:
            return
        self.states[key] = state
        row_key = "/".join(key)
        if row_key in shown:
            table.update_cell(row_key, "state", safe_text(state, state_style(state)))
            if user is not None:
                table.update_cell(row_key, "user", safe_text(user, max_cells=14))

    def update_summary(self) -> None:
        counts = Counter(o.status for o in self.outcomes.values())
        states = Counter(self.states.get(k, "?") for k in self.keys)
        moving = sum(n for s, n in states.items() if s in TRANSITIONAL)
        head = f"{self.plan.spec.title}: {len(self.keys):,} WorkSpace(s) in {len(self.plan.calls)} call(s)"
        if not self.finished:
            head += f" — sending {self.sending.line()}"
        parts: list[Content | str | tuple[str, str]] = [(head, "bold"), "\n"]
        parts.append(f"sent {counts.get('sent', 0):,}")
        if counts.get("failed"):
            parts += [" · ", (f"failed {counts['failed']:,}", "bold $error")]
        if counts.get("unknown"):
            parts += [" · ", (f"unknown {counts['unknown']:,}", "bold $warning")]
        parts.append("   now: " + ", ".join(f"{n} {clean(s)}" for s, n in states.most_common(4)))
        if self.followed and moving == 0 and not self.error:
            parts += ["  ", ("✓ settled", "bold $success")]
        elif self.finished and not self.followed:
            parts += ["  ", ("following…", "$secondary")]
        if self.error:
            parts += ["\n", (clean(self.error)[:200], "bold $error")]
        self.query_one("#results-summary", Static).update(Content.assemble(*parts))

    # -- keys --------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#results-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: the full outcome (the RESULT cell is cut at the screen edge)."""
        from wstui.ui.screens.text_view import TextViewScreen, outcome_detail_lines

        parts = str(event.row_key.value or "").split("/", 2)
        if len(parts) != 3:
            return
        key: Key = (parts[0], parts[1], parts[2])
        user = self.users.get(key, "")
        lines = outcome_detail_lines(key, self.outcomes.get(key[2]), self.states.get(key, ""),
                                     user, f"{self.plan.spec.title} ({self.plan.spec.api})")  # fmt: skip
        self.app.push_screen(TextViewScreen(f"{self.plan.spec.title}: {key[2]}", lines))

    def action_back(self) -> None:
        remaining = len(self.plan.calls) - self.sent_calls
        if self.finished or remaining <= 0 or self.stop_requested:
            self.app.pop_screen()
            return
        from wstui.ui.screens.plan import ChoiceScreen

        def chosen(index: int | None) -> None:
            if index == 0:
                self.stop_requested = True  # the worker stops before its next call
                self.notify(f"Stopping: {remaining} call(s) will not be sent")

        self.app.push_screen(ChoiceScreen(
            f"Stop sending the remaining {remaining} call(s)?",
            ("Stop sending (calls already sent stay sent)", "Keep sending"),
        ), chosen)  # fmt: skip

    def _stopped(self, exc: Any) -> None:
        """Sending stopped part-way: say exactly what was and was not sent."""
        for outcome in exc.outcomes:
            self.outcomes[outcome.id] = outcome
        self._show_outcomes(exc.outcomes)
        table = self.query_one("#results-table", DataTable)
        shown = {k[2]: "/".join(k) for k in self.keys[:MAX_ROWS]}
        for wid in exc.not_sent:
            if wid in shown:
                table.update_cell(shown[wid], "result", safe_text("NOT SENT", "yellow"))
        self.error = f"{exc.reason}: {len(exc.not_sent)} WorkSpace(s) not sent"
        self.update_summary()

    def action_retry_failed(self) -> None:
        failed = [k for k in self.keys if getattr(self.outcomes.get(k[2]), "status", "") == "failed"]
        if not failed:
            self.notify("Nothing failed")
            return
        self.app.retry_failed(self, failed)  # type: ignore[attr-defined]  # WstuiApp


# DataTable parses str cells as markup, so every cell is a Rich Text built by safe_text.
def outcome_text(outcome: Any) -> Text:
    if outcome.status == "sent":
        return safe_text("sent" + (f" {outcome.message}" if outcome.message else ""), "green")
    text = f"{outcome.status.upper()} {outcome.code}: {outcome.message}"
    return safe_text(text, "bold red" if outcome.status == "failed" else "yellow", max_cells=300)


def state_style(state: str) -> str:
    if state == "AVAILABLE":
        return "green"
    if state in TRANSITIONAL:
        return "yellow"
    if state in {"ERROR", "UNHEALTHY", "IMPAIRED"}:
        return "red"
    return ""
