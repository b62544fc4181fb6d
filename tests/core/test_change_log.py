"""The change log (schema v11): what a TUI following another process's watcher reads to
know whether a commit changed rows, and which (``core.store.changelog``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.core.test_cache import T2, T, ws
from wstui.core import watch
from wstui.core.cache import SCHEMA_VERSION, Cache
from wstui.core.store import changelog


@pytest.fixture
def cache(tmp_path: Path) -> Any:
    c = Cache(tmp_path / "c.sqlite")
    yield c
    c.close()


def keys_of(logged: list[changelog.Logged]) -> set[tuple[str, str, str]]:
    return set().union(*(e.keys or () for e in logged))


def test_a_write_logs_the_keys_its_changes_carry(cache: Cache) -> None:
    first = cache.replace_snapshot("ws", T, [ws(n) for n in range(4)])
    logged = cache.changes_since(0)
    assert [e.kind for e in logged] == ["workspaces"]
    assert logged[0].keys == first.changed_keys and len(first.changed_keys) == 4
    seq = cache.change_seq()
    assert seq == logged[-1].seq

    # One row changes, one vanishes, one appears: exactly those keys, in one entry.
    again = cache.replace_snapshot("ws", T, [ws(0, state="STOPPED"), ws(1), ws(2), ws(9)])
    logged = cache.changes_since(seq)
    assert len(logged) == 1 and logged[0].keys == again.changed_keys
    assert {k[2] for k in again.changed_keys} == {ws(0)["WorkspaceId"], ws(3)["WorkspaceId"],
                                                  ws(9)["WorkspaceId"]}  # fmt: skip
    # A targeted re-read (a follow) and a delete log their keys too.
    seq = cache.change_seq()
    followed = cache.upsert_items("ws", T, [ws(1, state="REBOOTING")])
    deleted = cache.delete_items("ws", T, [ws(2)["WorkspaceId"]])
    logged = cache.changes_since(seq)
    assert [e.keys for e in logged] == [followed.changed_keys, deleted.changed_keys]


def test_commits_that_change_no_row_log_nothing(cache: Cache) -> None:
    items = [ws(n) for n in range(3)]
    cache.replace_snapshot("ws", T, items)
    seq = cache.change_seq()
    lease = watch.Lease(cache, ttl=30, owner="ops@bastion")
    lease.acquire()
    assert not cache.replace_snapshot("ws", T, items)  # a pass that found nothing new
    cache.record_attempt("ws", T, "ThrottlingException")
    lease.heartbeat()
    lease.heartbeat(passed=True)
    lease.release()
    assert cache.changes_since(seq) == [] and cache.change_seq() == seq


def test_a_chunked_first_load_logs_each_chunk_as_it_commits(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    from wstui.core.store import writes

    monkeypatch.setattr(writes, "WRITE_CHUNK", 4)
    changes = cache.replace_snapshot("ws", T, [ws(n) for n in range(10)])
    logged = cache.changes_since(0)
    assert [len(e.keys or ()) for e in logged] == [4, 4, 2]
    assert keys_of(logged) == changes.changed_keys
    # At the real sizes too, a chunk's ids fit in one entry: a first load is highlighted.
    monkeypatch.undo()
    assert changelog.MAX_IDS >= writes.WRITE_CHUNK


def test_too_many_keys_and_metrics_log_the_kind_without_keys(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changelog, "MAX_IDS", 3)
    cache.replace_snapshot("ws", T, [ws(n) for n in range(5)])
    assert [(e.kind, e.keys) for e in cache.changes_since(0)] == [("workspaces", None)]
    seq = cache.change_seq()
    row = cache.query("ws", limit=1)[0]
    cache.store_metrics(row["account"], row["region"], [(
        row["account"], row["region"], row["id"], 1.0, 10.0, 2, 50.0, 5.0, 20.0, 10.0, 10.0,
        None, "ok",
    )])  # fmt: skip
    assert [(e.kind, e.keys) for e in cache.changes_since(seq)] == [("workspaces", None)]


def test_one_read_turns_at_most_read_ids_into_keys(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A follower reads on the UI thread: a huge backlog still says which kinds changed."""
    monkeypatch.setattr(changelog, "READ_IDS", 5)
    first = cache.replace_snapshot("ws", T, [ws(n) for n in range(4)])
    cache.replace_snapshot("ws", T2, [ws(n) for n in range(4, 8)])
    cache.replace_snapshot("ws", T, [ws(n) for n in range(3)])  # one vanished row
    logged = cache.changes_since(0)
    # 4 ids, then 4 more (still under budget when started), then none: 8 >= 5.
    assert [e.keys is not None for e in logged] == [True, True, False]
    assert logged[0].keys == first.changed_keys and len(logged[1].keys or ()) == 4
    assert [e.kind for e in logged] == ["workspaces"] * 3


def test_the_log_keeps_its_last_rows_and_says_when_a_reader_fell_behind(
    cache: Cache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changelog, "KEEP", 3)
    for n in range(6):
        cache.replace_snapshot("ws", T2 if n % 2 else T, [ws(n)])
    assert cache.change_seq() == 6
    assert cache.conn.execute("SELECT count(*) FROM change_log").fetchone()[0] == 3
    # A reader at 4 gets 5 and 6; one at 1 missed 2 and 3: told so first.
    assert [e.seq for e in cache.changes_since(4)] == [5, 6]
    behind = cache.changes_since(1)
    assert [(e.seq, e.kind, e.keys) for e in behind[:1]] == [(3, "", None)]
    assert [e.seq for e in behind[1:]] == [4, 5, 6]
    # seq never goes back, even though the rows before it are gone.
    cache.replace_snapshot("ws", T, [ws(1, state="STOPPED")])
    assert cache.change_seq() == 7


def test_a_reader_ahead_of_a_rebuilt_log_starts_over_from_its_end(tmp_path: Path) -> None:
    """The cache at the path was rebuilt (recovered, replaced) under a follower: its log
    ends before the seq the follower saw. Without a "lost" entry the follower would
    ignore every write until the new log caught up."""
    fresh = Cache(tmp_path / "fresh.sqlite")
    try:
        fresh.replace_snapshot("ws", T, [ws(1)])
        assert fresh.change_seq() == 1
        assert [(e.seq, e.kind, e.keys) for e in fresh.changes_since(40)] == [(1, "", None)]
        assert fresh.changes_since(1) == []  # caught up: nothing more to say
        fresh.replace_snapshot("ws", T, [ws(1, state="STOPPED")])
        assert [e.seq for e in fresh.changes_since(1)] == [2]
    finally:
        fresh.close()


def test_a_v10_cache_gains_the_log_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    c = Cache(path)
    c.replace_snapshot("ws", T, [ws(n) for n in range(3)])
    c.conn.execute("DROP TABLE change_log")
    c.conn.execute("PRAGMA user_version = 10")
    c.close()

    c = Cache(path)
    assert c.schema_version == SCHEMA_VERSION == 11
    assert c.total("ws") == 3 and c.change_seq() == 0  # the log starts empty
    changes = c.replace_snapshot("ws", T, [ws(0, state="STOPPED"), ws(1), ws(2)])
    assert [e.keys for e in c.changes_since(0)] == [changes.changed_keys]
    c.close()
