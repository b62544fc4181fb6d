"""Fit a dialog's scrolling part to the screen, so nothing below it is pushed off.

Textual sizes an auto-height dialog by its content: a long list inside it grows past
the dialog's `max-height` and the rows after it (hints, problems) are clipped. The
scrolling part gets a `max-height` of what the screen leaves once the dialog's other
children, border and padding are counted.
"""

from __future__ import annotations

from textual.widget import Widget

# The share of the screen a dialog may take (app.tcss `.dialog { max-height: 90% }`).
DIALOG_SHARE = 0.9
MIN_ROWS = 3


def fit_scroll(dialog: Widget, scroll: Widget) -> None:
    """Give `scroll` the rows the screen leaves inside `dialog` (read after a layout)."""
    screen_height = dialog.screen.size.height
    if not screen_height:
        return
    limit = int(screen_height * DIALOG_SHARE)
    used = dialog.styles.gutter.height  # border and padding
    for child in dialog.children:
        if child is scroll or not child.display:
            continue
        used += child.outer_size.height + child.styles.margin.height
    rows = max(MIN_ROWS, limit - used - scroll.styles.margin.height)
    if scroll.styles.max_height is None or scroll.styles.max_height.value != rows:
        scroll.styles.max_height = rows
