"""The operations picker: every API operation of a screen's kind, one key each.

`o` on a resource screen (also `:ops [kind|account]` and the command palette) opens it
for the cursor row. A key (or enter on the highlighted line) opens the operation's form,
prefilled from that row; operations that a core action already covers over many rows
(start, stop, reboot, ...) go through the plan screen instead.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from wstui.core.act import ops
from wstui.core.kinds import WORKSPACES
from wstui.ui.screens._fit import fit_scroll
from wstui.ui.screens._text import clean

PICKER_BINDINGS = [Binding("escape", "close", "Close", id="wstui.ops.close")]
# Screens the picker offers beside the registry's operations: (screen, key, title, id).
EXTRAS = ((WORKSPACES.name, "V", "Create WorkSpaces from a CSV file", "extra:create-csv"),)


def _line(op: ops.Operation) -> Content:
    flags = []
    if op.destructive:
        flags.append(("destructive", "bold $error"))
    elif not op.mutates:
        flags.append(("read", "$text-muted"))
    if op.action:
        flags.append((f"plan: {op.action}", "$text-muted"))
    parts: list[Any] = [(f" {op.key} ", "bold reverse"), f"  {op.title}  ", (op.name, "$text-muted")]
    for text, style in flags:
        parts += ["  ", (f"[{text}]", style)]
    return Content.assemble(*parts)


class OperationsScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [*PICKER_BINDINGS]

    def __init__(self, screen: str, row: dict | None, target: Any, origin: Any = None) -> None:
        super().__init__(classes="operations-picker")
        self.screen_name = screen
        self.row = row
        self.target = target
        self.origin = origin
        self.operations = ops.for_screen(screen)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="ops-box"):
            title = f"Operations: {self.screen_name}"
            if self.row is not None:
                title += f"  on {self.row.get('id', '')}"
            yield Static(Content.styled(clean(title), "bold"), classes="dialog-title")
            options = [Option(_line(o), id=o.name) for o in self.operations]
            for screen, key, title, option_id in EXTRAS:
                if screen == self.screen_name:
                    line = Content.assemble((f" {key} ", "bold reverse"), f"  {title}  ",
                                            ("CreateWorkspaces, 25 per call", "$text-muted"))  # fmt: skip
                    options.append(Option(line, id=option_id))
            yield OptionList(*options, id="ops")
            yield Static(Content.styled("key or enter: open    esc: close", "$text-muted"))

    def on_mount(self) -> None:
        self.call_after_refresh(self._fit)

    def on_resize(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        """The list scrolls inside the screen: every entry reachable, the highlight shown."""
        if not self.is_attached or not self.query("#ops"):
            return  # chosen and dismissed before the deferred fit ran
        options = self.query_one("#ops", OptionList)
        fit_scroll(self.query_one("#ops-box"), options)
        if options.highlighted is not None:
            options.scroll_to_highlight()

    def on_key(self, event: events.Key) -> None:
        char = event.character
        extra = next((e for e in EXTRAS if char and e[0] == self.screen_name and e[1] == char), None)
        if extra is not None:
            event.stop()
            event.prevent_default()
            self.choose_extra(extra[3])
            return
        chosen = next((o for o in self.operations if char and o.key == char), None)
        if chosen is not None:
            event.stop()
            event.prevent_default()
            self.choose(chosen)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if str(event.option.id).startswith("extra:"):
            self.choose_extra(str(event.option.id))
            return
        self.choose(ops.OPERATIONS[str(event.option.id)])

    def choose_extra(self, option_id: str) -> None:
        app: Any = self.app
        self.dismiss(None)
        if option_id == "extra:create-csv":
            from wstui.ui.screens.create_csv import CsvCreateScreen

            app.push_screen(CsvCreateScreen(self.target))

    def action_close(self) -> None:
        self.dismiss(None)

    def choose(self, op: ops.Operation) -> None:
        app: Any = self.app
        self.dismiss(None)
        if op.action and self.origin is not None and hasattr(self.origin, "action_act"):
            self.origin.action_act(op.action)
            return
        from wstui.ui.screens.ip_rules import RULE_OPERATIONS, IpRulesScreen

        if op.name in RULE_OPERATIONS and self.row is not None:  # only on IP groups
            # Adding, revoking and editing rules all happen in the rules editor.
            app.push_screen(IpRulesScreen(self.row, self.target))
            return
        from wstui.ui.screens.form import FormScreen

        app.push_screen(FormScreen(op, self.target, self.row, self.screen_name))


def target_of(ctx: Any, row: dict | None) -> Any:
    """The row's account/region, or the first configured target."""
    from wstui.core.aws import Target

    if row is not None and row.get("region"):
        account, region = str(row.get("account") or ""), str(row["region"])
        found = ctx.clients.target_for(account, region) if ctx.clients is not None else None
        return found or Target(None, region, account)
    targets = getattr(ctx.refresher, "targets", None) or ctx.targets
    return targets[0] if targets else Target(None, "us-east-1")


def open_operations(app: Any, screen: str | None = None) -> None:
    """Open the picker for `screen` (a kind name, "account", or the current kind)."""
    from wstui.core.kinds import resolve

    current = app.screen
    kind = getattr(current, "kind", None)
    row = None
    name = screen or (kind.name if kind is not None else "account")
    if name != "account":
        try:
            name = resolve(name).name
        except KeyError as exc:
            app.notify(str(exc.args[0]) if exc.args else name, severity="error")
            return
    if kind is not None and kind.name == name and hasattr(current, "cursor_key"):
        key = current.cursor_key()
        row = app.ctx.cache.get(name, key) if key is not None else None
    app.push_screen(OperationsScreen(name, row, target_of(app.ctx, row), origin=current))
