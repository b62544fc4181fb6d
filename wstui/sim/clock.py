"""The simulator's virtual clock: manual advance for tests, a speed factor for demos."""

from __future__ import annotations

import threading
import time


class Clock:
    """Virtual epoch seconds.

    ``now() = origin + advanced + speed * real_seconds_since_last_speed_change``.
    With ``speed=0`` time moves only through ``advance()``, which is what tests want.
    """

    def __init__(self, start: float | None = None, speed: float = 0.0) -> None:
        self._lock = threading.Lock()
        self._base = float(start if start is not None else int(time.time()))
        self._real0 = time.monotonic()
        self._speed = float(speed)

    def now(self) -> float:
        with self._lock:
            return self._base + self._speed * (time.monotonic() - self._real0)

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._base += seconds
            return self._base + self._speed * (time.monotonic() - self._real0)

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            # Fold elapsed scaled time into the base so changing speed never jumps.
            real = time.monotonic()
            self._base += self._speed * (real - self._real0)
            self._real0 = real
            self._speed = float(value)
