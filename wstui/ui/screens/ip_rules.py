"""The IP access control group rules editor.

Lists the group's rules (from the cache), edits a working copy — `a` add, `e`/enter edit,
`x`/delete remove, each CIDR checked as it is entered — then `ctrl+s` shows the calls that
reach the copy (`core.act.ip_rules.plan_rules`: AuthorizeIpRules, RevokeIpRules or one
UpdateRulesOfIpGroup) and `y` sends them through the audited `operations.send`. A failed
call shows its code and message and keeps the working copy.
"""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from wstui.core import act
from wstui.core.act import ops
from wstui.core.act.ip_rules import Call, Rule, check_rule, plan_rules, rules_of
from wstui.core.kinds import IPGROUPS
from wstui.core.validate import validate
from wstui.ui.screens._text import clean, multiline
from wstui.ui.widgets.list_table import ListTable
from wstui.ui.workers import ReportsFailedWorkers

RULE_OPERATIONS = ("AuthorizeIpRules", "RevokeIpRules", "UpdateRulesOfIpGroup")


class ConfirmRules(ModalScreen[bool]):
    """The calls the editor will send; y/enter sends, n/esc goes back to the editor."""

    BINDINGS = [
        Binding("y,enter", "confirm", "Send", id="wstui.rules.confirm"),
        Binding("n,escape", "cancel", "Back", id="wstui.rules.confirm_cancel"),
    ]

    def __init__(self, calls: list[Call], where: str) -> None:
        super().__init__(classes="operation-confirm")
        self.calls, self.where = calls, where

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content.styled(f"Send {len(self.calls)} call(s)?", "bold"), classes="dialog-title")
            yield Static(Content(f"to {clean(self.where)}"))
            for call in self.calls:
                yield Static(Content.assemble((call.operation, "bold"), f": {clean(call.summary)}"))
                yield Static(multiline(json.dumps(call.request, indent=2)), classes="rules-request")
            yield Static(Content.styled("y / enter: send    n / esc: back to the editor", "$text-muted"))

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


