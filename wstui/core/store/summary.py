"""Aggregates over a kind's cached rows (``core.summary``, the advice view's header):
grouped counts, histograms, the top rows by a figure, the estate's cost totals."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from wstui.core.kinds import Kind
from wstui.core.store.reads import row_dict
from wstui.core.store.sql import q


def table_columns(conn: sqlite3.Connection, kind: Kind) -> set[str]:
    """The columns the kind's cache table has now (another feature may add some)."""
    return {str(r[1]) for r in conn.execute(f"PRAGMA table_info({q(kind.table)})")}


def grouped(
    conn: sqlite3.Connection,
    kind: Kind,
    by: Sequence[str],
    total: str | None = None,
    where: str = "1",
    params: Sequence[Any] = (),
) -> list[dict[str, Any]]:
    """count(*) (and sum(`total`)) per distinct `by`, largest count first. Column
    names must be columns of the table (table_columns): they are quoted, not bound."""
    present = table_columns(conn, kind)
    unknown = [c for c in (*by, *([total] if total else [])) if c not in present]
    if unknown:
        raise KeyError(f"{kind.table} has no column {', '.join(unknown)}")
    cols = ", ".join(f"coalesce({q(c)}, '') AS {q(c)}" for c in by)
    extra = f", sum({q(total)}) AS total" if total else ""
    group = ", ".join(str(i + 1) for i in range(len(by)))
    cur = conn.execute(
        f"SELECT {cols}, count(*) AS n{extra} FROM {q(kind.table)} WHERE {where} "
        f"GROUP BY {group} ORDER BY n DESC, {group}",
        tuple(params),
    )
    return [row_dict(cur, r) for r in cur.fetchall()]


def histogram(
    conn: sqlite3.Connection, kind: Kind, column: str, edges: Sequence[float], where: str = "1",
    params: Sequence[Any] = (),
) -> tuple[list[int], int]:
    """Counts of `column` in the len(edges) + 1 buckets (-inf, e0], (e0, e1], ...,
    (e_last, +inf) for increasing `edges`, and the count of NULLs; one SQL pass."""
    if column not in table_columns(conn, kind):
        raise KeyError(f"{kind.table} has no column {column}")
    col = q(column)
    conds = [f"{col} <= ?"]
    conds += [f"{col} > ? AND {col} <= ?" for _ in edges[1:]]
    conds += [f"{col} > ?", f"{col} IS NULL"]
    bounds = [edges[0], *(v for pair in pairwise(edges) for v in pair), edges[-1]]
    sums = ", ".join(f"sum(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in conds)
    row = conn.execute(
        f"SELECT {sums} FROM {q(kind.table)} WHERE {where}", (*bounds, *params)
    ).fetchone()
    counts = [int(v or 0) for v in row]
    return counts[:-1], counts[-1]


def top_rows(
    conn: sqlite3.Connection, kind: Kind, expr_columns: Sequence[str], limit: int = 5,
    show: Sequence[str] = ("id", "user", "account", "region"),
) -> list[dict[str, Any]]:
    """The rows with the largest max(`expr_columns`) (NULLs ignored), largest first."""
    present = table_columns(conn, kind)
    cols = [c for c in expr_columns if c in present]
    if not cols:
        return []
    value = (f"max({', '.join(f'coalesce({q(c)}, -1e308)' for c in cols)})"
             if len(cols) > 1 else q(cols[0]))  # fmt: skip
    shown = ", ".join(q(c) for c in show if c in present)
    cur = conn.execute(
        f"SELECT {shown}, {value} AS value FROM {q(kind.table)} "
        f"WHERE value IS NOT NULL AND value > -1e308 ORDER BY value DESC LIMIT ?",
        (int(limit),),
    )
    return [row_dict(cur, r) for r in cur.fetchall()]


def estate_totals(conn: sqlite3.Connection) -> tuple[float, float, int, str]:
    """(estimated cost this month, total saving, WorkSpaces advised, currency) of every
    cached WorkSpace, from the cost columns."""
    cost, saving, advised = conn.execute(
        "SELECT coalesce(sum(cost_month), 0), "
        "coalesce(sum(CASE WHEN saving_month > 0 THEN saving_month END), 0), "
        "count(CASE WHEN saving_month > 0 THEN 1 END) FROM workspaces"
    ).fetchone()
    return round(float(cost), 2), round(float(saving), 2), int(advised), "USD"

