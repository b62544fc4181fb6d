"""Opening the cache when its file or directory is damaged.

``open_cache(path)`` never leaves the user without an app:
- a corrupt or truncated cache file is moved aside (``cache.sqlite.corrupt-<time>``,
  with its -wal/-shm) and rebuilt empty; the refresher fills it again;
- an unwritable cache directory or file gives a clear error and a cache held in memory;
  the caller then runs read-only (no audit row could be written, so nothing may be sent).
Each returns notices the CLI prints and the TUI shows.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from wstui.core.cache import Cache
from wstui.core.store import connection

_SIDE_FILES = ("-wal", "-shm", "-journal")


class MemoryCache(Cache):
    """The same Cache, held in SQLite's memdb VFS: shared by this process's threads only."""

    in_memory = True

    def __init__(self, path: str | Path) -> None:
        # A name starting with "/" lets every connection of this process share the database.
        self._uri = connection.memory_uri(f"wstui-{uuid.uuid4().hex}")
        self._anchor = connection.connect_memory(self._uri)
        super().__init__(path)

    def _prepare_files(self) -> None:
        pass  # nothing on disk

    def _connect(self) -> sqlite3.Connection:
        return connection.connect_memory(self._uri)

    def close(self) -> None:
        super().close()
        self._anchor.close()


@dataclass
class Opened:
    cache: Cache
    notices: list[str] = field(default_factory=list)
    read_only: bool = False  # the cache cannot persist an audit: refuse mutations
    moved_to: Path | None = None


def check(path: Path) -> None:
    """Raise sqlite3.DatabaseError when the file is not a sound SQLite database.

    Run before Cache() opens it: the migration would write to a damaged file.
    """
    connection.check_file(path)


def _move_aside(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    dest = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while dest.exists():
        n += 1
        dest = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, dest)
    for suffix in _SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, dest.with_name(dest.name + suffix))
    return dest


def _unwritable(path: Path, exc: BaseException) -> Opened:
    notice = (
        f"cache {path} cannot be written ({exc}); running read-only from an in-memory cache. "
        f"Fix the permissions of {path.parent} or pass --cache PATH / set WSTUI_CACHE_DIR."
    )
    return Opened(MemoryCache(path), [notice], read_only=True)


def _is_unwritable(exc: BaseException) -> bool:
    if isinstance(exc, PermissionError | IsADirectoryError | NotADirectoryError):
        return True
    if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError):
        return True
    text = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and (
        "readonly" in text or "unable to open" in text or "disk i/o" in text
    )


def open_cache(path: str | Path) -> Opened:
    """The cache at ``path``, recovered from corruption or replaced by memory; see module doc."""
    path = Path(path).expanduser()
    try:
        check(path)
        return Opened(Cache(path))
    except sqlite3.DatabaseError as exc:
        if _is_unwritable(exc):
            return _unwritable(path, exc)
        if "newer than this wstui" in str(exc):
            raise
        corrupt = exc
    except (OSError, RuntimeError) as exc:
        if isinstance(exc, RuntimeError) and "newer than this wstui" in str(exc):
            raise
        return _unwritable(path, exc)
    try:
        moved = _move_aside(path)
        cache = Cache(path)
    except (OSError, sqlite3.DatabaseError) as exc:
        return _unwritable(path, exc)
    notice = (
        f"cache {path} was unreadable ({corrupt}); moved aside to {moved.name} and rebuilt "
        "empty: the next refresh fills it again (the audit log is in the moved file)."
    )
    return Opened(cache, [notice], moved_to=moved)
