"""Timing helpers: when did a change reach a painted frame?

Textual paints from a screen timer (at most `TEXTUAL_FPS`, 60 by default): a change
becomes visible in the next compositor update that `App._display` receives. `FrameApp`
records the time of every such update, after turning it into the bytes a terminal
would be sent (headless runs skip that step; we do it so the cost is counted). An
operation's latency is: key sent -> first frame recorded after the handler applied
the change (`mark()`).
"""

from __future__ import annotations

import asyncio
import bisect
import os
import resource
import statistics
from collections.abc import Callable
from time import perf_counter, process_time
from typing import Any

from textual._compositor import CompositorUpdate
from textual.app import App
from textual.pilot import Pilot
from textual.screen import Screen

TIMEOUT_S = 120.0


class FrameRecorder:
    """Mixed into an App class: timestamps every frame it paints."""

    _batch_count: int
    console: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.frames: list[float] = []
        self.frame_cpu: list[float] = []
        self.frame_starts: list[float] = []
        self.work_started = 0.0
        self.marked_at = 0.0
        self.painted_bytes = 0

    def start_work(self) -> None:
        """Call when a handler starts applying a change."""
        self.work_started = perf_counter()

    def mark(self) -> None:
        """Call when a change has been applied to the widgets."""
        self.marked_at = perf_counter()

    def _display(self, screen: Any, renderable: Any) -> None:
        if renderable is not None and not self._batch_count:
            if isinstance(renderable, CompositorUpdate):
                self.painted_bytes += len(renderable.render_segments(self.console))
            self.frames.append(perf_counter())
            self.frame_cpu.append(process_time())
            self.frame_starts.append(screen._bench_update_started)
        super()._display(screen, renderable)  # type: ignore[misc]


class FrameApp(FrameRecorder, App[None]):
    """An App that timestamps every frame it paints."""


def _timed_update(self: Screen[Any]) -> None:
    self._bench_update_started = perf_counter()  # type: ignore[attr-defined]
    _screen_update(self)


# The screen's update timer does layout, compositing and painting for one frame; its
# start time tells how long a frame took to produce (as opposed to waiting for the tick).
_screen_update = Screen._on_timer_update
Screen._on_timer_update = _timed_update  # type: ignore[method-assign]
Screen._bench_update_started = 0.0  # type: ignore[attr-defined]


async def frame_after(app: FrameApp, after: float) -> float:
    """Wait for (and return the time of) the first frame painted after `after`."""
    deadline = perf_counter() + TIMEOUT_S
    while True:
        index = bisect.bisect_right(app.frames, after)  # frames are appended in time order
        if index < len(app.frames):
            return app.frames[index]
        if perf_counter() > deadline:
            raise TimeoutError("no frame was painted")
        await asyncio.sleep(0.0005)


async def wait_until(condition: Callable[[], bool]) -> None:
    deadline = perf_counter() + TIMEOUT_S
    while not condition():
        if perf_counter() > deadline:
            raise TimeoutError("condition never became true")
        await asyncio.sleep(0.0005)


async def settle(pilot: Pilot[Any]) -> None:
    """Let pending work and repaints finish so one sample does not leak into the next."""
    await pilot.pause()
    await asyncio.sleep(0.05)


async def timed_keys(
    pilot: Pilot[Any], app: FrameApp, keys: list[str]
) -> tuple[list[float], list[float], list[float]]:
    """Per key, in ms: (sent -> first frame painted after its change,
    handler work + the time to produce that frame,
    CPU time this process used from sent to painted)."""
    latency, work, cpu = [], [], []
    for key in keys:
        await settle(pilot)
        app.marked_at = float("inf")
        cpu_start = process_time()
        start = perf_counter()
        await pilot.press(key)
        await wait_until(lambda: app.marked_at != float("inf"))
        painted = await frame_after(app, app.marked_at)
        frame = app.frames.index(painted)
        cpu.append((app.frame_cpu[frame] - cpu_start) * 1000)
        latency.append((painted - start) * 1000)
        handler = app.marked_at - app.work_started
        work.append((handler + painted - app.frame_starts[frame]) * 1000)
    return latency, work, cpu


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def rss_mb() -> float:
    """Current resident set size of this process."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quiet_env() -> None:
    # Headless runs must not pick up a developer's TEXTUAL settings (devtools, FPS).
    for name in ("TEXTUAL", "TEXTUAL_FPS"):
        os.environ.pop(name, None)
