"""Compare-first writes (schema v8): a row whose item did not move is left untouched."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.core.test_cache import T, ws
from wstui.core import insight
from wstui.core.cache import SCHEMA_VERSION, Cache

NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC).timestamp()


def stamped(item: dict, at: float) -> dict:
    """The item as a later pass lists it: AWS's connection check time has moved."""
    status = {
        **item["ConnectionStatus"],
        "ConnectionStateCheckTimestamp": datetime.fromtimestamp(at, UTC),
    }
    return {**item, "ConnectionStatus": status}


def raw_stamp(cache: Cache, wid: str) -> tuple[str, float]:
    raw = cache.get("ws", wid)["raw"]
    return raw["ConnectionStatus"]["ConnectionStateCheckTimestamp"], raw["Usage"]["At"]


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    c = Cache(tmp_path / "cache.sqlite")
    c.clock = lambda: NOON
    yield c
    c.close()


def test_a_pass_where_only_moving_fields_differ_rewrites_nothing(cache: Cache) -> None:
    items = [ws(n) for n in range(5)]
    first = cache.replace_snapshot("ws", T, [stamped(i, NOON) for i in items])
    assert first.added == 5
    before = {i["WorkspaceId"]: raw_stamp(cache, i["WorkspaceId"]) for i in items}

    cache.clock = lambda: NOON + 60
    again = cache.replace_snapshot("ws", T, [stamped(i, NOON + 60) for i in items])

    assert not again and again.changed_keys == frozenset()
    # The stored raw is the one first written: the row was not re-serialised or upserted...
    assert {i["WorkspaceId"]: raw_stamp(cache, i["WorkspaceId"]) for i in items} == before
    # ...yet every row was seen by this pass, and nothing went to the history.
    assert {r["seen_at"] for r in cache.query("ws", limit=None)} == {NOON + 60}
    assert cache.history("ws") == []


def test_a_changed_field_or_tag_is_written_with_its_history(cache: Cache) -> None:
    items = [ws(n) for n in range(4)]
    cache.replace_snapshot("ws", T, [stamped(i, NOON) for i in items])
    items[1] = ws(1, state="STOPPED")
    items[2] = ws(2, tags={"Team": "ops"})
    cache.clock = lambda: NOON + 60
    changes = cache.replace_snapshot("ws", T, [stamped(i, NOON + 60) for i in items])

    ids = [i["WorkspaceId"] for i in items]
    assert changes.changed == 2
    assert changes.changed_keys == {(T.account, T.region, ids[1]), (T.account, T.region, ids[2])}
    assert cache.get("ws", ids[1])["state"] == "STOPPED"
    assert cache.get("ws", ids[2])["tags"] == {"Team": "ops"}
    events = {(e["id"], e["field"], e["old"], e["new"]) for e in cache.history("ws")}
    assert events == {(ids[1], "state", "AVAILABLE", "STOPPED"), (ids[2], "tag:Team", "eng", "ops")}
    # A written row carries this pass's raw (moving fields included); the others keep theirs.
    stamp = datetime.fromtimestamp(NOON + 60, UTC).isoformat()
    assert raw_stamp(cache, ids[1])[0] == stamp
    assert raw_stamp(cache, ids[0])[0] != stamp


def test_time_dependent_advice_still_moves_when_nothing_else_does(cache: Cache) -> None:
    """An ALWAYS_ON WorkSpace idle for 7 days is advised AUTO_STOP; the item never changes."""
    last = datetime.fromtimestamp(NOON - insight.MIN_OBSERVED_DAYS * insight.DAY + 60, UTC)
    item = ws(1, last=last, RunningMode="ALWAYS_ON")
    cache.replace_snapshot("ws", T, [stamped(item, NOON)])
    assert cache.get("ws", item["WorkspaceId"])["advice"] is None

    cache.clock = lambda: NOON + 120  # same UTC day: only the idle days moved (6 -> 7)
    cache.replace_snapshot("ws", T, [stamped(item, NOON + 120)])

    row = cache.get("ws", item["WorkspaceId"])
    assert row["advice"] == "AUTO_STOP"
    assert row["raw"]["Usage"]["At"] == NOON + 120


