"""`python -m bench.refresh_responsiveness`: does the UI thread stay responsive during a refresh?

A big refresh keeps Python busy (botocore, the SQLite write). This runs a cold refresh of
SIZE WorkSpaces against the same simulator set-up as `bench.refresh_100k` (4 regions x 8
directories, 50 ms per call, 64 calls in flight) twice in one run -- with the refresher in
this process (a `Refresher` on its threads) and in a child process
(`wstui.refresh_process.RefresherProcess`, the TUI's default), each into a fresh cache --
while another thread, standing in for Textual's, repeats a fixed pure-Python task (about
a filter keystroke's worth of work) every 50 ms. It prints the task's time alone and
during each refresh, and merges a record `ui_task_p95_during_refresh_ms` {value: p95
during the child's refresh, baseline: median alone, in_process_p95_ms, ...} (issue 17's
target: <= 20 ms).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import refresh_100k

TASK_LOOPS = 200_000
WORKERS = 4  # targets listed in parallel, as in refresh_100k.run_ours
SIM_NICE = 15  # the simulators stand for AWS: not on the user's 2 cores


def ui_task() -> int:
    total = 0
    for i in range(TASK_LOOPS):
        total += i * i
    return total


def _schedstat() -> tuple[float, float] | None:
    """This thread's (CPU, run-queue wait) in ms, from Linux's schedstat; None elsewhere."""
    try:
        with open("/proc/thread-self/schedstat") as f:
            cpu_ns, queued_ns, _ = f.read().split()
    except (OSError, ValueError):
        return None
    return int(cpu_ns) / 1e6, int(queued_ns) / 1e6


BLOCKED: list[float] = []  # per task: ms neither running nor waiting for a core


def timed_ms() -> float:
    """The task's wall time. Also notes in BLOCKED the part spent neither on a core nor
    queued for one -- waiting for the GIL, since the task does no I/O -- a figure the
    machine's load (other processes on the 2 cores) does not inflate."""
    before = _schedstat()
    t0 = time.perf_counter()
    ui_task()
    wall = (time.perf_counter() - t0) * 1000
    after = _schedstat()
    if before is not None and after is not None:
        BLOCKED.append(max(0.0, wall - (after[0] - before[0]) - (after[1] - before[1])))
    return wall


@dataclass(frozen=True)
class BenchRefresher:
    """The refresher of `refresh_100k.run_ours` on a cache file; picklable, so the child
    process builds the same one (wstui.refresh_process)."""

    urls: dict[str, str]
    cache_path: str

    def build(self) -> tuple[Any, Any]:
        from wstui.core.aws import Target
        from wstui.core.cache import Cache
        from wstui.core.refresh import Refresher

        os.environ.update(refresh_100k.CREDS)
        os.environ.pop("AWS_PROFILE", None)
        cache = Cache(self.cache_path)
        clients = refresh_100k.regional_clients(self.urls)
        targets = [Target(None, r, "123456789012") for r in refresh_100k.REGIONS]
        clients.remember(targets)  # STS is not part of the WorkSpaces listing
        refresher = Refresher(cache, clients, targets, kinds=["workspaces"], max_workers=WORKERS)
        return cache, refresher


def sample_during(
    work: Callable[[], Any], blocked: list[float]
) -> tuple[list[float], float, Any]:
    """The task's times while `work` runs (their GIL waits into `blocked`); the work's
    seconds and result."""
    during: list[float] = []
    done = threading.Event()

    def ui_thread() -> None:
        BLOCKED.clear()
        while not done.is_set():
            during.append(timed_ms())
            time.sleep(0.05)
        blocked.extend(BLOCKED)

    thread = threading.Thread(target=ui_thread, name="ui")
    thread.start()
    t0 = time.perf_counter()
    try:
        result = work()
    finally:
        seconds = time.perf_counter() - t0
        done.set()
        thread.join()
    return during, seconds, result


def cold_refresh(refresher: Any) -> Callable[[], Any]:
    def work() -> Any:
        results = refresher.refresh(["workspaces"])
        errors = [r.error for r in results if r.error]
        if errors or len(results) != len(refresh_100k.REGIONS):
            raise RuntimeError(f"refresh failed: {errors or results}")
        return results

    return work


