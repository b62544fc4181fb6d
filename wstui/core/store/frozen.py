"""Freezing the cache's wall-clock timestamps (screenshots and tests need fixed ages)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from wstui.core.kinds import Kind
from wstui.core.store.sql import q


def freeze_times(conn: sqlite3.Connection, kinds: Iterable[Kind], at: float) -> None:
    """Set every wall-clock timestamp (refresh status, history, seen_at) to `at`
    (screenshots and tests), inside the caller's transaction."""
    conn.execute("UPDATE refresh_status SET last_success = ?, last_attempt = ?", (at, at))
    conn.execute("UPDATE history SET at = ?", (at,))
    for kind in kinds:
        conn.execute(f"UPDATE {q(kind.table)} SET seen_at = ?", (at,))
