"""Reading a kind's rows: windows of a filtered, sorted query, streams, counts, keys, one
row with its tags, many rows by key, and the change history.

`where`/`params` is a SQL condition with positional parameters as ``core.query.compile``
(``store.query``) builds it; derived columns (idle days) are computed here, so every
reader sees them the same way.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from typing import Any

from wstui.core.gcpause import gc_paused
from wstui.core.kinds import KEY_COLUMNS, Kind
from wstui.core.store.connection import snapshot
from wstui.core.store.schema import raw_table
from wstui.core.store.sql import marks, q
from wstui.core.store.status import total

Key = tuple[str, str, str]


def select_list(kind: Kind, now: float, with_raw: bool, only: Iterable[str] | None = None) -> str:
    parts = [q(c) for c in KEY_COLUMNS]
    wanted = None if only is None else set(only)
    for col in kind.columns:
        if wanted is not None and col.name not in wanted:
            continue
        if col.stored:
            parts.append(q(col.name))
        elif col.age_of:
            # `now` is a float we computed, not user text; inlined so the caller's
            # positional WHERE params stay aligned.
            parts.append(
                f"MAX(0, CAST(({float(now)!r} - {q(col.age_of)}) / 86400 AS INTEGER)) "
                f"AS {q(col.name)}"
            )
    parts.append(seen_at_sql(kind))
    if with_raw:
        # A correlated lookup rather than a join: callers' WHERE clauses name columns
        # unqualified (account, id), which a join would make ambiguous.
        table = q(kind.table)
        parts.append(
            f"(SELECT r.raw FROM {q(raw_table(kind))} AS r WHERE r.account = {table}.account"
            f" AND r.region = {table}.region AND r.id = {table}.id) AS raw"
        )
    return ", ".join(parts)


def seen_at_sql(kind: Kind) -> str:
    """When a listing last saw the row: its own ``seen_at`` (when a write last stored or
    re-read it) or the target's last complete listing, whichever is later. Every row of a
    target was in its last complete listing (the ones missing were deleted), so a warm
    pass need not rewrite each unchanged row's page to say so (issue 17). A row a re-read
    added while a complete listing of its target was committing reads that listing's time:
    early by at most the one read in flight."""
    table = q(kind.table)
    name = kind.name.replace("'", "''")
    return (
        f"max({table}.seen_at, coalesce((SELECT s.last_success FROM refresh_status AS s "
        f"WHERE s.kind = '{name}' AND s.account = {table}.account "
        f"AND s.region = {table}.region), 0)) AS seen_at"
    )


def order_clause(kind: Kind, order_by: str | None, desc: bool) -> str:
    tie = "account, region, id"
    if not order_by:
        return f"ORDER BY {tie}"
    if order_by in (*KEY_COLUMNS, "seen_at"):
        name, col = order_by, None
    else:
        try:
            col = kind.column(order_by)
        except KeyError as exc:
            raise ValueError(exc.args[0]) from None
        name = col.name
    if col is not None and col.age_of:
        # Older timestamp = more idle; never connected (NULL) sorts as the most idle.
        name, desc = col.age_of, not desc
    return f"ORDER BY {q(name)} {'DESC' if desc else 'ASC'}, {tie}"


def row_dict(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
    out = {d[0]: v for d, v in zip(cursor.description, row, strict=True)}
    if "raw" in out and isinstance(out["raw"], str):
        try:
            out["raw"] = json.loads(out["raw"])
        except ValueError:
            pass
    return out


def query(
    conn: sqlite3.Connection,
    kind: Kind,
    where: str = "1",
    params: Sequence[Any] = (),
    order_by: str | None = None,
    desc: bool = False,
    offset: int = 0,
    limit: int | None = 100,
    with_raw: bool = False,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """One window of rows as dicts of the kind's columns (+ account, region, id, seen_at)."""
    now = time.time() if now is None else now
    sql = (
        f"SELECT {select_list(kind, now, with_raw)} FROM {q(kind.table)} "
        f"WHERE ({where or '1'}) {order_clause(kind, order_by, desc)} LIMIT ? OFFSET ?"
    )
    lim = -1 if limit is None else max(0, int(limit))
    cur = conn.execute(sql, (*params, lim, max(0, int(offset))))
    return [row_dict(cur, r) for r in cur.fetchall()]


