"""`python -m bench.metrics_100k`: the hourly CloudWatch metrics pass at 100,000 WorkSpaces.

Simulators as in `bench.refresh_100k` (one process per region, 50 ms added latency per
call, CloudWatch calls included). The cache is filled by a WorkSpaces listing, then
every WorkSpace is given a watermark one hour before the pass's time, so the pass is the
steady-state hourly one: every WorkSpace, 6 metrics, one hour of new periods. Measured:

- calls (GetMetricData, NextToken pages included), wall time, client CPU (this process:
  boto3 + folding + the cache write; the simulators run in their own processes);
- the lower bound: calls x latency / parallelism (targets x read_target's workers);
- the same pass with botocore's own response parser (core.aws.fastparse off), for the
  ratio of client CPU;
- "never delays a listing": a warm WorkSpaces listing alone, then the same listing while
  a metrics pass runs. The pass steps aside while a listing runs (core.yielding: no
  call starts, nothing is stored), so the listing pays only for the calls in flight
  when it began.

Merges a record `metrics_100k` into bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.refresh_100k import CREDS, REGIONS, ROOT, CallCounter, merge, regional_clients

START = 1_795_000_000.0  # the simulators' frozen clock (2026-11-18 UTC)

SIM_SCRIPT = """
import sys, threading
from wstui.sim.simulator import Simulator
size, dirs, latency, start, regions = (int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]),
                                       float(sys.argv[4]), sys.argv[5:])
