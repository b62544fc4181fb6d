"""Accounts found by AWS Organizations discovery (``core.org``), per discovery source."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any


def replace_accounts(
    conn: sqlite3.Connection, source: str, accounts: Iterable[Mapping[str, Any]]
) -> None:
    """Store one discovery's result for `source` (inside the caller's transaction)."""
    rows = [
        (source, str(a["account"]), str(a.get("name") or ""), str(a["role"]),
         json.dumps(sorted(a.get("regions") or ())), a.get("error"), float(a["at"]))
        for a in accounts
    ]  # fmt: skip
    conn.execute("DELETE FROM org_accounts WHERE source = ?", (source,))
    conn.executemany(
        "INSERT INTO org_accounts (source, account, name, role, regions, error, at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def note_failure(conn: sqlite3.Connection, source: str, role: str, error: str, at: float) -> None:
    """A discovery of `source` failed as a whole: one row with account '' says why."""
    conn.execute(
        "INSERT OR REPLACE INTO org_accounts (source, account, name, role, regions, "
        "error, at) VALUES (?, '', '', ?, '[]', ?, ?)",
        (source, role, error, at),
    )


def accounts(conn: sqlite3.Connection, source: str | None = None) -> list[dict[str, Any]]:
    """Discovered accounts (of one source, or all), regions decoded, by account."""
    sql = "SELECT source, account, name, role, regions, error, at FROM org_accounts"
    cur = conn.execute(
        sql + (" WHERE source = ?" if source is not None else "") + " ORDER BY source, account",
        (source,) if source is not None else (),
    )
    names = [d[0] for d in cur.description]
    out = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    for row in out:
        try:
            row["regions"] = [str(r) for r in json.loads(row["regions"] or "[]")]
        except (TypeError, ValueError):
            row["regions"] = []
    return out
