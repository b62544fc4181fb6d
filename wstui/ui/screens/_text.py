"""Plain, terminal-safe Content for values that come from the API.

Values are shown through `Content` built from plain strings (never markup), after
`wstui.ui.safe_text.clean` made every control/format character visible, so no escape
sequence reaches the terminal and bidi overrides cannot reorder the rest of the line.
"""

from __future__ import annotations

from typing import Any

from textual.content import Content

from wstui.ui.safe_text import clean, fit, short

__all__ = ["clean", "fit", "multiline", "plain", "short"]


def plain(value: Any, style: str = "") -> Content:
    """A Content that displays `value` literally (markup-like text stays text)."""
    text = clean(value)
    return Content.styled(text, style) if style else Content(text)


def multiline(value: str) -> Content:
    """Like `plain`, keeping line breaks (raw JSON, long messages)."""
    return Content("\n".join(clean(line) for line in value.split("\n")))
