"""Fault injection, switchable while the simulator runs (tests flip it mid-listing).

Two families:

- settings (``configure``): latency, a seeded throttle rate, per-operation RPS caps,
  AccessDenied operations and an endpoint that dies after N calls;
- injection rules (``inject``): deterministic faults for the next N matching calls,
  answered before the handler runs (``503``, ``expired-token``) or after it ran and
  changed state (``drop-after``, ``500-after``) -- the "did my request reach AWS?" cases.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

InjectionKind = Literal["drop-after", "500-after", "503", "expired-token"]
INJECTION_KINDS: Final[tuple[InjectionKind, ...]] = (
    "drop-after",
    "500-after",
    "503",
    "expired-token",
)

Verdict = Literal[
    "ok", "throttle", "down", "denied", "drop-after", "500-after", "503", "expired-token"
]

_UNSET: Final = object()


@dataclass(frozen=True)
class FaultSettings:
    latency_ms: float = 0.0
    throttle_rate: float = 0.0  # probability that a call answers ThrottlingException
    fail_after: int | None = None  # calls 1..N succeed; call N+1 onwards find the endpoint down
    rps_cap: float | dict[str, float] | None = None  # per operation; a number applies to every one
    denied: frozenset[str] = frozenset()  # operations answered AccessDeniedException


@dataclass
class Injection:
    """One ``inject`` rule; ``remaining`` counts down per applied call (None: forever)."""

    kind: InjectionKind
    operations: frozenset[str] | None  # None: every operation
    remaining: int | None

    def matches(self, operation: str) -> bool:
        live = self.remaining is None or self.remaining > 0
        return live and (self.operations is None or operation in self.operations)


class Faults:
    """Thread-safe fault switchboard consulted once per API call."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._seed = seed
        self._attempts: dict[tuple[str, str], int] = {}
        self._count = 0
        self._recent: dict[str, deque[float]] = {}
        self._injections: list[Injection] = []

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    @property
    def calls_seen(self) -> int:
        return self._count

    def configure(
        self,
        latency_ms: float | object = _UNSET,
        throttle_rate: float | object = _UNSET,
        fail_after: int | object | None = _UNSET,
        rps_cap: float | dict[str, float] | object | None = _UNSET,
        denied: Iterable[str] | object = _UNSET,
    ) -> FaultSettings:
        """Change only the settings passed; ``fail_after`` counts from the calls seen so far."""
        with self._lock:
            s = self._settings
            changes: dict[str, object] = {}
            if latency_ms is not _UNSET:
                changes["latency_ms"] = float(latency_ms)  # type: ignore[arg-type]
            if throttle_rate is not _UNSET:
                rate = float(throttle_rate)  # type: ignore[arg-type]
                if not 0.0 <= rate <= 1.0:
                    raise ValueError("throttle_rate must be within [0, 1]")
                changes["throttle_rate"] = rate
            if fail_after is not _UNSET:
                # Relative to now, so switching it on mid-run means "N more calls, then down".
                changes["fail_after"] = (
                    None if fail_after is None else self._count + int(fail_after)  # type: ignore[call-overload]
                )
            if rps_cap is not _UNSET:
                changes["rps_cap"] = rps_cap
            if denied is not _UNSET:
                changes["denied"] = frozenset(denied)  # type: ignore[arg-type]
            self._settings = FaultSettings(**{**s.__dict__, **changes})
            return self._settings

    def inject(
        self, kind: str, operations: Iterable[str] | None = None, times: int | None = None
    ) -> None:
        """Add a rule: the next ``times`` calls to ``operations`` get fault ``kind``.

        ``operations`` None means every operation, ``times`` None every matching call.
        Rules apply in the order added; a call gets the first live matching rule only.
        """
        if kind not in INJECTION_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; one of {', '.join(INJECTION_KINDS)}")
        if times is not None and times < 0:
            raise ValueError("times must be >= 0 (or None for every matching call)")
        if isinstance(operations, str):  # a lone name, not its characters
            operations = [operations]
        ops = None if operations is None else frozenset(operations)
        with self._lock:
            self._injections.append(Injection(kind, ops, times))

    def clear_injections(self) -> None:
        with self._lock:
            self._injections.clear()

    @property
    def injections(self) -> list[Injection]:
        """The rules still active (a snapshot)."""
        with self._lock:
            return [Injection(r.kind, r.operations, r.remaining) for r in self._injections
                    if r.remaining is None or r.remaining > 0]  # fmt: skip

    def reset(self) -> None:
        with self._lock:
            self._settings = FaultSettings()
            self._recent.clear()
            self._injections.clear()
            self._attempts.clear()

    def _throttle_draw(self, operation: str, request_key: str) -> float:
        # A function of (seed, request, attempt number) only: which attempts are throttled
        # does not depend on how threads interleave, so a test under load sees exactly the
        # same faults as on an idle machine.
        if len(self._attempts) > 100_000:  # a long demo: forget old requests
            self._attempts.clear()
        n = self._attempts.get((operation, request_key), 0) + 1
        self._attempts[(operation, request_key)] = n
        return random.Random(f"{self._seed}|{operation}|{request_key}|{n}").random()

    def judge(self, operation: str, request_key: str = "") -> tuple[Verdict, float]:
        """Count one call; return its verdict and the latency (seconds) to add first.

        Precedence: endpoint down, injected rules, denied, throttle rate, RPS cap. A rule
        is used up only by a call it applies to (not by one the dead endpoint swallowed).
        """
        with self._lock:
            self._count += 1
            s = self._settings
            latency = s.latency_ms / 1000.0
            if s.fail_after is not None and self._count > s.fail_after:
                return "down", latency
            injected = self._take_injection(operation)
            if injected is not None:
                return injected, latency
            if operation in s.denied:
                return "denied", latency
            if s.throttle_rate and self._throttle_draw(operation, request_key) < s.throttle_rate:
                return "throttle", latency
            cap = s.rps_cap.get(operation) if isinstance(s.rps_cap, dict) else s.rps_cap
            if cap is not None and self._over_cap(operation, cap):
                return "throttle", latency
            return "ok", latency

    def _take_injection(self, operation: str) -> InjectionKind | None:
        # Called under the lock, once per call, in arrival order: that order alone decides
        # which calls get the fault (no randomness, no clock).
        for rule in self._injections:
            if rule.matches(operation):
                if rule.remaining is not None:
                    rule.remaining -= 1
                return rule.kind
        return None

    def _over_cap(self, operation: str, cap: float) -> bool:
        # Sliding one-second window per operation; refused calls do not use up capacity.
        now = time.monotonic()
        window = self._recent.setdefault(operation, deque())
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= cap:
            return True
        window.append(now)
        return False
