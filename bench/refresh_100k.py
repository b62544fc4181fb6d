"""`python -m bench.refresh_100k`: full refresh of 100,000 WorkSpaces vs the bound and the AWS CLI.

The simulator runs outside this process, one process per region (AWS's regional
endpoints are independent; one interpreter serving all four regions is itself the
bottleneck): 100,000 WorkSpaces over 4 regions x 8 directories, 50 ms added latency per
call. In one run this measures

- ours: a cold `Refresher.refresh(["workspaces"])` of the 4 targets into an empty cache
  (directory listings, per-directory DescribeWorkspaces pages, connection status 25 ids
  per call, tags 100 ARNs per GetResources call) -- every API call counted as it is sent,
  and every one of them (the tagging API's too) pays the simulator's latency;
- the lower bound: calls x latency / allowed concurrency (4 targets in parallel x (8
  listing + 8 by-id workers) = 64 calls in flight);
- the boto3 floor: plain boto3 making the same calls and discarding the answers
  (record `refresh_cpu_vs_boto3_floor`: our cold client CPU / its CPU);
- the AWS CLI: `aws workspaces describe-workspaces` for each region in turn (it pages
  sequentially) from a throw-away venv (bench/.awscli-venv, `pip install awscli`),
  checking it lists the same 100,000 WorkSpaces.

It merges a record `refresh_100k` {value: our seconds, vs_bound, vs_awscli} into
bench/results.json. The ratios are from this one run on this machine; the simulator and
our client share its cores, so CPU time shows up in our figure.
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
from collections import Counter
from pathlib import Path
from typing import Any

from bench.steal import Steal

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
AWSCLI = ROOT / "bench" / ".awscli-venv" / "bin" / "aws"
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2")
CREDS = {"AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench"}


# The simulator's process: the same steps as `wstui sim serve`, without the CLI around it.
SIM_SCRIPT = """
import sys, threading
from wstui.sim.simulator import Simulator
size, dirs, latency, regions = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
sim = Simulator(seed=7, speed=0.0)
sim.activate()
sim.seed(size=size, regions=regions, directories_per_region=dirs)
sim.faults.configure(latency_ms=latency)
url, stop = sim.serve_in_thread(port=0)
print("endpoint:", url, flush=True)
threading.Event().wait()
"""


def start_sim(
    size: int, directories: int, latency_ms: float, regions: tuple[str, ...] = REGIONS,
    nice: int = 0,
) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SIM_SCRIPT, str(size), str(directories), str(latency_ms), *regions],
        stdout=subprocess.PIPE, text=True, cwd=ROOT, env={**os.environ, **CREDS},
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("endpoint:"):
            return proc, line.split()[1]
    raise RuntimeError("the simulator did not start")


def start_sims(
    size: int, directories: int, latency_ms: float, nice: int = 0
) -> tuple[list[subprocess.Popen], dict[str, str]]:
    """One simulator process per region, like AWS's independent regional endpoints.

    (One process for all regions makes its single interpreter the bottleneck.) ``nice``
    lowers their priority: AWS does not run on the user's cores, so a bench of what the
    user's process does can keep the stand-in from competing with it.
    """
    procs, urls = [], {}
    for region in REGIONS:
        proc, url = start_sim(size // len(REGIONS), directories, latency_ms, (region,), nice)
        procs.append(proc)
        urls[region] = url
    return procs, urls


def regional_clients(urls: dict[str, str]) -> Any:
    """Clients whose endpoint depends on the target's region (bench only)."""
    from wstui.core.aws import Clients

    class RegionalClients(Clients):
        def __init__(self) -> None:
            super().__init__(max_pool_connections=64)
            self.by_region = {
                r: Clients(endpoint_url=u, max_pool_connections=64) for r, u in urls.items()
            }

        def client(self, service: str, target: Any) -> Any:
            return self.by_region[target.region].client(service, target)

    return RegionalClients()


