"""The ``watcher`` table: the lease one process holds to refresh a shared cache
(``core.watch`` decides; the check-and-set runs here under the write lock)."""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Callable
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS watcher (
    slot INTEGER PRIMARY KEY CHECK (slot = 1), token TEXT NOT NULL, owner TEXT NOT NULL,
    host TEXT, pid INTEGER, started_at REAL NOT NULL, heartbeat_at REAL NOT NULL,
    ttl REAL NOT NULL, last_pass_at REAL, passes INTEGER NOT NULL DEFAULT 0)
"""


def install(conn: sqlite3.Connection) -> None:
    conn.execute(SCHEMA)


def read(conn: sqlite3.Connection) -> tuple[Any, ...] | None:
    """(owner, pid, started_at, heartbeat_at, ttl, last_pass_at, passes), or None."""
    row = conn.execute(
        "SELECT owner, pid, started_at, heartbeat_at, ttl, last_pass_at, passes FROM watcher "
        "WHERE slot = 1"
    ).fetchone()
    return tuple(row) if row else None


def acquire(
    conn: sqlite3.Connection, token: str, owner: str, now: float, ttl: float,
    alive: Callable[[tuple[Any, ...]], bool],
) -> tuple[Any, ...] | None:
    """Take the lease for `token` (inside the caller's write transaction: check-and-set),
    unless another token holds a row `alive` says is alive: then return that row."""
    row = read(conn)
    mine = conn.execute("SELECT 1 FROM watcher WHERE slot = 1 AND token = ?", (token,)).fetchone()
    if row is not None and alive(row) and not mine:
        return row
    conn.execute(
        "INSERT OR REPLACE INTO watcher (slot, token, owner, host, pid, started_at, "
        "heartbeat_at, ttl, last_pass_at, passes) VALUES (1, ?, ?, ?, ?, ?, ?, ?, NULL, 0)",
        (token, owner, socket.gethostname(), os.getpid(), now, now, ttl),
    )
    return None


def heartbeat(conn: sqlite3.Connection, token: str, now: float, passed: bool) -> bool:
    """Move the heartbeat (and count a pass); False when `token` no longer holds the lease."""
    extra = ", last_pass_at = ?, passes = passes + 1" if passed else ""
    params: tuple[Any, ...] = (now, now, token) if passed else (now, token)
    cur = conn.execute(
        f"UPDATE watcher SET heartbeat_at = ?{extra} WHERE slot = 1 AND token = ?", params
    )
    return cur.rowcount == 1


def release(conn: sqlite3.Connection, token: str) -> None:
    conn.execute("DELETE FROM watcher WHERE slot = 1 AND token = ?", (token,))
