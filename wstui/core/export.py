"""Export the current view (every filtered row, not the visible window) to CSV or JSON.

Rows are streamed from one SQLite read snapshot (``Cache.iter_query``), so exporting
100,000 WorkSpaces holds one batch in memory and a refresh committing meanwhile does
not tear the file. Values from the API are untrusted: terminal escape sequences and
control characters are removed from text, and CSV cells that a spreadsheet would run
as a formula (leading ``= + - @``, tab or CR) are prefixed with ``'``.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast

from wstui.core.files import atomic_text
from wstui.core.kinds import Kind, resolve
from wstui.core.text import plain

FORMATS = ("csv", "json")
KEYS = ("account", "region", "id")

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = plain(value, keep_lines=True)
    if text.startswith(_FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _json_value(value: Any, col_type: str | None, iso: bool) -> Any:
    if isinstance(value, str):
        return plain(value, keep_lines=True)
    if iso and col_type == "ts" and isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
    return value


def format_for(path: str | Path, default: str = "csv") -> str:
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else default


def columns_for(kind: Kind, columns: Sequence[str] | None) -> list[str]:
    """account, region, id, then the wanted columns (names or aliases), each once."""
    names = (
        [kind.column(c).name for c in columns]
        if columns
        else [c.name for c in kind.default_columns]
    )
    return list(dict.fromkeys([*KEYS, *names]))


def rows(
    cache: Any,
    kind: Kind | str,
    where: str = "1",
    params: Sequence[Any] = (),
    order_by: str | None = None,
    desc: bool = False,
    now: float | None = None,
) -> Iterator[dict[str, Any]]:
    return cast(
        Iterator[dict[str, Any]],
        cache.iter_query(kind, where, params, order_by=order_by, desc=desc, now=now),
    )


def write(
    out: TextIO,
    fmt: str,
    kind: Kind | str,
    source: Iterable[dict[str, Any]],
    columns: Sequence[str] | None = None,
    iso_times: bool = True,
) -> int:
    """Write rows as CSV (header row of column names) or a JSON array; returns the count."""
    kind = resolve(kind)
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; use {' or '.join(FORMATS)}")
    names = columns_for(kind, columns)
    types = {c.name: c.type for c in kind.columns}
    n = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        for row in source:
            writer.writerow(
                [csv_cell(_json_value(row.get(c), types.get(c), iso_times)) for c in names]
            )
            n += 1
        return n
    out.write("[")
    for row in source:
        obj = {c: _json_value(row.get(c), types.get(c), iso_times) for c in names}
        out.write(("\n" if n == 0 else ",\n") + json.dumps(obj, ensure_ascii=False))
        n += 1
    out.write("\n]\n" if n else "]\n")
    return n


def export_view(
    cache: Any,
    kind: Kind | str,
    path: str | Path,
    where: str = "1",
    params: Sequence[Any] = (),
    order_by: str | None = None,
    desc: bool = False,
    columns: Sequence[str] | None = None,
    fmt: str | None = None,
    now: float | None = None,
) -> int:
    """Export every row of a view to a file (0600: it lists users and hosts)."""
    path = Path(path).expanduser()
    fmt = fmt or format_for(path)
    with atomic_text(path) as out:  # 0600, renamed into place: never half-written
        n = write(out, fmt, kind, rows(cache, kind, where, params, order_by, desc, now), columns)
    return n
