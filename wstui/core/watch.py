"""A shared cache on a bastion host: one headless watcher refreshes, every TUI reads.

`wstui refresh --watch` takes a lease: a single row in the cache's ``watcher`` table
with who holds it (user@host, pid) and a heartbeat. While the heartbeat is younger
than the lease's ttl, a TUI opening the same cache does not start its own refresher:
it shows who refreshes and when the last pass finished, and re-reads as the data
changes. A watcher that dies simply stops heart-beating; its lease expires after
``ttl`` seconds and the next watcher (or a TUI) takes over.
"""

from __future__ import annotations

import getpass
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

DEFAULT_TTL = 30.0

def _ago(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds} s ago"
    if seconds < 90 * 60:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"


@dataclass(frozen=True)
class WatcherInfo:
    owner: str  # user@host
    pid: int | None
    started_at: float
    heartbeat_at: float
    ttl: float
    last_pass_at: float | None
    passes: int

    def alive(self, now: float) -> bool:
        return now - self.heartbeat_at <= self.ttl

    def describe(self, now: float) -> str:
        """ "watcher alice@bastion (pid 42), last pass 12 s ago"."""
        when = (
            "no pass yet"
            if self.last_pass_at is None
            else f"last pass {_ago(now - self.last_pass_at)}"
        )
        pid = f" (pid {self.pid})" if self.pid else ""
        return f"watcher {self.owner}{pid}, {when}"


def read(cache: Any) -> WatcherInfo | None:
    """The lease row, alive or not."""
    row = cache.watcher_row()
    return WatcherInfo(*row) if row else None


def current(cache: Any, now: float | None = None) -> WatcherInfo | None:
    """The live watcher of this cache, or None."""
    info = read(cache)
    now = time.time() if now is None else now
    return info if info is not None and info.alive(now) else None


class WatcherBusy(RuntimeError):
    def __init__(self, info: WatcherInfo, now: float) -> None:
        self.info = info
        super().__init__(f"another {info.describe(now)} holds this cache")


def default_owner() -> str:
    try:
        user = getpass.getuser()
    except Exception:
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


class Lease:
    """The watcher lease of one cache. acquire() -> heartbeat()... -> release()."""

    def __init__(
        self,
        cache: Any,
        ttl: float = DEFAULT_TTL,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cache = cache
        self.ttl = float(ttl)
        self.owner = owner or default_owner()
        self.clock = clock
        self.token = uuid.uuid4().hex
        self.held = False

    def acquire(self) -> None:
        """Take the lease; WatcherBusy if another live watcher holds it."""
        now = self.clock()
        busy = self.cache.watcher_acquire(
            self.token, self.owner, now, self.ttl, lambda row: WatcherInfo(*row).alive(now)
        )
        if busy is not None:
            raise WatcherBusy(WatcherInfo(*busy), now)
        self.held = True

    def heartbeat(self, passed: bool = False) -> bool:
        """Prove we are alive (and, with passed=True, that a refresh pass finished).

        False when the lease was lost (expired and taken by another watcher).
        """
        self.held = self.cache.watcher_heartbeat(self.token, self.clock(), passed)
        return self.held

    def release(self) -> None:
        self.cache.watcher_release(self.token)
        self.held = False


def serve(
    refresher: Any,
    cache: Any,
    stop: threading.Event,
    ttl: float = DEFAULT_TTL,
    owner: str | None = None,
    tick: float = 1.0,
) -> None:
    """Run the refresher headless under the lease until `stop` is set (or the lease is lost).

    Raises WatcherBusy (before refreshing anything) if another watcher is alive.
    """
    lease = Lease(cache, ttl=ttl, owner=owner)
    lease.acquire()
    passed = threading.Event()
    previous = refresher.on_event

    def on_event(event: Any) -> None:
        if previous is not None:
            previous(event)
        if type(event).__name__ == "RefreshDone":
            passed.set()

    refresher.on_event = on_event
    refresher.start(tick=tick)
    beat_every = max(0.2, min(ttl / 3, 10.0))
    try:
        while not stop.wait(beat_every):
            was_pass = passed.is_set()
            passed.clear()
            # A busy cache (a long write) only delays a heartbeat; the ttl allows for it.
            try:
                if not lease.heartbeat(passed=was_pass):
                    break  # someone took over after our lease expired: stop refreshing
            except sqlite3.OperationalError:
                continue
    finally:
        refresher.stop()
        refresher.on_event = previous
        try:
            lease.release()
        except sqlite3.Error:
            pass