def _p95(samples: list[float]) -> float | None:
    return round(statistics.quantiles(samples, n=20)[-1], 1) if len(samples) > 1 else None


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(samples), 1),
        "p95_ms": round(statistics.quantiles(samples, n=20)[-1], 1),
        "max_ms": round(max(samples), 1),
        "samples": len(samples),
    }


def main(argv: list[str] | None = None) -> int:
    from wstui.refresh_process import RefresherProcess

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=25_000)
    p.add_argument("--no-write", action="store_true", help="print only")
    p.add_argument("--sim-nice", type=int, default=SIM_NICE,
                   help="the simulators' niceness (they stand for AWS, not on the user's cores)")  # fmt: skip
    args = p.parse_args(argv)

    procs, urls = refresh_100k.start_sims(args.size, 8, 50.0, nice=args.sim_nice)
    try:
        with tempfile.TemporaryDirectory(prefix="wstui-bench-") as tmp:
            # The task alone right before each refresh (the machine's load moves).
            alone = [timed_ms() for _ in range(30)]
            # In this process: the refresher's threads share the task's GIL.
            cache, local = BenchRefresher(urls, str(Path(tmp) / "thread.sqlite")).build()
            in_blocked: list[float] = []
            in_process, in_seconds, _ = sample_during(cold_refresh(local), in_blocked)
            rows_in = cache.count("workspaces")
            local.stop()
            cache.close()
            # In a child process, started and ready before the clock runs (the TUI
            # starts it after its first frame).
            # Pickled by its module's name, which is __main__ under `python -m`.
            from bench.refresh_responsiveness import BenchRefresher as Spec

            spec = Spec(urls, str(Path(tmp) / "child.sqlite"))
            cache, fallback = spec.build()
            child = RefresherProcess(spec, fallback)
            if not child.wait_ready(120):
                raise RuntimeError("the refresher's child process did not start")
            alone += [timed_ms() for _ in range(30)]
            events: list[Any] = []
            child.on_event = events.append  # as the app's listener: every event crosses
            child_blocked: list[float] = []
            in_child, child_seconds, _ = sample_during(cold_refresh(child), child_blocked)
            child.stop()
            rows_child = cache.count("workspaces")
            cache.close()
            if child.fallen_back or rows_child != rows_in or rows_in != args.size:
                raise RuntimeError(f"rows: {rows_in} in-process, {rows_child} child")
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    load = os.getloadavg()[0]
    base = round(statistics.median(alone), 1)
    thread_fig, child_fig = summary(in_process), summary(in_child)
    print(f"task alone: median {base:.1f} ms; load average (1 min) {load:.2f}")
    for name, seconds, fig in (("in-process", in_seconds, thread_fig),
                               ("child process", child_seconds, child_fig)):  # fmt: skip
        print(
            f"during a cold refresh of {args.size} WorkSpaces, refresher {name} ({seconds:.1f} s): "
            f"median {fig['median_ms']} ms, p95 {fig['p95_ms']} ms, max {fig['max_ms']} ms "
            f"({fig['samples']} samples)"
        )
    gil_in, gil_child = _p95(in_blocked), _p95(child_blocked)
    print(f"the task's GIL wait (wall - CPU - run queue), p95: in-process {gil_in} ms, "
          f"child {gil_child} ms")  # fmt: skip
    print(f"events from the child: {len(events)}; in-process p95 / child p95: "
          f"{thread_fig['p95_ms'] / child_fig['p95_ms']:.2f}")  # fmt: skip
    if not args.no_write:
        refresh_100k.merge(
            {
                "name": "ui_task_p95_during_refresh_ms",
                "value": child_fig["p95_ms"],
                "unit": "ms",
                "baseline": base,
                "median_ms": child_fig["median_ms"],
                "max_ms": child_fig["max_ms"],
                "refresh_s": round(child_seconds, 1),
                "in_process_p95_ms": thread_fig["p95_ms"],
                "in_process_median_ms": thread_fig["median_ms"],
                "in_process_max_ms": thread_fig["max_ms"],
                "in_process_refresh_s": round(in_seconds, 1),
                "gil_wait_p95_ms": gil_child,
                "in_process_gil_wait_p95_ms": gil_in,
                "vs_in_process": round(thread_fig["p95_ms"] / child_fig["p95_ms"], 2),
                "size": args.size,
                "load_avg_1m": round(load, 2),
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