class IpRulesScreen(ReportsFailedWorkers, ModalScreen[bool]):
    """Dismisses with True when rules were changed, False when closed unchanged."""

    BINDINGS = [
        Binding("a", "add", "Add rule", id="wstui.rules.add"),
        Binding("e", "edit", "Edit rule", id="wstui.rules.edit"),
        Binding("x,delete", "remove", "Remove rule", id="wstui.rules.remove"),
        Binding("ctrl+s", "submit", "Send", id="wstui.rules.submit", priority=True),
        Binding("escape", "close", "Close", id="wstui.rules.close"),
    ]
    DEFAULT_CSS = """
    IpRulesScreen .dialog { width: 96; }
    IpRulesScreen DataTable { height: auto; max-height: 14; }
    IpRulesScreen #rule-inputs Input { width: 1fr; }
    IpRulesScreen #rules-problems { color: $error; }
    """

    def __init__(self, row: dict, target: Any) -> None:
        super().__init__(classes="ip-rules")
        self.row = row
        self.group_id = str(row.get("id") or "")
        self.target = target
        raw: dict[str, Any] = row["raw"] if isinstance(row.get("raw"), dict) else {}
        self.original = rules_of(raw)
        self.rules = list(self.original)
        self.editing: int | None = None  # index of the rule the inputs edit; None = adding
        self.sending = False
        self.group_name = str(raw.get("groupName") or "")

    @property
    def ctx(self) -> Any:
        return self.app.ctx  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            title = f"IP rules of {self.group_id} {self.group_name}".strip()
            yield Static(Content.styled(clean(title), "bold"), classes="dialog-title")
            yield ListTable(id="rules", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="rule-inputs"):
                yield Input(placeholder="CIDR, e.g. 203.0.113.0/24", id="rule-cidr")
                yield Input(placeholder="description (optional)", id="rule-desc")
            yield Static(id="rules-problems")
            yield Static(id="rules-changes")
            hint = "a: add  e/enter: edit  x: remove  ctrl+s: review and send  esc: close"
            yield Static(Content.styled(hint, "$text-muted"))

    def on_mount(self) -> None:
        table = self.query_one("#rules", DataTable)
        table.add_columns("#", "CIDR", "DESCRIPTION")
        self.show_rules()
        table.focus()

    # -- the working copy --------------------------------------------------------------
    def show_rules(self) -> None:
        table = self.query_one("#rules", DataTable)
        cursor = table.cursor_row
        table.clear()
        for i, r in enumerate(self.rules):
            # Text, not str: DataTable reads str cells as markup, and descriptions are user data.
            table.add_row(str(i + 1), Text(clean(r.cidr)), Text(clean(r.desc)[:60]), key=str(i))
        if self.rules:
            table.move_cursor(row=min(max(cursor, 0), len(self.rules) - 1))
        calls = plan_rules(self.group_id, self.original, self.rules)
        changes = "; ".join(f"{c.operation}: {c.summary}" for c in calls) or "no changes"
        self.query_one("#rules-changes", Static).update(Content.styled(clean(changes), "$text-muted"))

    def problem(self, text: str) -> None:
        self.query_one("#rules-problems", Static).update(Content(f"✗ {clean(text)}") if text else "")

    def _inputs(self) -> tuple[Input, Input]:
        return self.query_one("#rule-cidr", Input), self.query_one("#rule-desc", Input)

    def action_add(self) -> None:
        cidr, desc = self._inputs()
        self.editing = None
        cidr.value, desc.value = "", ""
        cidr.focus()

    def action_edit(self) -> None:
        table = self.query_one("#rules", DataTable)
        if not self.rules:
            self.action_add()
            return
        self.editing = table.cursor_row
        rule = self.rules[self.editing]
        cidr, desc = self._inputs()
        cidr.value, desc.value = rule.cidr, rule.desc
        cidr.focus()

    @on(DataTable.RowSelected, "#rules")
    def _row_selected(self) -> None:
        self.action_edit()

    def action_remove(self) -> None:
        if not self.rules:
            return
        i = self.query_one("#rules", DataTable).cursor_row
        del self.rules[i]
        self.problem("")
        self.show_rules()

    @on(Input.Submitted, "#rule-cidr")
    def _cidr_entered(self) -> None:
        self.query_one("#rule-desc", Input).focus()

    @on(Input.Submitted, "#rule-desc")
    def _rule_entered(self) -> None:
        self.apply_inputs()

    def apply_inputs(self) -> bool:
        cidr, desc = self._inputs()
        why = check_rule(cidr.value, desc.value, self.rules, self.editing)
        if why:
            self.problem(why)
            cidr.focus()
            return False
        rule = Rule(cidr.value.strip(), desc.value.strip())
        if self.editing is None:
            self.rules.append(rule)
        else:
            self.rules[self.editing] = rule
        self.editing = None
        cidr.value, desc.value = "", ""
        self.problem("")
        self.show_rules()
        self.query_one("#rules", DataTable).focus()
        return True

    def action_close(self) -> None:
        if self.sending:
            return
        if isinstance(self.focused, Input):
            self.editing = None
            self.query_one("#rules", DataTable).focus()
            return
        self.dismiss(False)

    # -- sending ------------------------------------------------------------------------
    def action_submit(self) -> None:
        if self.sending:
            return
        if self.ctx.read_only:  # before anything else: no rule change is ever sent
            self.problem("read-only mode: rules not sent")
            return
        cidr, _ = self._inputs()
        if cidr.value.strip() and not self.apply_inputs():
            return  # a rule being typed is part of the change: it must be valid first
        calls = plan_rules(self.group_id, self.original, self.rules)
        if not calls:
            self.problem("nothing to send: the rules are unchanged")
            return
        problems = [str(p) for c in calls for p in validate(c.operation, c.request)]
        if problems:
            self.problem("; ".join(problems))
            return
        if self.ctx.read_only or self.ctx.clients is None:
            self.problem("read-only mode: rules not sent" if self.ctx.read_only else "no AWS clients")
            return
        where = f"{getattr(self.target, 'account', '') or '?'}/{getattr(self.target, 'region', '?')}"

        def decided(ok: bool | None) -> None:
            if ok:
                self.sending = True
                self.query_one("#rules-changes", Static).update(Content.styled("sending…", "$text-muted"))
                self._send(calls)

        self.app.push_screen(ConfirmRules(calls, where), decided)

    @work(thread=True, exclusive=True, exit_on_error=False, group="ip-rules")
    def _send(self, calls: list[Call]) -> None:
        ctx = self.ctx
        results = []
        for call in calls:
            try:
                result = act.send(ops.OPERATIONS[call.operation], call.request, ctx.gateway,
                                  self.target)  # fmt: skip
            except Exception as exc:  # audit failure or read-only: nothing was sent
                result = act.Result(ops.OPERATIONS[call.operation], call.request, False,
                                    code=type(exc).__name__, message=f"not sent: {exc}")  # fmt: skip
            results.append(result)
            if not result.ok:
                break  # later calls depended on this one
        self.app.call_from_thread(self._done, results)

    def _done(self, results: list[act.Result]) -> None:
        from wstui.ui.screens.form import refresh_after

        self.sending = False
        failed = [r for r in results if not r.ok]
        if any(r.ok for r in results):
            refresh_after(self.app, IPGROUPS.name)
        if failed:
            r = failed[0]
            self.problem(f"{r.op.name} failed (your edits are kept): {r.code}: {r.message}")
            self.show_rules()
            return
        self.app.notify(clean(f"IP rules of {self.group_id} updated ({len(results)} call(s))"))
        self.dismiss(True)
