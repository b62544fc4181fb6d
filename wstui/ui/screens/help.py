"""`?`: every key binding, grouped, with the keys currently in effect (after the keymap)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from wstui.ui.keymap import all_bindings
from wstui.ui.textual_compat import active_keymap

_NAMES = {
    "question_mark": "?", "colon": ":", "slash": "/", "asterisk": "*", "space": "space",
    "escape": "esc", "ctrl+backslash": "ctrl+\\",
}  # fmt: skip


def display_keys(keys: str) -> str:
    return " ".join(_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def help_lines(keymap: dict[str, str]) -> list[Content]:
    lines: list[Content] = []
    for group, bindings in all_bindings():
        lines.append(Content.styled(group, "bold $accent"))
        for b in bindings:
            keys = keymap.get(b.id or "", b.key)
            lines.append(
                Content.assemble(
                    (f"  {display_keys(keys):<16}", "bold"),
                    (b.description or b.action).ljust(18),
                    (f"{b.id}", "$text-muted"),
                )
            )
        lines.append(Content(""))
    lines.append(Content.styled("Commands after ':'", "bold $accent"))
    lines.append(Content("  ws dir bundle image ipgroup alias pool   switch resource"))
    lines.append(Content("  targets   changes 1h   view NAME   export FILE   ops"))
    lines.append(Content("  log   audit log     theme NAME   switch theme     q   quit"))
    lines.append(Content(""))
    lines.append(Content.styled("Command palette", "bold $accent"))
    lines.append(Content("  ctrl+p            every action, resource, sort, view and theme"))
    return lines


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", id="wstui.help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Static(Content.styled("Keys", "bold"), classes="dialog-title")
            keymap = dict(active_keymap(self.app))
            yield Static(Content("\n").join(help_lines(keymap)), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
