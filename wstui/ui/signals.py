"""SIGHUP and SIGTERM end the TUI the way `q` does.

Python's default for both is to die on the spot: the terminal stays in the alternate
screen with mouse reporting on and no cursor, and `wstui demo` leaves its temp dir
(cache + simulator, ~10 MB) behind. An SSH session that drops sends SIGHUP, so on a
bastion this happens every day. Here a signal asks the running app to exit (Textual
then restores the terminal) and the caller's `finally` blocks clean up.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any

GRACE = 5.0  # seconds an app has to end by itself after SIGHUP/SIGTERM
EXIT_SIGNALS = tuple(
    s for s in (getattr(signal, "SIGHUP", None), getattr(signal, "SIGTERM", None)) if s
)


class SignalExit:
    """Set `app` once it is built; `signum` is the signal that ended it, if any."""

    def __init__(self) -> None:
        self.app: Any = None
        self.signum: int | None = None
        self.app_done = False  # the app returned: cleanup is under way, let it finish
        # Run, then exit, if the app has not ended GRACE seconds after the signal: with
        # the pty gone, Textual's driver close was seen blocking forever on its writer
        # queue (a test with both cores busy), leaving the process and its temp dir.
        self.cleanups: list[Callable[[], None]] = []

    @property
    def return_code(self) -> int:
        """The shell's convention for "ended by signal N"."""
        return 0 if self.signum is None else 128 + self.signum

    def handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.signum is not None or self.app_done:
            return  # already exiting: a second signal must not cut the cleanup short
        self.signum = signum
        threading.Thread(target=self._watchdog, name="wstui-signal-watchdog", daemon=True).start()
        try:
            loop = asyncio.get_running_loop()  # the handler runs on the main thread
        except RuntimeError:
            loop = None
        app = self.app
        if app is not None and loop is not None and getattr(app, "is_running", False):
            # call_soon_threadsafe: the only loop call safe from a signal handler.
            loop.call_soon_threadsafe(app.exit, None, self.return_code)
            return
        # Before the app runs there is no terminal state to restore: unwind now, so the
        # caller's finally blocks (temp dir, simulator, cache) run.
        raise SystemExit(self.return_code)


    def _watchdog(self) -> None:
        time.sleep(GRACE)
        for cleanup in self.cleanups:
            with suppress(Exception):
                cleanup()
        os._exit(self.return_code)


@contextmanager
def exit_on_signals() -> Iterator[SignalExit]:
    """Handle SIGHUP/SIGTERM for the block (main thread only); restore the old handlers."""
    state = SignalExit()
    previous: dict[int, Any] = {}
    try:
        for sig in EXIT_SIGNALS:
            previous[sig] = signal.signal(sig, state.handle)
    except ValueError:  # not the main thread: leave signals alone
        pass
    try:
        yield state
    finally:
        state.app_done = True
        for sig, handler in previous.items():
            signal.signal(sig, handler)
