"""Chunked writes (issue 17): a listing is committed in short transactions; another
writer gets the lock between them, and a pass that dies between two of them leaves a
cache the next pass finishes."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.core.test_cache import T2, T, ws
from tests.core.test_cache_digest import NOON
from wstui.core.cache import Cache
from wstui.core.store import changelog, writes

FIRST = [ws(n) for n in range(12)]
# 7 changed (1-7), 4 steady (8-11), 2 added (12, 13), 1 vanished (0).
SECOND = [ws(n, state="STOPPED") if n < 8 else ws(n) for n in range(1, 14)]
# usage (2 new ids) + 3 chunks of moved rows (the last goes in the final one, with the
# vanished row and the status); steady rows are not written at all.
TRANSACTIONS = 1 + 2 + 1


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writes, "WRITE_CHUNK", 3)


def _cache(path: Path) -> Cache:
    c = Cache(path)
    c.clock = lambda: NOON
    c.replace_snapshot("ws", T, FIRST)
    c.clock = lambda: NOON + 60
    return c


def _rows(c: Cache) -> list[tuple[Any, ...]]:
    return [(r["id"], r["state"], r["seen_at"]) for r in c.query("ws", limit=None)]


def _events(c: Cache) -> list[tuple[Any, ...]]:
    return sorted((e["id"], e["event"], e["field"], e["old"], e["new"]) for e in c.history())


def _last_success(c: Cache) -> float | None:
    (row,) = [r for r in c.status() if r["kind"] == "workspaces"]
    return row["last_success"]


@contextmanager
def _wrapped(c: Cache, inside: Any = None, after: Any = None) -> Iterator[list[int]]:
    """Run `inside(n)` within and `after(n)` after the cache's n-th write transaction."""
    real, count, seen = c._tx, itertools.count(), []

    @contextmanager
    def tx() -> Iterator[sqlite3.Connection]:
        n = next(count)
        seen.append(n)
        with real() as conn:
            if inside is not None:
                inside(n, conn)
            yield conn
        if after is not None:
            after(n)

    c._tx = tx  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        del c._tx


