"""JSON text as the cache stores it (raw items, audit ids and params)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any


def json_default(value: Any) -> Any:
    """How values JSON has no type for are rendered (the stored raw and the digest alike)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    return str(value)


def dumps(item: Any) -> str:
    return json.dumps(item, default=json_default, ensure_ascii=False, separators=(",", ":"))


def raw_of(row: dict[str, Any] | None) -> dict[str, Any]:
    """A row's raw API item (``with_raw`` rows hold it parsed or as text); {} if none or bad."""
    raw = (row or {}).get("raw")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}
