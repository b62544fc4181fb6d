"""The ``change_log`` table: one row per write that changed what a screen shows, so a
TUI following another process's watcher (``ui.commands.WatchFollower``) learns *which*
rows changed -- and that anything did: a watcher's lease heartbeat commits too, and
``PRAGMA data_version`` cannot tell the two apart.

``history`` is not enough for this: a first load writes no "created" events (100,000 of
them would bury the history) and metric/usage columns make none either. Each row holds
one (kind, account, region) and the ids it changed, or NULL ids when there were more than
MAX_IDS of them (or the writer does not say which): the follower then re-reads without
highlights. ``seq`` is AUTOINCREMENT, so it never goes back even after pruning; only the
last KEEP rows are kept.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass

# Beyond this many ids one logged write is "everything changed" (no highlights). Equal to
# store.writes.WRITE_CHUNK, so each chunk of a first load still names its rows.
MAX_IDS = 2000
# Rows kept: at most KEEP x MAX_IDS ids (~7 MB). A follower polls every 2 s; one further
# behind than this is told so and re-reads without highlights.
KEEP = 200
# Ids one read turns into keys; later entries of that read come back without keys. The
# follower reads on the UI thread: ~0.7 us per id, so a follower that finds a whole
# 100,000-row first load waiting (~70 ms) highlights its first 20,000 rows (~14 ms).
READ_IDS = 20_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, account TEXT NOT NULL,
    region TEXT NOT NULL, ids TEXT, at REAL NOT NULL)
"""


@dataclass(frozen=True)
class Logged:
    """One logged write: `keys` None when it did not say which rows (too many, metrics)."""

    seq: int
    kind: str
    keys: frozenset[tuple[str, str, str]] | None


def install(conn: sqlite3.Connection) -> None:
    conn.execute(SCHEMA)


def record(
    conn: sqlite3.Connection, kind: str, account: str, region: str,
    ids: Collection[str] | None, now: float,
) -> None:  # fmt: skip
    """Log a write (inside the caller's write transaction, so it commits with the rows)."""
    blob = None if ids is None or len(ids) > MAX_IDS else json.dumps(sorted(ids))
    cur = conn.execute(
        "INSERT INTO change_log (kind, account, region, ids, at) VALUES (?, ?, ?, ?, ?)",
        (kind, account, region, blob, now),
    )
    if cur.lastrowid is not None and cur.lastrowid > KEEP:
        conn.execute("DELETE FROM change_log WHERE seq <= ?", (cur.lastrowid - KEEP,))


def latest(conn: sqlite3.Connection) -> int:
    """The last seq written (0 for none): where a new follower starts."""
    row = conn.execute("SELECT max(seq) FROM change_log").fetchone()
    return int(row[0] or 0)


def since(conn: sqlite3.Connection, seq: int) -> list[Logged]:
    """The writes logged after `seq`, oldest first (one range read of the primary key).

    If rows after `seq` were pruned already, or the log ends before `seq` (a rebuilt
    cache), the first entry is a `Logged(seq, "", None)` saying "some writes are lost:
    re-read everything". Entries past the first READ_IDS
    ids come without keys.
    """
    budget = READ_IDS
    rows = conn.execute(
        "SELECT seq, kind, account, region, ids FROM change_log WHERE seq > ? ORDER BY seq",
        (seq,),
    ).fetchall()
    out: list[Logged] = []
    if not rows:
        top = latest(conn)
        # A log younger than what the caller saw: the cache was rebuilt under it (another
        # file at the path). Start over from its end, re-reading everything once.
        return [Logged(top, "", None)] if top < seq else []
    if rows[0][0] != seq + 1:
        out.append(Logged(rows[0][0] - 1, "", None))
    for row_seq, kind, account, region, ids in rows:
        keys = None
        if ids is not None and budget > 0:
            try:
                keys = frozenset((account, region, str(i)) for i in json.loads(ids))
            except (TypeError, ValueError):
                keys = None  # a damaged row still says "this kind changed"
            budget -= len(keys or ())
        out.append(Logged(int(row_seq), str(kind), keys))
    return out
