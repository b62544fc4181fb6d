"""The cache's schema: one table per kind (derived from ``core.kinds``) and the shared
tables, created and upgraded by MIGRATIONS (``PRAGMA user_version``).

Each kind's table is keyed by (account, region, id), with the extracted columns,
``seen_at``, a digest and a precomputed bare-word search text; the raw API JSON lives in
a side table ``<kind>_raw`` with the same key, so the scans a filter does read only what
a filter can test (about a quarter of the bytes).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

from wstui.core.kinds import KEY_COLUMNS, KINDS, Column, Kind
from wstui.core.store import changelog, metrics, usage, watch
from wstui.core.store.audit import outcome_fields
from wstui.core.store.query import search_column, search_text
from wstui.core.store.sql import q
from wstui.core.store.status import store_row_count

SCHEMA_VERSION = 11
DIGEST = "digest"  # the per-row column of core.digest.item_digest (schema v8)

_SQL_TYPES = {"text": "TEXT COLLATE NOCASE", "int": "INTEGER", "float": "REAL", "ts": "REAL"}


def script(conn: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one: executescript() would COMMIT the migration transaction."""
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS refresh_status (
            kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL,
            last_success REAL, last_attempt REAL, last_error TEXT,
            PRIMARY KEY (kind, account, region));
        CREATE TABLE IF NOT EXISTS history (
            seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, account TEXT NOT NULL,
            region TEXT NOT NULL, id TEXT NOT NULL, field TEXT, old, new, at REAL NOT NULL);
        CREATE TABLE IF NOT EXISTS tags (
            kind TEXT NOT NULL, account TEXT NOT NULL, region TEXT NOT NULL, id TEXT NOT NULL,
            key TEXT NOT NULL, value TEXT NOT NULL,
            PRIMARY KEY (kind, account, region, id, key));
        CREATE TABLE IF NOT EXISTS audit (
            id INTEGER PRIMARY KEY, at REAL NOT NULL, action TEXT NOT NULL,
            account TEXT, region TEXT, profile TEXT, caller TEXT, ids TEXT, params TEXT,
            request_id TEXT, finished_at REAL, outcomes TEXT);
        """,
    )


def _v2(conn: sqlite3.Connection) -> None:
    """History events (created/vanished), error time, per-id audit outcomes, indexes."""
    script(
        conn,
        """
        ALTER TABLE history ADD COLUMN event TEXT NOT NULL DEFAULT 'changed';
        ALTER TABLE refresh_status ADD COLUMN last_error_at REAL;
        CREATE TABLE audit_items (
            audit_id INTEGER NOT NULL, id TEXT NOT NULL, status TEXT NOT NULL,
            code TEXT, message TEXT, PRIMARY KEY (audit_id, id));
        CREATE INDEX IF NOT EXISTS history_at ON history (at);
        CREATE INDEX IF NOT EXISTS history_key ON history (kind, account, region, id);
        CREATE INDEX IF NOT EXISTS tags_key_value ON tags (kind, key, value);
        """,
    )
    # v1 kept outcomes as one JSON blob per audit row: move them to audit_items.
    for audit_id, blob in conn.execute("SELECT id, outcomes FROM audit WHERE outcomes IS NOT NULL"):
        try:
            outcomes = json.loads(blob)
        except (TypeError, ValueError):
            continue
        if isinstance(outcomes, dict):
            conn.executemany(
                "INSERT OR REPLACE INTO audit_items VALUES (?, ?, ?, ?, ?)",
                [(audit_id, str(i), *outcome_fields(o)) for i, o in outcomes.items()],
            )


def _v3(conn: sqlite3.Connection) -> None:
    """Connection history for idle/cost insight; the watcher lease of a shared cache."""
    usage.install(conn)
    watch.install(conn)


def _v4(conn: sqlite3.Connection) -> None:
    """Raw JSON moves out of the kind tables into ``<kind>_raw`` side tables."""
    for kind in KINDS.values():
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({q(kind.table)})")}
        if "raw" not in present:
            continue
        conn.execute(_raw_ddl(kind))
        conn.execute(
            f"INSERT OR REPLACE INTO {q(raw_table(kind))} (account, region, id, raw) "
            f"SELECT account, region, id, raw FROM {q(kind.table)}"
        )
        conn.execute(f"ALTER TABLE {q(kind.table)} DROP COLUMN raw")  # SQLite >= 3.35


def _v5(conn: sqlite3.Connection) -> None:
    """Row counts per (kind, target) kept in refresh_status, so status() (read by the
    TUI header every second) need not count 100,000 rows each time."""
    present = {row[1] for row in conn.execute("PRAGMA table_info(refresh_status)")}
    if "rows" not in present:
        conn.execute("ALTER TABLE refresh_status ADD COLUMN rows INTEGER")
    for kind in KINDS.values():
        if conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (kind.table,)
        ).fetchone():
            store_row_count(conn, kind, None)


def _v6(conn: sqlite3.Connection) -> None:
    """Failures of targets whose account is not known yet, keyed by (profile, region).

    They used to go to refresh_status under account '' -- one row per region for every
    profile, never cleared once the target resolved and refreshed, so the header said
    "never updated STALE" for good. Now they live in `unresolved_status` until the target
    resolves; `target_accounts` remembers what each (profile, region) last resolved to, so
    a target that cannot resolve after a restart is shown against its cached rows.
    """
    script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS unresolved_status (
            kind TEXT NOT NULL, profile TEXT NOT NULL, region TEXT NOT NULL,
            last_attempt REAL, last_error TEXT, last_error_at REAL,
            PRIMARY KEY (kind, profile, region));
        CREATE TABLE IF NOT EXISTS target_accounts (
            profile TEXT NOT NULL, region TEXT NOT NULL, account TEXT NOT NULL, at REAL,
            PRIMARY KEY (profile, region));
        DELETE FROM refresh_status WHERE account = '' AND coalesce(rows, 0) = 0;
        """,
    )


