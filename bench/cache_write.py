"""`python -m bench.cache_write`: the refresher's cache writes and mark all + plan (issue 17).

In one process, on the synthetic fleet of `bench/fleet.py` over its four targets, for each
size in --sizes (a curve: nothing may grow faster than the fleet):

- a cold write (empty cache) then 1 + WARM_REPEATS warm writes of the same items, as the
  next passes of a steady fleet list them: only `ConnectionStateCheckTimestamp` and the
  usage `At` move; timestamps are ISO text, as wstui's clients parse them. CPU time per
  row (`time.process_time`, this process only). Record `warm_write_us_per_row` {value: the
  median of the warm passes after the first at the largest size, baseline: the cold pass
  of the same run}.
- every write transaction's lock hold (BEGIN IMMEDIATE -> COMMIT), per target. Record
  `write_lock_max_hold_ms` (largest at the largest size, cold and warm passes).
- meanwhile (largest size only) a second process takes the write lock the way an audit
  row before a mutation does (`BEGIN IMMEDIATE`, 5 s busy timeout), every 50 ms. Record
  `second_writer_lock_failures` ("database is locked" after 5 s), with the probe count and
  the longest wait.
- mark all + plan, as the TUI does before an action's modal, three presses of each way
  (alternated): "sets" (what the TUI does now: every key as mark all lists them, the ids
  and facts per target and the protect-tag set, `act.plan_marked("reboot")`), "narrow"
  (sorted keys, narrow rows through `plan_rows`, `act.plan`: the first issue-17 step) and
  "full" (rows with raw and all tags, the path before issue 17). Record
  `mark_all_plan_core_ms` {value: third "sets" press, baseline: third "full" press,
  narrow: third "narrow" press}. (`python -m bench.mark_all` measures the whole TUI, to
  the plan screen painted; `--plan-only` here skips the warm writes and the probe.)

These are the cache's part of a refresh only; `bench.refresh_100k` runs the whole refresh
against the simulator (and records `warm_refresh_cpu_ratio`).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.fleet import TARGETS, workspace
from bench.refresh_100k import merge
from bench.steal import Steal
from wstui.core.cache import Cache

SIZES = (10_000, 25_000, 50_000, 100_000)
T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC).timestamp()
WARM_REPEATS = 5  # warm passes after the first; one pass alone varies +-15% on this machine

PROBE = """
import sqlite3, sys, time
path, stop = sys.argv[1], sys.argv[2]
import os
probes = failures = 0
worst = 0.0
while not os.path.exists(stop):
    conn = sqlite3.connect(path, timeout=5.0, isolation_level=None)
    t0 = time.perf_counter()
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("COMMIT")
    except sqlite3.OperationalError:
        failures += 1
    worst = max(worst, time.perf_counter() - t0)
    probes += 1
    conn.close()
    time.sleep(0.05)
print(probes, failures, worst, flush=True)
"""


class TimedCache(Cache):
    """The cache, timing how long each write transaction holds the lock."""

    def __init__(self, path: Path) -> None:
        self.holds: list[float] = []
        self.hold_cpu: list[float] = []  # the writing thread's CPU while it held the lock
        super().__init__(path)

    @contextmanager
    def _tx(self) -> Iterator[Any]:
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        start, cpu = time.perf_counter(), time.thread_time()
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self.holds.append(time.perf_counter() - start)
        self.hold_cpu.append(time.thread_time() - cpu)


def fleet(size: int) -> list[list[dict]]:
    rng = random.Random(7)
    per = size // len(TARGETS)
    return [[workspace(i, rng) for i in range(t * per, (t + 1) * per)] for t in range(4)]


def one_pass(cache: TimedCache, batches: list[list[dict]], at: float) -> tuple[float, float, float]:
    """Write every target's listing as pass `at` lists it: (CPU us per row, max hold ms,
    max CPU ms the writer spent holding the lock -- what the hold would be on an idle
    machine, within a commit's I/O)."""
    cache.clock = lambda: at
    stamp = datetime.fromtimestamp(at, UTC).isoformat()  # as the clients parse it
    items = []
    for batch in batches:  # what a listing hands over: new dicts, the check time moved
        items.append([{**w, "ConnectionStatus": {**w["ConnectionStatus"],
                       "ConnectionStateCheckTimestamp": stamp}} for w in batch])  # fmt: skip
    cache.holds, cache.hold_cpu = [], []
    rows = sum(len(b) for b in items)
    cpu = time.process_time()
    for target, batch in zip(TARGETS, items, strict=True):
        cache.replace_snapshot("workspaces", target, batch)
    cpu = time.process_time() - cpu
    return cpu / rows * 1e6, max(cache.holds) * 1000, max(cache.hold_cpu) * 1000


