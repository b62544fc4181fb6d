"""Live progress of long work: refresh passes and bulk sends (no Textual; CLI and TUI share it).

`RefreshProgress` is fed from the refresher's worker threads -- a (target, kind) listing
started, a page of N items arrived, a by-id call returned, the listing ended -- and hands
`ProgressSnapshot`s to one callback, at most once per `interval` seconds of its clock
(a 20,000-WorkSpace listing lands ~800 pages: consumers must not repaint for each), plus
always the first and the last of a pass. `SendProgress` counts the calls of a bulk send
and estimates the time left from the mean time per call so far.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]
DEFAULT_INTERVAL = 0.25  # seconds between two snapshots handed to the consumer
DEFAULT_HEARTBEAT = 0.5  # at most this long (+ a quarter) between snapshots while a pass is open


def duration(seconds: float) -> str:
    """12s, 3m05s, 1h02m: short enough for a status line."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


@dataclass(frozen=True)
class ProgressSnapshot:
    """One refresh pass so far, over every (target, kind) listing it started."""

    active: bool  # False: the pass ended (the consumer clears its line)
    kind: str  # the kind counted (WorkSpaces when the pass lists them)
    kinds: tuple[str, ...]  # kinds still listing
    targets: int  # targets with a listing still running
    items: int  # `kind` items listed so far in this pass, over every target
    expected: int | None  # `kind` items the last complete listings held (None: not known)
    calls: int  # API calls answered so far (pages and by-id reads)
    elapsed: float
    done: int  # listings ended
    total: int  # listings started
    saving: int = 0  # running listings that are complete and being written to the cache

    @property
    def rate(self) -> float:
        """Items per second since the pass began."""
        return self.items / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds left, when the expected count is known and items are arriving."""
        if self.expected is None or self.rate <= 0:
            return None
        return max(0.0, (self.expected - self.items) / self.rate)

    def _what(self) -> str:
        others = len([k for k in self.kinds if k != self.kind])
        return self.kind + (f" (+{others} more)" if others else "")

    def _count(self) -> str:
        # "~": the expected count is last pass's; the fleet may have grown or shrunk since.
        return f"{self.items:,}" + (f" / ~{self.expected:,}" if self.expected else "")

    def line(self) -> str:
        """For a terminal status line: what, how many, how fast, how long still."""
        if not self.active:
            return ""
        if not self.total:
            return f"refreshing: starting · {duration(self.elapsed)}"
        parts = [f"refreshing {self._what()}: {self._count()} listed"]
        if self.targets:  # 0 between two listings
            parts.append(f"{self.targets} target{'s' if self.targets != 1 else ''}")
        parts += [f"{self.calls:,} calls", f"{self.rate:,.0f}/s"]
        if self.saving:
            parts.append(f"saving {self.saving} to the cache")
        eta = self.eta
        parts.append(f"ETA {duration(eta)}" if eta is not None else duration(self.elapsed))
        return " · ".join(parts)

    def short(self) -> str:
        """For the TUI header (80 columns hold it next to the kind and the cache age)."""
        if not self.active:
            return ""
        if not self.total:
            return "starting"
        text = f"{self.kind} {self._count()}"  # the other kinds are quick: not named here
        if self.targets > 1:
            text += f" · {self.targets} targets"
        if self.saving and self.saving == self.total - self.done:
            text += " · saving"
        eta = self.eta
        return text + (f" · ETA {duration(eta)}" if eta is not None else "")


@dataclass
class _Listing:
    expected: int | None
    items: int = 0
    calls: int = 0
    running: bool = True
    saving: bool = False


class RefreshProgress:
    """Thread-safe progress of one refresh pass at a time.

    The refresher opens a pass with `begin()` and closes it with `end()` (the snapshot
    then has `active=False`); without them, a pass is from the first listing started
    while none runs to the last one's end. While a pass is open, a snapshot goes out at
    least every `heartbeat` seconds even when no call returns -- writing a big listing
    to the cache is one transaction with nothing to count inside it, and its elapsed
    time still shows the refresh is alive.
    """

    def __init__(
        self,
        on_update: Callable[[ProgressSnapshot], None],
        interval: float = DEFAULT_INTERVAL,
        clock: Clock = time.monotonic,
        heartbeat: float | None = DEFAULT_HEARTBEAT,
        lead: str | None = None,
    ) -> None:
        self.on_update = on_update
        self.lead = lead  # the kind counted when the pass lists it (else the biggest)
        self.interval = interval
        self.clock = clock
        self.heartbeat = heartbeat
        self._lock = threading.Lock()
        self._listings: dict[tuple[str, str], _Listing] = {}  # (target key, kind)
        self._t0 = 0.0
        self._last_sent: float | None = None
        self._open = False
        self._beat_stop: threading.Event | None = None
        self._deliver_lock = threading.Lock()
        self._made = self._delivered = 0  # snapshot sequence numbers

    def begin(self) -> None:
        """A pass starts: counts from zero; the heartbeat runs until `end()`."""
        with self._lock:
            self._reset()
            self._open = True
            if self.heartbeat is not None:
                self._beat_stop = threading.Event()
                threading.Thread(target=self._beat, args=(self._beat_stop, self.heartbeat),
                                 name="wstui-progress", daemon=True).start()  # fmt: skip
        self._maybe_send(force=True)

    def end(self) -> None:
        with self._lock:
            self._open = False
            if self._beat_stop is not None:
                self._beat_stop.set()
                self._beat_stop = None
            for job in self._listings.values():
                job.running = False
        self._maybe_send(force=True)

    def tick(self) -> None:
        """Send the current snapshot if a pass is open and nothing went out for a heartbeat."""
        with self._lock:
            if not self._open or self.heartbeat is None:
                return
            due = self._last_sent is None or self.clock() - self._last_sent >= self.heartbeat
        if due:
            self._maybe_send(force=True)

    def _beat(self, stop: threading.Event, every: float) -> None:
        while not stop.wait(every / 4):
            self.tick()

    def _reset(self) -> None:
        self._listings.clear()
        self._t0 = self.clock()
        self._last_sent = None

    def start(self, target: str, kind: str, expected: int | None = None) -> None:
        with self._lock:
            if not self._open and not any(job.running for job in self._listings.values()):
                self._reset()
            self._listings[(target, kind)] = _Listing(expected)
        self._maybe_send(force=False)

    def page(self, target: str, kind: str, items: int = 0, calls: int = 1) -> None:
        """A call of the listing returned (`items` new items listed by it)."""
        with self._lock:
            job = self._listings.get((target, kind))
            if job is None or not job.running:
                return
            job.items += items
            job.calls += calls
        self._maybe_send(force=False)

    def saving(self, target: str, kind: str, items: int) -> None:
        """The listing is complete (`items` in all); its rows are being written."""
        with self._lock:
            job = self._listings.get((target, kind))
            if job is None or not job.running:
                return
            job.items, job.saving = items, True
        self._maybe_send(force=True)

    def finish(self, target: str, kind: str, items: int | None = None) -> None:
        """The listing ended; `items` is its final count (None: it failed)."""
        with self._lock:
            job = self._listings.get((target, kind))
            if job is None:
                return
            job.running = False
            if items is not None:
                job.items = items
        self._maybe_send(force=True)

    def snapshot(self) -> ProgressSnapshot:
        with self._lock:
            return self._snapshot(self.clock())

    def _snapshot(self, now: float) -> ProgressSnapshot:
        jobs = self._listings
        running = {key: job for key, job in jobs.items() if job.running}
        by_kind: dict[str, int] = {}
        for (_, kind), job in jobs.items():
            by_kind[kind] = by_kind.get(kind, 0) + job.items
        # One kind is counted ("workspaces: 20,000" must not add the bundles listed).
        lead = self.lead if self.lead in by_kind else max(by_kind, key=lambda k: by_kind[k], default="")
        counted = [job for (_, kind), job in jobs.items() if kind == lead]
        expected = None
        if counted and all(job.expected is not None for job in counted):
            expected = sum(job.expected or 0 for job in counted)
        return ProgressSnapshot(
            active=self._open or bool(running),
            kind=lead,
            kinds=tuple(sorted({kind for _, kind in running})),
            targets=len({target for target, _ in running}),
            items=sum(job.items for job in counted),
            expected=expected or None,
            calls=sum(job.calls for job in jobs.values()),
            elapsed=max(0.0, now - self._t0),
            done=sum(1 for job in jobs.values() if not job.running),
            total=len(jobs),
            saving=sum(1 for job in running.values() if job.saving),
        )

    def _maybe_send(self, force: bool) -> None:
        with self._lock:
            now = self.clock()
            # The first snapshot of a pass and its end always go out; in between at most
            # one per interval. A listing ending while others run is sent too (its count
            # becomes final), but is rare: one per (target, kind).
            if not force and self._last_sent is not None and now - self._last_sent < self.interval:
                return
            self._last_sent = now
            snap = self._snapshot(now)
            self._made += 1
            seq = self._made
        # Delivered in the order made, never an older one after a newer one: a worker
        # thread's snapshot overtaken by the pass's end must not bring the line back.
        with self._deliver_lock:
            if seq < self._delivered:
                return
            self._delivered = seq
            try:
                self.on_update(snap)
            except Exception:
                pass  # a broken consumer must not stop the listing


class SendProgress:
    """Calls done / total of a bulk send, and the time left at the mean pace so far."""

    def __init__(self, total: int, clock: Clock = time.monotonic) -> None:
        self.total = total
        self.done = 0
        self.clock = clock
        self._t0 = clock()

    def call_done(self, done: int | None = None) -> None:
        self.done = self.done + 1 if done is None else done

    @property
    def eta(self) -> float | None:
        if self.done <= 0:
            return None
        per_call = (self.clock() - self._t0) / self.done
        return max(0, self.total - self.done) * per_call

    def line(self) -> str:
        """ "12/40 calls · ETA 5s" ("ETA" only once a call has returned)."""
        text = f"{self.done:,}/{self.total:,} calls"
        eta = self.eta
        if eta is not None and self.done < self.total:
            text += f" · ETA {duration(eta)}"
        return text