sim = Simulator(seed=7, speed=0.0, start=start)
sim.activate()
sim.seed(size=size, regions=regions, directories_per_region=dirs)
sim.faults.configure(latency_ms=latency)
url, stop = sim.serve_in_thread(port=0)
print("endpoint:", url, flush=True)
threading.Event().wait()
"""


def start_sims(size: int, dirs: int, latency_ms: float) -> tuple[list[Any], dict[str, str]]:
    procs, urls = [], {}
    for region in REGIONS:
        proc = subprocess.Popen(
            [sys.executable, "-c", SIM_SCRIPT, str(size // len(REGIONS)), str(dirs),
             str(latency_ms), str(START), region],
            stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, **CREDS},
        )  # fmt: skip
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("endpoint:"):
                urls[region] = line.split()[1]
                break
        procs.append(proc)
    return procs, urls


def run(urls: dict[str, str], counter: CallCounter) -> dict[str, Any]:
    from wstui.core import metrics
    from wstui.core.aws import Target
    from wstui.core.cache import Cache
    from wstui.core.refresh import Refresher

    os.environ.update(CREDS)
    os.environ.pop("AWS_PROFILE", None)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="wstui-bench-metrics-") as tmp:
        cache = Cache(Path(tmp) / "cache.sqlite")
        clients = regional_clients(urls)
        targets = [Target(None, r, "123456789012") for r in REGIONS]
        clients.remember(targets)
        refresher = Refresher(cache, clients, targets, kinds=["workspaces"])
        refresher.metrics_clock = lambda: START
        t0 = time.perf_counter()
        errors = [r.error for r in refresher.refresh() if r.error]
        if errors:
            raise RuntimeError(f"listing failed: {errors}")
        print(f"listed {cache.count('ws')} WorkSpaces in {time.perf_counter() - t0:.1f}s",
              flush=True)  # fmt: skip
        end = (START // metrics.PERIOD) * metrics.PERIOD
        with cache._tx() as conn:  # an hour-old watermark for every WorkSpace
            conn.execute(
                "INSERT OR REPLACE INTO metrics (account, region, id, read_to, state) "
                "SELECT account, region, id, ?, '{}' FROM workspaces",
                (end - 3600,),
            )
        # A warm listing alone, for the "never delays" comparison.
        t0 = time.perf_counter()
        refresher.refresh()
        out["listing_alone_s"] = time.perf_counter() - t0

        counter.reset()
        cpu0, t0 = time.process_time(), time.perf_counter()
        done = refresher.read_metrics()
        out["seconds"] = time.perf_counter() - t0
        out["cpu_s"] = time.process_time() - cpu0
        out["calls"] = counter.calls.get("GetMetricData", 0)
        errors = [d.error for d in done if d.error]
        if errors:
            raise RuntimeError(f"metrics pass failed: {errors}")
        out["workspaces"] = sum(d.result.workspaces for d in done)
        out["queries"] = sum(d.result.queries for d in done)
        out["datapoints"] = sum(d.result.datapoints for d in done)
        out["parallelism"] = len(targets) * 4  # targets in parallel x read_target's workers

        # The same pass with botocore's own parser (core.aws.fastparse off), same watermarks.
        with cache._tx() as conn:
            conn.execute("UPDATE metrics SET read_to = ?, state = '{}'", (end - 3600,))
        from wstui.core.aws import fastparse

        hot, fastparse.HOT = fastparse.HOT, {}
        try:
            plain = Refresher(cache, regional_clients(urls), targets, kinds=["workspaces"])
            plain.clients.remember(targets)
            plain.metrics_clock = lambda: START
            cpu0, t0 = time.process_time(), time.perf_counter()
            plain.read_metrics()
            out["botocore_parse_seconds"] = time.perf_counter() - t0
            out["botocore_parse_cpu_s"] = time.process_time() - cpu0
        finally:
            fastparse.HOT = hot

        # The same listing while a pass runs (watermarks set back an hour again).
        with cache._tx() as conn:
            conn.execute("UPDATE metrics SET read_to = ?, state = '{}'", (end - 3600,))
        pass_thread = threading.Thread(target=refresher.read_metrics)
        pass_thread.start()
        time.sleep(1.0)  # the pass is under way
        t0 = time.perf_counter()
        refresher.refresh()
        out["listing_during_s"] = time.perf_counter() - t0
        out["pass_still_running"] = pass_thread.is_alive()
        pass_thread.join()
        out["pass_waited_s"] = refresher.listing_gate.waited  # stepping aside (core.yielding)
        cache.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=100_000)
    p.add_argument("--directories", type=int, default=8)
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--no-write", action="store_true", help="print only")
    args = p.parse_args(argv)
    counter = CallCounter()
    t0 = time.perf_counter()
    procs, urls = start_sims(args.size, args.directories, args.latency_ms)
    print(f"simulators ready in {time.perf_counter() - t0:.1f}s", flush=True)
    try:
        r = run(urls, counter)
        bound = r["calls"] * args.latency_ms / 1000 / r["parallelism"]
        record = {
            "name": "metrics_100k",
            "value": round(r["seconds"], 2),
            "unit": "s",
            "vs_bound": round(r["seconds"] / bound, 2),
            "bound_s": round(bound, 2),
            "calls": r["calls"],
            "queries": r["queries"],
            "datapoints": r["datapoints"],
            "client_cpu_s": round(r["cpu_s"], 2),
            # The same pass parsed by botocore itself (no core.aws.fastparse), same run.
            "client_cpu_botocore_parse_s": round(r["botocore_parse_cpu_s"], 2),
            "cpu_vs_botocore_parse": round(r["cpu_s"] / r["botocore_parse_cpu_s"], 3),
            "seconds_botocore_parse": round(r["botocore_parse_seconds"], 2),
            "parallelism": r["parallelism"],
            "workspaces": r["workspaces"],
            "listing_alone_s": round(r["listing_alone_s"], 2),
            "listing_during_pass_s": round(r["listing_during_s"], 2),
            "pass_overlapped_listing": r["pass_still_running"],
            "pass_waited_for_listing_s": round(r["pass_waited_s"], 2),
            "size": args.size,
            "latency_ms": args.latency_ms,
        }
        print(f"metrics pass: {r['workspaces']} WorkSpaces, {r['calls']} calls "
              f"({r['queries']} queries, {r['datapoints']} datapoints) in {r['seconds']:.1f}s, "
              f"client CPU {r['cpu_s']:.1f}s; bound {r['calls']} x {args.latency_ms:g} ms / "
              f"{r['parallelism']} = {bound:.1f}s -> x{r['seconds'] / bound:.2f}")  # fmt: skip
        print(f"same pass with botocore's parser: client CPU {r['botocore_parse_cpu_s']:.1f}s "
              f"in {r['botocore_parse_seconds']:.1f}s -> ours x{r['cpu_s'] / r['botocore_parse_cpu_s']:.2f}")  # fmt: skip
        print(f"warm listing: {r['listing_alone_s']:.1f}s alone, "
              f"{r['listing_during_s']:.1f}s during a metrics pass")  # fmt: skip
        print(json.dumps(record))
        if not args.no_write:
            merge(record)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
