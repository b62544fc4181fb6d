"""Make strings from the API safe to put on screen.

Values such as user names, computer names and tags come from the WorkSpaces API and
may carry Rich markup, ANSI/OSC escape sequences, bidi overrides or 1,000 characters.
Nothing here interprets markup: callers get plain `str` or `rich.text.Text` built
without markup. `clean` is `core.text.visible`: every control or format character is
replaced by a visible, single-cell stand-in, so no escape byte ever reaches the terminal
and the cell widths that Rich computes match what the terminal draws.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text

from wstui.core.text import visible as clean  # the one sanitiser (core.text)

ELLIPSIS = "…"

def fit(value: object, width: int, *, justify: str = "left") -> str:
    """`clean(value)` made exactly `width` terminal cells wide.

    Longer values end with an ellipsis; double-width characters (CJK, emoji) are
    measured with `rich.cells`, so a wide character cut at the edge becomes a space.
    """
    if width <= 0:
        return ""
    raw = "" if value is None else (value if isinstance(value, str) else str(value))
    # Clean only a prefix: a 100,000-character tag should not cost more than a short one.
    limit = width * 4 + 16
    cut = len(raw) > limit
    text = clean(raw[:limit] if cut else raw)
    length = cell_len(text)
    if length <= width and not cut:
        pad = " " * (width - length)
        return pad + text if justify == "right" else text + pad
    if width == 1:
        return ELLIPSIS
    return set_cell_size(text, width - 1) + ELLIPSIS


def short(value: object, limit: int = 80) -> str:
    """`clean(value)`, its middle elided past `limit` characters: a 50,000-character paste
    named in a message keeps its start, its end and the message's other words on screen."""
    text = "" if value is None else (value if isinstance(value, str) else str(value))
    if len(text) > limit:
        head = (limit - 1) // 2
        text = text[:head] + ELLIPSIS + text[len(text) - (limit - 1 - head) :]
    return clean(text)


def safe_text(value: object, style: str | Style = "", *, max_cells: int | None = None) -> Text:
    """A Rich `Text` showing `value` literally (no markup), safe for any widget.

    With `max_cells`, the text is cut to that many cells with an ellipsis.
    """
    text = clean(value)
    if max_cells is not None and cell_len(text) > max_cells:
        text = fit(text, max_cells)
    return Text(text, style=style, no_wrap=max_cells is not None, end="")


__all__ = ["ELLIPSIS", "clean", "fit", "safe_text"]
