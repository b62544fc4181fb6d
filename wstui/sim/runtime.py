"""The simulator runtime the request handlers consult: clock, faults and the call log.

moto builds a fresh response object per request and its server runs handlers in other
threads, so handlers find the active runtime here rather than through an argument.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from wstui.sim.clock import Clock
from wstui.sim.faults import Faults


@dataclass(frozen=True)
class SimCall:
    operation: str  # "RebootWorkspaces"
    region: str
    params: dict[str, Any]
    at: float  # virtual time the call was received
    account: str = ""
    # What the simulator did instead of a plain answer: None, "throttle", "down", "denied",
    # or an injected "503" / "expired-token" (handler not run), "drop-after" / "500-after"
    # (handler ran, the answer was lost or replaced).
    fault: str | None = None


MAX_CALLS = 200_000  # tests and benches read every call of a run
# A long-running demo or `sim serve` keeps only the newest calls: ~1,200 calls a minute
# at ~1.5 KB each grew the demo's RSS by ~2 MB a minute until 200,000 were held.
SERVE_MAX_CALLS = 5_000


@dataclass
class Runtime:
    clock: Clock = field(default_factory=lambda: Clock(speed=1.0))
    faults: Faults = field(default_factory=Faults)
    max_calls: int = MAX_CALLS  # bounded so a long session does not grow without limit
    _calls: deque[SimCall] = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # The usage model CloudWatch metrics are answered from (wstui.sim.metrics.SessionModel).
    sessions: Any = None

    def __post_init__(self) -> None:
        self._calls = deque(maxlen=self.max_calls)

    def record(self, call: SimCall) -> None:
        with self._lock:
            self._calls.append(call)

    @property
    def calls(self) -> list[SimCall]:
        with self._lock:
            return list(self._calls)

    def clear_calls(self) -> None:
        with self._lock:
            self._calls.clear()


_default = Runtime()
_active: Runtime | None = None


def current() -> Runtime:
    return _active or _default


def current_or_none() -> Runtime | None:
    return _active


def activate(runtime: Runtime | None) -> None:
    global _active
    _active = runtime
