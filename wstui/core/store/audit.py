"""The audit log: one row per mutating call, written before it is sent and completed
after, with each id's outcome; and the reads the gateway makes of it before a send."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Collection, Sequence
from contextlib import suppress
from typing import Any

from wstui.core.chunking import chunks
from wstui.core.store.jsontext import dumps
from wstui.core.store.sql import marks
from wstui.core.store.status import TargetLike

_SECRET_WORDS = ("secret", "password", "token", "credential", "accesskey", "sessionkey")


def outcome_fields(outcome: Any) -> tuple[str, str | None, str | None]:
    """(status, code, message) from a dict or an Outcome-like object."""
    if isinstance(outcome, dict):
        get = outcome.get
    else:

        def get(name: str, default: Any = None) -> Any:
            return getattr(outcome, name, default)

    status = get("status") or "unknown"
    code, message = get("code"), get("message")
    return (
        str(status),
        None if code is None else str(code),
        None if message is None else str(message),
    )


def scrub(params: Any) -> Any:
    """Drop anything that looks like a secret before it reaches the audit table."""
    if isinstance(params, dict):
        return {
            k: "***"
            if any(w in str(k).lower().replace("_", "") for w in _SECRET_WORDS)
            else scrub(v)
            for k, v in params.items()
        }
    if isinstance(params, list | tuple):
        return [scrub(v) for v in params]
    return params


def before(
    conn: sqlite3.Connection,
    action: str,
    target: TargetLike,
    ids: Sequence[str],
    params: dict[str, Any] | None,
    caller: str | None,
) -> int:
    """Write the audit row (and a pending item per id), inside the caller's transaction."""
    cur = conn.execute(
        "INSERT INTO audit (at, action, account, region, profile, caller, ids, params) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            time.time(),
            action,
            str(target.account),
            str(target.region),
            getattr(target, "profile", None),
            caller,
            dumps(list(ids)),
            dumps(scrub(params or {})),
        ),
    )
    audit_id = int(cur.lastrowid or 0)
    conn.executemany(
        "INSERT OR IGNORE INTO audit_items (audit_id, id, status) VALUES (?, ?, 'pending')",
        [(audit_id, str(i)) for i in ids],
    )
    return audit_id


def after(
    conn: sqlite3.Connection, audit_id: int, request_id: str | None, outcomes: dict[str, Any]
) -> None:
    """Complete an audit row with the request id and each id's outcome."""
    conn.execute(
        "UPDATE audit SET request_id = ?, finished_at = ? WHERE id = ?",
        (request_id, time.time(), audit_id),
    )
    conn.executemany(
        "INSERT OR REPLACE INTO audit_items (audit_id, id, status, code, message) "
        "VALUES (?, ?, ?, ?, ?)",
        [(audit_id, str(i), *outcome_fields(o)) for i, o in outcomes.items()],
    )


def last_calls(
    conn: sqlite3.Connection, account: str, region: str, ids: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """Each id's most recent audited call in (account, region): action, status, at."""
    out: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(ids)), 500):
        for item_id, action, status, at in conn.execute(
            "SELECT i.id, a.action, i.status, a.at FROM audit_items AS i "
            "JOIN audit AS a ON a.id = i.audit_id "
            f"WHERE a.account = ? AND a.region = ? AND i.id IN ({marks(len(chunk))}) "
            "ORDER BY a.id",
            (account, region, *chunk),
        ):
            out[item_id] = {"action": action, "status": status, "at": at}
    return out


def last_calls_among(
    conn: sqlite3.Connection, keys: Collection[tuple[str, str, str]]
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """`last_calls` for many (account, region, id) keys (mark all + plan): when the audit
    log holds fewer items than the keys, one ordered pass over it filtered in memory
    (not 200 IN-lists of 500 ids for 100,000 marks); else per target as `last_calls`."""
    wanted = keys if isinstance(keys, (set, frozenset)) else set(keys)
    if not wanted:
        return {}
    out: dict[tuple[str, str, str], dict[str, Any]] = {}
    if int(conn.execute("SELECT count(*) FROM audit_items").fetchone()[0]) <= len(wanted):
        for account, region, item_id, action, status, at in conn.execute(
            "SELECT a.account, a.region, i.id, a.action, i.status, a.at FROM audit_items AS i "
            "JOIN audit AS a ON a.id = i.audit_id ORDER BY a.id"
        ):
            key = (account, region, item_id)
            if key in wanted:
                out[key] = {"action": action, "status": status, "at": at}
        return out
    by_target: dict[tuple[str, str], list[str]] = {}
    for account, region, item_id in wanted:
        by_target.setdefault((account, region), []).append(item_id)
    for (account, region), ids in by_target.items():
        for item_id, last in last_calls(conn, account, region, ids).items():
            out[(account, region, item_id)] = last
    return out


def acted_on(conn: sqlite3.Connection, account: str, region: str, since: float) -> set[str]:
    """Ids of (account, region) named by an audited call made at or after `since`."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT i.id FROM audit AS a JOIN audit_items AS i ON i.audit_id = a.id "
        "WHERE a.account = ? AND a.region = ? AND a.at >= ?", (account, region, since),
    )}  # fmt: skip


def rows(conn: sqlite3.Connection, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """Audit rows newest first, each with ``items``: [{id, status, code, message}]."""
    cur = conn.execute(
        "SELECT id, at, finished_at, action, account, region, profile, caller, ids, params, "
        "request_id FROM audit ORDER BY id DESC LIMIT ? OFFSET ?",
        (int(limit), int(offset)),
    )
    names = [d[0] for d in cur.description]
    out = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    if not out:
        return out
    items: dict[int, list[dict[str, Any]]] = {}
    for chunk in chunks([r["id"] for r in out], 500):
        for audit_id, item_id, status, code, message in conn.execute(
            "SELECT audit_id, id, status, code, message FROM audit_items "
            f"WHERE audit_id IN ({marks(len(chunk))}) ORDER BY audit_id, rowid",
            tuple(chunk),
        ):
            items.setdefault(audit_id, []).append(
                {"id": item_id, "status": status, "code": code, "message": message}
            )
    for row in out:
        for name in ("ids", "params"):
            with suppress(TypeError, ValueError):
                row[name] = json.loads(row[name])
        row["items"] = items.get(row["id"], [])
    return out
