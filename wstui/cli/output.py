"""What the commands print: terminal-safe text, tables fitted to display width, the
AWS CLI's `--output text`, and the bulk send's progress line on stderr."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TextIO


def safe(value: Any) -> str:
    """Text safe to print on a terminal: no escape sequences, controls or bidi overrides."""
    from wstui.core.text import plain

    return plain(value)


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(_char_width(c) for c in text)


def fit(text: str, width: int) -> str:
    """Truncate to `width` terminal cells (with an ellipsis) and pad to exactly width."""
    if display_width(text) > width:
        out, used = [], 0
        for ch in text:
            w = _char_width(ch)
            if used + w > width - 1:
                break
            out.append(ch)
            used += w
        text = "".join(out) + "…"
    return text + " " * (width - display_width(text))


def print_table(
    rows: list[list[Any]], headers: list[str], out: TextIO, max_width: int = 40
) -> None:
    cells = [[safe(c) for c in r] for r in rows]
    widths = [
        min(max_width, max([display_width(h), *(display_width(r[i]) for r in cells)]))
        for i, h in enumerate(headers)
    ]
    out.write("  ".join(fit(h, w) for h, w in zip(headers, widths, strict=True)).rstrip() + "\n")
    for r in cells:
        out.write("  ".join(fit(c, w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")


def fmt_ts(value: Any) -> str:
    from wstui.core.text import SECONDS, format_value

    return safe(format_value(value, "ts", SECONDS))


def safe_block(text: str) -> str:
    return "\n".join(safe(line) for line in text.splitlines())


def write_text(out: TextIO, kind: Any, source: Any, names: list[str]) -> int:
    """The AWS CLI's `--output text`: one line per row, tab-separated, no header; a missing
    value is `None`, times are ISO 8601 UTC, lists and maps are compact JSON."""
    from wstui.core.text import plain

    types = {c.name: c.type for c in kind.columns}
    n = 0
    for row in source:
        cells = []
        for name in names:
            value = row.get(name)
            if value is None:
                text = "None"
            elif types.get(name) == "ts" and isinstance(value, int | float):
                text = _iso(value)
            elif isinstance(value, list | dict):
                text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            else:
                text = str(value)
            # A tab or newline inside a value would shift the columns of every reader.
            cells.append(re.sub(r"[\t\r\n]", " ", plain(text, keep_lines=True)))
        out.write("\t".join(cells) + "\n")
        n += 1
    return n


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


@contextmanager
def send_progress(total: int) -> Iterator[Callable[..., None]]:
    """A bulk send's "12/40 calls · ETA 7s" on stderr (a TTY only), erased at the end.

    Yields `progress(done, total=None)`, to call after each call returned."""
    from wstui.core.progress import SendProgress
    from wstui.status_line import StatusLine

    status = StatusLine(sys.stderr, enabled=None if total > 1 else False)
    counter = SendProgress(total)

    def progress(done: int, total: int | None = None) -> None:
        if total is not None:  # fewer calls than planned (rows created earlier)
            counter.total = total
        counter.call_done(done)
        status.show(f"sending {counter.line()}")

    status.show(f"sending {counter.line()}")
    try:
        yield progress
    finally:
        status.clear()
