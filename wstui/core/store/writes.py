"""The local SQLite cache every screen and CLI command reads from.

One table per kind (derived from ``core.kinds``), keyed by (account, region, id), with
the extracted columns, ``seen_at`` and a precomputed bare-word search text; the raw API
JSON lives in a side table ``<kind>_raw`` with the same key, so the scans a filter does
read only what a filter can test (about a quarter of the bytes). A refresh of one (target, kind)
is one transaction. Each thread gets its own sqlite connection (the UI reads in worker
threads while the refresher writes); WAL lets readers run during a write.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from wstui.core import insight, metrics, watch
from wstui.core.digest import item_digest, kind_salt
from wstui.core.digest import json_default as _json_default
from wstui.core.gcpause import gc_paused
from wstui.core.kinds import KEY_COLUMNS, KINDS, Column, Kind, resolve, tags_of
from wstui.core.prices import Prices
from wstui.core.query import search_column, search_text

if TYPE_CHECKING:
    import sqlite_utils  # `Cache.db` only (dev extra): see README "Why plain sqlite3"

SCHEMA_VERSION = 10
BUSY_TIMEOUT_MS = 5000
BATCH = 2000
# Moved rows written per transaction when a write has many (a first load): another writer
# (an audit row before a mutation) waits for one chunk, not the target's whole listing.
WRITE_CHUNK = 2000
HISTORY_KEEP_SECONDS = 14 * 86400
DIGEST = "digest"  # the per-row column of core.digest.item_digest (schema v8)
# Keys the listers merge into raw items from other calls; a targeted re-read
# (upsert_items) that lacks them keeps the cached ones instead of blanking them.
MERGED_KEYS = ("Tags", "ConnectionStatus", "ConnectionAliasPermissions", insight.USAGE_KEY)
# Shown as per-tag history rows ("tag:Owner") instead of one blob diff; usage figures
# move daily and are not changes anyone needs in the history.
_NO_HISTORY = frozenset({"tags", "used_days", "advice", "advice_why", *metrics.COLUMNS})
_SECRET_WORDS = ("secret", "password", "token", "credential", "accesskey", "sessionkey")

Key = tuple[str, str, str]


class TargetLike(Protocol):
    account: str
    region: str


@dataclass(frozen=True)
class Changes:
    """What one write did. ``changed_keys`` holds the keys of added, changed and removed rows."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    changed_keys: frozenset[Key] = field(default_factory=frozenset)

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed

    def __bool__(self) -> bool:
        return self.total > 0


def default_cache_path() -> Path:
    """``$WSTUI_CACHE_DIR/cache.sqlite``, else the platform's user cache dir."""
    env = os.environ.get("WSTUI_CACHE_DIR")
    if env:
        base = Path(env).expanduser()
    else:
        import platformdirs  # here, not at import: it pulls in tempfile and shutil (~5 ms)

        base = Path(platformdirs.user_cache_dir("wstui"))
    return base / "cache.sqlite"


# --------------------------------------------------------------------------- schema

_SQL_TYPES = {"text": "TEXT COLLATE NOCASE", "int": "INTEGER", "float": "REAL", "ts": "REAL"}


def _q(name: str) -> str:
    """Quote an identifier (names come from the registry, never from users)."""
    return '"' + name.replace('"', '""') + '"'


def _script(conn: sqlite3.Connection, sql: str) -> None:
    """Run statements one by one: executescript() would COMMIT the migration transaction."""
    for statement in sql.split(";"):
        if statement.strip():
            conn.execute(statement)


