"""Background passes that step aside while listings run.

The metrics pass shares the interpreter (and its GIL) with the listings; at 100,000
WorkSpaces it is minutes of botocore CPU. A listing marks itself `busy()`; the pass
calls `wait()` before each call and before it stores, and so starts nothing while a
listing runs -- at most the calls already in flight finish. `max_wait` bounds each wait
so that a fleet listed back to back still gets its hourly pass, only slower.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MAX_WAIT = 30.0  # seconds one call of a background pass waits for the listings to end
_POLL = 0.25  # how often a waiting pass looks at its stop event


class Yield:
    def __init__(self, max_wait: float = MAX_WAIT) -> None:
        self.max_wait = max_wait
        self._cond = threading.Condition()
        self._active = 0
        self.waiting = 0  # passes blocked in wait() now (tests wait on it)
        self.waited = 0.0  # seconds spent stepping aside, all passes together

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Mark a listing running for the duration of the block."""
        with self._cond:
            self._active += 1
        try:
            yield
        finally:
            with self._cond:
                self._active -= 1
                if not self._active:
                    self._cond.notify_all()

    @property
    def active(self) -> int:
        return self._active

    def wait(self, stop: Any = None) -> None:
        """Block while a listing runs: until none does, `stop` is set, or max_wait passed."""
        t0 = time.monotonic()
        deadline = t0 + self.max_wait
        with self._cond:
            if not self._active:
                return
            self.waiting += 1
            try:
                while self._active and not (stop is not None and stop.is_set()):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(min(left, _POLL))
            finally:
                self.waiting -= 1
                self.waited += time.monotonic() - t0