def test_followed_ids_are_compared_first_too(cache: Cache) -> None:
    items = [ws(n) for n in range(3)]
    cache.replace_snapshot("ws", T, items)
    cache.clock = lambda: NOON + 30
    same = cache.upsert_items("ws", T, [stamped(items[0], NOON + 30)])
    moved = cache.upsert_items("ws", T, [ws(1, state="REBOOTING")])
    assert not same
    assert moved.changed_keys == {(T.account, T.region, items[1]["WorkspaceId"])}
    assert cache.get("ws", items[0]["WorkspaceId"])["seen_at"] == NOON + 30
    assert cache.get("ws", items[2]["WorkspaceId"])["seen_at"] == NOON


def test_a_row_another_writer_changed_after_the_compare_is_still_written(
    cache: Cache, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digests are compared before the write lock; inside it they are read again."""
    items = [ws(n) for n in range(3)]
    cache.replace_snapshot("ws", T, items)
    other = Cache(tmp_path / "cache.sqlite")
    wid = items[1]["WorkspaceId"]
    from wstui.core.store import lookups

    load = lookups.digests
    calls = []

    def then_other_writes(conn: sqlite3.Connection, *args: Any) -> Any:
        found = load(conn, *args)
        if conn is cache.conn and not calls:  # between the compare and the write transaction
            calls.append(1)
            other.upsert_items("ws", T, [ws(1, state="ERROR")])
        return found

    monkeypatch.setattr(lookups, "digests", then_other_writes)
    changes = cache.replace_snapshot("ws", T, items)  # the same items as stored at compare

    assert calls and changes.changed_keys == {(T.account, T.region, wid)}
    assert cache.get("ws", wid)["state"] == "AVAILABLE"
    assert ("state", "ERROR", "AVAILABLE") in {
        (e["field"], e["old"], e["new"]) for e in cache.history("ws", ids=[wid])
    }
    other.close()


def test_v7_cache_gains_digests_and_its_first_write_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    c = Cache(path)
    items = [ws(n) for n in range(3)]
    c.replace_snapshot("ws", T, items)
    c.conn.execute('ALTER TABLE "workspaces" DROP COLUMN digest')
    c.conn.execute("PRAGMA user_version = 7")
    c.close()

    c = Cache(path)
    assert c.schema_version == SCHEMA_VERSION
    digests = [r[0] for r in c.conn.execute('SELECT digest FROM "workspaces"')]
    assert digests == [None, None, None]  # rows written before v8 compare as changed...
    assert not c.replace_snapshot("ws", T, items)  # ...and the same content makes no event
    assert c.history("ws") == []
    assert None not in {r[0] for r in c.conn.execute('SELECT digest FROM "workspaces"')}
    c.close()


def _events(cache: Cache) -> list[tuple[Any, ...]]:
    return sorted((e["id"], e["event"], e["field"], e["old"], e["new"]) for e in cache.history())


def test_many_moved_rows_commit_in_chunks_with_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second writer waits for one chunk, not the whole listing; the outcome is the same."""
    from wstui.core.store import writes as cache_module

    first = [ws(n) for n in range(12)]
    second = [ws(n, state="STOPPED") if n < 8 else ws(n) for n in range(1, 14)]
    results = {}
    for chunk in (1000, 3):
        monkeypatch.setattr(cache_module, "WRITE_CHUNK", chunk)
        c = Cache(tmp_path / f"chunk{chunk}.sqlite")
        c.clock = lambda: NOON
        c.replace_snapshot("ws", T, first)
        commits: list[str] = []
        c.conn.set_trace_callback(
            lambda sql, seen=commits: seen.append(sql) if sql == "COMMIT" else None
        )
        changes = c.replace_snapshot("ws", T, second)
        c.conn.set_trace_callback(None)
        rows = [(r["id"], r["state"]) for r in c.query("ws", limit=None)]
        results[chunk] = (changes, _events(c), rows, len(commits))
        c.close()
    (big, big_events, big_rows, big_commits), (small, small_events, small_rows, small_commits) = (
        results[1000],
        results[3],
    )
    assert small == big and small_events == big_events and small_rows == big_rows
    assert (big.added, big.changed, big.removed) == (2, 7, 1)
    # usage (two new ids observed) + one write (the 4 steady rows are not written); 9
    # moved rows in chunks of 3: usage + 2 chunks + the final one (which writes the last
    # chunk with the vanished row and the status)
    assert (big_commits, small_commits) == (2, 4)
