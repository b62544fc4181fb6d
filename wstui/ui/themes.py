"""Theme files: load, validate and register `themes/*.toml` plus user themes.

A theme file is a TOML table of Textual `Theme` fields (`name`, `primary`, ... `dark`,
`ansi`) with an optional `[variables]` table of CSS variables. Every colour goes
through `Color.parse`, so a bad file is rejected as a whole with a readable reason and
the app keeps its default theme.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

DEFAULT_THEME = "wstui-dark"
ANSI_THEME = "wstui-ansi"

_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_OTHER_FIELDS = {"name", "dark", "ansi", "variables", "luminosity_spread", "text_alpha"}


class ThemeError(ValueError):
    """A theme file that cannot be used; the message names the file and the field."""


@dataclass
class LoadedThemes:
    themes: list[Theme] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def parse_theme(data: dict, source: str) -> Theme:
    """Build a Theme from a TOML table, validating every colour."""
    unknown = set(data) - set(_COLOUR_FIELDS) - _OTHER_FIELDS
    if unknown:
        raise ThemeError(f"{source}: unknown field(s) {', '.join(sorted(unknown))}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeError(f"{source}: missing 'name'")
    if not _NAME_RE.fullmatch(name.strip()):
        # The name is shown in the palette, notices and `:theme`; markup ("[b]") or an
        # escape sequence (an OSC title change) in it must never reach the screen.
        raise ThemeError(
            f"{source}: 'name' {name[:40]!a} must be 1-64 letters, digits, '-', '_' or '.'"
        )
    if "primary" not in data:
        raise ThemeError(f"{source}: missing 'primary'")
    colours: dict[str, str] = {}
    for key in _COLOUR_FIELDS:
        if key in data:
            colours[key] = _checked_colour(data[key], f"{source}: {key}")
    variables = data.get("variables", {})
    if not isinstance(variables, dict):
        raise ThemeError(f"{source}: 'variables' must be a table")
    checked_vars = {
        str(k): _checked_colour(v, f"{source}: variables.{k}") for k, v in variables.items()
    }
    dark = data.get("dark", True)
    ansi = data.get("ansi", False)
    if not isinstance(dark, bool) or not isinstance(ansi, bool):
        raise ThemeError(f"{source}: 'dark' and 'ansi' must be true or false")
    return Theme(name=name.strip(), dark=dark, ansi=ansi, variables=checked_vars,
                 **colours)  # type: ignore[arg-type]  # colours holds only the colour fields


def _checked_colour(value: object, where: str) -> str:
    if not isinstance(value, str):
        raise ThemeError(f"{where}: expected a colour string")
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise ThemeError(f"{where}: {value!r} is not a colour ({exc})") from None
    return value


def load_theme_file(path: Path) -> Theme:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ThemeError(f"{path.name}: {exc}") from None
    except RecursionError:  # tomllib recurses per nested array/inline table
        raise ThemeError(f"{path.name}: tables or arrays nested too deeply to read") from None
    return parse_theme(data, path.name)


def shipped_theme_dirs() -> list[Path]:
    """The packaged `wstui/themes` (wheel) or, in a source checkout, the repo's `themes/`."""
    dirs: list[Path] = []
    try:
        packaged = resources.files("wstui").joinpath("themes")
        if packaged.is_dir():
            dirs.append(Path(str(packaged)))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    repo_dir = Path(__file__).resolve().parents[2] / "themes"
    if repo_dir.is_dir() and repo_dir not in dirs:
        dirs.append(repo_dir)
    return dirs


def load_themes(dirs: Iterable[Path]) -> LoadedThemes:
    """Every `*.toml` in `dirs`, later dirs overriding earlier names; errors collected."""
    loaded = LoadedThemes()
    by_name: dict[str, Theme] = {}
    for directory in dirs:
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeError as exc:
                loaded.errors.append(str(exc))
                continue
            by_name[theme.name] = theme
    loaded.themes = list(by_name.values())
    return loaded
