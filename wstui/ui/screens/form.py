"""A form for any WorkSpaces operation, built from the service model.

One input per field of `core.act.forms(op)`, prefilled from the cursor row.
`ctrl+s` validates (model patterns and lengths, the reference's FQDN / account / CIDR /
tag rules), checks what the cache says the service would refuse (`preflight`), asks for
confirmation when the call mutates, then sends it in a worker through the audited
`operations.send`. AWS errors are shown with their code and message; the form stays
open with everything typed, so a failed call loses nothing.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from wstui.core import act
from wstui.core.act import ops
from wstui.core.validate import validate
from wstui.ui.messages import CacheChanged
from wstui.ui.screens._fit import fit_scroll
from wstui.ui.screens._text import clean, multiline
from wstui.ui.workers import ReportsFailedWorkers

FORM_BINDINGS = [
    Binding("ctrl+s", "submit", "Send", id="wstui.form.submit", priority=True),
    # On an id field: pick from the cached rows of its kind (wstui.ui.screens.picker).
    Binding("ctrl+o,f4", "pick", "Pick id", id="wstui.form.pick", priority=True),
    Binding("escape", "cancel", "Close", id="wstui.form.cancel"),
]
MAX_PROBLEMS = 6  # lines of problems above the fields; the rest are counted
CONFIRM_BINDINGS = [
    Binding("y,enter", "confirm", "Send", id="wstui.form.confirm"),
    Binding("n,escape", "cancel", "Cancel", id="wstui.form.confirm_cancel"),
]


def target_label(target: Any) -> str:
    account = getattr(target, "account", "") or "?"
    return f"{account}/{getattr(target, 'region', '?')}"


class ConfirmOperation(ModalScreen[bool]):
    """The request as it will be sent, and to where; y/enter sends, n/esc cancels.

    A destructive operation is confirmed only by typing the resource's id (or its name)
    into an input that ignores paste, like the bulk plan's typed count.
    """

    BINDINGS: ClassVar[list[BindingType]] = [*CONFIRM_BINDINGS]

    def __init__(self, op: ops.Operation, target: Any, request: dict, row: dict | None = None) -> None:
        super().__init__(classes="operation-confirm")
        self.op, self.target, self.request = op, target, request
        self.accepted = ops.confirm_words(op, request, row)

    @property
    def typed(self) -> bool:
        return self.op.destructive

    def compose(self) -> ComposeResult:
        from wstui.ui.screens.plan import NoPasteInput

        with Vertical(classes="dialog"):
            yield Static(Content.styled(f"Send {self.op.name}?", "bold"), classes="dialog-title")
            yield Static(Content(f"to {clean(target_label(self.target))}"))
            body = json.dumps(self.request, indent=2, default=lambda v: f"<{len(v)} bytes>")
            yield Static(multiline(body), id="confirm-request")
            if not self.typed:
                yield Static(Content.styled("y / enter: send    n / esc: back to the form",
                                            "$text-muted"))  # fmt: skip
                return
            yield Static(Content.styled("DESTRUCTIVE: this cannot be undone", "bold $error"))
            names = " or ".join(clean(w) for w in self.accepted[:2])
            yield Static(Content(f"Type {names} and press Enter to confirm; esc: back to the form"),
                         id="confirm-hint")  # fmt: skip
            yield NoPasteInput(placeholder=f"type {clean(self.accepted[0])}", id="confirm-typed")

    def on_mount(self) -> None:
        if self.typed:
            self.query_one("#confirm-typed", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # A destructive operation is confirmed only through the typed id.
        return not (action == "confirm" and self.typed)

    @on(Input.Submitted, "#confirm-typed")
    def _typed(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip() in self.accepted:
            self.dismiss(True)
            return
        event.input.value = ""
        self.query_one("#confirm-hint", Static).update(Content.styled(
            f"That is not {clean(self.accepted[0])}. Type it and press Enter, or esc.", "bold $error"))  # fmt: skip

    def action_confirm(self) -> None:
        if not self.typed:
            self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class FormScreen(ReportsFailedWorkers, ModalScreen["act.Result | None"]):
    """Dismisses with the Result of a successful mutation, or None when closed."""

    BINDINGS: ClassVar[list[BindingType]] = [*FORM_BINDINGS]
    def __init__(
        self, op: ops.Operation | str, target: Any, row: dict | None = None, screen: str = "",
        values: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(classes="operation-form")
        self.op = ops.resolve(op) if isinstance(op, str) else op
        self.target = target
        self.row = row
        self.screen_name = screen
        self.fields = act.fields(self.op)
        self.initial = {**act.prefill(self.op, screen, row), **(values or {})}
        self.last_result: act.Result | None = None
        self.sending = False

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="form-box"):
            title = f"{self.op.title}  ({self.op.name})"
            yield Static(Content.styled(title, "bold"), classes="dialog-title", id="form-title")
            yield Static(Content(f"target {clean(target_label(self.target))}"), id="form-target")
            # Above the fields, outside their scroll: a refusal is seen without scrolling.
            problems = Static(id="form-problems")
            problems.display = False
            yield problems
            with VerticalScroll(id="form-body"):
                yield Static(id="form-result", classes="empty")
                if not self.fields:
                    yield Static("This operation takes no parameters.")
                for i, f in enumerate(self.fields):
                    mark = " *" if f.required else ""
                    yield Static(Content.assemble((f.name, "bold"), mark), classes="field-label")
                    hint = f.syntax
                    if f.pick_kind(self.screen_name):
                        hint = f"{hint}  " if hint else ""
                        hint += f"ctrl+o/F4: pick from the cached {f.pick_kind(self.screen_name)}"
                    if hint:
                        yield Static(Content(clean(hint)), classes="field-hint")
                    yield Input(
                        value=self.initial.get(f.name, ""), id=f"field-{i}",
                        placeholder=clean(f.doc[:80]) if f.doc else f.type,
                        select_on_focus=False,  # typing adds to a prefilled value
                    )  # fmt: skip
            hint = "ctrl+s: send  esc: close  tab: next  ctrl+o: pick id  pgup/pgdn  * required"
            yield Static(Content.styled(hint, "$text-muted"), id="form-hint")

    def on_mount(self) -> None:
        first = next(iter(self.query(Input)), None)
        if first is not None:
            first.cursor_position = len(first.value)
            self.set_focus(first)
        self.warn_early()
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self, show_focused: bool = True) -> None:
        if not self.is_attached or not self.query("#form-box"):
            return  # dismissed before the deferred fit ran
        fit_scroll(self.query_one("#form-box"), self.query_one("#form-body"))
        focused = self.focused
        if show_focused and isinstance(focused, Input):  # the field typed in stays in view
            self.call_after_refresh(focused.scroll_visible, animate=False)

    def warn_early(self) -> None:
        """Say what the service would refuse before anything is typed or sent."""
        if self.row is None or not self.op.mutates:
            return
        try:
            request = act.build_request(self.op, self.initial)
        except ops.OperationError:
            return
        refusal = ops.preflight(self.op, self.row, request, self.ctx.cache)
        if refusal:
            self.show_problems([refusal], f"The service would refuse {self.op.name} now:")

    # -- values -----------------------------------------------------------------------
    def values(self) -> dict[str, str]:
        return {f.name: self.query_one(f"#field-{i}", Input).value for i, f in enumerate(self.fields)}

    def set_value(self, name: str, value: str) -> None:
        i = next(i for i, f in enumerate(self.fields) if f.name == name)
        self.query_one(f"#field-{i}", Input).value = value

    def action_pick(self) -> None:
        """Open the picker for the focused field, if its value is an id of a cached kind."""
        focused = self.focused
        if not isinstance(focused, Input) or not (focused.id or "").startswith("field-"):
            return
        f = self.fields[int(str(focused.id)[len("field-"):])]
        kind = f.pick_kind(self.screen_name)
        if kind is None:
            self.notify(f"{f.name} takes no id of a listed kind: type it", severity="warning")
            return
        from wstui.ui.screens.picker import PickerScreen

        account = str(getattr(self.target, "account", "") or "")
        region = str(getattr(self.target, "region", "") or "")

        def picked(value: str | None) -> None:
            if not value:
                return
            if f.type == "list":  # GroupIds, ...: add to the ids already there
                have = [v.strip() for v in focused.value.split(",") if v.strip()]
                focused.value = ", ".join(have if value in have else [*have, value])
            else:
                focused.value = value
            focused.cursor_position = len(focused.value)
            self.set_focus(focused)

        self.app.push_screen(PickerScreen(self.ctx.cache, kind, account, region, f.name), picked)

    def show_problems(self, lines: list[str], title: str = "") -> None:
        parts: list[Content] = []
        if title:
            parts.append(Content.styled(title, "bold $error"))
        shown = lines if len(lines) <= MAX_PROBLEMS else lines[: MAX_PROBLEMS - 1]
        parts += [Content(f"✗ {clean(line)}") for line in shown]
        if len(shown) < len(lines):
            parts.append(Content(f"✗ … and {len(lines) - len(shown)} more"))
        box = self.query_one("#form-problems", Static)
        box.update(Content("\n").join(parts))
        box.display = bool(parts)
        self.call_after_refresh(self._fit)

    def show_result(self, body: Content | str) -> None:
        """The call's answer at the top of the scrolling part, scrolled into view."""
        out = self.query_one("#form-result", Static)
        out.update(body)
        out.set_class(not body, "empty")
        self.query_one("#form-body", VerticalScroll).scroll_home(animate=False)
        self.call_after_refresh(self._fit, False)  # the answer, above the fields, stays shown

    # -- submit -------------------------------------------------------------------------
    @on(Input.Submitted)
    def _enter(self) -> None:
        self.action_submit()

    def action_cancel(self) -> None:
        if not self.sending:
            self.dismiss(None)

    def action_submit(self) -> None:
        if self.sending:
            return
        if self.op.mutates and self.ctx.read_only:  # before validation: say why plainly
            self.show_problems([f"read-only mode: {self.op.name} refused"], "Not sent:")
            return
        try:
            request = act.build_request(self.op, self.values())
        except ops.OperationError as exc:
            self.show_problems([str(exc)], "Not sent:")
            return
        problems = validate(self.op.name, request)
        if problems:
            self.show_problems([str(p) for p in problems], "Not sent — fix these first:")
            return
        refusal = ops.preflight(self.op, self.row, request, self.ctx.cache)
        if refusal:
            self.show_problems([refusal], f"Not sent: the service would refuse {self.op.name}:")
            return
        if self.op.mutates and (self.ctx.read_only or self.ctx.clients is None):
            why = "read-only mode" if self.ctx.read_only else "no AWS clients (cache only)"
            self.show_problems([f"{why}: {self.op.name} refused"], "Not sent:")
            return
        self.show_problems([])
        if not self.op.mutates:
            self._send(request)
            return

        def decided(ok: bool | None) -> None:
            if ok:
                self._send(request)

        self.app.push_screen(ConfirmOperation(self.op, self.target, request, self.row), decided)

    def _send(self, request: dict) -> None:
        self.sending = True
        self.show_result(Content.styled("sending…", "$text-muted"))
        self._send_worker(request)

    @work(thread=True, exclusive=True, exit_on_error=False, group="operation")
    def _send_worker(self, request: dict) -> None:
        ctx = self.ctx
        try:
            result = act.send(self.op, request, ctx.gateway, self.target)
        except Exception as exc:  # audit failure or read-only: nothing was sent
            result = act.Result(self.op, request, False, code=type(exc).__name__,
                                message=f"not sent: {exc}", status="failed")  # fmt: skip
        self.app.call_from_thread(self._done, result)

    def _done(self, result: act.Result) -> None:
        self.sending = False
        self.last_result = result
        if not result.ok:
            self.show_result("")
            self.show_problems([f"{result.code}: {result.message}"],
                               f"{self.op.name} failed (nothing you typed is lost):")  # fmt: skip
            return
        body = json.dumps(result.response, indent=2, default=str)
        if not self.op.mutates:
            self.show_result(multiline(body))
            return
        self.app.notify(sent_sentence(self.op.name, result.response))
        refresh_after(self.app, self.screen_name)
        self.dismiss(result)