@pytest.fixture
def clean(tmp_path: Path) -> tuple[Any, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """What the second listing does to the cache in one uninterrupted pass."""
    c = _cache(tmp_path / "clean.sqlite")
    with _wrapped(c) as seen:
        changes = c.replace_snapshot("ws", T, SECOND)
    assert len(seen) == TRANSACTIONS
    out = (changes, _rows(c), _events(c))
    c.close()
    return out


@pytest.mark.parametrize("dies_in", range(1, TRANSACTIONS))
def test_a_pass_that_dies_between_chunks_leaves_a_cache_the_next_pass_finishes(
    tmp_path: Path, clean: Any, dies_in: int
) -> None:
    changes, clean_rows, clean_events = clean
    assert (changes.added, changes.changed, changes.removed) == (2, 7, 1)
    c = _cache(tmp_path / "cache.sqlite")
    before = {r[0]: r for r in _rows(c)}
    first_success = _last_success(c)

    def die(n: int, conn: sqlite3.Connection) -> None:
        if n == dies_in:
            raise RuntimeError("the refresher died here")

    with _wrapped(c, inside=die), pytest.raises(RuntimeError, match="died here"):
        c.replace_snapshot("ws", T, SECOND)

    # Every row is as it was or as the listing has it; nothing was deleted (ws 0 vanished
    # from the listing but only a finished pass may say so) and no success was recorded.
    listed = {i["WorkspaceId"]: i["State"] for i in SECOND}
    for wid, state, seen_at in _rows(c):
        if wid in before:
            assert (state, seen_at) in {before[wid][1:], (listed.get(wid), NOON + 60)}
        else:
            assert (state, seen_at) == (listed[wid], NOON + 60)
    assert set(before) <= {r[0] for r in _rows(c)}
    assert "vanished" not in {e[1] for e in _events(c)}
    assert _last_success(c) == first_success

    again = c.replace_snapshot("ws", T, SECOND)
    assert _rows(c) == clean_rows
    assert _events(c) == clean_events
    assert again.removed == 1 and _last_success(c) == NOON + 60
    # What the dead pass committed is not reported twice; the rest is.
    assert again.changed_keys <= changes.changed_keys
    c.close()


def test_another_writer_takes_the_lock_between_chunks_but_not_within_one(
    tmp_path: Path, clean: Any
) -> None:
    c = _cache(tmp_path / "cache.sqlite")
    other = sqlite3.connect(c.path, timeout=0, isolation_level=None)
    got: list[int] = []
    refused: list[int] = []

    def take(n: int) -> None:  # an audit row before a mutation, between two chunks
        other.execute("BEGIN IMMEDIATE")
        other.execute("COMMIT")
        got.append(n)

    def locked(n: int, conn: sqlite3.Connection) -> None:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        refused.append(n)

    with _wrapped(c, inside=locked, after=take):
        changes = c.replace_snapshot("ws", T, SECOND)
    assert got == refused == list(range(TRANSACTIONS))
    assert (changes, _rows(c), _events(c)) == clean
    other.close()
    c.close()


def _stored_seen_at(c: Cache) -> dict[str, float]:
    """The rows' own seen_at column (what a write last stamped), not the effective one."""
    return dict(c.conn.execute("SELECT id, seen_at FROM workspaces").fetchall())


def test_steady_rows_are_not_rewritten_but_read_as_seen_by_the_listing(tmp_path: Path) -> None:
    c = _cache(tmp_path / "cache.sqlite")
    c.replace_snapshot("ws", T, SECOND)
    stored = _stored_seen_at(c)
    steady = [f"ws-{n:010d}" for n in range(8, 12)]
    # Their pages were not touched: the column still holds the first pass's time ...
    assert {stored[i] for i in steady} == {NOON}
    # ... yet every reader sees them as seen by this complete listing.
    assert {r[2] for r in _rows(c)} == {NOON + 60}
    assert {c.get("ws", i)["seen_at"] for i in steady} == {NOON + 60}
    c.close()


def test_seen_at_sorts_and_reads_per_target(tmp_path: Path) -> None:
    """Each target's rows read (and sort) as seen by that target's last complete listing."""
    c = _cache(tmp_path / "cache.sqlite")  # T listed at NOON
    c.clock = lambda: NOON + 120
    c.replace_snapshot("ws", T2, [ws(50)])  # another region, listed later
    c.clock = lambda: NOON + 240
    c.replace_snapshot("ws", T, FIRST)  # T again, nothing changed: no row rewritten
    assert set(_stored_seen_at(c).values()) == {NOON, NOON + 120}
    newest = c.query("ws", order_by="seen_at", desc=True, limit=None)
    assert [r["seen_at"] for r in newest] == [NOON + 240] * len(FIRST) + [NOON + 120]
    assert newest[-1]["id"] == "ws-0000000050"
    c.close()


@pytest.mark.parametrize("how", ["changed", "raw-only", "deleted", "direct"])
def test_a_steady_row_another_writer_changes_mid_write_is_written_from_the_listing(
    tmp_path: Path, how: str
) -> None:
    """Another writer (a follow-up re-read in another process) changes or deletes a row
    this listing has unchanged, after this write read the digests and before its final
    transaction: another connection committed (PRAGMA data_version moved), so the write
    reads the stored digests again and writes the listing's version of that row."""
    c = _cache(tmp_path / "cache.sqlite")
    other = Cache(c.path)
    other.clock = lambda: NOON + 30
    steady = "ws-0000000009"

    def meddle(n: int) -> None:
        if n == 1:  # after the first chunk of moved rows committed
            if how == "changed":
                other.upsert_items("ws", T, [ws(9, state="ERROR")])
                assert other.get("ws", steady)["state"] == "ERROR"
            elif how == "raw-only":  # a new digest, no field worth a history row
                extra = {"Resource": "ROOT_VOLUME", "State": "UPDATE_IN_PROGRESS"}
                other.upsert_items("ws", T, [{**ws(9), "ModificationStates": [extra]}])
                assert "ModificationStates" in other.get("ws", steady)["raw"]
            elif how == "deleted":
                other.delete_items("ws", T, [steady])
                assert other.get("ws", steady) is None
            else:  # a direct UPDATE whose change-log entry names no rows
                with other._tx() as conn:
                    conn.execute(
                        "UPDATE workspaces SET state = 'ERROR', digest = 1 WHERE id = ?",
                        (steady,),
                    )
                    changelog.record(conn, "workspaces", T.account, T.region, None, NOON + 30)

    with _wrapped(c, after=meddle):
        changes = c.replace_snapshot("ws", T, SECOND)
    if how != "raw-only":  # a raw-only rewrite is no change anyone sees in the table
        assert ("us-east-1", steady) in {(k[1], k[2]) for k in changes.changed_keys}
    assert c.get("ws", steady)["state"] == "AVAILABLE"
    assert "ModificationStates" not in c.get("ws", steady)["raw"]
    if how in ("changed", "direct"):
        assert (steady, "changed", "state", "ERROR", "AVAILABLE") in _events(c)
    assert {r[2] for r in _rows(c)} == {NOON + 60}
    # Only that row was re-read and written; the other steady rows were left alone.
    assert {i for i, at in _stored_seen_at(c).items() if at == NOON} == {
        f"ws-{n:010d}" for n in (8, 10, 11)
    }
    other.close()
    c.close()
