"""Text from the API made safe to show, and cached values as display text.

Strings from the WorkSpaces API (user names, computer names, tags, error messages) may
carry terminal escape sequences, controls, bidi overrides that reorder what a reader
sees, or 100,000 characters. Every place that shows one goes through this module:

- `plain(value)`: for output streams (the CLI's stdout/stderr, CSV and JSON exports):
  escape sequences, C0/C1 controls and bidi controls are removed; tab, LF and CR become
  a space (`keep_lines=True`: tab and LF are kept, CR removed).
- `visible(value)`: for the TUI: every control or format character is replaced by a
  visible one-cell stand-in (ESC -> ␛), so what was sent is shown, never interpreted.
  (ui.safe_text builds Rich/Textual text on it, without markup.)

`format_value` turns a cached value into display text (before sanitising): the table,
the details view and the CLI's tables share it.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

_ESCAPES = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL/ST (hyperlinks, titles)
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS/PM/APC/SOS strings
    r"|\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x9b[0-?]*[ -/]*[@-~]"  # 8-bit CSI
    r"|\x1b[@-_]?"  # other ESC sequences, lone ESC
)
# Bidi controls: marks (LRM, RLM, ALM), embeddings/overrides, isolates.
_BIDI = dict.fromkeys(
    [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)], None
)
_SPACES = str.maketrans("\t\n\r", "   ")


def plain(value: object, keep_lines: bool = False) -> str:
    """`value` as text with no escape sequence, control character or bidi control."""
    if value is None:
        return ""
    text = _ESCAPES.sub("", value if isinstance(value, str) else str(value)).translate(_BIDI)
    if text.isascii() and text.isprintable():
        return text
    kept = "\t\n" if keep_lines else "\t\n\r"
    text = "".join(c for c in text if c in kept or unicodedata.category(c) != "Cc")
    return text if keep_lines else text.translate(_SPACES)


# Unicode categories replaced by a visible stand-in: controls (Cc), format characters
# such as bidi overrides and zero-width joiners (Cf), line/paragraph separators
# (Zl, Zp), surrogates (Cs) and unassigned code points (Cn, whose width terminals guess).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Cn"})
# Joiners and emoji-presentation selectors are dropped rather than shown: Rich counts
# "👩‍💻" as 4 cells and "❤️" as 1 where many terminals draw 2 and 2, which would shift
# every column after them; the parts alone ("👩💻", "❤") measure the same everywhere.
_DROPPED = frozenset({"\u200d", "\ufe0f"})


def _stand_in(char: str) -> str:
    """A visible replacement for an unsafe character."""
    if char in _DROPPED:
        return ""
    code = ord(char)
    if code < 0x20:
        # Unicode "control pictures": ESC -> ␛, BEL -> ␇, LF -> ␊ (one cell each).
        return chr(0x2400 + code)
    if code == 0x7F:
        return "␡"
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


@lru_cache(maxsize=4096)
def _visible_cached(value: str) -> str:
    return "".join(
        _stand_in(c)
        if (
            c < " "
            or "\x7f" <= c <= "\x9f"
            or c in _DROPPED
            or unicodedata.category(c) in _UNSAFE_CATEGORIES
        )
        else c
        for c in value
    )


def visible(value: object) -> str:
    """`value` as text with every control/format character made visible.

    `None` becomes the empty string. ASCII text without controls is returned unchanged.
    """
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.isascii() and text.isprintable():
        return text
    return _visible_cached(text)


MINUTES = "%Y-%m-%d %H:%M"  # a table cell
SECONDS = "%Y-%m-%d %H:%M:%S"  # a details field, the CLI's tables


def format_value(
    value: Any, column_type: str = "text", ts_format: str = MINUTES, compact_floats: bool = True
) -> str:
    """Display text for a cached value (before sanitising): "" for None, a "ts" column's
    epoch seconds as UTC time in `ts_format`, floats as `:g` unless not `compact_floats`."""
    if value is None:
        return ""
    if column_type == "ts" and isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).strftime(ts_format)
    if compact_floats and isinstance(value, float):
        return f"{value:g}"
    return value if isinstance(value, str) else str(value)