def rows_by_rowid(
    conn: sqlite3.Connection, kind: Kind, rowids: Sequence[int], now: float | None = None
) -> list[dict[str, Any]]:
    """The rows of `rowids` (as `query` shapes them, plus ``_rowid``), in any order."""
    now = time.time() if now is None else now
    cur = conn.execute(
        f"SELECT rowid AS _rowid, {select_list(kind, now, False)} FROM {q(kind.table)} "
        f"WHERE rowid IN ({marks(len(rowids))})",
        tuple(rowids),
    )
    return [row_dict(cur, r) for r in cur.fetchall()]


def iter_query(
    connect: Callable[[], sqlite3.Connection],
    kind: Kind,
    where: str = "1",
    params: Sequence[Any] = (),
    order_by: str | None = None,
    desc: bool = False,
    with_raw: bool = False,
    now: float | None = None,
    batch: int = 1000,
) -> Iterator[dict[str, Any]]:
    """Every matching row, streamed in batches from one read snapshot.

    Uses its own connection (from `connect`), so a refresh committing meanwhile neither
    blocks it nor changes what it returns (WAL keeps the snapshot it started with).
    """
    now = time.time() if now is None else now
    sql = (
        f"SELECT {select_list(kind, now, with_raw)} FROM {q(kind.table)} "
        f"WHERE ({where or '1'}) {order_clause(kind, order_by, desc)}"
    )
    conn = connect()
    try:
        conn.execute("BEGIN")  # one snapshot for the whole stream
        cur = conn.execute(sql, tuple(params))
        while True:
            rows = cur.fetchmany(batch)
            if not rows:
                break
            for r in rows:
                yield row_dict(cur, r)
    finally:
        with suppress(sqlite3.Error):
            conn.execute("ROLLBACK")
        conn.close()


def count(conn: sqlite3.Connection, kind: Kind, where: str = "1", params: Sequence[Any] = ()) -> int:
    sql = f"SELECT count(*) FROM {q(kind.table)} WHERE ({where or '1'})"
    return int(conn.execute(sql, tuple(params)).fetchone()[0])


def keys(
    conn: sqlite3.Connection, kind: Kind, where: str = "1", params: Sequence[Any] = ()
) -> list[Key]:
    sql = (
        f"SELECT account, region, id FROM {q(kind.table)} WHERE ({where or '1'}) "
        "ORDER BY account, region, id"
    )
    return [tuple(r) for r in conn.execute(sql, tuple(params))]


def get(
    conn: sqlite3.Connection, kind: Kind, key: Key | str, now: float | None = None
) -> dict[str, Any] | None:
    """One row with its parsed ``raw`` and a ``tags`` dict; key = (account, region, id) or id."""
    params: tuple[str, ...]
    if isinstance(key, str):
        where, params = "id = ?", (key,)
    else:
        where, params = "account = ? AND region = ? AND id = ?", (*key,)
    rows = query(conn, kind, where, params, limit=1, with_raw=True, now=now)
    if not rows:
        return None
    row = rows[0]
    row["tags"] = dict(
        conn.execute(
            "SELECT key, value FROM tags WHERE kind = ? AND account = ? AND region = ? AND id = ? "
            "ORDER BY key",
            (kind.name, row["account"], row["region"], row["id"]),
        ).fetchall()
    )
    return row


