"""Read what the app shows: the current frame as plain text, ANSI bytes or segments."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.segment import Segment

from wstui.ui.textual_compat import full_frame


def screen_text(app: Any) -> str:
    """What the terminal shows, as plain text (one line per row)."""
    width, height = app.size
    console = Console(width=width, height=height, record=True, file=io.StringIO(),
                      force_terminal=True, color_system="truecolor")  # fmt: skip
    console.print(full_frame(app))
    return console.export_text()


def screen_ansi(app: Any, color_system: Any = "truecolor") -> str:
    """The raw bytes a terminal would receive for the current frame."""
    width, height = app.size
    out = io.StringIO()
    console = Console(width=width, height=height, file=out, force_terminal=True,
                      color_system=color_system)  # fmt: skip
    console.print(full_frame(app))
    return out.getvalue()


def frame_segments(app: Any) -> list[list[Segment]]:
    """The frame's lines as segments, after the app's line filters (what is written)."""
    return [[seg for strip in line for seg in strip] for line in full_frame(app).strips]
