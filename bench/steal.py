"""CPU time this virtual machine's hypervisor gave to other guests ("steal" in
/proc/stat), as a share of all its CPU time over an interval.

On this machine it has been seen at 0% and at 50% on different hours: while it is high,
wall times and even CPU times of a bench move with it, so records carry it next to the
load average.
"""

from __future__ import annotations


def _read() -> tuple[int, int] | None:
    """(steal ticks, all ticks) so far, or None where /proc/stat says nothing of steal."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if len(fields) < 9 or fields[0] != "cpu":
        return None
    ticks = [int(x) for x in fields[1:9]]  # user nice system idle iowait irq softirq steal
    return ticks[7], sum(ticks)


class Steal:
    """Started at construction; `pct()` is the steal share since then."""

    def __init__(self) -> None:
        self._start = _read()

    def pct(self) -> float | None:
        end = _read()
        if self._start is None or end is None or end[1] == self._start[1]:
            return None
        return round(100 * (end[0] - self._start[0]) / (end[1] - self._start[1]), 1)