def mark_all_plan(cache: Cache, how: str) -> tuple[float, float]:
    """One press, "sets", "narrow" or "full" (see the module doc): (wall ms, CPU ms)."""
    from wstui.core import act
    from wstui.ui.screens.plan_rows import plan_rows, rows_for_keys

    start, cpu = time.perf_counter(), time.process_time()
    if how == "sets":
        marks = set(cache.table_window("workspaces").all_keys("1", []))
        facts, protected = cache.plan_facts("workspaces", act.PROTECT_TAG, modes=False)
        assert facts is not None
        plan, found = act.plan_marked("reboot", facts, marks, protected)
        assert found == len(marks)
        n = len(marks)
    else:
        keys = sorted(cache.keys("ws"))
        if how == "narrow":
            rows = plan_rows(cache, "workspaces", keys, "reboot", act.PROTECT_TAG)
        else:
            rows = rows_for_keys(cache, "workspaces", keys)
        plan = act.plan("reboot", rows)
        n = len(keys)
    assert len(plan.eligible) + len(plan.skipped) == n
    return (time.perf_counter() - start) * 1000, (time.process_time() - cpu) * 1000


def run_size(size: int, probe: bool, plan_only: bool = False) -> dict[str, Any]:
    batches = fleet(size)
    out: dict[str, Any] = {"size": size}
    with tempfile.TemporaryDirectory(prefix="wstui-bench-") as tmp:
        path = Path(tmp) / "cache.sqlite"
        cache = TimedCache(path)
        stop = Path(tmp) / "stop"
        prober = None
        if probe:
            prober = subprocess.Popen(
                [sys.executable, "-c", PROBE, str(path), str(stop)], stdout=subprocess.PIPE,
                text=True,
            )  # fmt: skip
        try:
            out["cold_us"], cold_hold, cold_cpu = one_pass(cache, batches, T0)
            if plan_only:  # the cold write only fills the cache
                warm_hold = warm2_hold = warm_cpu = warm2_cpu = 0.0
                out["warm_us"] = out["warm2_us"] = 0.0
            else:
                out["warm_us"], warm_hold, warm_cpu = one_pass(cache, batches, T0 + 60)
                later = [one_pass(cache, batches, T0 + 60 * k) for k in range(2, 2 + WARM_REPEATS)]
                out["warm2_us"] = statistics.median(p[0] for p in later)
                warm2_hold, warm2_cpu = max(p[1] for p in later), max(p[2] for p in later)
            out["hold_ms"] = {"cold": cold_hold, "warm": max(warm_hold, warm2_hold)}
            out["hold_cpu_ms"] = {"cold": cold_cpu, "warm": max(warm_cpu, warm2_cpu)}
        finally:
            if prober is not None:
                stop.touch()
                probes, failures, worst = prober.communicate(timeout=60)[0].split()
                out["probe"] = {"probes": int(probes), "failures": int(failures),
                                "max_wait_ms": float(worst) * 1000}  # fmt: skip
        presses: dict[str, list[tuple[float, float]]] = {"full": [], "narrow": [], "sets": []}
        for _ in range(3):  # alternated, so each way meets the same load
            for how, done in presses.items():
                done.append(mark_all_plan(cache, how))
        out["mark_all_plan_ms"] = {k: [w for w, _ in v] for k, v in presses.items()}
        out["mark_all_plan_cpu_ms"] = {k: [c for _, c in v] for k, v in presses.items()}
        cache.close()
    return out


