"""NO_COLOR: no colour reaches the terminal, and the table stays legible without it."""

from __future__ import annotations

from typing import Any

import pytest
from rich.color import ColorType
from rich.segment import Segment

from tests.support.screen import frame_segments

_frame_segments = frame_segments


def _coloured(segments: list[list[Segment]]) -> list[str]:
    bad = []
    for line in segments:
        for seg in line:
            style = seg.style
            if style is None:
                continue
            for colour in (style.color, style.bgcolor):
                if colour is not None and colour.type is not ColorType.DEFAULT:
                    bad.append(f"{seg.text!r}: {colour}")
    return bad


def _cursor_line(app: Any) -> int:
    table = app.screen.table
    return table.region.y + 1 + table.cursor_row - int(table.scroll_offset.y)


async def test_no_color_sends_no_colour_and_marks_the_cursor(make_app, monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down", "space")  # mark row 1, cursor moves to row 2
        await pilot.pause()
        lines = _frame_segments(app)
        assert _coloured(lines) == []
        cursor = lines[_cursor_line(app)]
        assert any(s.style and s.style.reverse for s in cursor if s.text.strip())
        marked = lines[_cursor_line(app) - 1]
        text = "".join(s.text for s in marked)
        assert text.lstrip().startswith(("●", "*", "✓", "▶", "■", "+")), text
        assert any(s.style and s.style.bold for s in marked if s.text.strip())


async def test_colour_without_no_color(make_app, monkeypatch) -> None:
    """The check above would see colour if there were any: a normal run has plenty."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert len(_coloured(_frame_segments(app))) > 10


@pytest.mark.parametrize("theme", ["wstui-dark", "wstui-ansi"])
async def test_no_color_any_theme(make_app, monkeypatch, theme: str) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(theme=theme)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert _coloured(_frame_segments(app)) == []