def _v7(conn: sqlite3.Connection) -> None:
    """Audit items by id: the gateway asks for each id's last call before every send."""
    conn.execute("CREATE INDEX IF NOT EXISTS audit_items_id ON audit_items (id)")


def _v8(conn: sqlite3.Connection) -> None:
    """Accounts found by AWS Organizations discovery (core.org), per discovery source
    (management profile + role): the regions with WorkSpaces, or why the account cannot be
    used (the role refused). Targets are rebuilt from it at start-up without AWS calls,
    and refused accounts stay visible in `:targets` / `wstui targets`."""
    script(
        conn,
        """
        CREATE TABLE IF NOT EXISTS org_accounts (
            source TEXT NOT NULL, account TEXT NOT NULL, name TEXT, role TEXT NOT NULL,
            regions TEXT NOT NULL DEFAULT '[]', error TEXT, at REAL,
            PRIMARY KEY (source, account));
        """,
    )


def _v9(conn: sqlite3.Connection) -> None:
    """A digest per row (``core.digest``): a write leaves rows whose item did not change
    untouched. NULL (rows written before) compares as changed, so the first write after
    the upgrade fills it."""
    for kind in KINDS.values():
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({q(kind.table)})")}
        if present and DIGEST not in present:
            conn.execute(f"ALTER TABLE {q(kind.table)} ADD COLUMN {DIGEST} INTEGER")


def _v10(conn: sqlite3.Connection) -> None:
    """Per-WorkSpace CloudWatch aggregates and the watermark of their last read."""
    metrics.install(conn)


def _v11(conn: sqlite3.Connection) -> None:
    """A log of the writes that changed rows (``store.changelog``): a TUI following
    another process's watcher re-reads and highlights only what changed, and never for
    the watcher's heartbeat commits."""
    changelog.install(conn)


# MIGRATIONS[n] takes a database at user_version n to n + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11,
]  # fmt: skip
assert len(MIGRATIONS) == SCHEMA_VERSION


def raw_table(kind: Kind) -> str:
    return f"{kind.table}_raw"


def _raw_ddl(kind: Kind) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {q(raw_table(kind))} (account TEXT NOT NULL, "
        "region TEXT NOT NULL, id TEXT NOT NULL, raw TEXT NOT NULL, "
        "PRIMARY KEY (account, region, id))"
    )