def plan_curve(sizes: list[int]) -> int:
    """Third press of each way at each size, wall and CPU ms, with the load average."""
    print(f"{'size':>7} {'sets ms':>8} {'cpu':>6} {'narrow ms':>9} {'cpu':>6} "
          f"{'full ms':>8} {'cpu':>6} {'load':>5}")  # fmt: skip
    for size in sizes:
        r = run_size(size, probe=False, plan_only=True)
        wall, cpu = r["mark_all_plan_ms"], r["mark_all_plan_cpu_ms"]
        print(f"{size:>7} {wall['sets'][-1]:>8.0f} {cpu['sets'][-1]:>6.0f} "
              f"{wall['narrow'][-1]:>9.0f} {cpu['narrow'][-1]:>6.0f} {wall['full'][-1]:>8.0f} "
              f"{cpu['full'][-1]:>6.0f} {os.getloadavg()[0]:>5.2f}", flush=True)  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default=",".join(map(str, SIZES)))
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--plan-only", action="store_true",
                   help="mark all + plan only (a cold write fills the cache; print only)")  # fmt: skip
    args = p.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.plan_only:
        return plan_curve(sizes)
    runs = []
    steal = Steal()
    print(f"{'size':>7} {'cold us/row':>11} {'warm':>6} {'warm med':>8} {'hold cold ms':>12} "
          f"{'hold warm':>9} {'hold cpu':>8} {'plan full ms':>12} {'narrow':>7} {'sets':>6} "
          f"{'cpu full':>8} {'narrow':>7} {'sets':>6}")  # fmt: skip
    for size in sizes:
        r = run_size(size, probe=size == max(sizes))
        runs.append(r)
        plans = r["mark_all_plan_ms"]
        print(f"{size:>7} {r['cold_us']:>11.1f} {r['warm_us']:>6.1f} {r['warm2_us']:>8.1f} "
              f"{r['hold_ms']['cold']:>12.0f} {r['hold_ms']['warm']:>9.0f} "
              f"{max(r['hold_cpu_ms'].values()):>8.0f} "
              f"{plans['full'][-1]:>12.0f} {plans['narrow'][-1]:>7.0f} {plans['sets'][-1]:>6.0f} "
              f"{r['mark_all_plan_cpu_ms']['full'][-1]:>8.0f} "
              f"{r['mark_all_plan_cpu_ms']['narrow'][-1]:>7.0f} "
              f"{r['mark_all_plan_cpu_ms']['sets'][-1]:>6.0f}", flush=True)  # fmt: skip
    big = runs[-1]
    load = os.getloadavg()[0]
    stolen = steal.pct()
    print(f"CPU stolen by the hypervisor during the run: {stolen}%")
    curve = {str(r["size"]): r for r in runs}
    records = [
        {"name": "warm_write_us_per_row", "value": round(big["warm2_us"], 1), "unit": "us",
         "baseline": round(big["cold_us"], 1), "size": big["size"],
         "curve": {s: round(r["warm2_us"], 1) for s, r in curve.items()},
         "cold_curve": {s: round(r["cold_us"], 1) for s, r in curve.items()}, "load_avg_1m": load,
         "steal_pct": stolen},
        {"name": "write_lock_max_hold_ms", "value": round(max(big["hold_ms"].values())),
         "unit": "ms", "baseline": None, "size": big["size"],
         "per_target_rows": big["size"] // len(TARGETS),
         "curve": {s: {k: round(v) for k, v in r["hold_ms"].items()} for s, r in curve.items()},
         "cpu_ms": round(max(big["hold_cpu_ms"].values())),
         "cpu_curve": {s: {k: round(v) for k, v in r["hold_cpu_ms"].items()}
                       for s, r in curve.items()},
         "load_avg_1m": load, "steal_pct": stolen},
        {"name": "second_writer_lock_failures", "value": big["probe"]["failures"], "unit": "",
         "baseline": None, "probes": big["probe"]["probes"],
         "max_wait_ms": round(big["probe"]["max_wait_ms"]), "size": big["size"]},
        {"name": "mark_all_plan_core_ms", "value": round(big["mark_all_plan_ms"]["sets"][-1]),
         "unit": "ms", "baseline": round(big["mark_all_plan_ms"]["full"][-1]), "size": big["size"],
         "narrow": round(big["mark_all_plan_ms"]["narrow"][-1]),
         "curve": {s: round(r["mark_all_plan_ms"]["sets"][-1]) for s, r in curve.items()},
         "load_avg_1m": load},
        {"name": "mark_all_plan_core_cpu_ms",
         "value": round(big["mark_all_plan_cpu_ms"]["sets"][-1]), "unit": "ms",
         "baseline": round(big["mark_all_plan_cpu_ms"]["full"][-1]), "size": big["size"],
         "narrow": round(big["mark_all_plan_cpu_ms"]["narrow"][-1]),
         "curve": {s: round(r["mark_all_plan_cpu_ms"]["sets"][-1]) for s, r in curve.items()}},
    ]  # fmt: skip
    print(json.dumps(records))
    if not args.no_write:
        for record in records:
            merge(record)
    return 0


if __name__ == "__main__":
    sys.exit(main())
