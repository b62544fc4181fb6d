"""Refresh status: per (kind, account, region) the last success, attempt, error and row
count; failures of targets whose account is unknown; the account each target resolved to."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import replace
from typing import Any, Protocol

from wstui.core.kinds import Kind
from wstui.core.store.sql import q


class TargetLike(Protocol):
    account: str
    region: str


def profile_of(target: TargetLike) -> str:
    """The target's credentials as stored: its profile ('' = boto3's default chain), or
    the role it assumes from it (Target.principal)."""
    who = getattr(target, "principal", None) if getattr(target, "role_arn", "") else None
    return str(who or getattr(target, "profile", None) or "")


def store_row_count(conn: sqlite3.Connection, kind: Kind, target: tuple[str, str] | None) -> None:
    """Recount the kind's rows of one (account, region), or of every target.

    Every (account, region) holding rows gets a refresh_status row, so the stored counts
    always add up to the table's (`total`).
    """
    table = q(kind.table)
    if target is None:
        conn.execute(
            "INSERT OR IGNORE INTO refresh_status (kind, account, region) "
            f"SELECT DISTINCT ?, account, region FROM {table}",
            (kind.name,),
        )
    else:
        conn.execute(
            "INSERT OR IGNORE INTO refresh_status (kind, account, region) VALUES (?, ?, ?)",
            (kind.name, *target),
        )
    where = "kind = ?" + ("" if target is None else " AND account = ? AND region = ?")
    conn.execute(
        f"UPDATE refresh_status SET rows = (SELECT count(*) FROM {table} AS t "
        f"WHERE t.account = refresh_status.account AND t.region = refresh_status.region) "
        f"WHERE {where}",
        (kind.name, *(target or ())),
    )


def target_resolved(conn: sqlite3.Connection, target: TargetLike, now: float) -> None:
    """The target's account is known: its unresolved failures are over; remember the account."""
    profile, region = profile_of(target), str(target.region)
    conn.execute("DELETE FROM unresolved_status WHERE profile = ? AND region = ?", (profile, region))
    conn.execute(
        "INSERT INTO target_accounts (profile, region, account, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (profile, region) DO UPDATE SET account = excluded.account, at = excluded.at",
        (profile, region, str(target.account), now),
    )


def record_success(conn: sqlite3.Connection, kind: Kind, target: TargetLike, now: float) -> None:
    """A complete listing of (kind, target) was stored at `now` (inside its transaction)."""
    target_resolved(conn, target, now)
    conn.execute(
        "INSERT INTO refresh_status (kind, account, region, last_success, last_attempt,"
        " last_error, last_error_at) VALUES (?, ?, ?, ?, ?, NULL, NULL)"
        " ON CONFLICT (kind, account, region) DO UPDATE SET"
        " last_success = excluded.last_success, last_attempt = excluded.last_attempt,"
        " last_error = NULL, last_error_at = NULL",
        (kind.name, str(target.account), str(target.region), now, now),
    )


def record_attempt(
    conn: sqlite3.Connection, kind: Kind, target: TargetLike, error: str | None, now: float
) -> None:
    """Note a listing attempt (and its error, if any) without touching any row (inside
    the caller's transaction).

    A target whose account is not known yet (STS failed) is noted by (profile, region)
    in `unresolved_status`, until it resolves (see schema v6).
    """
    if not target.account:
        conn.execute(
            "INSERT INTO unresolved_status (kind, profile, region, last_attempt, "
            "last_error, last_error_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (kind, profile, region) DO UPDATE SET "
            "last_attempt = excluded.last_attempt, last_error = excluded.last_error, "
            "last_error_at = excluded.last_error_at",
            (kind.name, profile_of(target), str(target.region), now, error,
             None if error is None else now),
        )  # fmt: skip
        return
    target_resolved(conn, target, now)
    conn.execute(
        "INSERT INTO refresh_status (kind, account, region, last_attempt) "
        "VALUES (?, ?, ?, ?) ON CONFLICT (kind, account, region) "
        "DO UPDATE SET last_attempt = excluded.last_attempt",
        (kind.name, target.account, target.region, now),
    )
    store_row_count(conn, kind, (str(target.account), str(target.region)))
    if error is not None:
        conn.execute(
            "UPDATE refresh_status SET last_error = ?, last_error_at = ? "
            "WHERE kind = ? AND account = ? AND region = ?",
            (str(error), now, kind.name, target.account, target.region),
        )


def never_succeeded(conn: sqlite3.Connection, kind: Kind, account: str, region: str) -> bool:
    row = conn.execute(
        "SELECT last_success FROM refresh_status WHERE kind = ? AND account = ? AND region = ?",
        (kind.name, account, region),
    ).fetchone()
    return row is None or row[0] is None


def total(conn: sqlite3.Connection, kind: Kind) -> int:
    """All rows of a kind, from the counts every write stores (no scan of the table)."""
    row = conn.execute(
        "SELECT coalesce(sum(rows), 0) FROM refresh_status WHERE kind = ?", (kind.name,)
    ).fetchone()
    return int(row[0])


def status(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Per (kind, account, region): last_success, last_attempt, last_error(_at), rows.

    Plus the failures of targets whose account is unknown (`unresolved` true, with
    their `profile`): merged into the row of the account that (profile, region) last
    resolved to, else a row of their own with account ''. Other rows have profile None.
    """
    # Row counts are stored by every write (schema v5): no count over the tables here.
    cur = conn.execute(
        "SELECT kind, account, region, last_success, last_attempt, last_error, last_error_at, "
        "coalesce(rows, 0) AS rows FROM refresh_status ORDER BY account, region, kind"
    )
    names = [d[0] for d in cur.description]
    rows = [
        {**dict(zip(names, r, strict=True)), "profile": None, "unresolved": False}
        for r in cur.fetchall()
    ]
    by_key = {(r["kind"], r["account"], r["region"]): r for r in rows}
    known = _known(conn)
    for kind, profile, region, attempt, error, error_at in conn.execute(
        "SELECT kind, profile, region, last_attempt, last_error, last_error_at "
        "FROM unresolved_status ORDER BY profile, region, kind"
    ).fetchall():
        account = known.get((profile, region), "")
        row = by_key.get((kind, account, region)) if account else None
        if row is None:
            row = {"kind": kind, "account": account, "region": region, "last_success": None,
                   "last_attempt": None, "last_error": None, "last_error_at": None,
                   "rows": 0}  # fmt: skip
            rows.append(row)
        row.update(profile=profile or None, unresolved=True)
        if (attempt or 0) >= (row["last_attempt"] or 0):
            row.update(last_attempt=attempt, last_error=error, last_error_at=error_at)
    return rows


def _known(conn: sqlite3.Connection) -> dict[tuple[str, str], str]:
    return {(p, reg): a for p, reg, a in conn.execute(
        "SELECT profile, region, account FROM target_accounts")}  # fmt: skip


def known_accounts(
    conn: sqlite3.Connection, targets: Iterable[TargetLike]
) -> list[TargetLike]:
    """`targets` with the account each last resolved to (target_accounts), where
    unknown: so a command that makes no STS call still shows each target's rows."""
    known = _known(conn)
    out = []
    for t in targets:
        account = known.get((profile_of(t), str(t.region)))
        out.append(replace(t, account=account) if account and not t.account else t)  # type: ignore[type-var]
    return out
