"""Schema v4: raw JSON in a side table, a precomputed bare-word search column.

The search column must select exactly the rows the per-column LIKEs select.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wstui.core.cache import SCHEMA_VERSION, Cache
from wstui.core.kinds import resolve
from wstui.core.query import compile, search_column
from wstui.core.store import query as query_mod

T = SimpleNamespace(account="123456789012", region="us-east-1", profile=None)
WS = resolve("workspaces")
HOSTILE = [
    "[bold red]x[/]",
    "[link=file:///etc/passwd]y[/link]",
    "\x1b[31mred\x1b]8;;http://e\x07",
    "L" * 1000,
    "مستخدم",
    "東京ユーザー",
    "👩‍💻Dev",
    "ÉCOLE école",
    "a\x00hidden",
    "50%_off\\",
]


def ws(i: int, user: str | None, computer: str | None = None, ip: str | None = None) -> dict:
    item: dict = {"WorkspaceId": f"ws-{i:08d}", "State": "AVAILABLE", "DirectoryId": "d-12AB"}
    if user is not None:
        item["UserName"] = user
    if computer is not None:
        item["ComputerName"] = computer
    if ip is not None:
        item["IpAddress"] = ip
    return item


def like_only(text: str) -> tuple[str, list]:
    """The query compiled the pre-v4 way (one LIKE per search column)."""
    original = query_mod.search_column
    query_mod.search_column = lambda kind: None  # type: ignore[assignment]
    try:
        return compile(text, WS)
    finally:
        query_mod.search_column = original  # type: ignore[assignment]


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Cache:
    c = Cache(tmp_path_factory.mktemp("search") / "c.sqlite")
    items = [ws(i, u, computer=f"WSAMZN-{i}", ip=f"10.0.{i}.7") for i, u in enumerate(HOSTILE)]
    items += [ws(100, "Alice"), ws(101, None, computer="ALICEPC"), ws(102, "bob", ip="10.1.2.3")]
    c.replace_snapshot("ws", T, items)
    return c


def ids(c: Cache, where: str, params: list) -> set[str]:
    return {k[2] for k in c.keys("ws", where, params)}


def test_bare_words_use_the_search_column_and_match_case_insensitively(cache: Cache) -> None:
    where, params = compile("alice", WS)
    assert search_column(WS) in where and "LIKE" not in where
    assert ids(cache, where, params) == {"ws-00000100", "ws-00000101"}
    assert ids(cache, *compile("ALICE -alicepc", WS)) == {"ws-00000100"}
    # Quoted specials are literal, as LIKE with escapes was.
    assert ids(cache, *compile('"50%_off"', WS)) == {"ws-00000009"}
    # Only ASCII letters fold (SQLite LIKE): É and é differ.
    assert ids(cache, *compile("école", WS)) == {"ws-00000007"}
    assert ids(cache, *compile("ÉCOLE", WS)) == {"ws-00000007"}
    assert ids(cache, *compile("éCOLE", WS)) == {"ws-00000007"}
    assert ids(cache, *compile("ÉCOLE", WS)) == ids(cache, *like_only("ÉCOLE"))
    # A word never spans two columns (user "bob", ip "10.1.2.3").
    assert ids(cache, *compile('"bob10"', WS)) == set()


def test_globs_and_words_with_the_separator_fall_back_to_like(cache: Cache) -> None:
    where, _ = compile("al*ce", WS)
    assert "LIKE" in where
    assert ids(cache, *compile("al*ce", WS)) == {"ws-00000100", "ws-00000101"}
    where, _ = compile('"a\x1fb"', WS)
    assert "LIKE" in where


WORDS = st.one_of(
    st.sampled_from(
        ["a", "L", "ll", "10.0", "ws-0000000", "[", "\x1b", "hidden", "東京", "%", "_"]
    ),
    st.text(
        alphabet=st.sampled_from(list("aAlLbBé東0.-_%\\[]*\x1b\x00\x1f ")), min_size=0, max_size=4
    ),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(word=WORDS, negate=st.booleans())
def test_search_column_selects_exactly_what_the_likes_select(
    cache: Cache, word: str, negate: bool
) -> None:
    text = ("-" if negate else "") + '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'
    assert ids(cache, *compile(text, WS)) == ids(cache, *like_only(text))


def test_raw_lives_in_a_side_table_and_round_trips(cache: Cache) -> None:
    columns = {r[1] for r in cache.conn.execute("PRAGMA table_info(workspaces)")}
    assert "raw" not in columns
    row = cache.get("ws", "ws-00000003")
    assert row is not None and row["raw"]["UserName"] == "L" * 1000
    assert (
        cache.query("ws", "id = ?", ["ws-00000100"], with_raw=True)[0]["raw"]["UserName"] == "Alice"
    )
    assert "raw" not in cache.query("ws", limit=1)[0]


def test_vanished_rows_leave_no_raw_behind(tmp_path: Path) -> None:
    c = Cache(tmp_path / "c.sqlite")
    c.replace_snapshot("ws", T, [ws(1, "a"), ws(2, "b"), ws(3, "c")])
    c.replace_snapshot("ws", T, [ws(1, "a2")])
    c.delete_items("ws", T, ["ws-00000001"])
    assert c.conn.execute("SELECT count(*) FROM workspaces_raw").fetchone()[0] == 0
    c.upsert_items("ws", T, [ws(4, "dora")])
    assert ids(c, *compile("DORA", WS)) == {"ws-00000004"}
    c.close()


def test_a_version_3_cache_moves_raw_out_and_fills_the_search_column(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite"
    c = Cache(path)
    c.replace_snapshot("ws", T, [ws(1, "Zed", computer="PC-Q"), ws(2, "amy")])
    c.close()
    # Rewind to the v3 layout: raw back in the kind table, no side table, no search column.
    conn = sqlite3.connect(path)
    search = search_column(WS)
    conn.execute("ALTER TABLE workspaces ADD COLUMN raw TEXT NOT NULL DEFAULT ''")
    conn.execute(
        "UPDATE workspaces SET raw = (SELECT raw FROM workspaces_raw AS r WHERE r.id = workspaces.id)"
    )
    conn.execute(f'ALTER TABLE workspaces DROP COLUMN "{search}"')
    for kind_table in [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE name LIKE '%\\_raw' ESCAPE '\\'"
        )
    ]:
        conn.execute(f'DROP TABLE "{kind_table}"')
    conn.execute("ALTER TABLE refresh_status DROP COLUMN rows")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()

    c = Cache(path)
    assert c.schema_version == SCHEMA_VERSION >= 5
    (status,) = c.status()
    assert status["rows"] == 2  # counted once by the v5 step
    columns = {r[1] for r in c.conn.execute("PRAGMA table_info(workspaces)")}
    assert "raw" not in columns and search in columns
    assert c.get("ws", "ws-00000001")["raw"]["ComputerName"] == "PC-Q"
    assert ids(c, *compile("zed", WS)) == {"ws-00000001"}
    assert ids(c, *compile("pc-q", WS)) == {"ws-00000001"}
    # Writes after the migration diff against the migrated rows.
    changes = c.replace_snapshot("ws", T, [ws(1, "Zed", computer="PC-Q"), ws(2, "amy2")])
    assert (changes.added, changes.changed) == (0, 1)
    assert (
        json.loads(
            c.conn.execute("SELECT raw FROM workspaces_raw WHERE id = 'ws-00000002'").fetchone()[0]
        )["UserName"]
        == "amy2"
    )
    c.close()


@pytest.mark.slow
def test_a_bare_word_scan_of_100k_rows_reads_no_raw_json(tmp_path: Path) -> None:
    c = Cache(tmp_path / "big.sqlite")
    pad = "x" * 600  # raw JSON of realistic size
    c.replace_snapshot("ws", T, [{**ws(i, f"user{i}"), "Pad": pad} for i in range(100_000)])
    where, params = compile("user123", WS)
    start = time.perf_counter()
    assert c.count("ws", where, params) == 111  # user123, user1230-9, user12300-99
    elapsed = time.perf_counter() - start
    pages_main = (
        c.conn.execute("SELECT count(*) FROM dbstat WHERE name = 'workspaces'").fetchone()[0]
        if _has_dbstat(c)
        else None
    )
    if pages_main is not None:
        pages_raw = c.conn.execute(
            "SELECT count(*) FROM dbstat WHERE name = 'workspaces_raw'"
        ).fetchone()[0]
        assert pages_main * 2 < pages_raw
    assert elapsed < 2.0
    c.close()


def _has_dbstat(c: Cache) -> bool:
    try:
        c.conn.execute("SELECT 1 FROM dbstat LIMIT 1")
    except sqlite3.Error:
        return False
    return True


def test_status_row_counts_follow_every_write(tmp_path: Path) -> None:
    c = Cache(tmp_path / "c.sqlite")
    other = SimpleNamespace(account="210987654321", region="eu-west-1", profile=None)
    c.replace_snapshot("ws", T, [ws(i, "u") for i in range(5)])
    c.replace_snapshot("ws", other, [ws(i, "u") for i in range(10, 13)])

    def rows() -> dict[tuple[str, str], int]:
        return {
            (r["account"], r["region"]): r["rows"] for r in c.status() if r["kind"] == "workspaces"
        }

    assert rows() == {(T.account, T.region): 5, (other.account, other.region): 3}
    c.replace_snapshot("ws", T, [ws(i, "u") for i in range(4)])  # one vanished
    c.upsert_items("ws", other, [ws(20, "new")])  # one followed id appeared
    c.delete_items("ws", other, ["ws-00000010"])
    assert rows() == {(T.account, T.region): 4, (other.account, other.region): 3}
    # An attempt on a target never listed before still reports what is cached for it.
    third = SimpleNamespace(account="333333333333", region="us-west-2", profile=None)
    c.upsert_items("ws", third, [ws(30, "x")])
    c.record_attempt("ws", third, "boom")
    assert rows()[(third.account, third.region)] == 1
    c.close()


def test_an_up_to_date_cache_opens_without_a_write_transaction(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    Cache(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        start = time.perf_counter()
        c = Cache(path)  # would wait for busy_timeout (5 s) if it took the lock
        assert time.perf_counter() - start < 2.0
        assert c.schema_version == SCHEMA_VERSION
        c.close()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
