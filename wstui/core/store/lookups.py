"""What a write reads of the stored rows before it compares: digests, old column values,
tags and the merged keys of raw items, for one target (or some of its ids)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import suppress
from typing import Any

from wstui.core.chunking import chunks
from wstui.core.kinds import Kind
from wstui.core.store.schema import DIGEST, raw_table
from wstui.core.store.sql import marks, q

# Ids per IN-list: well under SQLite's bound-variable limit.
IN_CHUNK = 500


def digests(
    conn: sqlite3.Connection, kind: Kind, account: str, region: str, ids: list[str] | None
) -> dict[str, int | None]:
    """id -> stored digest (None: written before schema v8) for the target's rows."""
    select = f"SELECT id, {DIGEST} FROM {q(kind.table)} WHERE account = ? AND region = ?"
    if ids is None:
        return dict(conn.execute(select, (account, region)).fetchall())
    found: dict[str, int | None] = {}
    for chunk in chunks(ids, IN_CHUNK):
        sql = f"{select} AND id IN ({marks(len(chunk))})"
        found.update(conn.execute(sql, (account, region, *chunk)).fetchall())
    return found


def ids(conn: sqlite3.Connection, kind: Kind, account: str, region: str) -> list[str]:
    """The target's stored ids (from the primary key's index alone: no row is read)."""
    sql = f"SELECT id FROM {q(kind.table)} WHERE account = ? AND region = ?"
    return [r[0] for r in conn.execute(sql, (account, region))]


def rows(
    conn: sqlite3.Connection,
    kind: Kind,
    account: str,
    region: str,
    cols: list[str],
    ids: list[str] | None,
) -> dict[str, tuple[Any, ...]]:
    """id -> the stored values of `cols` (all the target's rows, or those of `ids`)."""
    select = (
        f"SELECT {', '.join(['id', *map(q, cols)])} FROM {q(kind.table)} "
        "WHERE account = ? AND region = ?"
    )
    if ids is None:
        return {r[0]: r[1:] for r in conn.execute(select, (account, region))}
    found: dict[str, tuple[Any, ...]] = {}
    for chunk in chunks(ids, IN_CHUNK):
        sql = f"{select} AND id IN ({marks(len(chunk))})"
        found.update({r[0]: r[1:] for r in conn.execute(sql, (account, region, *chunk))})
    return found


def tags(
    conn: sqlite3.Connection, kind: Kind, account: str, region: str, ids: list[str] | None
) -> dict[str, list[tuple[str, str]]]:
    """id -> its stored (key, value) tags, sorted."""
    select = "SELECT id, key, value FROM tags WHERE kind = ? AND account = ? AND region = ?"
    found: list[tuple[str, str, str]] = []
    if ids is None:
        found = conn.execute(select, (kind.name, account, region)).fetchall()
    else:
        for chunk in chunks(ids, IN_CHUNK):
            sql = f"{select} AND id IN ({marks(len(chunk))})"
            found += conn.execute(sql, (kind.name, account, region, *chunk)).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for item_id, key, value in found:
        out.setdefault(item_id, []).append((key, value))
    return {i: sorted(pairs) for i, pairs in out.items()}


def carry_merged_keys(
    conn: sqlite3.Connection,
    kind: Kind,
    account: str,
    region: str,
    items: list[dict[str, Any]],
    keys: tuple[str, ...],
) -> list[dict[str, Any]]:
    """`items` with the `keys` their stored raw items hold and they lack (a partial read
    lacks what the listers merge in from other calls)."""
    ids = [i for i in (kind.item_id(it) for it in items if isinstance(it, dict)) if i]
    raws: dict[str, dict[str, Any]] = {}
    for chunk in chunks(ids, IN_CHUNK):
        sql = (
            f"SELECT id, raw FROM {q(raw_table(kind))} WHERE account = ? AND region = ? "
            f"AND id IN ({marks(len(chunk))})"
        )
        for item_id, raw in conn.execute(sql, (account, region, *chunk)):
            with suppress(TypeError, ValueError):
                raws[item_id] = json.loads(raw)
    merged = []
    for item in items:
        old = raws.get(kind.item_id(item) or "") if isinstance(item, dict) else None
        if old:
            carried = {k: old[k] for k in keys if k in old and k not in item}
            item = {**item, **carried} if carried else item
        merged.append(item)
    return merged