def _v1(conn: sqlite3.Connection) -> None:
    _script(
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
    _script(
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
                [(audit_id, str(i), *_outcome_fields(o)) for i, o in outcomes.items()],
            )


def _v3(conn: sqlite3.Connection) -> None:
    """Connection history for idle/cost insight; the watcher lease of a shared cache."""
    insight.install(conn)
    watch.install(conn)


def _v4(conn: sqlite3.Connection) -> None:
    """Raw JSON moves out of the kind tables into ``<kind>_raw`` side tables."""
    for kind in KINDS.values():
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({_q(kind.table)})")}
        if "raw" not in present:
            continue
        conn.execute(_raw_ddl(kind))
        conn.execute(
            f"INSERT OR REPLACE INTO {_q(_raw_table(kind))} (account, region, id, raw) "
            f"SELECT account, region, id, raw FROM {_q(kind.table)}"
        )
        conn.execute(f"ALTER TABLE {_q(kind.table)} DROP COLUMN raw")  # SQLite >= 3.35


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
            _store_row_count(conn, kind, None)


def _store_row_count(conn: sqlite3.Connection, kind: Kind, target: tuple[str, str] | None) -> None:
    """Recount the kind's rows of one (account, region), or of every target.

    Every (account, region) holding rows gets a refresh_status row, so the stored counts
    always add up to the table's (Cache.total).
    """
    table = _q(kind.table)
    if target is None:
        conn.execute(
            "INSERT OR IGNORE INTO refresh_status (kind, account, region) "
            f"SELECT DISTINCT ?, account, region FROM {table}",
            (kind.name,),
        )
    else:
        conn.execute(
            "INSERT OR IGNORE INTO refresh_status (kind, account, region) VALUES (?, ?, ?)",
            (kind.name, *target),
        )
    where = "kind = ?" + ("" if target is None else " AND account = ? AND region = ?")
    conn.execute(
        f"UPDATE refresh_status SET rows = (SELECT count(*) FROM {table} AS t "
        f"WHERE t.account = refresh_status.account AND t.region = refresh_status.region) "
        f"WHERE {where}",
        (kind.name, *(target or ())),
    )


def _v6(conn: sqlite3.Connection) -> None:
    """Failures of targets whose account is not known yet, keyed by (profile, region).

    They used to go to refresh_status under account '' -- one row per region for every
    profile, never cleared once the target resolved and refreshed, so the header said
    "never updated STALE" for good. Now they live in `unresolved_status` until the target
    resolves; `target_accounts` remembers what each (profile, region) last resolved to, so
    a target that cannot resolve after a restart is shown against its cached rows.
    """
    _script(
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
    _script(
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
        present = {row[1] for row in conn.execute(f"PRAGMA table_info({_q(kind.table)})")}
        if present and DIGEST not in present:
            conn.execute(f"ALTER TABLE {_q(kind.table)} ADD COLUMN {DIGEST} INTEGER")


def _v10(conn: sqlite3.Connection) -> None:
    """Per-WorkSpace CloudWatch aggregates and the watermark of their last read."""
    metrics.install(conn)


# MIGRATIONS[n] takes a database at user_version n to n + 1.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10,
]  # fmt: skip
assert len(MIGRATIONS) == SCHEMA_VERSION


def _raw_table(kind: Kind) -> str:
    return f"{kind.table}_raw"


def _raw_ddl(kind: Kind) -> str:
    return (
        f"CREATE TABLE IF NOT EXISTS {_q(_raw_table(kind))} (account TEXT NOT NULL, "
        "region TEXT NOT NULL, id TEXT NOT NULL, raw TEXT NOT NULL, "
        "PRIMARY KEY (account, region, id))"
    )


def _kind_ddl(kind: Kind) -> str:
    cols = [f"{_q(c)} TEXT NOT NULL" for c in KEY_COLUMNS]
    cols += [f"{_q(c.name)} {_SQL_TYPES[c.type]}" for c in kind.stored_columns]
    search = search_column(kind)
    if search:
        cols.append(f"{_q(search)} TEXT")
    cols += ["seen_at REAL NOT NULL", f"{DIGEST} INTEGER", "PRIMARY KEY (account, region, id)"]
    return f"CREATE TABLE IF NOT EXISTS {_q(kind.table)} ({', '.join(cols)})"


def _sync_kind_table(conn: sqlite3.Connection, kind: Kind) -> None:
    """Create the kind's tables, add columns the registry gained (back-filled), index."""
    conn.execute(_kind_ddl(kind))
    conn.execute(_raw_ddl(kind))
    present = {row[1] for row in conn.execute(f"PRAGMA table_info({_q(kind.table)})")}
    if DIGEST not in present:
        conn.execute(f"ALTER TABLE {_q(kind.table)} ADD COLUMN {DIGEST} INTEGER")
    missing = [c for c in kind.stored_columns if c.name not in present]
    for col in missing:
        conn.execute(
            f"ALTER TABLE {_q(kind.table)} ADD COLUMN {_q(col.name)} {_SQL_TYPES[col.type]}"
        )
    if missing:
        _backfill(conn, kind, missing)
    search = search_column(kind)
    if search and search not in present:
        conn.execute(f"ALTER TABLE {_q(kind.table)} ADD COLUMN {_q(search)} TEXT")
        _backfill_search(conn, kind, search)
    for col in kind.stored_columns:
        if col.index:
            conn.execute(
                f"CREATE INDEX IF NOT EXISTS {_q(f'{kind.table}_{col.name}')} "
                f"ON {_q(kind.table)} ({_q(col.name)}, account, region, id)"
            )


def _backfill(conn: sqlite3.Connection, kind: Kind, cols: list[Column]) -> None:
    sets = ", ".join(f"{_q(c.name)} = ?" for c in cols)
    sql = f"UPDATE {_q(kind.table)} SET {sets} WHERE rowid = ?"
    table, raws = _q(kind.table), _q(_raw_table(kind))
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
    cursor = conn.execute(f"SELECT rowid, id, {', '.join(map(_q, names))} FROM {_q(kind.table)}")
    updates = [
        (search_text(kind, {"id": r[1], **dict(zip(names, r[2:], strict=True))}), r[0])
        for r in cursor.fetchall()
    ]
    conn.executemany(f"UPDATE {_q(kind.table)} SET {_q(search)} = ? WHERE rowid = ?", updates)


# ---------------------------------------------------------------------- helpers


def dumps(item: Any) -> str:
    return json.dumps(item, default=_json_default, ensure_ascii=False, separators=(",", ":"))


def raw_of(row: dict | None) -> dict:
    """A row's raw API item (``with_raw`` rows hold it parsed or as text); {} if none or bad."""
    raw = (row or {}).get("raw")
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def _outcome_fields(outcome: Any) -> tuple[str, str | None, str | None]:
    """(status, code, message) from a dict or an Outcome-like object."""
    if isinstance(outcome, dict):
        get = outcome.get
    else:

        def get(name: str, default: Any = None) -> Any:
            return getattr(outcome, name, default)

    status = get("status") or "unknown"
    code, message = get("code"), get("message")
    return (
        str(status),
        None if code is None else str(code),
        None if message is None else str(message),
    )


def _scrub(params: Any) -> Any:
    """Drop anything that looks like a secret before it reaches the audit table."""
    if isinstance(params, dict):
        return {
            k: "***"
            if any(w in str(k).lower().replace("_", "") for w in _SECRET_WORDS)
            else _scrub(v)
            for k, v in params.items()
        }
    if isinstance(params, list | tuple):
        return [_scrub(v) for v in params]
    return params


def _chunks(seq: Sequence[Any], size: int = BATCH) -> Iterator[Sequence[Any]]:
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


@dataclass
class _Prepared:
    rows: dict[str, dict[str, Any]]
    raws: dict[str, str]
    tags: dict[str, list[tuple[str, str]]]
    search: dict[str, str]


@dataclass
class _Step:
    """One write's inputs and what its transactions have done so far."""

    kind: Kind
    account: str
    region: str
    now: float
    initial: bool
    items: dict[str, dict]
    digests: dict[str, int]
    prep: _Prepared
    dirty: set[str] = field(default_factory=set)  # ids written (or found unchanged) so far
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


# ------------------------------------------------------------------------ the cache


class Cache:
    """SQLite store for listings, refresh status, change history and the audit log."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()
        self.notices: list[str] = []  # set by recovery.open_cache when the cache was rebuilt
        self._local = threading.local()
        # Every open connection by the thread that owns it, so that close() reaches all of
        # them and a new connection closes those of threads that have ended (see `conn`).
        self._conns: dict[threading.Thread, sqlite3.Connection] = {}
        self._conns_lock = threading.Lock()
        self.clock: Callable[[], float] = time.time  # tests move time for usage history
        self._usage = insight.UsageTracker()
        self._salts: dict[str, bytes] = {}
        # Prices for the cost columns: the shipped table unless the caller sets config's.
        self.prices = Prices.shipped()
        self._prepare_files()
        self._migrate()

    # ---- connections

    def _prepare_files(self) -> None:
        directory = self.path.parent
        if not directory.exists():
            directory.mkdir(parents=True, mode=0o700)
            os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask
        fd = os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600)
        os.close(fd)
        os.chmod(self.path, 0o600)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,  # only so close() can close every thread's connection
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        """This thread's connection (created on first use).

        Threads come and go (the refresher's listings, the TUI's thread workers), and a
        connection nobody closes keeps its database and WAL descriptors open for the life
        of the process: a TUI left open all day reached 1,100 of them. So opening one
        first closes the connections of threads that have ended. That is done here, at
        the depth where connections are made, rather than trusting every caller to run on
        long-lived threads, and without relying on when a dead thread's locals are freed.
        """
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
            with self._conns_lock:
                dead = [t for t in self._conns if not t.is_alive()]
                ended = [self._conns.pop(t) for t in dead]
                self._conns[threading.current_thread()] = conn
            for old in ended:  # an ended thread cannot be using its connection any more
                with suppress(sqlite3.Error):
                    old.close()
        return conn

    @property
    def open_connections(self) -> int:
        """How many connections this cache holds open (one per live thread that used it)."""
        with self._conns_lock:
            return len(self._conns)

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils view of this thread's connection, for ad-hoc inspection from a
        REPL or a test (needs the `dev` extra; nothing in the app calls it)."""
        import sqlite_utils

        return sqlite_utils.Database(self.conn)

    def close(self) -> None:
        """Close every thread's connection; a later use opens a fresh one."""
        with self._conns_lock:
            conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")  # take the write lock up front: no upgrade deadlocks
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _migrate(self) -> None:
        if self._up_to_date():
            return  # the common start-up: no write lock, no DDL
        with self._tx() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise RuntimeError(
                    f"cache {self.path} has schema {version}, newer than this wstui "
                    f"({SCHEMA_VERSION}); upgrade wstui or use another --cache"
                )
            for step in MIGRATIONS[version:]:
                step(conn)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            for kind in KINDS.values():
                _sync_kind_table(conn, kind)

    def _up_to_date(self) -> bool:
        """True when the schema version and every kind's tables, columns and indexes
        already match the registry (read in two queries)."""
        conn = self.conn
        if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            return False
        present = set(
            conn.execute(
                "SELECT m.name, p.name FROM sqlite_master AS m, pragma_table_info(m.name) AS p "
                "WHERE m.type = 'table'"
            ).fetchall()
        )
        indexes = {
            r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")
        }
        for kind in KINDS.values():
            search = search_column(kind)
            wanted = [*KEY_COLUMNS, *(c.name for c in kind.stored_columns), "seen_at", DIGEST]
            wanted += [search] if search else []
            if any((kind.table, name) not in present for name in wanted):
                return False
            if (_raw_table(kind), "raw") not in present:
                return False
            if any(f"{kind.table}_{c.name}" not in indexes for c in kind.stored_columns if c.index):
                return False
        return True

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    # ---- writes

    def replace_snapshot(self, kind: Kind | str, target: TargetLike, items: list[dict]) -> Changes:
        """Apply a COMPLETE listing: upsert listed rows, delete vanished ones, record history."""
        return self._write(resolve(kind), target, items, complete=True)

    def upsert_items(self, kind: Kind | str, target: TargetLike, items: list[dict]) -> Changes:
        """Apply a partial read (followed ids): upsert only, never delete."""
        return self._write(resolve(kind), target, items, complete=False)

    def delete_items(self, kind: Kind | str, target: TargetLike, ids: Sequence[str]) -> Changes:
        """Remove rows known to be gone (e.g. a followed id came back TERMINATED)."""
        kind = resolve(kind)
        account, region, now = str(target.account), str(target.region), time.time()
        with self._tx() as conn:
            present = self._load_rows(conn, kind, account, region, [], [str(i) for i in ids])
            gone = sorted(present)
            keys = [(account, region, i) for i in gone]
            for table in (kind.table, _raw_table(kind)):
                conn.executemany(
                    f"DELETE FROM {_q(table)} WHERE account = ? AND region = ? AND id = ?", keys
                )
            conn.executemany(
                "DELETE FROM tags WHERE kind = ? AND account = ? AND region = ? AND id = ?",
                [(kind.name, *k) for k in keys],
            )
            conn.executemany(
                "INSERT INTO history (kind, account, region, id, event, at) VALUES (?, ?, ?, ?, 'vanished', ?)",
                [(kind.name, *k, now) for k in keys],
            )
            _store_row_count(conn, kind, (account, region))
        return Changes(removed=len(gone), changed_keys=frozenset(keys))

    def store_metrics(self, account: str, region: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Store a metrics pass (rows as ``metrics.read_target`` builds them) and set those
        WorkSpaces' metric and cost columns, in one transaction."""
        with self._tx() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO metrics (account, region, id, read_to, hours, sessions,"
                " latency, cpu, mem, root_pct, user_pct, series, state)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            metrics.update_columns(conn, account, region, [str(r[2]) for r in rows], self.prices)

    def metrics_of(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        """The stored aggregates and cost of one WorkSpace (details view), or None."""
        found = metrics.metrics_entries(self.conn, key[0], key[1], [key[2]]).get(key[2])
        if found is None:
            return None
        row = self.conn.execute(
            "SELECT compute, running_mode FROM workspaces WHERE account = ? AND region = ? "
            "AND id = ?", key).fetchone()  # fmt: skip
        return metrics.with_cost(found, self.prices, key[1], *(row or (None, None)))

    def record_attempt(self, kind: Kind | str, target: TargetLike, error: str | None) -> None:
        """Note a listing attempt (and its error, if any) without touching any row.

        A target whose account is not known yet (STS failed) is noted by (profile, region)
        in `unresolved_status`, until it resolves (see _v6).
        """
        kind = resolve(kind)
        now = time.time()
        if not target.account:
            with self._tx() as conn:
                conn.execute(
                    "INSERT INTO unresolved_status (kind, profile, region, last_attempt, "
                    "last_error, last_error_at) VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (kind, profile, region) DO UPDATE SET "
                    "last_attempt = excluded.last_attempt, last_error = excluded.last_error, "
                    "last_error_at = excluded.last_error_at",
                    (kind.name, _profile_of(target), str(target.region), now, error,
                     None if error is None else now),
                )  # fmt: skip
            return
        with self._tx() as conn:
            _target_resolved(conn, target, now)
            conn.execute(
                "INSERT INTO refresh_status (kind, account, region, last_attempt) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (kind, account, region) "
                "DO UPDATE SET last_attempt = excluded.last_attempt",
                (kind.name, target.account, target.region, now),
            )
            _store_row_count(conn, kind, (str(target.account), str(target.region)))
            if error is not None:
                conn.execute(
                    "UPDATE refresh_status SET last_error = ?, last_error_at = ? "
                    "WHERE kind = ? AND account = ? AND region = ?",
                    (str(error), now, kind.name, target.account, target.region),
                )

    def _prepare(
        self, kind: Kind, items: dict[str, dict], ids: Iterable[str], into: _Prepared
    ) -> _Prepared:
        """Extract, serialise and tag the given rows (only those a write will store)."""
        search = search_column(kind)
        for item_id in ids:
            item = items[item_id]
            row = kind.extract_row(item)
            into.rows[item_id] = row
            into.raws[item_id] = dumps(item)
            into.tags[item_id] = tags_of(item)
            if search:
                into.search[item_id] = search_text(kind, {**row, "id": item_id})
        return into

    def _salt(self, kind: Kind) -> bytes:
        salt = self._salts.get(kind.name)
        if salt is None:
            salt = self._salts[kind.name] = kind_salt(kind)
        return salt

    def _write(self, kind: Kind, target: TargetLike, items: list[dict], complete: bool) -> Changes:
        """Compare first, then write only what moved, in short transactions.

        Each item's digest (``core.digest``) is compared with the stored one; rows whose
        digest did not move are not re-extracted, re-serialised or upserted (only their
        ``seen_at`` moves). The digests and the rows that did move are prepared before the
        write lock is taken. Many moved rows (a first load, 25,000 rows) are written
        WRITE_CHUNK at a time, each chunk its own transaction, so another writer (an audit
        row before a mutation) waits at most one chunk; the last chunk, the vanished rows
        and the status go in one final transaction. Each transaction reads the stored
        digests again, so a row another writer changed meanwhile is still diffed against
        what is stored.
        """
        account, region = str(target.account), str(target.region)
        now = self.clock()
        if not complete:
            # A partial read (followed ids) lacks what the listers merge in: carry it over.
            items = self._carry_merged_keys(self.conn, kind, account, region, items)
        if kind.name == "workspaces":
            # Shallow copies: the Usage entry must not leak into the caller's items. Use
            # days go in first, in their own short transaction (they are facts either way).
            items = [dict(i) if isinstance(i, dict) else i for i in items]
            pending = self._usage.pending(account, region, items, now, complete)
            with self._tx() as conn:
                self._usage.commit(conn, pending)
            # Metric and cost columns ride on the item, so the digest sees them move.
            metrics.merge(self.conn, account, region, items, self.prices)
        by_id: dict[str, dict] = {}
        for item in items:
            if isinstance(item, dict):
                item_id = kind.item_id(item)
                if item_id is not None:  # nothing to key it by; the API never sends these
                    by_id[item_id] = item  # the last one wins, in first-seen order
        salt = self._salt(kind)
        digests = {i: item_digest(item, salt) for i, item in by_id.items()}
        ids = list(by_id)
        only = None if complete else ids
        seen = self._load_digests(self.conn, kind, account, region, only)
        moved = [i for i in ids if seen.get(i) != digests[i]]
        prep = self._prepare(kind, by_id, moved, _Prepared({}, {}, {}, {}))
        # A first load of 100,000 rows is not 100,000 "created" events.
        initial = complete and not seen and self._never_succeeded(self.conn, kind, account, region)
        step = _Step(kind, account, region, now, initial, by_id, digests, prep)
        *early, _last = list(_chunks(moved, WRITE_CHUNK)) or [[]]
        for chunk in early:
            with self._tx() as conn:
                stored = self._load_digests(conn, kind, account, region, list(chunk))
                self._apply(conn, step, list(chunk), stored, wide=False)
        table = _q(kind.table)
        with self._tx() as conn:
            stored = self._load_digests(conn, kind, account, region, only)
            self._apply(conn, step, ids, stored, wide=complete and not early)
            removed = [i for i in stored if i not in by_id] if complete else []
            history = [
                (kind.name, account, region, i, "vanished", None, None, None, now) for i in removed
            ]
            # Rows that did not move were seen now all the same.
            if complete:
                conn.execute(  # rows written above carry it already
                    f"UPDATE {table} SET seen_at = ? WHERE account = ? AND region = ? "
                    "AND seen_at IS NOT ?",
                    (now, account, region, now),
                )
            else:
                for chunk in _chunks([i for i in ids if i not in step.dirty], 500):
                    conn.execute(
                        f"UPDATE {table} SET seen_at = ? WHERE account = ? AND region = ? "
                        f"AND id IN ({', '.join('?' for _ in chunk)})",
                        (now, account, region, *chunk),
                    )
            for gone_from in (table, _q(_raw_table(kind))):
                conn.executemany(
                    f"DELETE FROM {gone_from} WHERE account = ? AND region = ? AND id = ?",
                    [(account, region, i) for i in removed],
                )
            conn.executemany(
                "DELETE FROM tags WHERE kind = ? AND account = ? AND region = ? AND id = ?",
                [(kind.name, account, region, i) for i in removed],
            )
            conn.executemany(
                "INSERT INTO history (kind, account, region, id, event, field, old, new, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                history,
            )
            if complete:
                _target_resolved(conn, target, now)
                conn.execute(
                    "INSERT INTO refresh_status (kind, account, region, last_success, last_attempt,"
                    " last_error, last_error_at) VALUES (?, ?, ?, ?, ?, NULL, NULL)"
                    " ON CONFLICT (kind, account, region) DO UPDATE SET"
                    " last_success = excluded.last_success, last_attempt = excluded.last_attempt,"
                    " last_error = NULL, last_error_at = NULL",
                    (kind.name, account, region, now, now),
                )
                conn.execute("DELETE FROM history WHERE at < ?", (now - HISTORY_KEEP_SECONDS,))
                if kind.name == "workspaces":
                    self._usage.forget(conn, account, region, removed)
                    conn.executemany(
                        "DELETE FROM metrics WHERE account = ? AND region = ? AND id = ?",
                        [(account, region, i) for i in removed],
                    )
                    conn.executemany(
                        "DELETE FROM metrics WHERE account = ? AND region = ? AND id = ?",
                        [(account, region, i) for i in removed],
                    )
                    self._usage.prune(conn, now)
            _store_row_count(conn, kind, (account, region))
        added, changed = step.added, step.changed
        keys = frozenset((account, region, i) for i in (*added, *changed, *removed))
        return Changes(len(added), len(changed), len(removed), keys)

    def _apply(
        self,
        conn: sqlite3.Connection,
        step: _Step,
        candidates: list[str],
        stored: dict[str, int | None],
        wide: bool,
    ) -> None:
        """Write the candidates whose digest differs from `stored`, with their history.

        `wide`: most of the target's rows moved, so read all its old rows in one scan.
        """
        kind, account, region, now = step.kind, step.account, step.region, step.now
        cols = [c.name for c in kind.stored_columns]
        digests, prep = step.digests, step.prep
        dirty = [i for i in candidates if i not in step.dirty and stored.get(i) != digests[i]]
        if not dirty:
            return
        step.dirty.update(dirty)
        late = [i for i in dirty if i not in prep.rows]  # another writer moved them
        self._prepare(kind, step.items, late, prep)
        present = [i for i in dirty if i in stored]
        wide = wide and len(present) * 2 > len(stored)
        old_rows = self._load_rows(conn, kind, account, region, cols, None if wide else present)
        old_tags = self._load_tags(conn, kind, account, region, None if wide else present)

        history: list[tuple[Any, ...]] = []
        for item_id in dirty:
            new = prep.rows[item_id]
            old = old_rows.get(item_id)
            if old is None:
                step.added.append(item_id)
                if not step.initial:
                    history.append(
                        (kind.name, account, region, item_id, "created", None, None, None, now)
                    )
                continue
            diffs = [
                (kind.name, account, region, item_id, "changed", name, old[i], new[name], now)
                for i, name in enumerate(cols)
                if name not in _NO_HISTORY and old[i] != new[name]
            ]
            diffs += _tag_diffs(
                kind.name, account, region, item_id, old_tags.get(item_id, []),
                prep.tags[item_id], now,
            )  # fmt: skip
            if diffs:
                step.changed.append(item_id)
                history.extend(diffs)

        search = search_column(kind)
        written = [*cols, *([search] if search else []), "seen_at", DIGEST]
        placeholders = ", ".join("?" for _ in range(len(KEY_COLUMNS) + len(written)))
        updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in written)
        upsert = (
            f"INSERT INTO {_q(kind.table)} (account, region, id, {', '.join(map(_q, written))}) "
            f"VALUES ({placeholders}) ON CONFLICT (account, region, id) DO UPDATE SET {updates}"
        )
        upsert_raw = (
            f"INSERT INTO {_q(_raw_table(kind))} (account, region, id, raw) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (account, region, id) DO UPDATE SET raw = excluded.raw"
        )
        search_of = (lambda i: (prep.search[i],)) if search else (lambda i: ())
        for chunk in _chunks(dirty):
            conn.executemany(
                upsert,
                [
                    (account, region, i, *(prep.rows[i][c] for c in cols), *search_of(i),
                     now, digests[i])
                    for i in chunk
                ],
            )  # fmt: skip
            conn.executemany(upsert_raw, [(account, region, i, prep.raws[i]) for i in chunk])
        retag = [i for i in dirty if old_tags.get(i, []) != prep.tags[i]]
        conn.executemany(
            "DELETE FROM tags WHERE kind = ? AND account = ? AND region = ? AND id = ?",
            [(kind.name, account, region, i) for i in retag],
        )
        conn.executemany(
            "INSERT INTO tags (kind, account, region, id, key, value) VALUES (?, ?, ?, ?, ?, ?)",
            [(kind.name, account, region, i, k, v) for i in retag for k, v in prep.tags[i]],
        )
        conn.executemany(
            "INSERT INTO history (kind, account, region, id, event, field, old, new, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            history,
        )

    def _load_digests(
        self,
        conn: sqlite3.Connection,
        kind: Kind,
        account: str,
        region: str,
        ids: list[str] | None,
    ) -> dict[str, int | None]:
        """id -> stored digest (None: written before schema v8) for the target's rows."""
        select = f"SELECT id, {DIGEST} FROM {_q(kind.table)} WHERE account = ? AND region = ?"
        if ids is None:
            return dict(conn.execute(select, (account, region)).fetchall())
        found: dict[str, int | None] = {}
        for chunk in _chunks(ids, 500):
            sql = f"{select} AND id IN ({', '.join('?' for _ in chunk)})"
            found.update(conn.execute(sql, (account, region, *chunk)).fetchall())
        return found

    def _load_rows(
        self,
        conn: sqlite3.Connection,
        kind: Kind,
        account: str,
        region: str,
        cols: list[str],
        ids: list[str] | None,
    ) -> dict[str, tuple[Any, ...]]:
        select = (
            f"SELECT {', '.join(['id', *map(_q, cols)])} FROM {_q(kind.table)} "
            "WHERE account = ? AND region = ?"
        )
        if ids is None:
            return {r[0]: r[1:] for r in conn.execute(select, (account, region))}
        found: dict[str, tuple[Any, ...]] = {}
        for chunk in _chunks(ids, 500):
            sql = f"{select} AND id IN ({', '.join('?' for _ in chunk)})"
            found.update({r[0]: r[1:] for r in conn.execute(sql, (account, region, *chunk))})
        return found

    def _load_tags(
        self,
        conn: sqlite3.Connection,
        kind: Kind,
        account: str,
        region: str,
        ids: list[str] | None,
    ) -> dict[str, list[tuple[str, str]]]:
        select = "SELECT id, key, value FROM tags WHERE kind = ? AND account = ? AND region = ?"
        rows: list[tuple[str, str, str]] = []
        if ids is None:
            rows = conn.execute(select, (kind.name, account, region)).fetchall()
        else:
            for chunk in _chunks(ids, 500):
                sql = f"{select} AND id IN ({', '.join('?' for _ in chunk)})"
                rows += conn.execute(sql, (kind.name, account, region, *chunk)).fetchall()
        tags: dict[str, list[tuple[str, str]]] = {}
        for item_id, key, value in rows:
            tags.setdefault(item_id, []).append((key, value))
        return {i: sorted(pairs) for i, pairs in tags.items()}

    def _never_succeeded(
        self, conn: sqlite3.Connection, kind: Kind, account: str, region: str
    ) -> bool:
        row = conn.execute(
            "SELECT last_success FROM refresh_status WHERE kind = ? AND account = ? AND region = ?",
            (kind.name, account, region),
        ).fetchone()
        return row is None or row[0] is None

    def _carry_merged_keys(
        self,
        conn: sqlite3.Connection,
        kind: Kind,
        account: str,
        region: str,
        items: list[dict],
    ) -> list[dict]:
        ids = [i for i in (kind.item_id(it) for it in items if isinstance(it, dict)) if i]
        raws: dict[str, dict] = {}
        for chunk in _chunks(ids, 500):
            sql = (
                f"SELECT id, raw FROM {_q(_raw_table(kind))} WHERE account = ? AND region = ? "
                f"AND id IN ({', '.join('?' for _ in chunk)})"
            )
            for item_id, raw in conn.execute(sql, (account, region, *chunk)):
                with suppress(TypeError, ValueError):
                    raws[item_id] = json.loads(raw)
        merged = []
        for item in items:
            old = raws.get(kind.item_id(item) or "") if isinstance(item, dict) else None
            if old:
                carried = {k: old[k] for k in MERGED_KEYS if k in old and k not in item}
                item = {**item, **carried} if carried else item
            merged.append(item)
        return merged

    # ---- reads

    def _select_list(
        self, kind: Kind, now: float, with_raw: bool, only: Iterable[str] | None = None
    ) -> str:
        parts = [_q(c) for c in KEY_COLUMNS]
        wanted = None if only is None else set(only)
        for col in kind.columns:
            if wanted is not None and col.name not in wanted:
                continue
            if col.stored:
                parts.append(_q(col.name))
            elif col.age_of:
                # `now` is a float we computed, not user text; inlined so the caller's
                # positional WHERE params stay aligned.
                parts.append(
                    f"MAX(0, CAST(({float(now)!r} - {_q(col.age_of)}) / 86400 AS INTEGER)) "
                    f"AS {_q(col.name)}"
                )
        parts.append("seen_at")
        if with_raw:
            # A correlated lookup rather than a join: callers' WHERE clauses name columns
            # unqualified (account, id), which a join would make ambiguous.
            table = _q(kind.table)
            parts.append(
                f"(SELECT r.raw FROM {_q(_raw_table(kind))} AS r WHERE r.account = {table}.account"
                f" AND r.region = {table}.region AND r.id = {table}.id) AS raw"
            )
        return ", ".join(parts)

    def _order_clause(self, kind: Kind, order_by: str | None, desc: bool) -> str:
        tie = "account, region, id"
        if not order_by:
            return f"ORDER BY {tie}"
        if order_by in (*KEY_COLUMNS, "seen_at"):
            name, col = order_by, None
        else:
            try:
                col = kind.column(order_by)
            except KeyError as exc:
                raise ValueError(exc.args[0]) from None
            name = col.name
        if col is not None and col.age_of:
            # Older timestamp = more idle; never connected (NULL) sorts as the most idle.
            name, desc = col.age_of, not desc
        return f"ORDER BY {_q(name)} {'DESC' if desc else 'ASC'}, {tie}"

    @staticmethod
    def _row_dict(cursor: sqlite3.Cursor, row: tuple[Any, ...]) -> dict[str, Any]:
        out = {d[0]: v for d, v in zip(cursor.description, row, strict=True)}
        if "raw" in out and isinstance(out["raw"], str):
            try:
                out["raw"] = json.loads(out["raw"])
            except ValueError:
                pass
        return out

    def query(
        self,
        kind: Kind | str,
        where: str = "1",
        params: Sequence[Any] = (),
        order_by: str | None = None,
        desc: bool = False,
        offset: int = 0,
        limit: int | None = 100,
        with_raw: bool = False,
        now: float | None = None,
    ) -> list[dict[str, Any]]:
        """One window of rows as dicts of the kind's columns (+ account, region, id, seen_at)."""
        kind = resolve(kind)
        now = time.time() if now is None else now
        sql = (
            f"SELECT {self._select_list(kind, now, with_raw)} FROM {_q(kind.table)} "
            f"WHERE ({where or '1'}) {self._order_clause(kind, order_by, desc)} LIMIT ? OFFSET ?"
        )
        lim = -1 if limit is None else max(0, int(limit))
        cur = self.conn.execute(sql, (*params, lim, max(0, int(offset))))
        return [self._row_dict(cur, r) for r in cur.fetchall()]

    def iter_query(
        self,
        kind: Kind | str,
        where: str = "1",
        params: Sequence[Any] = (),
        order_by: str | None = None,
        desc: bool = False,
        with_raw: bool = False,
        now: float | None = None,
        batch: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """Every matching row, streamed in batches from one read snapshot.

        Uses its own connection, so a refresh committing meanwhile neither blocks it nor
        changes what it returns (WAL keeps the snapshot it started with).
        """
        kind = resolve(kind)
        now = time.time() if now is None else now
        sql = (
            f"SELECT {self._select_list(kind, now, with_raw)} FROM {_q(kind.table)} "
            f"WHERE ({where or '1'}) {self._order_clause(kind, order_by, desc)}"
        )
        conn = self._connect()
        try:
            conn.execute("BEGIN")  # one snapshot for the whole stream
            cur = conn.execute(sql, tuple(params))
            while True:
                rows = cur.fetchmany(batch)
                if not rows:
                    break
                for r in rows:
                    yield self._row_dict(cur, r)
        finally:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            conn.close()

    def total(self, kind: Kind | str) -> int:
        """All rows of a kind, from the counts every write stores (no scan of the table)."""
        row = self.conn.execute(
            "SELECT coalesce(sum(rows), 0) FROM refresh_status WHERE kind = ?", (resolve(kind).name,)
        ).fetchone()
        return int(row[0])

    def count(self, kind: Kind | str, where: str = "1", params: Sequence[Any] = ()) -> int:
        kind = resolve(kind)
        sql = f"SELECT count(*) FROM {_q(kind.table)} WHERE ({where or '1'})"
        return int(self.conn.execute(sql, tuple(params)).fetchone()[0])

    def keys(self, kind: Kind | str, where: str = "1", params: Sequence[Any] = ()) -> list[Key]:
        kind = resolve(kind)
        sql = (
            f"SELECT account, region, id FROM {_q(kind.table)} WHERE ({where or '1'}) "
            "ORDER BY account, region, id"
        )
        return [tuple(r) for r in self.conn.execute(sql, tuple(params))]

    def get(
        self, kind: Kind | str, key: Key | str, now: float | None = None
    ) -> dict[str, Any] | None:
        """One row with its parsed ``raw`` and a ``tags`` dict; key = (account, region, id) or id."""
        kind = resolve(kind)
        params: tuple[str, ...]
        if isinstance(key, str):
            where, params = "id = ?", (key,)
        else:
            where, params = "account = ? AND region = ? AND id = ?", (*key,)
        rows = self.query(kind, where, params, limit=1, with_raw=True, now=now)
        if not rows:
            return None
        row = rows[0]
        row["tags"] = dict(
            self.conn.execute(
                "SELECT key, value FROM tags WHERE kind = ? AND account = ? AND region = ? AND id = ? "
                "ORDER BY key",
                (kind.name, row["account"], row["region"], row["id"]),
            ).fetchall()
        )
        return row

    def rows_for_keys(
        self,
        kind: Kind | str,
        keys: Iterable[Key],
        now: float | None = None,
        columns: Iterable[str] | None = None,
        raw: bool = True,
        tags: Iterable[str] | None = None,
    ) -> list[dict[str, Any]]:
        """Like `get` for many keys (missing ones skipped), in the order of `keys`.

        ``raw`` stays JSON text here (parse it on demand): 100,000 parsed items would hold
        ~0.5 GB. With `columns`, rows hold only those stored columns (+ key, seen_at, raw,
        tags); with ``raw=False`` no raw; with `tags`, ``tags`` holds only those keys (a
        plan reads the protect tag, not every tag of 100,000 rows).

        Keys that are most of the kind's rows (mark all) are found by one scan of the
        narrow columns, filtered here; fewer go into a temp table joined on the primary key,
        so they cost one pass, not one query (or one IN-list scan) per chunk.
        """
        kind = resolve(kind)
        now = time.time() if now is None else now
        wanted = list(dict.fromkeys((a, r, i) for a, r, i in keys))
        if not wanted:
            return []
        only = None if tags is None else sorted(set(tags))
        select = f"SELECT {self._select_list(kind, now, raw, columns)} FROM {_q(kind.table)}"
        tag_sql = "SELECT t.account, t.region, t.id, t.key, t.value FROM tags AS t"
        tag_where = "t.kind = ?" + (
            "" if only is None else f" AND t.key IN ({', '.join('?' for _ in only)})"
        )
        tag_params = (kind.name, *(only or ()))
        conn = self.conn  # autocommit: the temp table writes hold no lock on the cache
        scan = len(wanted) * 2 >= self.total(kind)
        found: dict[Key, dict[str, Any]] = {}

        def collect(cur: sqlite3.Cursor, keep: set[Key] | None) -> None:
            names = [d[0] for d in cur.description]  # the key columns come first
            for values in cur:
                key = values[:3]
                if keep is None or key in keep:
                    row = dict(zip(names, values, strict=True))
                    row["tags"] = {}
                    found[key] = row

        def add_tags(cur: sqlite3.Cursor) -> None:
            for account, region, item_id, key, value in cur:
                row = found.get((account, region, item_id))
                if row is not None:
                    row["tags"][key] = value

        if scan:
            # One pass over the table beats 100,000 temp-table inserts and a join.
            own = not conn.in_transaction
            if own:
                conn.execute("BEGIN")  # rows and tags from one snapshot
            try:
                with gc_paused():  # 100,000 acyclic dicts: full collections walk them all
                    collect(conn.execute(select), set(wanted))
                if only != []:
                    add_tags(conn.execute(f"{tag_sql} WHERE {tag_where} ORDER BY t.key", tag_params))
            finally:
                if own:
                    conn.execute("COMMIT")
            return [found[k] for k in wanted if k in found]
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS wanted_keys (account TEXT, region TEXT, id TEXT, "
            "PRIMARY KEY (account, region, id)) WITHOUT ROWID"
        )
        try:
            # One savepoint for the temp-table writes (it touches only the temp database,
            # so the cache stays unlocked): in autocommit each insert was its own
            # transaction, 2-5 s for 100,000 marked rows.
            conn.execute("SAVEPOINT wanted_keys")
            conn.execute("DELETE FROM temp.wanted_keys")
            conn.executemany("INSERT OR IGNORE INTO temp.wanted_keys VALUES (?, ?, ?)", wanted)
            conn.execute("RELEASE wanted_keys")
            collect(
                conn.execute(
                    f"{select} WHERE (account, region, id) IN "
                    "(SELECT account, region, id FROM temp.wanted_keys)"
                ),
                None,
            )
            if only != []:
                add_tags(
                    conn.execute(
                        f"{tag_sql} JOIN temp.wanted_keys AS w ON t.account = w.account "
                        f"AND t.region = w.region AND t.id = w.id WHERE {tag_where} ORDER BY t.key",
                        tag_params,
                    )
                )
        finally:
            conn.execute("SAVEPOINT wanted_keys")
            conn.execute("DELETE FROM temp.wanted_keys")
            conn.execute("RELEASE wanted_keys")
        return [found[k] for k in wanted if k in found]

    def status(self) -> list[dict[str, Any]]:
        """Per (kind, account, region): last_success, last_attempt, last_error(_at), rows.

        Plus the failures of targets whose account is unknown (`unresolved` true, with
        their `profile`): merged into the row of the account that (profile, region) last
        resolved to, else a row of their own with account ''. Other rows have profile None.
        """
        # Row counts are stored by every write (schema v5): no count over the tables here.
        conn = self.conn
        cur = conn.execute(
            "SELECT kind, account, region, last_success, last_attempt, last_error, last_error_at, "
            "coalesce(rows, 0) AS rows FROM refresh_status ORDER BY account, region, kind"
        )
        rows = [
            {**self._row_dict(cur, r), "profile": None, "unresolved": False}
            for r in cur.fetchall()
        ]
        by_key = {(r["kind"], r["account"], r["region"]): r for r in rows}
        known = {(p, reg): a for p, reg, a in conn.execute(
            "SELECT profile, region, account FROM target_accounts")}  # fmt: skip
        for kind, profile, region, attempt, error, error_at in conn.execute(
            "SELECT kind, profile, region, last_attempt, last_error, last_error_at "
            "FROM unresolved_status ORDER BY profile, region, kind"
        ).fetchall():
            account = known.get((profile, region), "")
            row = by_key.get((kind, account, region)) if account else None
            if row is None:
                row = {"kind": kind, "account": account, "region": region, "last_success": None,
                       "last_attempt": None, "last_error": None, "last_error_at": None,
                       "rows": 0}  # fmt: skip
                rows.append(row)
            row.update(profile=profile or None, unresolved=True)
            if (attempt or 0) >= (row["last_attempt"] or 0):
                row.update(last_attempt=attempt, last_error=error, last_error_at=error_at)
        return rows

    def replace_org_accounts(self, source: str, accounts: Iterable[Mapping[str, Any]]) -> None:
        """Store one discovery's result for `source` (all of it, atomically: a discovery
        that did not complete is never stored -- core.org raises before calling this)."""
        rows = [
            (source, str(a["account"]), str(a.get("name") or ""), str(a["role"]),
             json.dumps(sorted(a.get("regions") or ())), a.get("error"), float(a["at"]))
            for a in accounts
        ]  # fmt: skip
        with self._tx() as conn:
            conn.execute("DELETE FROM org_accounts WHERE source = ?", (source,))
            conn.executemany(
                "INSERT INTO org_accounts (source, account, name, role, regions, error, at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    # -- summary (core.summary): grouped counts over a kind's cached rows ----------------
    def table_columns(self, kind: Kind | str) -> set[str]:
        """The columns the kind's cache table has now (another feature may add some)."""
        table = resolve(kind).table
        return {str(r[1]) for r in self.conn.execute(f"PRAGMA table_info({_q(table)})")}

    def grouped(
        self,
        kind: Kind | str,
        by: Sequence[str],
        total: str | None = None,
        where: str = "1",
        params: Sequence[Any] = (),
    ) -> list[dict[str, Any]]:
        """count(*) (and sum(`total`)) per distinct `by`, largest count first. Column
        names must be columns of the table (table_columns): they are quoted, not bound."""
        kind = resolve(kind)
        present = self.table_columns(kind)
        unknown = [c for c in (*by, *([total] if total else [])) if c not in present]
        if unknown:
            raise KeyError(f"{kind.table} has no column {', '.join(unknown)}")
        cols = ", ".join(f"coalesce({_q(c)}, '') AS {_q(c)}" for c in by)
        extra = f", sum({_q(total)}) AS total" if total else ""
        group = ", ".join(str(i + 1) for i in range(len(by)))
        cur = self.conn.execute(
            f"SELECT {cols}, count(*) AS n{extra} FROM {_q(kind.table)} WHERE {where} "
            f"GROUP BY {group} ORDER BY n DESC, {group}",
            tuple(params),
        )
        return [self._row_dict(cur, r) for r in cur.fetchall()]

    def histogram(
        self, kind: Kind | str, column: str, edges: Sequence[float], where: str = "1",
        params: Sequence[Any] = (),
    ) -> tuple[list[int], int]:
        """Counts of `column` in the len(edges) + 1 buckets (-inf, e0], (e0, e1], ...,
        (e_last, +inf) for increasing `edges`, and the count of NULLs; one SQL pass."""
        kind = resolve(kind)
        if column not in self.table_columns(kind):
            raise KeyError(f"{kind.table} has no column {column}")
        col = _q(column)
        conds = [f"{col} <= ?"]
        conds += [f"{col} > ? AND {col} <= ?" for _ in edges[1:]]
        conds += [f"{col} > ?", f"{col} IS NULL"]
        bounds = [edges[0], *(v for pair in pairwise(edges) for v in pair), edges[-1]]
        sums = ", ".join(f"sum(CASE WHEN {c} THEN 1 ELSE 0 END)" for c in conds)
        row = self.conn.execute(
            f"SELECT {sums} FROM {_q(kind.table)} WHERE {where}", (*bounds, *params)
        ).fetchone()
        counts = [int(v or 0) for v in row]
        return counts[:-1], counts[-1]

    def top_rows(
        self, kind: Kind | str, expr_columns: Sequence[str], limit: int = 5,
        show: Sequence[str] = ("id", "user", "account", "region"),
    ) -> list[dict[str, Any]]:
        """The rows with the largest max(`expr_columns`) (NULLs ignored), largest first."""
        kind = resolve(kind)
        present = self.table_columns(kind)
        cols = [c for c in expr_columns if c in present]
        if not cols:
            return []
        value = (f"max({', '.join(f'coalesce({_q(c)}, -1e308)' for c in cols)})"
                 if len(cols) > 1 else _q(cols[0]))  # fmt: skip
        shown = ", ".join(_q(c) for c in show if c in present)
        cur = self.conn.execute(
            f"SELECT {shown}, {value} AS value FROM {_q(kind.table)} "
            f"WHERE value IS NOT NULL AND value > -1e308 ORDER BY value DESC LIMIT ?",
            (int(limit),),
        )
        return [self._row_dict(cur, r) for r in cur.fetchall()]

    def known_accounts(self, targets: Iterable[TargetLike]) -> list[TargetLike]:
        """`targets` with the account each last resolved to (target_accounts), where
        unknown: so a command that makes no STS call still shows each target's rows."""
        from dataclasses import replace

        known = {(p, r): a for p, r, a in self.conn.execute(
            "SELECT profile, region, account FROM target_accounts")}  # fmt: skip
        out = []
        for t in targets:
            account = known.get((_profile_of(t), str(t.region)))
            out.append(replace(t, account=account) if account and not t.account else t)  # type: ignore[type-var]
        return out

    def note_org_failure(self, source: str, role: str, error: str, at: float) -> None:
        """A discovery of `source` failed as a whole: one row with account '' says why,
        beside the accounts found last time (kept: they are still targets)."""
        with self._tx() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO org_accounts (source, account, name, role, regions, "
                "error, at) VALUES (?, '', '', ?, '[]', ?, ?)",
                (source, role, error, at),
            )

    def org_accounts(self, source: str | None = None) -> list[dict[str, Any]]:
        """Discovered accounts (of one source, or all), regions decoded, by account."""
        sql = "SELECT source, account, name, role, regions, error, at FROM org_accounts"
        cur = self.conn.execute(
            sql + (" WHERE source = ?" if source is not None else "") + " ORDER BY source, account",
            (source,) if source is not None else (),
        )
        out = [self._row_dict(cur, r) for r in cur.fetchall()]
        for row in out:
            try:
                row["regions"] = [str(r) for r in json.loads(row["regions"] or "[]")]
            except (TypeError, ValueError):
                row["regions"] = []
        return out

    def history(
        self,
        kind: Kind | str | None = None,
        since: float | None = None,
        ids: Iterable[str | Key] | None = None,
        limit: int = 1000,
    ) -> list[dict[str, Any]]:
        """Change events newest first: kind, account, region, id, event, field, old, new, at."""
        clauses: list[str] = ["1"]
        params: list[Any] = []
        if kind is not None:
            clauses.append("kind = ?")
            params.append(resolve(kind).name)
        if since is not None:
            clauses.append("at >= ?")
            params.append(since)
        if ids is not None:
            ids = [ids] if isinstance(ids, str) else list(ids)
            plain = [i for i in ids if isinstance(i, str)]
            keyed = [tuple(i) for i in ids if not isinstance(i, str)]
            ors: list[str] = []
            if plain:
                ors.append(f"id IN ({', '.join('?' for _ in plain)})")
                params += plain
            for k in keyed:
                ors.append("(account = ? AND region = ? AND id = ?)")
                params += list(k)
            clauses.append(f"({' OR '.join(ors) or '0'})")
        cur = self.conn.execute(
            "SELECT kind, account, region, id, event, field, old, new, at FROM history "
            f"WHERE {' AND '.join(clauses)} ORDER BY at DESC, seq DESC LIMIT ?",
            (*params, int(limit)),
        )
        return [self._row_dict(cur, r) for r in cur.fetchall()]

    # ---- audit

    def audit_before(
        self,
        action: str,
        target: TargetLike,
        ids: Sequence[str],
        params: dict | None,
        caller: str | None,
    ) -> int:
        """Write the audit row (and a pending item per id) BEFORE the call is sent."""
        with self._tx() as conn:
            cur = conn.execute(
                "INSERT INTO audit (at, action, account, region, profile, caller, ids, params) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    time.time(),
                    action,
                    str(target.account),
                    str(target.region),
                    getattr(target, "profile", None),
                    caller,
                    dumps(list(ids)),
                    dumps(_scrub(params or {})),
                ),
            )
            audit_id = int(cur.lastrowid or 0)
            conn.executemany(
                "INSERT OR IGNORE INTO audit_items (audit_id, id, status) VALUES (?, ?, 'pending')",
                [(audit_id, str(i)) for i in ids],
            )
        return audit_id

    def audit_after(self, audit_id: int, request_id: str | None, outcomes: dict[str, Any]) -> None:
        """Complete an audit row with the request id and each id's outcome."""
        with self._tx() as conn:
            conn.execute(
                "UPDATE audit SET request_id = ?, finished_at = ? WHERE id = ?",
                (request_id, time.time(), audit_id),
            )
            conn.executemany(
                "INSERT OR REPLACE INTO audit_items (audit_id, id, status, code, message) "
                "VALUES (?, ?, ?, ?, ?)",
                [(audit_id, str(i), *_outcome_fields(o)) for i, o in outcomes.items()],
            )

    def last_calls(
        self, account: str, region: str, ids: Sequence[str]
    ) -> dict[str, dict[str, Any]]:
        """Each id's most recent audited call in (account, region): action, status, at."""
        out: dict[str, dict[str, Any]] = {}
        for chunk in _chunks(list(dict.fromkeys(ids)), 500):
            marks = ", ".join("?" for _ in chunk)
            for item_id, action, status, at in self.conn.execute(
                "SELECT i.id, a.action, i.status, a.at FROM audit_items AS i "
                "JOIN audit AS a ON a.id = i.audit_id "
                f"WHERE a.account = ? AND a.region = ? AND i.id IN ({marks}) ORDER BY a.id",
                (account, region, *chunk),
            ):
                out[item_id] = {"action": action, "status": status, "at": at}
        return out

    def acted_on(self, account: str, region: str, since: float) -> set[str]:
        """Ids of (account, region) named by an audited call made at or after `since`."""
        return {r[0] for r in self.conn.execute(
            "SELECT DISTINCT i.id FROM audit AS a JOIN audit_items AS i ON i.audit_id = a.id "
            "WHERE a.account = ? AND a.region = ? AND a.at >= ?", (account, region, since),
        )}  # fmt: skip

    def tagged(
        self, kind: Kind | str, account: str, region: str, ids: Sequence[str], tag: str
    ) -> set[str]:
        """The ids among `ids` whose cached tags hold the key `tag`."""
        name, found = resolve(kind).name, set[str]()
        for chunk in _chunks(list(dict.fromkeys(ids)), 500):
            marks = ", ".join("?" for _ in chunk)
            found.update(r[0] for r in self.conn.execute(
                "SELECT id FROM tags WHERE kind = ? AND account = ? AND region = ? AND key = ? "
                f"AND id IN ({marks})", (name, account, region, tag, *chunk),
            ))  # fmt: skip
        return found

    def workspaces_tagged_where(
        self, account: str, region: str, column: str, value: str, tag: str
    ) -> list[str]:
        """WorkSpaces of (account, region) with `column` = value (directory, bundle) tagged `tag`."""
        if column not in ("directory", "bundle"):
            raise ValueError(f"not a dependency column: {column}")
        kind = resolve("workspaces")
        return [r[0] for r in self.conn.execute(
            f"SELECT w.id FROM {_q(kind.table)} AS w JOIN tags AS t ON t.kind = ? "
            "AND t.account = w.account AND t.region = w.region AND t.id = w.id AND t.key = ? "
            f"WHERE w.account = ? AND w.region = ? AND w.{column} = ? ORDER BY w.id",
            (kind.name, tag, account, region, value),
        )]  # fmt: skip

    def audit(self, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """Audit rows newest first, each with ``items``: [{id, status, code, message}]."""
        cur = self.conn.execute(
            "SELECT id, at, finished_at, action, account, region, profile, caller, ids, params, "
            "request_id FROM audit ORDER BY id DESC LIMIT ? OFFSET ?",
            (int(limit), int(offset)),
        )
        rows = [self._row_dict(cur, r) for r in cur.fetchall()]
        if not rows:
            return rows
        items: dict[int, list[dict[str, Any]]] = {}
        ids = [r["id"] for r in rows]
        for chunk in _chunks(ids, 500):
            for audit_id, item_id, status, code, message in self.conn.execute(
                "SELECT audit_id, id, status, code, message FROM audit_items "
                f"WHERE audit_id IN ({', '.join('?' for _ in chunk)}) ORDER BY audit_id, rowid",
                tuple(chunk),
            ):
                items.setdefault(audit_id, []).append(
                    {"id": item_id, "status": status, "code": code, "message": message}
                )
        for row in rows:
            for name in ("ids", "params"):
                with suppress(TypeError, ValueError):
                    row[name] = json.loads(row[name])
            row["items"] = items.get(row["id"], [])
        return rows


def _profile_of(target: TargetLike) -> str:
    """The target's credentials as stored: its profile ('' = boto3's default chain), or
    the role it assumes from it (Target.principal)."""
    who = getattr(target, "principal", None) if getattr(target, "role_arn", "") else None
    return str(who or getattr(target, "profile", None) or "")


def _target_resolved(conn: sqlite3.Connection, target: TargetLike, now: float) -> None:
    """The target's account is known: its unresolved failures are over; remember the account."""
    profile, region = _profile_of(target), str(target.region)
    conn.execute("DELETE FROM unresolved_status WHERE profile = ? AND region = ?", (profile, region))
    conn.execute(
        "INSERT INTO target_accounts (profile, region, account, at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (profile, region) DO UPDATE SET account = excluded.account, at = excluded.at",
        (profile, region, str(target.account), now),
    )


def _tag_diffs(
    kind: str,
    account: str,
    region: str,
    item_id: str,
    old: list[tuple[str, str]],
    new: list[tuple[str, str]],
    now: float,
) -> list[tuple[Any, ...]]:
    if old == new:
        return []
    before, after = dict(old), dict(new)
    return [
        (kind, account, region, item_id, "changed", f"tag:{k}", before.get(k), after.get(k), now)
        for k in sorted(before.keys() | after.keys())
        if before.get(k) != after.get(k)
    ]
