"""`python -m bench.refresh_responsiveness`: does the UI thread stay responsive during a refresh?

The refresher runs in the TUI's process, and a big refresh keeps Python busy (botocore,
the SQLite write). This runs a cold refresh of SIZE WorkSpaces against the same
simulator set-up as `bench.refresh_100k` (4 regions x 8 directories, 50 ms per call, 64
calls in flight) while another thread -- standing in for Textual's -- repeats a fixed
pure-Python task (about a filter keystroke's worth of work) every 50 ms. It prints the
task's time alone and during the refresh, and merges a record
`ui_task_during_refresh_p95_ms` {value: p95 during, baseline: median alone}.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from typing import Any

from bench import refresh_100k

TASK_LOOPS = 200_000


def ui_task() -> int:
    total = 0
    for i in range(TASK_LOOPS):
        total += i * i
    return total


def timed_ms() -> float:
    t0 = time.perf_counter()
    ui_task()
    return (time.perf_counter() - t0) * 1000


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=25_000)
    p.add_argument("--no-write", action="store_true", help="print only")
    args = p.parse_args(argv)

    counter = refresh_100k.CallCounter()
    procs, urls = refresh_100k.start_sims(args.size, 8, 50.0)
    try:
        alone = [timed_ms() for _ in range(30)]
        during: list[float] = []
        done = threading.Event()

        def ui_thread() -> None:
            while not done.is_set():
                during.append(timed_ms())
                time.sleep(0.05)

        thread = threading.Thread(target=ui_thread, name="ui")
        thread.start()
        out: dict[str, Any] = refresh_100k.run_ours(urls, counter)
        done.set()
        thread.join()
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    p95 = statistics.quantiles(during, n=20)[-1]
    print(
        f"task alone: median {statistics.median(alone):.1f} ms; during a cold refresh of "
        f"{args.size} WorkSpaces ({out['cold']['seconds']:.1f} s): median "
        f"{statistics.median(during):.1f} ms, p95 {p95:.1f} ms, max {max(during):.1f} ms "
        f"({len(during)} samples)"
    )
    if not args.no_write:
        refresh_100k.merge(
            {
                "name": "ui_task_during_refresh_p95_ms",
                "value": round(p95, 1),
                "unit": "ms",
                "baseline": round(statistics.median(alone), 1),
                "median_ms": round(statistics.median(during), 1),
                "max_ms": round(max(during), 1),
                "size": args.size,
            }
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
