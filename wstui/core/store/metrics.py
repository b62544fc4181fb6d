"""The ``metrics`` table (per-WorkSpace CloudWatch aggregates and watermarks) and the
``metrics`` write extra: each listed WorkSpace carries its aggregates and cost in its raw
item, so its metric and cost columns stay consistent with the table and the prices.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from wstui.core.metrics import ENTRY_KEYS, METRICS_KEY, with_cost
from wstui.core.store.sql import marks

SCHEMA = """
CREATE TABLE IF NOT EXISTS metrics (
    account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
    read_to REAL NOT NULL, hours REAL, sessions INTEGER, latency REAL, cpu REAL, mem REAL,
    root_pct REAL, user_pct REAL, series TEXT, state TEXT NOT NULL,
    PRIMARY KEY (account, region, id)) WITHOUT ROWID
"""


def install(conn: sqlite3.Connection) -> None:
    conn.execute(SCHEMA)


def workspaces(conn: sqlite3.Connection, account: str, region: str) -> list[tuple[Any, ...]]:
    """(id, auto_stop_min, read_to, state) of the target's cached WorkSpaces, by id."""
    return conn.execute(
        "SELECT w.id, w.auto_stop_min, m.read_to, m.state FROM workspaces AS w "
        "LEFT JOIN metrics AS m ON m.account = w.account AND m.region = w.region "
        "AND m.id = w.id WHERE w.account = ? AND w.region = ? ORDER BY w.id",
        (account, region),
    ).fetchall()


def metrics_entries(
    conn: sqlite3.Connection, account: str, region: str, ids: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """id -> the ``Metrics`` entry merged into that WorkSpace's raw item."""
    sql = (
        "SELECT id, read_to, hours, sessions, latency, cpu, mem, root_pct, user_pct, series "
        "FROM metrics WHERE account = ? AND region = ?"
    )
    rows: list[tuple[Any, ...]] = []
    if ids is None or len(ids) > 500:
        rows = conn.execute(sql, (account, region)).fetchall()
    elif ids:
        rows = conn.execute(f"{sql} AND id IN ({marks(len(ids))})", (account, region, *ids)).fetchall()
    return {
        r[0]: {
            "ReadTo": r[1], "Hours": r[2], "Sessions": r[3], "Latency": r[4], "Cpu": r[5],
            "Mem": r[6], "RootPct": r[7], "UserPct": r[8], "Series": json.loads(r[9] or "[]"),
        }
        for r in rows
    }  # fmt: skip


def merge(
    conn: sqlite3.Connection, account: str, region: str, items: list[Any], prices: Any
) -> None:
    """Merge each WorkSpace's ``Metrics`` entry (aggregates + cost) into its raw item.

    Runs inside the cache's write, so a listing, a follow-up read and a metrics pass all
    leave the metric and cost columns consistent with the metrics table and the prices.
    """
    ids = [str(i["WorkspaceId"]) for i in items if isinstance(i, dict) and i.get("WorkspaceId")]
    if not ids:
        return
    entries = metrics_entries(conn, account, region, ids)
    for item in items:
        if not isinstance(item, dict):
            continue
        entry = entries.get(str(item.get("WorkspaceId")))
        if entry is None:
            item.pop(METRICS_KEY, None)
            continue
        props = item.get("WorkspaceProperties") or {}
        item[METRICS_KEY] = with_cost(
            entry, prices, region, props.get("ComputeTypeName"), props.get("RunningMode")
        )


def update_columns(
    conn: sqlite3.Connection, account: str, region: str, ids: Sequence[str], prices: Any
) -> None:
    """Set the metric and cost columns of cached WorkSpaces from the metrics table.

    A metrics pass changes only these columns: one UPDATE per row, not a rewrite of the
    rows and their raw JSON (the next listing merges the same entry into the raw item).
    """
    wanted = set(ids)
    entries = metrics_entries(conn, account, region, ids)
    rows = conn.execute(
        "SELECT id, compute, running_mode FROM workspaces WHERE account = ? AND region = ?",
        (account, region),
    ).fetchall()
    cols = list(ENTRY_KEYS)
    sql = (
        f"UPDATE workspaces SET {', '.join(f'{c} = ?' for c in cols)} "
        "WHERE account = ? AND region = ? AND id = ?"
    )
    updates = []
    for wid, compute, mode in rows:
        entry = entries.get(wid)
        if wid not in wanted or entry is None:
            continue
        full = with_cost(entry, prices, region, compute, mode)
        updates.append((*(full.get(ENTRY_KEYS[c]) for c in cols), account, region, wid))
    conn.executemany(sql, updates)


def store(
    conn: sqlite3.Connection, account: str, region: str, rows: Sequence[tuple[Any, ...]],
    prices: Any,
) -> None:
    """Store a metrics pass (rows as ``core.metrics.read_target`` builds them) and set those
    WorkSpaces' metric and cost columns (inside the caller's transaction)."""
    conn.executemany(
        "INSERT OR REPLACE INTO metrics (account, region, id, read_to, hours, sessions,"
        " latency, cpu, mem, root_pct, user_pct, series, state)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    update_columns(conn, account, region, [str(r[2]) for r in rows], prices)


def of(conn: sqlite3.Connection, key: tuple[str, str, str], prices: Any) -> dict[str, Any] | None:
    """The stored aggregates and cost of one WorkSpace (details view), or None."""
    found = metrics_entries(conn, key[0], key[1], [key[2]]).get(key[2])
    if found is None:
        return None
    row = conn.execute(
        "SELECT compute, running_mode FROM workspaces WHERE account = ? AND region = ? "
        "AND id = ?", key).fetchone()  # fmt: skip
    return with_cost(found, prices, key[1], *(row or (None, None)))


def forget(conn: sqlite3.Connection, account: str, region: str, ids: Sequence[str]) -> None:
    """Drop the aggregates of WorkSpaces that vanished."""
    conn.executemany(
        "DELETE FROM metrics WHERE account = ? AND region = ? AND id = ?",
        [(account, region, i) for i in ids],
    )