def _kind_ddl(kind: Kind) -> str:
    cols = [f"{q(c)} TEXT NOT NULL" for c in KEY_COLUMNS]
    cols += [f"{q(c.name)} {_SQL_TYPES[c.type]}" for c in kind.stored_columns]
    search = search_column(kind)
    if search:
        cols.append(f"{q(search)} TEXT")
    cols += ["seen_at REAL NOT NULL", f"{DIGEST} INTEGER", "PRIMARY KEY (account, region, id)"]
    return f"CREATE TABLE IF NOT EXISTS {q(kind.table)} ({', '.join(cols)})"


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Bring the schema to SCHEMA_VERSION and every kind's tables to the registry
    (the caller holds the write transaction)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"cache {path} has schema {version}, newer than this wstui "
            f"({SCHEMA_VERSION}); upgrade wstui or use another --cache"
        )
    for step in MIGRATIONS[version:]:
        step(conn)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    for kind in KINDS.values():
        _sync_kind_table(conn, kind)


def up_to_date(conn: sqlite3.Connection) -> bool:
    """True when the schema version and every kind's tables, columns and indexes
    already match the registry (read in two queries)."""
    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        return False
    present = set(
        conn.execute(
            "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p "
            "WHERE m.type = 'table'"
        ).fetchall()
    )
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    for kind in KINDS.values():
        search = search_column(kind)
        wanted = [*KEY_COLUMNS, *(c.name for c in kind.stored_columns), "seen_at", DIGEST]
        wanted += [search] if search else []
        if any((kind.table, name) not in present for name in wanted):
            return False
        if (raw_table(kind), "raw") not in present:
            return False
        if any(f"{kind.table}_{c.name}" not in indexes for c in kind.stored_columns if c.index):
            return False
    return True


def _sync_kind_table(conn: sqlite3.Connection, kind: Kind) -> None:
    """Create the kind's tables, add columns the registry gained (back-filled), index."""
    conn.execute(_kind_ddl(kind))
    conn.execute(_raw_ddl(kind))
    present = {row[1] for row in conn.execute(f"PRAGMA table_info({q(kind.table)})")}
    if DIGEST not in present:
        conn.execute(f"ALTER TABLE {q(kind.table)} ADD COLUMN {DIGEST} INTEGER")
    missing = [c for c in kind.stored_columns if c.name not in present]
    for col in missing:
        conn.execute(
            f"ALTER TABLE {q(kind.table)} ADD COLUMN {q(col.name)} {_SQL_TYPES[col.type]}"
        )
    if missing:
        _backfill(conn, kind, missing)
    search = search_column(kind)
    if search and search not in present:
        conn.execute(f"ALTER TABLE {q(kind.table)} ADD COLUMN {q(search)} TEXT")
        _backfill_search(conn, kind, search)
    for col in kind.stored_columns:
        if col.index:
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS {q(f'{kind.table}_{col.name}')} "
                f"ON {q(kind.table)} ({q(col.name)}, account, region, id)"
            )


def _backfill(conn: sqlite3.Connection, kind: Kind, cols: list[Column]) -> None:
    sets = ", ".join(f"{q(c.name)} = ?" for c in cols)
    sql = f"UPDATE {q(kind.table)} SET {sets} WHERE rowid = ?"
    table, raws = q(kind.table), q(raw_table(kind))
    rows = conn.execute(
        f"SELECT {table}.rowid, {raws}.raw FROM {table} JOIN {raws} USING (account, region, id)"
    ).fetchall()
    updates = []
    for rowid, raw in rows:
        try:
            item = json.loads(raw)
        except (TypeError, ValueError):
            continue
        values = kind.extract_row(item) if isinstance(item, dict) else {}
        updates.append((*(values.get(c.name) for c in cols), rowid))
    conn.executemany(sql, updates)


def _backfill_search(conn: sqlite3.Connection, kind: Kind, search: str) -> None:
    """Fill a new search column from the row's stored columns (the text writes store)."""
    names = [c.name for c in kind.stored_columns]
    cursor = conn.execute(f"SELECT rowid, id, {', '.join(map(q, names))} FROM {q(kind.table)}")
    updates = [
        (search_text(kind, {"id": r[1], **dict(zip(names, r[2:], strict=True))}), r[0])
        for r in cursor.fetchall()
    ]
    conn.executemany(f"UPDATE {q(kind.table)} SET {q(search)} = ? WHERE rowid = ?", updates)
