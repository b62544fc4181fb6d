"""Write extras: bookkeeping a kind asks the store to run with each of its writes.

A kind names them in ``Kind.write_extras``; the store holds the implementations. Each
extra may work on the listed items before the write (they are shallow copies: nothing
leaks into the caller's items) and clean up after the rows that vanished from a
complete listing, inside the write's last transaction.

- ``usage``: record the days each WorkSpace was seen in use (``store.usage``), in short
  transactions of their own before the write (they are facts either way), and merge the
  ``Usage`` entry into each item (the figures read outside the write lock);
- ``metrics``: merge each WorkSpace's stored aggregates and cost into its item, so the
  digest sees its metric and cost columns move (``store.metrics``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from wstui.core.kinds import Kind
from wstui.core.store import metrics
from wstui.core.store.usage import UsageTracker


@dataclass
class WriteEnv:
    """What an extra may use: this thread's connection, a write transaction, the cache's
    usage tracker and prices."""

    conn: sqlite3.Connection
    tx: Callable[[], AbstractContextManager[sqlite3.Connection]]
    usage: UsageTracker
    prices: Any


Before = Callable[[WriteEnv, str, str, list[Any], float, bool], None]
After = Callable[[WriteEnv, sqlite3.Connection, str, str, list[str], float], None]


@dataclass(frozen=True)
class Extra:
    before: Before
    after: After  # complete listings only: `removed` are the ids that vanished


def _usage_before(
    env: WriteEnv, account: str, region: str, items: list[Any], now: float, complete: bool
) -> None:
    pending = env.usage.pending(account, region, items, now, complete)
    env.usage.record(env.tx, pending)  # short transactions of their own
    if env.usage.prune_due(now):  # once a UTC day, its own transaction (a full scan)
        with env.tx() as conn:
            env.usage.prune(conn, now)
    env.usage.merge(env.conn, pending)  # reads only: outside any write lock


def _usage_after(
    env: WriteEnv, conn: sqlite3.Connection, account: str, region: str, removed: list[str],
    now: float,
) -> None:
    env.usage.forget(conn, account, region, removed)


def _metrics_before(
    env: WriteEnv, account: str, region: str, items: list[Any], now: float, complete: bool
) -> None:
    metrics.merge(env.conn, account, region, items, env.prices)


def _metrics_after(
    env: WriteEnv, conn: sqlite3.Connection, account: str, region: str, removed: list[str],
    now: float,
) -> None:
    metrics.forget(conn, account, region, removed)


EXTRAS: dict[str, Extra] = {
    "usage": Extra(_usage_before, _usage_after),
    "metrics": Extra(_metrics_before, _metrics_after),
}


def of(kind: Kind) -> tuple[Extra, ...]:
    """The kind's extras in declared order; ValueError naming any the store does not know."""
    unknown = [n for n in kind.write_extras if n not in EXTRAS]
    if unknown:
        raise ValueError(
            f"kind {kind.name!r} declares unknown write extra(s) {', '.join(map(repr, unknown))}; "
            f"the store knows: {', '.join(sorted(EXTRAS))}"
        )
    return tuple(EXTRAS[n] for n in kind.write_extras)


def check(kinds: Iterable[Kind]) -> None:
    """Raise ValueError if any kind names a write extra the store does not implement."""
    for kind in kinds:
        of(kind)
