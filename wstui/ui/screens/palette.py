"""Command palette provider: every action, every resource, every theme."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from wstui.ui.keymap import ACTION_TITLES


class WstuiCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], Any], str]]:
        from wstui.core.kinds import KINDS
        from wstui.ui.screens.resource import ResourceScreen

        app: Any = self.app
        out: list[tuple[str, Callable[[], Any], str]] = []
        for kind in KINDS.values():
            out.append(
                (f"Go to {kind.title} (:{kind.aliases[0] if kind.aliases else kind.name})",
                 partial(app.switch_kind, kind.name), "resource")
            )  # fmt: skip
        out.append(("Audit log (:log)", app.show_audit, "what was sent"))
        from wstui.core.act.ops import SCREENS

        for name in SCREENS:
            out.append((f"Operations: {name} (:ops {name})", partial(app.action_operations, name),
                        "every API operation"))  # fmt: skip
        screen = self.screen
        if isinstance(screen, ResourceScreen) and not app.ctx.read_only:
            from wstui.ui.screens.flow import kind_actions

            for name in kind_actions(screen.kind):
                title = ACTION_TITLES.get(name, name)
                out.append(
                    (f"{title} marked {screen.kind.title}", partial(screen.action_act, name),
                     "marked rows, or the cursor row")
                )  # fmt: skip
            if screen.kind.tag_editable:
                out.append((f"Edit tags of marked {screen.kind.title} (T)", screen.action_edit_tags,
                            "set Key=Value, remove Key; planned and audited"))  # fmt: skip
        if isinstance(screen, ResourceScreen):
            for col in screen.kind.columns:
                out.append((f"Sort by {col.title}", partial(screen.sort_by, col.name), "sort"))
            out.append(("Choose columns", screen.action_columns, "show, hide and order"))
            out.append(("Refresh now", screen.action_refresh_now, "re-read from AWS"))
        for theme in sorted(app.available_themes):
            out.append((f"Theme: {theme}", partial(app.set_theme, theme), "switch theme"))
        out.append(("Keys (help)", app.action_help, "every binding"))
        from wstui.ui.commands import palette_commands

        out += palette_commands(app)  # views, targets, changes, export
        return out

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            yield DiscoveryHit(text, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