class CallCounter:
    """Counts API calls (and HTTP attempts, retries included) made by botocore in-process."""

    def __init__(self) -> None:
        import botocore.endpoint

        self.calls: Counter[str] = Counter()
        self.attempts = 0
        self._lock = threading.Lock()
        endpoint = botocore.endpoint.Endpoint
        make_request, send = endpoint.make_request, endpoint._send
        counter = self

        def counting_make_request(self: Any, operation_model: Any, request_dict: Any) -> Any:
            with counter._lock:
                counter.calls[operation_model.name] += 1
            return make_request(self, operation_model, request_dict)

        def counting_send(self: Any, request: Any) -> Any:
            with counter._lock:
                counter.attempts += 1
            return send(self, request)

        endpoint.make_request = counting_make_request  # type: ignore[method-assign]
        endpoint._send = counting_send  # type: ignore[method-assign]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.attempts = 0


def process_cpu(pids: tuple[int, ...]) -> float:
    """User + system CPU seconds the processes have used so far (Linux /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def run_ours(
    urls: dict[str, str], counter: CallCounter, sim_pids: tuple[int, ...] = ()
) -> dict[str, Any]:
    from wstui.core import listers
    from wstui.core.aws import Target
    from wstui.core.cache import Cache
    from wstui.core.refresh import Refresher

    os.environ.update(CREDS)
    os.environ.pop("AWS_PROFILE", None)
    workers = 4
    with tempfile.TemporaryDirectory(prefix="wstui-bench-") as tmp:
        cache = Cache(Path(tmp) / "cache.sqlite")
        clients = regional_clients(urls)
        targets = [Target(None, r, "123456789012") for r in REGIONS]
        clients.remember(targets)  # STS is not part of the WorkSpaces listing
        refresher = Refresher(cache, clients, targets, kinds=["workspaces"], max_workers=workers)
        # Per target: the listing pool and the connection-status pool, MAX_WORKERS each.
        out: dict[str, Any] = {"concurrency": workers * listers.MAX_WORKERS * 2}
        for name in ("cold", "warm"):
            counter.reset()
            t0, cpu0, sim0 = time.perf_counter(), time.process_time(), process_cpu(sim_pids)
            results = refresher.refresh()
            seconds = time.perf_counter() - t0
            cpu = time.process_time() - cpu0  # this process only: the simulators run apart
            sim_cpu = process_cpu(sim_pids) - sim0
            errors = [r.error for r in results if r.error]
            if errors:
                raise RuntimeError(f"refresh failed: {errors}")
            out[name] = {
                "seconds": seconds,
                "cpu_s": cpu,
                "sim_cpu_s": sim_cpu,
                "rows": cache.count("ws"),
                "calls": sum(counter.calls.values()),
                "attempts": counter.attempts,
                "by_operation": dict(counter.calls),
            }
        cache.close()
    return out


def run_floor(urls: dict[str, str], counter: CallCounter, workers: int = 8) -> dict[str, Any]:
    """Plain boto3 making the cold pass's calls and discarding the answers (issue 17's
    floor): per region in parallel, DescribeWorkspaceDirectories, every directory's
    DescribeWorkspaces chain, then DescribeWorkspacesConnectionStatus 25 ids per call and
    GetResources 100 ARNs per call, `workers` calls in flight per kind of read. A fresh
    boto3 session with its defaults: none of wstui's hooks, parsers or cache."""
    from concurrent.futures import ThreadPoolExecutor

    import boto3

    account = "123456789012"

    def region(name: str) -> int:
        session = boto3.Session(region_name=name, aws_access_key_id=CREDS["AWS_ACCESS_KEY_ID"],
                                aws_secret_access_key=CREDS["AWS_SECRET_ACCESS_KEY"])  # fmt: skip
        from botocore.config import Config

        config = Config(max_pool_connections=64, retries={"mode": "standard"})
        ws = session.client("workspaces", endpoint_url=urls[name], config=config)
        tagging = session.client("resourcegroupstaggingapi", endpoint_url=urls[name], config=config)
        dirs = [d["DirectoryId"] for page in ws.get_paginator(
            "describe_workspace_directories").paginate() for d in page["Directories"]]  # fmt: skip

        def chain(directory: str) -> list[str]:
            pages = ws.get_paginator("describe_workspaces").paginate(DirectoryId=directory)
            return [w["WorkspaceId"] for page in pages for w in page["Workspaces"]]

        with ThreadPoolExecutor(workers) as pool:
            ids = [i for chunk in pool.map(chain, dirs) for i in chunk]
            arn = f"arn:aws:workspaces:{name}:{account}:workspace/"
            by25 = [ids[i : i + 25] for i in range(0, len(ids), 25)]
            by100 = [ids[i : i + 100] for i in range(0, len(ids), 100)]
            list(pool.map(lambda c: ws.describe_workspaces_connection_status(WorkspaceIds=c), by25))
            list(
                pool.map(
                    lambda c: tagging.get_resources(ResourceARNList=[arn + i for i in c]), by100
                )
            )
        return len(ids)

    counter.reset()
    t0, cpu0 = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(len(REGIONS)) as pool:
        rows = sum(pool.map(region, REGIONS))
    return {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - cpu0,
            "rows": rows, "calls": sum(counter.calls.values()),
            "by_operation": dict(counter.calls)}  # fmt: skip


