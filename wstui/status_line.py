"""One self-updating status line on a terminal stream (the CLI's progress on stderr).

Only on a TTY: redirected to a file or a pipe, nothing is written, so logs and scripts
see the normal output alone. The line is rewritten in place with a carriage return and
padded with spaces over the previous text (no escape sequences: it works on any
terminal, NO_COLOR or TERM=dumb included), cut to the terminal's width so it never
wraps, and erased by `clear()` or before other output is printed (`above()`).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class StatusLine:
    def __init__(self, stream: TextIO, enabled: bool | None = None) -> None:
        self.stream = stream
        if enabled is None:
            try:
                enabled = stream.isatty()
            except (AttributeError, ValueError):  # closed or not a real stream
                enabled = False
        self.enabled = enabled
        self._shown = ""  # the text on the line now ("" = nothing)
        self._wanted = ""  # the latest text asked for (redrawn after `above()`)
        self._lock = threading.RLock()  # fed from worker threads

    def show(self, text: str) -> None:
        with self._lock:
            self._wanted = text
            if not self.enabled:
                return
            text = text[: max(10, self._columns() - 1)]  # the last column would wrap
            if text == self._shown:
                return
            if not text:
                self._erase()
                return
            self._write("\r" + text.ljust(len(self._shown)))
            self._shown = text

    def clear(self) -> None:
        with self._lock:
            self._wanted = ""
            self._erase()

    @contextmanager
    def above(self) -> Iterator[None]:
        """Print something else: the line is erased first and redrawn after."""
        with self._lock:
            self._erase()
            try:
                yield
            finally:
                if self._wanted:
                    self.show(self._wanted)

    def _columns(self) -> int:
        try:
            return os.get_terminal_size(self.stream.fileno()).columns
        except (AttributeError, OSError, ValueError):
            return shutil.get_terminal_size((80, 24)).columns

    def _erase(self) -> None:
        if self.enabled and self._shown:
            self._write("\r" + " " * len(self._shown) + "\r")
            self._shown = ""

    def _write(self, data: str) -> None:
        try:
            self.stream.write(data)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False  # the terminal went away: progress is not worth an error