def rows_for_keys(
    conn: sqlite3.Connection,
    kind: Kind,
    keys: Iterable[Key],
    now: float | None = None,
    columns: Iterable[str] | None = None,
    raw: bool = True,
    tags: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """Like `get` for many keys (missing ones skipped), in the order of `keys`.

    ``raw`` stays JSON text here (parse it on demand): 100,000 parsed items would hold
    ~0.5 GB. With `columns`, rows hold only those stored columns (+ key, seen_at, raw,
    tags); with ``raw=False`` no raw; with `tags`, ``tags`` holds only those keys (a
    plan reads the protect tag, not every tag of 100,000 rows).

    Keys that are most of the kind's rows (mark all) are found by one scan of the
    narrow columns, filtered here; fewer go into a temp table joined on the primary key,
    so they cost one pass, not one query (or one IN-list scan) per chunk.
    """
    now = time.time() if now is None else now
    wanted = list(dict.fromkeys((a, r, i) for a, r, i in keys))
    if not wanted:
        return []
    only = None if tags is None else sorted(set(tags))
    select = f"SELECT {select_list(kind, now, raw, columns)} FROM {q(kind.table)}"
    tag_sql = "SELECT t.account, t.region, t.id, t.key, t.value FROM tags AS t"
    tag_where = "t.kind = ?" + ("" if only is None else f" AND t.key IN ({marks(len(only))})")
    tag_params = (kind.name, *(only or ()))
    # `conn` is in autocommit: the temp table writes hold no lock on the cache.
    scan = len(wanted) * 2 >= total(conn, kind)
    found: dict[Key, dict[str, Any]] = {}

    def collect(cur: sqlite3.Cursor, keep: set[Key] | None) -> None:
        names = [d[0] for d in cur.description]  # the key columns come first
        for values in cur:
            key = values[:3]
            if keep is None or key in keep:
                row = dict(zip(names, values, strict=True))
                row["tags"] = {}
                found[key] = row

    def add_tags(cur: sqlite3.Cursor) -> None:
        for account, region, item_id, key, value in cur:
            row = found.get((account, region, item_id))
            if row is not None:
                row["tags"][key] = value

    if scan:
        # One pass over the table beats 100,000 temp-table inserts and a join.
        with snapshot(conn):  # rows and tags from one snapshot
            with gc_paused():  # 100,000 acyclic dicts: full collections walk them all
                collect(conn.execute(select), set(wanted))
            if only != []:
                add_tags(conn.execute(f"{tag_sql} WHERE {tag_where} ORDER BY t.key", tag_params))
        return [found[k] for k in wanted if k in found]
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS wanted_keys (account TEXT, region TEXT, id TEXT, "
        "PRIMARY KEY (account, region, id)) WITHOUT ROWID"
    )
    try:
        # One savepoint for the temp-table writes (it touches only the temp database,
        # so the cache stays unlocked): in autocommit each insert was its own
        # transaction, 2-5 s for 100,000 marked rows.
        conn.execute("SAVEPOINT wanted_keys")
        conn.execute("DELETE FROM temp.wanted_keys")
        conn.executemany("INSERT OR IGNORE INTO temp.wanted_keys VALUES (?, ?, ?)", wanted)
        conn.execute("RELEASE wanted_keys")
        collect(
            conn.execute(
                f"{select} WHERE (account, region, id) IN "
                "(SELECT account, region, id FROM temp.wanted_keys)"
            ),
            None,
        )
        if only != []:
            add_tags(
                conn.execute(
                    f"{tag_sql} JOIN temp.wanted_keys AS w ON t.account = w.account "
                    f"AND t.region = w.region AND t.id = w.id WHERE {tag_where} ORDER BY t.key",
                    tag_params,
                )
            )
    finally:
        conn.execute("SAVEPOINT wanted_keys")
        conn.execute("DELETE FROM temp.wanted_keys")
        conn.execute("RELEASE wanted_keys")
    return [found[k] for k in wanted if k in found]


def history(
    conn: sqlite3.Connection,
    kind: Kind | None = None,
    since: float | None = None,
    ids: Iterable[str | Key] | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Change events newest first: kind, account, region, id, event, field, old, new, at."""
    clauses: list[str] = ["1"]
    params: list[Any] = []
    if kind is not None:
        clauses.append("kind = ?")
        params.append(kind.name)
    if since is not None:
        clauses.append("at >= ?")
        params.append(since)
    if ids is not None:
        ids = [ids] if isinstance(ids, str) else list(ids)
        plain = [i for i in ids if isinstance(i, str)]
        keyed = [tuple(i) for i in ids if not isinstance(i, str)]
        ors: list[str] = []
        if plain:
            ors.append(f"id IN ({marks(len(plain))})")
            params += plain
        for k in keyed:
            ors.append("(account = ? AND region = ? AND id = ?)")
            params += list(k)
        clauses.append(f"({' OR '.join(ors) or '0'})")
    cur = conn.execute(
        "SELECT kind, account, region, id, event, field, old, new, at FROM history "
        f"WHERE {' AND '.join(clauses)} ORDER BY at DESC, seq DESC LIMIT ?",
        (*params, int(limit)),
    )
    return [row_dict(cur, r) for r in cur.fetchall()]
