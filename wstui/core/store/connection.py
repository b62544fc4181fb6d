"""Opening the cache's SQLite database: file modes, pragmas, one connection per thread.

Each thread gets its own connection (the UI reads in worker threads while the refresher
writes); WAL lets readers run during a write. Writes take the lock up front
(``BEGIN IMMEDIATE``), so two writers never deadlock upgrading a read lock.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

BUSY_TIMEOUT_MS = 5000


def prepare_files(path: Path) -> None:
    """Create the cache's directory (0700) and file (0600) if missing."""
    directory = path.parent
    if not directory.exists():
        directory.mkdir(parents=True, mode=0o700)
        os.chmod(directory, 0o700)  # mkdir's mode is filtered by the umask
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the cache file: autocommit, WAL, a busy timeout."""
    conn = sqlite3.connect(
        path,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,  # only so close() can close every thread's connection
    )
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def memory_uri(name: str) -> str:
    """A database in SQLite's memdb VFS; a name starting with "/" lets every connection
    of this process share it."""
    return f"file:/{name}?vfs=memdb"


def connect_memory(uri: str) -> sqlite3.Connection:
    """A connection to a memdb database (`memory_uri`): no file, no WAL."""
    conn = sqlite3.connect(
        uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
        check_same_thread=False,
    )  # fmt: skip
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return conn


def connect_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(
        f"file:{quote(str(path))}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_MS / 1000
    )


class Connections:
    """One connection per thread, opened on first use by `open`.

    Threads come and go (the refresher's listings, the TUI's thread workers), and a
    connection nobody closes keeps its database and WAL descriptors open for the life
    of the process: a TUI left open all day reached 1,100 of them. So opening one
    first closes the connections of threads that have ended. That is done here, at
    the depth where connections are made, rather than trusting every caller to run on
    long-lived threads, and without relying on when a dead thread's locals are freed.
    """

    def __init__(self) -> None:
        self._local = threading.local()
        # Every open connection by the thread that owns it, so that close() reaches all.
        self._conns: dict[threading.Thread, sqlite3.Connection] = {}
        self._lock = threading.Lock()

    def get(self, open: Callable[[], sqlite3.Connection]) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = open()
            self._local.conn = conn
            with self._lock:
                dead = [t for t in self._conns if not t.is_alive()]
                ended = [self._conns.pop(t) for t in dead]
                self._conns[threading.current_thread()] = conn
            for old in ended:  # an ended thread cannot be using its connection any more
                with suppress(sqlite3.Error):
                    old.close()
        return conn

    def __len__(self) -> int:
        with self._lock:
            return len(self._conns)

    def close(self) -> None:
        """Close every thread's connection; a later use opens a fresh one."""
        with self._lock:
            conns, self._conns = list(self._conns.values()), {}
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()
        self._local = threading.local()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the write lock up front: no upgrade deadlocks."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def snapshot(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """A read transaction (one snapshot) unless the connection is in one already."""
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")
    try:
        yield conn
    finally:
        if own:
            conn.execute("COMMIT")


def data_version(conn: sqlite3.Connection) -> int:
    """Moves whenever another connection commits (PRAGMA data_version)."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


# quick_check reads every page: worth it on a small cache, too slow at startup on a
# 100,000-WorkSpace one, where a size check catches truncation instead.
QUICK_CHECK_MAX_BYTES = 32 * 1024 * 1024


def check_file(path: Path) -> None:
    """Raise sqlite3.DatabaseError when the file is not a sound SQLite database.

    Run before the cache opens it: the migration would write to a damaged file.
    """
    size = path.stat().st_size if path.exists() else 0
    if not size:
        return
    conn = connect_read_only(path)
    try:
        if size <= QUICK_CHECK_MAX_BYTES:
            row = conn.execute("PRAGMA quick_check(1)").fetchone()
            if not row or row[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {row[0] if row else '?'}")
            return
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        wal = path.with_name(path.name + "-wal")
        if not (wal.exists() and wal.stat().st_size) and size < pages * page_size:
            raise sqlite3.DatabaseError(f"file truncated: {size} bytes of {pages * page_size}")
    finally:
        conn.close()

