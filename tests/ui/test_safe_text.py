"""safe_text: API strings are shown literally, never as markup or escape sequences."""

from __future__ import annotations

import io
import unicodedata

from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from wstui.ui.safe_text import ELLIPSIS, clean, fit, safe_text

HOSTILE = [
    "[bold red]x[/]",
    "[link=file:///etc/passwd]click me[/link]",
    "\x1b[31mred\x1b[0m",
    "\x1b]8;;file:///etc/passwd\x07link\x1b]8;;\x07",
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52: would write the clipboard
    "\x9b31m",  # 8-bit CSI
    "abc\u202edcba",  # right-to-left override
    "مرحبا بالعالم",
    "東京都の名前が長い",
    "👩‍👩‍👧 family",
    "tab\tnew\nline\rcr\x00nul\x7fdel",
    "x" * 1000,
]


def render(text: object) -> str:
    """What a terminal would receive for `safe_text(text)` (with colours on)."""
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="truecolor", width=200)
    console.print(safe_text(text), end="")
    return out.getvalue()


def test_markup_is_shown_literally() -> None:
    for value in ("[bold red]x[/]", "[link=file:///etc/passwd]click me[/link]"):
        assert safe_text(value).plain == value
        assert value in render(value)
        assert "\x1b]8" not in render(value)  # no hyperlink was made


def test_escape_sequences_become_visible_and_inert() -> None:
    assert clean("\x1b[31mred\x1b[0m") == "␛[31mred␛[0m"
    assert clean("\x1b]8;;file:///etc/passwd\x07link") == "␛]8;;file:///etc/passwd␇link"
    assert clean("\x9b31m") == "\\x9b31m"
    assert clean("a\nb\tc") == "a␊b␉c"
    assert clean("abc\u202edcba") == "abc<U+202E>dcba"


def test_no_control_byte_reaches_the_terminal() -> None:
    for value in HOSTILE:
        text = clean(value)
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in text), value
        # The only ESC bytes in the rendered output are the console's own SGR colour codes.
        assert "\x07" not in render(value) and "\x1b]" not in render(value)


def test_emoji_sequences_are_split_into_parts_of_known_width() -> None:
    assert clean("👩\u200d💻") == "👩💻"
    assert clean("\u2764\ufe0f") == "\u2764"
    assert cell_len(fit("👩\u200d💻 dev", 8)) == 8


def test_plain_values_are_unchanged() -> None:
    assert clean("ws-abc123") == "ws-abc123"
    assert clean(None) == ""
    assert clean(42) == "42"
    assert clean("東京") == "東京"


def test_fit_pads_and_truncates_to_cells() -> None:
    assert fit("abc", 5) == "abc  "
    assert fit("42", 5, justify="right") == "   42"
    assert fit("abcdefgh", 5) == "abcd" + ELLIPSIS
    assert fit("東京都", 5) == "東京" + ELLIPSIS
    # A wide character cut at the edge becomes a space, so the width stays exact.
    assert fit("東京都", 4) == "東 " + ELLIPSIS
    assert fit("x" * 1000, 10) == "x" * 9 + ELLIPSIS
    assert fit("anything", 0) == ""
    assert fit("anything", 1) == ELLIPSIS


def test_fit_is_exact_for_hostile_values() -> None:
    for value in HOSTILE:
        for width in (1, 2, 3, 7, 12, 40):
            out = fit(value, width)
            assert cell_len(out) == width, (value, width, out)
            assert "\x1b" not in out and "\x07" not in out


def test_very_long_prefix_still_gets_an_ellipsis() -> None:
    # Combining marks are zero-width: a long run of them must not look complete.
    value = "a" + "\u0301" * 5000
    assert fit(value, 6).endswith(ELLIPSIS)


@given(st.text(max_size=300), st.integers(min_value=1, max_value=60))
def test_fit_width_property(value: str, width: int) -> None:
    out = fit(value, width)
    assert cell_len(out) == width
    assert not any(unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs") for c in out)


def test_safe_text_max_cells() -> None:
    text = safe_text("[b]" + "y" * 50, max_cells=10)
    assert text.plain == "[b]yyyyyy" + ELLIPSIS
    assert cell_len(text.plain) == 10
