"""JSON text as the cache stores it (raw items, audit ids and params)."""

from __future__ import annotations

import json
from typing import Any

from wstui.core.digest import json_default


def dumps(item: Any) -> str:
    return json.dumps(item, default=json_default, ensure_ascii=False, separators=(",", ":"))


def raw_of(row: dict | None) -> dict:
    """A row's raw API item (``with_raw`` rows hold it parsed or as text); {} if none or bad."""
    raw = (row or {}).get("raw")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}
