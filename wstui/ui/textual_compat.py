"""Every touch of Textual's private API, in one place (pinned to textual==8.2.8).

The rest of `wstui/ui` keeps to Textual's public API (`tests/ui/test_textual_compat.py`
scans for it). What is left here has no public equivalent in Textual 8.2.8; each item
says why it is needed. After a Textual upgrade, check this module first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import RenderableType
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input


class FrameAwareApp(App[Any]):
    """An App told when a frame reaches the terminal and when a batch update ends.

    Textual has no public hook for either: frames go out in the private `_display`,
    which silently drops frames rendered inside a batch (`_batch_count`), and batches
    end in the private `_end_batch`.
    """

    def frame_displayed(self, dropped: bool) -> None:
        """A frame was rendered; `dropped` if Textual did not send it (inside a batch)."""

    def batch_ended(self) -> None:
        """The outermost batch update ended (frames are sent again)."""

    def in_batch(self) -> bool:
        """True inside a batch update (frames rendered now are not sent)."""
        return bool(self._batch_count)

    def _end_batch(self) -> None:
        super()._end_batch()
        if not self._batch_count:
            self.batch_ended()

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        dropped = renderable is not None and bool(self._batch_count)
        super()._display(screen, renderable)
        if renderable is not None:
            self.frame_displayed(dropped)


def refresh_ansi_filter(app: App[Any]) -> None:
    """Re-map ANSI colours for the current theme, as Textual's theme watcher does.

    Needed when the theme is set with `set_reactive` (without the watcher) before the
    app runs; Textual offers only the private `_refresh_truecolor_filter` for it.
    """
    app._refresh_truecolor_filter(app.ansi_theme)


def active_keymap(app: App[Any]) -> Mapping[str, str]:
    """The keymap given to `App.set_keymap`, normalised; Textual has no public getter."""
    return app._keymap


def steady_cursor(box: Input) -> None:
    """Show an Input's cursor without blinking (for timing-free screenshots).

    `cursor_blink = False` makes the cursor visible only once the blink timer exists;
    the flag it sets is the private `_cursor_visible`.
    """
    box.cursor_blink = False
    box._cursor_visible = True


def full_frame(app: App[Any]) -> Any:
    """The whole current frame, as Textual would send it to the terminal (`.strips`).

    For tests that read the screen as text or bytes: Textual exposes a full frame
    publicly only as SVG (`App.export_screenshot`); this is what that method renders.
    """
    return app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