def run_awscli(urls: dict[str, str]) -> dict[str, Any]:
    if not AWSCLI.exists():
        raise SystemExit(
            f"{AWSCLI} not found: python -m venv bench/.awscli-venv && "
            "bench/.awscli-venv/bin/pip install awscli"
        )
    env = {**os.environ, **CREDS, "AWS_PAGER": ""}
    env.pop("AWS_PROFILE", None)
    total, t0 = 0, time.perf_counter()
    for region in REGIONS:
        out = subprocess.run(
            [str(AWSCLI), "workspaces", "describe-workspaces", "--endpoint-url", urls[region],
             "--region", region, "--output", "json"],
            env=env, check=True, stdout=subprocess.PIPE, text=True,
        ).stdout  # fmt: skip
        total += len(json.loads(out)["Workspaces"])
    return {"seconds": time.perf_counter() - t0, "rows": total}


def merge(record: dict[str, Any]) -> None:
    try:
        old = json.loads(RESULTS.read_text(encoding="utf-8"))
        old = old if isinstance(old, list) else []
    except (OSError, ValueError):
        old = []
    kept = [r for r in old if isinstance(r, dict) and r.get("name") != record["name"]]
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps([*kept, record], indent=2) + "\n", encoding="utf-8")
    tmp.replace(RESULTS)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=100_000)
    p.add_argument("--directories", type=int, default=8)
    p.add_argument("--latency-ms", type=float, default=50.0)
    p.add_argument("--no-awscli", action="store_true", help="skip the AWS CLI (no record)")
    p.add_argument("--no-write", action="store_true", help="print only")
    args = p.parse_args(argv)

    counter = CallCounter()
    t0 = time.perf_counter()
    steal = Steal()
    procs, urls = start_sims(args.size, args.directories, args.latency_ms)
    print(f"simulators {', '.join(urls.values())}: {args.size} WorkSpaces, {len(REGIONS)} regions x "
          f"{args.directories} directories, {args.latency_ms:g} ms latency "
          f"(seeded in {time.perf_counter() - t0:.1f}s)", flush=True)  # fmt: skip
    try:
        ours = run_ours(urls, counter, tuple(p.pid for p in procs))
        cold = ours["cold"]
        # Both run on this machine's cores: no pass can be shorter than their CPU spread
        # over all of them (on AWS the service's CPU is not ours to pay).
        cores = len(os.sched_getaffinity(0))
        cpu_floor = (cold["cpu_s"] + cold["sim_cpu_s"]) / cores
        print(f"cold CPU: client {cold['cpu_s']:.1f}s + simulators {cold['sim_cpu_s']:.1f}s "
              f"over {cores} cores = {cpu_floor:.1f}s at the least")  # fmt: skip
        bound = cold["calls"] * args.latency_ms / 1000 / ours["concurrency"]
        print(f"ours cold: {cold['seconds']:.1f}s, {cold['rows']} rows, {cold['calls']} calls "
              f"({cold['attempts']} attempts) {cold['by_operation']}")  # fmt: skip
        warm = ours["warm"]
        warm_bound = warm["calls"] * args.latency_ms / 1000 / ours["concurrency"]
        print(f"ours warm: {warm['seconds']:.1f}s, {warm['calls']} calls; "
              f"bound {warm_bound:.1f}s (x{warm['seconds'] / warm_bound:.2f})")  # fmt: skip
        print(f"lower bound: {cold['calls']} calls x {args.latency_ms:g} ms / "
              f"{ours['concurrency']} = {bound:.1f}s -> ours x{cold['seconds'] / bound:.2f}")  # fmt: skip
        record: dict[str, Any] = {
            "name": "refresh_100k",
            "value": round(cold["seconds"], 2),
            "unit": "s",
            "vs_bound": round(cold["seconds"] / bound, 2),
            "bound_s": round(bound, 2),
            "calls": cold["calls"],
            "concurrency": ours["concurrency"],
            "warm_s": round(warm["seconds"], 2),
            "warm_vs_bound": round(warm["seconds"] / warm_bound, 2),
            "sim_cpu_s": round(cold["sim_cpu_s"], 2),
            "cpu_floor_s": round(cpu_floor, 2),
            "size": args.size,
            "latency_ms": args.latency_ms,
        }
        floor = run_floor(urls, counter)
        print(f"plain boto3, same calls, answers discarded: {floor['seconds']:.1f}s, client CPU "
              f"{floor['cpu_s']:.1f}s, {floor['calls']} calls {floor['by_operation']}")  # fmt: skip
        floor_record = {
            "name": "refresh_cpu_vs_boto3_floor",
            "value": round(cold["cpu_s"] / floor["cpu_s"], 2),
            "unit": "x",
            "baseline": 1.0,
            "cold_cpu_s": round(cold["cpu_s"], 2),
            "boto3_floor_cpu_s": round(floor["cpu_s"], 2),
            "cold_calls": cold["calls"],
            "floor_calls": floor["calls"],
            "size": args.size,
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "steal_pct": steal.pct(),
        }
        print(f"cold client CPU / plain boto3 floor: {floor_record['value']:.2f}")
        if not args.no_awscli:
            cli = run_awscli(urls)
            if cli["rows"] != cold["rows"]:
                raise RuntimeError(f"AWS CLI listed {cli['rows']} rows, we {cold['rows']}")
            print(f"aws cli: {cli['seconds']:.1f}s for {cli['rows']} rows -> "
                  f"x{cli['seconds'] / cold['seconds']:.2f} slower than ours")  # fmt: skip
            record["vs_awscli"] = round(cli["seconds"] / cold["seconds"], 2)
            # The most any client could reach here, with the simulators' CPU on these cores.
            record["vs_awscli_at_cpu_floor"] = round(cli["seconds"] / cpu_floor, 2)
            record["awscli_s"] = round(cli["seconds"], 2)
        record["cold_cpu_s"] = round(cold["cpu_s"], 2)
        record["warm_cpu_s"] = round(warm["cpu_s"], 2)
        # Issue 17: a warm pass of a steady fleet (nothing changed) against the cold one,
        # both this process's CPU (the client's; the simulators are other processes).
        ratio = {
            "name": "warm_refresh_cpu_ratio",
            "value": round(warm["cpu_s"] / cold["cpu_s"], 2),
            "unit": "x",
            "baseline": 1.0,
            "cold_cpu_s": round(cold["cpu_s"], 2),
            "warm_cpu_s": round(warm["cpu_s"], 2),
            "warm_calls": warm["calls"],
            "cold_calls": cold["calls"],
            "size": args.size,
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "steal_pct": steal.pct(),
        }
        print(f"client CPU: cold {cold['cpu_s']:.1f}s, warm {warm['cpu_s']:.1f}s "
              f"-> warm/cold {ratio['value']:.2f}; warm calls {warm['calls']} "
              f"(cold {cold['calls']})")  # fmt: skip
        record["steal_pct"] = steal.pct()
        print(f"CPU stolen by the hypervisor during the run: {record['steal_pct']}%")
        print(json.dumps(record))
        if not args.no_write:
            merge(ratio)
            merge(floor_record)
            if not args.no_awscli:
                merge(record)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
