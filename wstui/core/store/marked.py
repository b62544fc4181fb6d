"""Many rows' keys and plan facts in a few result rows (mark all + plan at 100,000 rows).

Python's sqlite3 costs ~0.6 us per result row before any column is read: 100,000 keys
as 100,000 rows cost ~150 ms, the same ids concatenated per (account, region) ~25 ms
(SQLite walks the primary-key index; `str.split` makes the strings in C). Each list is
checked against the group's count, so an id holding the separator (never a real
WorkSpace id) makes the caller fall back to reading rows one by one, never a wrong list.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from itertools import repeat
from typing import Any

from wstui.core.gcpause import gc_paused
from wstui.core.kinds import Kind
from wstui.core.store.connection import snapshot
from wstui.core.store.sql import q

SEP = "\x1e"  # between rows (ASCII record separator)
UNIT = "\x1f"  # between a row's state and running mode (ASCII unit separator)

# (account, region, ids in key order, "state<UNIT>running_mode" of each id)
TargetFacts = tuple[str, str, list[str], list[str]]


def key_lists(
    conn: sqlite3.Connection, table: str, where: str = "1", params: Sequence[Any] = ()
) -> list[tuple[str, str, list[str]]] | None:
    """The ids of the rows matching `where`, one list per (account, region); None when an
    id holds the separator (read the keys row by row instead)."""
    sql = (
        f"SELECT account, region, count(*), group_concat(id, char(30)) FROM {q(table)} "
        f"WHERE ({where or '1'}) GROUP BY account, region"
    )
    out: list[tuple[str, str, list[str]]] = []
    for account, region, n, ids in conn.execute(sql, tuple(params)):
        split = str(ids).split(SEP)
        if len(split) != n:
            return None
        out.append((account, region, split))
    return out


def plan_facts(
    conn: sqlite3.Connection, kind: Kind, modes: bool = True
) -> list[TargetFacts] | None:
    """Every row's id with its state and (with `modes`) running mode, as "state" or
    "state<UNIT>mode" (NULL as ""), per (account, region) in key order and ids in key
    order; None when a value holds a separator.

    What a plan of an action without a per-row check reads besides the protect tag
    (`protected`): one pass over narrow columns, no row dicts, no raw, no other tags.
    Without `modes` (an action open to every running mode) the pass is ~25% cheaper.
    """
    fact = "ifnull(state, '')" + (" || char(31) || ifnull(running_mode, '')" if modes else "")
    sql = (
        f"SELECT account, region, count(*), group_concat(id, char(30)), "
        f"group_concat({fact}, char(30)) FROM {q(kind.table)} GROUP BY account, region"
    )
    out: list[TargetFacts] = []
    for account, region, n, ids_text, facts_text in conn.execute(sql):
        ids, facts = str(ids_text).split(SEP), str(facts_text).split(SEP)
        if len(ids) != n or len(facts) != n:
            return None
        if any(f.count(UNIT) != int(modes) for f in set(facts)):  # a value holding a separator
            return None
        if ids != sorted(ids):  # group_concat's order is the scan's: make it the key order
            order = sorted(range(n), key=ids.__getitem__)
            ids, facts = [ids[i] for i in order], [facts[i] for i in order]
        out.append((account, region, ids, facts))
    out.sort(key=lambda t: (t[0], t[1]))
    return out


def protected(conn: sqlite3.Connection, kind: Kind, tag: str) -> set[tuple[str, str, str]]:
    """Keys of the rows whose cached tags hold the key `tag` (the tags index; a few rows)."""
    if not tag:
        return set()
    cur = conn.execute(
        "SELECT account, region, id FROM tags WHERE kind = ? AND key = ?", (kind.name, tag)
    )
    return {(a, r, i) for a, r, i in cur}


def plan_snapshot(
    conn: sqlite3.Connection, kind: Kind, tag: str, modes: bool = True
) -> tuple[list[TargetFacts] | None, set[tuple[str, str, str]]]:
    """`plan_facts` and `protected` from one read snapshot."""
    with snapshot(conn):
        return plan_facts(conn, kind, modes), protected(conn, kind, tag)


def all_keys(
    conn: sqlite3.Connection, table: str, where: str = "1", params: Sequence[Any] = ()
) -> list[tuple[str, str, str]]:
    """Keys of the rows matching `where` (order not significant): `key_lists`, or one result
    row per key when an id holds the separator."""
    lists = key_lists(conn, table, where, params)
    if lists is None:
        sql = f"SELECT account, region, id FROM {q(table)} WHERE ({where or '1'})"
        return list(conn.execute(sql, tuple(params)))
    out: list[tuple[str, str, str]] = []
    with gc_paused():  # 100,000 new tuples: each 700 would start a collection
        for account, region, ids in lists:
            out += zip(repeat(account), repeat(region), ids)  # the tuples are made in C
    return out
