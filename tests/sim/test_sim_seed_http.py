"""Seeder (determinism, mix, hostile values, scale) and plain boto3 over real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter

import boto3
import pytest

from wstui.sim import HOSTILE_STRINGS, Simulator

REGION = "us-east-1"


def _http_client(url: str, region: str = REGION):
    return boto3.client("workspaces", region_name=region, endpoint_url=url,
                        aws_access_key_id="x", aws_secret_access_key="x")  # fmt: skip


def _seeded_ids(seed: int, size: int) -> dict[str, list[str]]:
    sim = Simulator(seed=seed, start=1_700_000_000)
    with sim.running():
        return sim.seed(size=size).workspace_ids


def test_same_seed_same_fleet_other_seed_other_fleet():
    assert _seeded_ids(3, 60) == _seeded_ids(3, 60)
    assert _seeded_ids(3, 60) != _seeded_ids(4, 60)


def test_fleet_mix_of_states_modes_history_and_directories():
    sim = Simulator(seed=11)
    with sim.running():
        report = sim.seed(size=2000, regions=("us-east-1", "eu-west-1"), directories_per_region=3)
        now = sim.clock.now()
        items = [w for r in report.regions for w in sim.backend(r).workspaces.values()]
        states = Counter(w.state for w in items)
        assert states.most_common(1)[0][0] == "AVAILABLE"
        assert {"STOPPED", "ERROR", "UNHEALTHY", "SUSPENDED", "ADMIN_MAINTENANCE"} <= set(states)
        assert {w.running_mode for w in items} == {"AUTO_STOP", "ALWAYS_ON", "MANUAL"}
        assert len({w.compute_type for w in items}) >= 5
        # Usage history as the API reports it (from the session model).
        statuses = [s for r in report.regions for page in boto3.client(
            "workspaces", region_name=r).get_paginator(
            "describe_workspaces_connection_status").paginate()
            for s in page["WorkspacesConnectionStatus"]]  # fmt: skip
        assert len(statuses) == len(items)
        ages = [None if "LastKnownUserConnectionTimestamp" not in s
                else (now - s["LastKnownUserConnectionTimestamp"].timestamp()) / 86400
                for s in statuses]  # fmt: skip
        assert any(a is None for a in ages)  # never connected
        assert any(a is not None and a < 7 for a in ages)  # recent
        assert any(a is not None and a > 60 for a in ages)  # idle for months
        client = boto3.client("workspaces", region_name="eu-west-1")
        dirs = client.describe_workspace_directories()["Directories"]
        assert len(dirs) == 3
        assert {w.directory_id for w in sim.backend("eu-west-1").workspaces.values()} == {
            d["DirectoryId"] for d in dirs}  # fmt: skip


def test_hostile_strings_planted_and_served_verbatim_over_http(sim, sim_url):
    sim.seed(size=1200, regions=(REGION,), directories_per_region=2)
    client = _http_client(sim_url)
    served = [w for p in client.get_paginator("describe_workspaces").paginate()
              for w in p["Workspaces"]]  # fmt: skip
    texts = {w["UserName"] for w in served} | {w.get("ComputerName", "") for w in served}
    tags = [t for w in sim.backend(REGION).workspaces.values() for t in w.tags]
    texts |= {t["Value"] for t in tags} | {t["Key"] for t in tags}
    missing = [h for h in HOSTILE_STRINGS if h not in texts]
    assert missing == []
    # UserName has max 63 in the model: the 1,000-character string is planted cut to 63
    # there (and whole as a computer name, which the model does not bound).
    assert any(w["UserName"] == "W" * 63 for w in served)
    assert all(len(w["UserName"]) <= 63 for w in served)
    # A hostile tag round-trips through DescribeTags byte for byte.
    region, ws_id = next(x for x in sim.report.hostile_ids if x[0] == REGION)
    planted = sim.workspace(region, ws_id).tags
    assert client.describe_tags(ResourceId=ws_id)["TagList"] == planted


@pytest.mark.slow
def test_ten_thousand_over_http_pages_of_25_exactly_once():
    sim = Simulator(seed=5)
    sim.activate()
    sim.seed(size=10_000, regions=(REGION,), directories_per_region=4)
    url, stop = sim.serve_in_thread(port=0)
    try:
        client = _http_client(url)
        ids, sizes, token = [], [], None
        while True:
            page = client.describe_workspaces(**({"NextToken": token} if token else {}))
            sizes.append(len(page["Workspaces"]))
            ids += [w["WorkspaceId"] for w in page["Workspaces"]]
            token = page.get("NextToken")
            if not token:
                break
    finally:
        stop()
    assert max(sizes) == 25 and len(sizes) == 400
    assert len(ids) == len(set(ids)) == 10_000


@pytest.mark.slow
def test_seed_100k_under_60s_and_1_5_gb():
    # A fresh interpreter, so the RSS figure is the simulator's and not the test run's.
    code = textwrap.dedent("""
        import json, resource, time, boto3
        from wstui.sim import Simulator
        sim = Simulator(seed=1); sim.activate()
        t = time.perf_counter()
        sim.seed(size=100_000, regions=("us-east-1", "eu-west-1"), directories_per_region=4)
        seconds = time.perf_counter() - t
        url, stop = sim.serve_in_thread(port=0)
        c = boto3.client("workspaces", region_name="us-east-1", endpoint_url=url,
                         aws_access_key_id="x", aws_secret_access_key="x")
        page = c.describe_workspaces(); page = c.describe_workspaces(NextToken=page["NextToken"])
        stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        print(json.dumps({"seconds": seconds, "rss": rss, "page": len(page["Workspaces"])}))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)  # fmt: skip
    got = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"seeded 100,000 in {got['seconds']:.1f}s, max RSS {got['rss'] / 2**20:.0f} MiB")
    assert got["page"] == 25
    assert got["seconds"] < 60
    assert got["rss"] < 1.5 * 2**30


def test_sim_serve_command_serves_until_interrupted():
    cmd = [sys.executable, "-c", "import sys; from wstui.cli import main; sys.exit(main())",
           "sim", "serve", "--port", "0", "--size", "60", "--regions", "eu-west-1",
           "--seed", "9"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    try:
        url = None
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("endpoint: "):
                url = line.split()[1]
                break
        assert url and url.startswith("http://127.0.0.1:")
        client = _http_client(url, "eu-west-1")
        count = sum(len(p["Workspaces"]) for p in
                    client.get_paginator("describe_workspaces").paginate())  # fmt: skip
        assert count == 60
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