def sent_sentence(name: str, response: Any) -> str:
    """A short plain sentence for the toast: what was sent, the ids it returned, and
    how many items the service refused -- never the response's JSON."""
    words = [f"{name} sent."]
    if isinstance(response, dict):
        ids = [f"{k} {v}" for k, v in response.items()
               if k.endswith("Id") and isinstance(v, str | int)]  # fmt: skip
        if ids:
            words.append("New " + ", ".join(ids[:2]) + ".")
        failed = sum(len(v) for k, v in response.items()
                     if k.startswith("Failed") and isinstance(v, list))  # fmt: skip
        if failed:
            words.append(f"{failed} item(s) refused; see the audit log (:log).")
    return clean(" ".join(words))


def refresh_after(app: Any, kind: str) -> None:
    """Re-read the kind the operation changed, then tell its screen (in a thread worker)."""
    ctx = app.ctx
    from wstui.core.kinds import KINDS

    if ctx.refresher is None or kind not in KINDS:
        return

    def run() -> None:
        try:
            ctx.refresher.refresh([kind])
        finally:
            try:
                app.call_from_thread(_announce, app, kind)
            except RuntimeError:
                pass  # the app is closing

    app.run_worker(run, thread=True, exit_on_error=False, group="operation-refresh")


def _announce(app: Any, kind: str) -> None:
    for screen in app.screen_stack:
        if getattr(screen, "kind", None) is not None and screen.kind.name == kind:
            screen.post_message(CacheChanged(kind, frozenset()))
